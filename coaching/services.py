"""Record, change, read and acknowledge coaching sessions: the rules in one place for the pages
and the API (docs/coaching.md).

Who: a manager of the employee's branch, or an admin, records and changes a session; HR reads
every one; the employee's own login reads theirs and acknowledges them (once, with the time);
auditors see none. Services flush and never commit; refusals are the audits' domain errors (the
same statuses everywhere: 404 not yours to see, 403 not your role, 409 already done, 422 invalid).
"""
from datetime import date

from flask_babel import gettext as _

from accounts.permissions import branch_ids_in_scope, can_manage_branch, is_own_employee
from audits.errors import AuditConflict, AuditForbidden, AuditInvalid, AuditNotFound
from branches.models import Employee
from coaching.models import CoachingSession
from core.timeutil import utcnow
from extensions import db
from scorecards.models import SCORED_TYPES, Criterion

MAX_TEXT = 4000
MAX_CRITERIA = 50
FIELDS = ("held_on", "criteria", "notes", "goals", "follow_up_on")


# ---- who may do what ------------------------------------------------------------------------------

def can_record(user, employee: Employee) -> bool:
    """A manager of the employee's branch, or an admin."""
    return user.role in ("admin", "manager") and can_manage_branch(user, employee.branch_id)


def can_see_session(user, session: CoachingSession) -> bool:
    if user.role == "employee":
        return is_own_employee(user, session.employee_id)
    if user.role not in ("admin", "manager", "hr"):
        return False
    scope = branch_ids_in_scope(user)
    return scope is None or session.employee.branch_id in scope


def can_change(user, session: CoachingSession) -> bool:
    return can_record(user, session.employee)


def can_acknowledge(user, session: CoachingSession) -> bool:
    return is_own_employee(user, session.employee_id) and session.acknowledged_at is None


# ---- checking what was sent -----------------------------------------------------------------------

def _text(value) -> str:
    return (value or "").strip()[:MAX_TEXT] if isinstance(value, str) else ""


def known_criteria(keys) -> set[str]:
    """The keys among ``keys`` that some scorecard's scored criterion has (any version, any
    scorecard): a text or photo question earns no points, so it has no rate to follow."""
    keys = {k for k in keys if isinstance(k, str)}
    if not keys:
        return set()
    return set(db.session.scalars(db.select(Criterion.key).where(Criterion.key.in_(sorted(keys)),
                                                                 Criterion.type.in_(SCORED_TYPES)).distinct()))


def _check(values: dict, problems: list, conflicts: list | None = None) -> dict:
    """Clean ``values`` (the FIELDS being set), adding (field, message) to ``problems``; criteria
    that no scorecard scores go to ``conflicts`` (409: the stored scorecards decide) when given."""
    out = {}
    if "held_on" in values:
        if not isinstance(values["held_on"], date):
            problems.append(("held_on", _("Give the day of the session.")))
        else:
            out["held_on"] = values["held_on"]
    if "criteria" in values:
        keys = list(dict.fromkeys(k.strip() for k in values["criteria"] or [] if isinstance(k, str) and k.strip()))
        if not keys:
            problems.append(("criteria", _("Choose at least one criterion worked on.")))
        elif len(keys) > MAX_CRITERIA:
            problems.append(("criteria", _("Choose at most %(count)d criteria.", count=MAX_CRITERIA)))
        else:
            known = known_criteria(keys)
            unknown = [k for k in keys if k not in known]
            (problems if conflicts is None else conflicts).extend(
                (k, _("No scorecard has this criterion.")) for k in unknown)
        out["criteria"] = keys
    for key in ("notes", "goals"):
        if key in values:
            out[key] = _text(values[key])
    if "follow_up_on" in values:
        out["follow_up_on"] = values["follow_up_on"] if isinstance(values["follow_up_on"], date) else None
    return out


def _dates_in_order(session_values: dict, problems: list) -> None:
    held, follow = session_values.get("held_on"), session_values.get("follow_up_on")
    if held and follow and follow < held:
        problems.append(("follow_up_on", _("The follow-up comes before the session.")))


# ---- actions --------------------------------------------------------------------------------------

def _refuse(problems: list, conflicts: list) -> None:
    """422 when a value is wrong in itself (naming every problem); else 409 when values do not fit
    what is stored (criteria no scorecard scores) or each other (a follow-up before the session,
    which OpenAPI 3.0 cannot state)."""
    if problems:
        raise AuditInvalid(_("The coaching session cannot be saved."), problems + conflicts)
    if conflicts:
        raise AuditInvalid(_("The coaching session cannot be saved."), conflicts, status=409,
                           code="coaching_conflict")


def record(user, employee: Employee, values: dict) -> CoachingSession:
    """Record a session with ``employee``: ``held_on`` (a date), ``criteria`` (criterion keys),
    ``notes``, ``goals``, ``follow_up_on`` (a date or None)."""
    if not can_record(user, employee):
        if user.role in ("admin", "manager", "hr") and (branch_ids_in_scope(user) is None
                                                        or employee.branch_id in branch_ids_in_scope(user)):
            raise AuditForbidden(_("Only a manager of the employee's branch, or an admin, records coaching."))
        raise AuditNotFound(_("There is nothing here, or it is not yours to see."))
    problems, conflicts = [], []
    cleaned = _check({"notes": "", "goals": "", "follow_up_on": None, **values}, problems, conflicts)
    for key in ("held_on", "criteria"):
        if key not in values:
            problems.append((key, _("This field is required.")))
    _dates_in_order(cleaned, conflicts)
    _refuse(problems, conflicts)
    session = CoachingSession(employee=employee, coach_id=user.id, created_at=utcnow(), updated_at=utcnow(),
                              **cleaned)
    db.session.add(session)
    db.session.flush()
    return session


def change(user, session: CoachingSession, values: dict) -> CoachingSession:
    """Change some of a session's fields (whoever may record one for the employee)."""
    if not can_see_session(user, session):
        raise AuditNotFound(_("There is nothing here, or it is not yours to see."))
    if not can_change(user, session):
        raise AuditForbidden(_("Only a manager of the employee's branch, or an admin, changes coaching."))
    problems, conflicts = [], []
    cleaned = _check({k: v for k, v in values.items() if k in FIELDS}, problems, conflicts)
    _dates_in_order({"held_on": cleaned.get("held_on", session.held_on),
                     "follow_up_on": cleaned.get("follow_up_on", session.follow_up_on)}, conflicts)
    _refuse(problems, conflicts)
    for key, value in cleaned.items():
        setattr(session, key, value)
    session.updated_at = utcnow()
    db.session.flush()
    return session


def acknowledge(user, session: CoachingSession) -> CoachingSession:
    """The employee says they have read the session (once; the time is kept)."""
    if not can_see_session(user, session):
        raise AuditNotFound(_("There is nothing here, or it is not yours to see."))
    if not is_own_employee(user, session.employee_id):
        raise AuditForbidden(_("Only the employee coached can acknowledge the session."))
    if session.acknowledged_at is not None:
        raise AuditConflict(_("You acknowledged this session already."),
                            details={"acknowledged_at": session.acknowledged_at.isoformat() + "Z"})
    session.acknowledged_at = utcnow()
    db.session.flush()
    return session


# ---- reading --------------------------------------------------------------------------------------

def session_query(user, employee_id: int | None = None, acknowledged: bool | None = None):
    """The sessions the user may see, newest first."""
    query = db.select(CoachingSession).join(Employee, Employee.id == CoachingSession.employee_id)
    if user.role == "employee":
        query = query.where(CoachingSession.employee_id == (user.employee_id or -1))
    elif user.role not in ("admin", "manager", "hr"):
        query = query.where(db.false())
    else:
        scope = branch_ids_in_scope(user)
        if scope is not None:
            query = query.where(Employee.branch_id.in_(sorted(scope)) if scope else db.false())
    if employee_id is not None:
        query = query.where(CoachingSession.employee_id == employee_id)
    if acknowledged is not None:
        query = query.where(CoachingSession.acknowledged_at.is_not(None) if acknowledged
                            else CoachingSession.acknowledged_at.is_(None))
    return query.order_by(CoachingSession.held_on.desc(), CoachingSession.id.desc())


def sessions_of(employee_id: int, limit: int = 20) -> list[CoachingSession]:
    return db.session.scalars(db.select(CoachingSession).where(CoachingSession.employee_id == employee_id)
                              .order_by(CoachingSession.held_on.desc(), CoachingSession.id.desc())
                              .limit(limit)).all()


def criterion_texts(keys) -> dict:
    """{key: text} of the newest criterion with each key (what a page shows for a coached key)."""
    keys = sorted({k for k in keys if isinstance(k, str)})
    if not keys:
        return {}
    rows = db.session.execute(db.select(Criterion.key, Criterion.text).where(Criterion.key.in_(keys))
                              .order_by(Criterion.id)).all()
    return {key: text for key, text in rows}  # the last (newest) wins


def criterion_choices() -> list[tuple[str, object]]:
    """Every criterion key of a published or draft scorecard with its newest text, by key (the form)."""
    rows = db.session.execute(db.select(Criterion.key, Criterion.text, Criterion.type).order_by(Criterion.id)).all()
    texts = {key: text for key, text, kind in rows if kind in SCORED_TYPES}
    return sorted(texts.items())
