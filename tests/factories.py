"""Factories for test data: small functions with sensible defaults, overridable by keyword."""
import itertools

from accounts import services as account_services
from branches.models import Branch, Employee
from extensions import db

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def branch(**kw) -> Branch:
    n = next(_seq)
    values = {"code": f"B{n:03d}", "name": f"Branch {n}", "city": "Madrid", "region": "Centro", "address": ""}
    values.update(kw)
    obj = Branch(**values)
    db.session.add(obj)
    db.session.flush()
    return obj


def employee(branch, **kw) -> Employee:
    n = next(_seq)
    values = {"code": f"E{n:04d}", "name": f"Employee {n}", "position": "Asesor"}
    values.update(kw)
    obj = Employee(branch=branch, **values)
    db.session.add(obj)
    db.session.flush()
    return obj


def user(role, email=None, branches=(), language="en", employee=None, **kw):
    n = next(_seq)
    email = email or f"{role}{n}@test.example"
    return account_services.create_user(email, kw.get("name", f"{role.title()} {n}"), role, PASSWORD,
                                        language, branch_ids=[b.id for b in branches],
                                        employee_id=employee.id if employee else None)


def world() -> dict:
    """Plain ids and emails (no ORM objects leave the app context)."""
    a = branch(code="A-1", name="Branch A", city="Madrid", region="Centro")
    b = branch(code="B-1", name="Branch B", city="Barcelona", region="Noreste")
    ea = employee(a, name="Ana Employee")
    eb = employee(b, name="Bruno Employee")
    users = {
        "admin": user("admin", "admin@test.example"),
        "manager_a": user("manager", "manager.a@test.example", branches=[a]),
        "manager_b": user("manager", "manager.b@test.example", branches=[b]),
        "auditor": user("auditor", "auditor@test.example"),
        "auditor2": user("auditor", "auditor2@test.example"),
        "hr": user("hr", "hr@test.example"),
        "employee": user("employee", "employee.a@test.example", employee=ea),  # Ana's own login
    }
    out = {name: {"id": u.id, "email": u.email} for name, u in users.items()}
    out.update(branch_a=a.id, branch_b=b.id, employee_a=ea.id, employee_b=eb.id)
    return out


# A worked example of the scoring rules (docs/scoring.md) as a scorecard file: scores 61.1 % with WORKED_ANSWERS.
WORKED_EXAMPLE = {
    "slug": "worked-example",
    "name": {"es": "Ejemplo", "en": "Worked example"},
    "channel": "visit",
    "sections": [
        {"key": "a", "title": {"es": "Sección A", "en": "Section A"}, "weight": 2, "criteria": [
            {"key": "a_yes", "type": "yes_no", "kpi": "greeting", "text": {"es": "Saludo", "en": "Greeting"}},
            {"key": "a_no", "type": "yes_no", "kpi": "name_given",
             "text": {"es": "Dio su nombre", "en": "Gave their name"}},
            {"key": "a_na", "type": "yes_no", "allow_na": True, "text": {"es": "Oferta", "en": "Offer"}},
        ]},
        {"key": "b", "title": {"es": "Sección B", "en": "Section B"}, "weight": 1, "criteria": [
            {"key": "b_scale", "type": "scale", "min": 1, "max": 5, "weight": 2, "kpi": "courtesy",
             "text": {"es": "Cortesía", "en": "Courtesy"}},
            {"key": "b_yes", "type": "yes_no", "kpi": "farewell", "text": {"es": "Despedida", "en": "Farewell"}},
            {"key": "b_notes", "type": "text", "text": {"es": "Notas", "en": "Notes"}},
        ]},
    ],
}
WORKED_ANSWERS = {"a_yes": "yes", "a_no": "no", "a_na": "na", "b_scale": 4, "b_yes": "yes"}


def scorecard(data=None, publish=True, **overrides):
    """A scorecard with one version built from a file structure (default: the worked example)."""
    import copy

    from core.timeutil import utcnow
    from scorecards.models import Scorecard
    from scorecards.services import build_version

    data = copy.deepcopy(data or WORKED_EXAMPLE)
    data.update(overrides)
    if "slug" not in overrides and data["slug"] == WORKED_EXAMPLE["slug"]:
        data["slug"] = f"worked-example-{next(_seq)}"
    card = Scorecard(slug=data["slug"], name=data["name"], channel=data["channel"])
    db.session.add(card)
    version = build_version(card, data)
    db.session.add(version)
    db.session.flush()
    if publish:
        version.status = "published"
        version.published_at = utcnow()
        db.session.flush()
    return version


def audit(version, auditor_id, branch_id, answers=None, status="approved", employee_id=None,
          started_at=None, comments=None, **kw):
    """An audit with its answers, scored by the engine and stored as on submit."""
    import uuid
    from datetime import timedelta

    from audits.answers import score_and_store, set_answers
    from audits.models import Audit
    from core.timeutil import utcnow

    started_at = started_at or utcnow() - timedelta(days=1)
    obj = Audit(client_id=str(uuid.uuid4()), auditor_id=auditor_id, branch_id=branch_id,
                employee_id=employee_id, version=version, channel=version.scorecard.channel,
                status=status, started_at=started_at, ended_at=started_at + timedelta(minutes=20), **kw)
    db.session.add(obj)
    db.session.flush()
    set_answers(obj, dict(WORKED_ANSWERS if answers is None else answers), comments)
    if status != "draft":
        score_and_store(obj)
        obj.submitted_at = started_at + timedelta(minutes=25)
    db.session.flush()
    if status == "approved":  # approved without the service: counted as the approval would
        from reports import rollups

        rollups.apply(obj, 1)
    return obj


def pdf_text(data: bytes) -> tuple[list[str], str]:
    """A PDF's text per page and in all, spaces (also the no-break ones) folded, as a reader sees it."""
    import io

    from pypdf import PdfReader

    pages = [" ".join((p.extract_text() or "").replace("\xa0", " ").replace("\u202f", " ").split())
             for p in PdfReader(io.BytesIO(data)).pages]
    return pages, " ".join(pages)
