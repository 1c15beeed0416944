"""Assignments: planned audits. Who audits which branch with which scorecard, by when; planned by
admins (every branch) and managers (their own)."""
from flask_babel import gettext as _

from accounts.models import User
from accounts.permissions import branch_ids_in_scope, can_manage_branch
from accounts.services import active_auditors
from audits import events
from audits.answers import MAX_NOTES
from audits.errors import AuditConflict, AuditForbidden, AuditInvalid, AuditNotFound
from audits.models import Assignment, Audit
from audits.policy import EDITABLE_STATUSES, can_see_assignment
from audits.values import get_obj, parse_date, resolve_scorecard
from branches.models import Branch, Employee
from core.timeutil import utcnow
from extensions import db

ASSIGNMENT_STATUSES = ("open", "in_progress", "done", "overdue")


def assignable_auditors():
    """Active users with the auditor role: whom assignments can be given to."""
    return db.session.scalars(active_auditors()).all()  # the one query of them (also the users API's)


def assignment_query(user, *, status=None, auditor_id=None, branch_id=None, scorecard_id=None, today=None):
    """A select of the assignments the user may see, soonest due first (no date last), with filters.

    ``status`` is one of open, in_progress, done, overdue (derived as Assignment.status() does), or
    ``pending`` (anything not done)."""
    today = today or utcnow().date()
    query = db.select(Assignment).outerjoin(Audit, Audit.assignment_id == Assignment.id)
    if user.role == "auditor":
        query = query.where(Assignment.auditor_id == user.id)
    else:
        scope = branch_ids_in_scope(user)
        if scope is not None:
            query = query.where(Assignment.branch_id.in_(scope or [-1]))
    no_audit = Audit.id.is_(None)
    if status == "done":
        query = query.where(Audit.status.in_(("submitted", "approved")))
    elif status == "in_progress":
        query = query.where(Audit.status.in_(EDITABLE_STATUSES))
    elif status == "overdue":
        query = query.where(no_audit, Assignment.due_date < today)
    elif status == "open":
        query = query.where(no_audit, db.or_(Assignment.due_date.is_(None), Assignment.due_date >= today))
    elif status == "pending":
        query = query.where(db.or_(no_audit, Audit.status.in_(EDITABLE_STATUSES)))
    for column, value in ((Assignment.auditor_id, auditor_id), (Assignment.branch_id, branch_id),
                          (Assignment.scorecard_id, scorecard_id)):
        if value:
            query = query.where(column == value)
    return query.order_by(Assignment.due_date.is_(None), Assignment.due_date, Assignment.id)


REFERENCES = ("auditor_id", "branch_id", "scorecard", "employee_id")


def _assignment_values(user, values: dict, current: Assignment | None = None) -> dict:
    """Check planned values (objects or ids) and return them as column values; raise AuditInvalid."""
    problems, out, missing = [], {}, False
    if "auditor" in values or current is None:
        auditor = get_obj(User, values.get("auditor"))
        if auditor is None and isinstance(values.get("auditor"), str) and "@" in values["auditor"]:
            auditor = db.session.scalar(db.select(User).where(User.email == values["auditor"].strip().lower()))
        missing |= auditor is None
        if auditor is None or auditor.role != "auditor" or not auditor.active:
            problems.append(("auditor_id", _("Choose an active auditor.")))
        else:
            out["auditor_id"] = auditor.id
    if "branch" in values or current is None:
        branch = get_obj(Branch, values.get("branch"))
        missing |= branch is None
        if branch is None or not branch.active:
            problems.append(("branch_id", _("Choose an open branch.")))
        elif not can_manage_branch(user, branch.id):
            raise AuditNotFound(_("There is no such branch, or it is not yours."))
        else:
            out["branch_id"] = branch.id
    if "scorecard" in values or current is None:
        card = resolve_scorecard(values.get("scorecard"))
        missing |= card is None
        if card is None or card.archived or card.latest_published is None:
            problems.append(("scorecard", _("Choose a published scorecard.")))
        else:
            out["scorecard_id"] = card.id
    if "employee" in values:
        employee = values.get("employee")
        if employee in (None, "", 0, "0"):
            out["employee_id"] = None
        else:
            employee = get_obj(Employee, employee)
            missing |= employee is None
            branch_id = out.get("branch_id", current.branch_id if current is not None else None)
            if employee is None or not employee.active or employee.branch_id != branch_id:
                problems.append(("employee_id", _("This employee does not work at this branch.")))
            else:
                out["employee_id"] = employee.id
    elif current is not None and "branch_id" in out and current.employee_id is not None \
            and out["branch_id"] != current.branch_id:
        out["employee_id"] = None  # the employee worked at the old branch
    if "due_date" in values:
        try:
            out["due_date"] = parse_date(values["due_date"], "due_date")
        except AuditInvalid as exc:
            problems += exc.problems
    if "notes" in values:
        out["notes"] = (values.get("notes") or "").strip()[:MAX_NOTES]
    if problems:
        # Each problem is still named (the page shows them by its fields). For the API, a reference
        # to nothing is 404 and one to something that cannot take it (a closed branch, a user who
        # does not audit, an employee of another branch) is 409, as everywhere else in it; only a
        # value wrong in itself is 422. Changing an assignment, 404 would say it is gone: 409.
        status = None
        if all(field in REFERENCES for field, _message in problems):
            status = 404 if missing and current is None else 409
        raise AuditInvalid(_("Some details are not valid."), problems, status=status,
                           code={404: "not_found", 409: "conflict"}.get(status))
    return out


def plan_assignment(user, *, auditor, branch, scorecard, employee=None, due_date=None, notes: str = "") -> Assignment:
    """Plan an audit: ``auditor`` (User, id or email) audits ``branch`` (object or id) with
    ``scorecard`` (object, id or slug), maybe one ``employee`` of that branch, by ``due_date``
    (date or ISO string). Admins for any branch, managers for their own (else AuditNotFound);
    other roles AuditForbidden. Bad values raise AuditInvalid naming each field."""
    if user.role not in ("admin", "manager"):
        raise AuditForbidden(_("Only administrators and managers plan audits."))
    values = _assignment_values(user, {"auditor": auditor, "branch": branch, "scorecard": scorecard,
                                       "employee": employee, "due_date": due_date, "notes": notes})
    assignment = Assignment(created_by_id=user.id, **values)
    db.session.add(assignment)
    db.session.flush()
    events.assignment_planned.send(assignment, actor=user)
    return assignment


def _require_planner(user, assignment: Assignment) -> None:
    if not can_see_assignment(user, assignment):
        raise AuditNotFound(_("There is no such assignment, or it is not yours."))
    if not can_manage_branch(user, assignment.branch_id):
        raise AuditForbidden(_("Only administrators and managers of the branch change assignments."))


def update_assignment(assignment: Assignment, user, **values) -> Assignment:
    """Change an assignment: keys ``auditor``, ``branch``, ``scorecard``, ``employee``, ``due_date``,
    ``notes`` (only those given change). Once its audit exists, only the due date and notes may
    change (AuditConflict otherwise); a manager moving it keeps to their own branches."""
    _require_planner(user, assignment)
    unknown = set(values) - {"auditor", "branch", "scorecard", "employee", "due_date", "notes"}
    if unknown:
        raise AuditInvalid(_("Some details are not valid."), [(k, _("Unknown field.")) for k in sorted(unknown)])
    checked = _assignment_values(user, values, current=assignment)
    if assignment.audit is not None:
        fixed = {k for k in ("auditor_id", "branch_id", "scorecard_id", "employee_id")
                 if k in checked and checked[k] != getattr(assignment, k)}
        if fixed:
            raise AuditConflict(_("This assignment already has an audit: only its due date and notes can change."),
                                details={"fields": sorted(fixed)})
    for key, value in checked.items():
        setattr(assignment, key, value)
    db.session.flush()
    events.assignment_changed.send(assignment, actor=user)
    return assignment


def delete_assignment(assignment: Assignment, user) -> None:
    """Delete an assignment that has no audit yet (AuditConflict when it has one)."""
    _require_planner(user, assignment)
    if assignment.audit is not None:
        raise AuditConflict(_("This assignment already has an audit and cannot be deleted."),
                            details={"audit_id": assignment.audit.id})
    events.assignment_cancelled.send(assignment, actor=user)  # before the row is gone
    db.session.delete(assignment)
    db.session.flush()
