"""Demo data: a small company with branches in several cities, its people and one user per role.

Beside app.py rather than in ``core``, because it reaches every feature package.

Every step looks its rows up by a natural key first, so running ``flask demo`` twice changes
nothing the second time.
"""
from accounts import services as account_services
from accounts.models import User
from audits import demo as audit_demo
from audits import events
from branches.models import Branch, Employee
from calibration import demo as calibration_demo
from extensions import db
from records.seal import seal_missing
from reports import rollups
from scorecards import defaults

PASSWORD = "veraz-demo-2026"  # noqa: S105  # nosec B105: the published demo password

BRANCHES = [
    ("MAD-01", "Madrid Gran Vía", "Madrid", "Centro", "Gran Vía 32, Madrid"),
    ("MAD-02", "Madrid Chamberí", "Madrid", "Centro", "Calle de Fuencarral 120, Madrid"),
    ("BCN-01", "Barcelona Diagonal", "Barcelona", "Noreste", "Avinguda Diagonal 450, Barcelona"),
    ("VLC-01", "Valencia Ruzafa", "Valencia", "Levante", "Carrer de Sueca 15, Valencia"),
    ("CC-01", "Centro de contacto", "Sevilla", "Sur", "Avenida de la Constitución 8, Sevilla"),
]

EMPLOYEES = [
    ("E001", "Lucía Fernández", "MAD-01", "Asesora comercial"),
    ("E002", "Javier Martín", "MAD-01", "Cajero"),
    ("E003", "Carmen Ruiz", "MAD-01", "Responsable de tienda"),
    ("E004", "Pablo Sánchez", "MAD-01", "Asesor comercial"),
    ("E005", "Marta Gómez", "MAD-02", "Asesora comercial"),
    ("E006", "Diego López", "MAD-02", "Cajero"),
    ("E007", "Elena Díaz", "MAD-02", "Responsable de tienda"),
    ("E008", "Jordi Puig", "BCN-01", "Asesor comercial"),
    ("E009", "Núria Vidal", "BCN-01", "Asesora comercial"),
    ("E010", "Marc Soler", "BCN-01", "Responsable de tienda"),
    ("E011", "Laia Ferrer", "BCN-01", "Cajera"),
    ("E012", "Andrés Navarro", "VLC-01", "Asesor comercial"),
    ("E013", "Rosa Moreno", "VLC-01", "Cajera"),
    ("E014", "Vicente Romero", "VLC-01", "Responsable de tienda"),
    ("E015", "Sofía Castro", "CC-01", "Agente telefónica"),
    ("E016", "Manuel Ortega", "CC-01", "Agente telefónico"),
    ("E017", "Isabel Delgado", "CC-01", "Agente de chat"),
    ("E018", "Raúl Molina", "CC-01", "Supervisor"),
]

USERS = [
    ("admin", "admin@veraz.example", "Ana Administradora", "es", []),
    ("manager", "manager@veraz.example", "Miguel Gerente", "es", ["MAD-01", "MAD-02", "CC-01"]),
    ("manager", "manager.bcn@veraz.example", "Montse Gerente", "es", ["BCN-01", "VLC-01"]),
    ("auditor", "auditor@veraz.example", "Alba Auditora", "es", []),
    ("auditor", "auditor2@veraz.example", "Tomás Auditor", "en", []),
    ("hr", "hr@veraz.example", "Helena Recursos Humanos", "es", []),
]
# An employee's own login: Lucía sees her approved audits (never who audited her) and may dispute them.
EMPLOYEE_LOGIN = ("employee", "empleada@veraz.example", "Lucía Fernández", "es", "E001")


def _branches() -> dict[str, Branch]:
    by_code = {b.code: b for b in db.session.scalars(db.select(Branch))}
    for code, name, city, region, address in BRANCHES:
        if code not in by_code:
            by_code[code] = Branch(code=code, name=name, city=city, region=region, address=address)
            db.session.add(by_code[code])
    db.session.flush()
    return by_code


def _employees(branches: dict[str, Branch]) -> None:
    existing = set(db.session.scalars(db.select(Employee.code)))
    for code, name, branch_code, position in EMPLOYEES:
        if code not in existing:
            db.session.add(Employee(code=code, name=name, branch=branches[branch_code], position=position))
    db.session.flush()


def _users(branches: dict[str, Branch]) -> dict[str, User]:
    users = {}
    for role, email, name, language, branch_codes in USERS:
        user = db.session.scalar(db.select(User).where(User.email == email))
        if user is None:
            user = account_services.create_user(email, name, role, PASSWORD, language,
                                                branch_ids=[branches[c].id for c in branch_codes])
        users[email] = user
    role, email, name, language, code = EMPLOYEE_LOGIN
    if db.session.scalar(db.select(User).where(User.email == email)) is None:
        employee_id = db.session.scalar(db.select(Employee.id).where(Employee.code == code))
        account_services.create_user(email, name, role, PASSWORD, language, employee_id=employee_id)
    return users


def _second_factor_off() -> None:
    """A newcomer looks around with the demo logins and a password only: the second factor that a
    new installation requires of admins and HR is switched off (unless an admin already chose)."""
    from core.models import Setting, set_setting

    if db.session.get(Setting, "require_2fa_for") is None:
        set_setting("require_2fa_for", [])


def load() -> list[tuple[str, str, str]]:
    """Load everything; returns (role, email, password) for the login instructions."""
    branches = _branches()
    _employees(branches)
    users = _users(branches)
    _second_factor_off()
    scorecards = defaults.load_defaults()
    with events.quiet():  # the demo's past audits are history, not news to notify
        audit_demo.load(users=users, branches=branches, scorecards=scorecards)
        calibration_demo.load(users=users, branches=branches, scorecards=scorecards)
    seal_missing()  # the past approvals were loaded quietly: seal them now, oldest first
    rollups.rebuild()  # the history went in without the approvals' signals
    from coaching import demo as coaching_demo  # coaching sessions on the demo's criteria

    coaching_demo.load()
    from security import demo as security_demo  # a few events for the security log's page

    security_demo.load(users)
    from actions import demo as action_demo  # corrective actions on some approved audits

    with events.quiet():
        action_demo.load()
    from surveys import demo as survey_demo  # customers' answers beside the audits

    survey_demo.load(branches)
    seen = set()
    logins = []
    for role, email, *_rest in (*USERS, EMPLOYEE_LOGIN):
        if role not in seen:
            seen.add(role)
            logins.append((role, email, PASSWORD))
    return logins
