"""Corrective actions: who may do what, and one function per change of state (docs/actions.md).

Services flush and never commit; a refusal is an audits.errors.AuditError (404 not visible, 403
not yours to do, 409 not possible from the action's state, 422 bad values), mapped once by the app.

The states are a transition table, not a state-machine library: five states and six moves, each
with its own rule of who may make it and what it needs (a note, a reason, a photo). A library
(python-statemachine, transitions) would hold the table but none of those rules, and every caller
would still need the same checks around it; the table below is the whole machine.
"""
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _

from accounts.models import User
from accounts.permissions import can_manage_branch, can_see_audit, can_see_branch, is_own_employee
from actions.models import PENDING, PRIORITIES, STATUS_LABELS, Action
from audits.errors import AuditConflict, AuditForbidden, AuditInvalid, AuditNotFound
from audits.models import Audit
from core.models import get_setting
from core.texts import pick
from core.timeutil import utcnow
from extensions import db

MAX_TITLE = 200
MAX_TEXT = 4000
AUTOMATIC_DUE_DAYS = 7
# to-state -> the states it may be reached from; anything else is an impossible change (409).
TRANSITIONS = {
    "in_progress": ("open",),
    "done": ("open", "in_progress"),  # a quick fix need not pass through "in progress"
    "verified": ("done",),
    "cancelled": ("open", "in_progress"),
}


# ---- who may do what ------------------------------------------------------------------------------

def can_see_action(user, action: Action) -> bool:
    """Its owner; whoever sees the branch (admins, HR, the branch's managers); and the employee
    whose audit it follows, through their own login."""
    if action.owner_id == user.id:
        return True
    if user.role in ("admin", "hr", "manager"):
        return can_see_branch(user, action.branch_id)
    return user.role == "employee" and is_own_employee(user, action.employee_id)


def can_create(user, audit: Audit) -> bool:
    """A manager of the audit's branch, or an admin, once the audit is approved."""
    return audit.status == "approved" and can_manage_branch(user, audit.branch_id)


def can_work(user, action: Action) -> bool:
    """Start it and mark it done: its owner, or a manager of the branch (or an admin)."""
    return action.owner_id == user.id or can_manage_branch(user, action.branch_id)


def can_manage(user, action: Action) -> bool:
    """Change its details or cancel it: a manager of the branch, or an admin."""
    return can_manage_branch(user, action.branch_id)


def can_verify(user, action: Action) -> bool:
    """Nobody verifies their own work: a manager of the branch (or an admin) who is not the owner."""
    return can_manage_branch(user, action.branch_id) and user.id != action.owner_id


def shown_person(viewer, action: Action, person):
    """A person named on an action, as the viewer may see them: the audited employee's login never
    learns who audited them (a mystery shopper stays anonymous), so the audit's auditor is hidden."""
    from accounts.permissions import hides_auditor

    if person is None or (hides_auditor(viewer) and person.id == action.audit.auditor_id):
        return None
    return person


def possible_owners(branch_id: int) -> list[User]:
    """Who may own an action of the branch: its active managers and the active logins of its
    employees, by name."""
    from branches.models import Branch, Employee

    branch = db.session.get(Branch, branch_id)
    managers = [u for u in (branch.managers if branch else []) if u.active and u.role == "manager"]
    employees = db.session.scalars(db.select(User).join(Employee, Employee.id == User.employee_id).where(
        User.role == "employee", User.active.is_(True), Employee.branch_id == branch_id)).all()
    return sorted({u.id: u for u in [*managers, *employees]}.values(), key=lambda u: (u.name.lower(), u.id))


def allowed_changes(user, action: Action) -> list[str]:
    """The states this user may move the action to now (what the page offers)."""
    rules = {"in_progress": can_work, "done": can_work, "verified": can_verify, "cancelled": can_manage}
    return [to for to, sources in TRANSITIONS.items() if action.status in sources and rules[to](user, action)]


# ---- creating and editing -------------------------------------------------------------------------

def _text(value, limit=MAX_TEXT) -> str:
    return (value or "").strip()[:limit] if isinstance(value, str) else ""


def _require_visible(user, action: Action) -> None:
    if not can_see_action(user, action):
        raise AuditNotFound(_("There is no such action, or it is not yours to see."))


def _check_details(branch_id: int, title, owner_id, due_date, priority, problems: list, conflicts: list) -> None:
    """Problems of the values themselves go to ``problems`` (422); ``conflicts`` (409) are those
    against what is stored: who may own an action of this branch."""
    if title is not None and not _text(title, MAX_TITLE):
        problems.append(("title", _("Give the action a title.")))
    if owner_id is not None and owner_id not in {u.id for u in possible_owners(branch_id)}:
        conflicts.append(("owner_id", _("The owner must be a manager of the branch or one of its employees' logins.")))
    if priority is not None and priority not in PRIORITIES:
        problems.append(("priority", _("Choose low, normal or high.")))
    if due_date is not None and not isinstance(due_date, date):
        problems.append(("due_date", _("Give a due date.")))


def _refuse(message, problems: list, conflicts: list) -> None:
    """422 naming every problem when a value is wrong in itself; else 409 when a value does not fit
    what is stored (the branch's people, the audit's failed criteria, its scorecard's sections)."""
    if problems:
        raise AuditInvalid(message, problems + conflicts)
    if conflicts:
        raise AuditInvalid(message, conflicts, status=409, code="action_conflict")


def create_action(audit: Audit, user, *, title: str, owner_id: int, due_date: date, description: str = "",
                  priority: str = "normal", criterion_key: str | None = None,
                  section_key: str | None = None) -> Action:
    """An action on a failed criterion (``criterion_key``), a section (``section_key``) or the whole
    audit (neither), by a manager of the branch or an admin, on an approved audit."""
    if not can_see_audit(user, audit):
        raise AuditNotFound(_("There is no such audit, or it is not yours to see."))
    if not can_manage_branch(user, audit.branch_id):
        raise AuditForbidden(_("Only a manager of the branch or an admin can create an action."))
    if audit.status != "approved":
        raise AuditConflict(_("Actions follow approved audits: approve this audit first."),
                            details={"status": audit.status})
    problems, conflicts = [], []
    _check_details(audit.branch_id, title, owner_id, due_date, priority, problems, conflicts)
    if owner_id is None:
        problems.append(("owner_id", _("Choose who owns the action.")))
    if due_date is None:
        problems.append(("due_date", _("Give a due date.")))
    scope = "audit"
    if criterion_key and section_key:
        problems.append(("section_key", _("Choose a criterion or a section, not both.")))
    elif criterion_key:
        scope = "criterion"
        answer = audit.answers_by_key().get(criterion_key)
        if answer is None or answer.fraction is None or answer.fraction >= 1:
            conflicts.append(("criterion_key", _("Choose a criterion this audit failed.")))
    elif section_key:
        scope = "section"
        if section_key not in {s.key for s in audit.version.sections}:
            conflicts.append(("section_key", _("Choose a section of this audit's scorecard.")))
    _refuse(_("The action cannot be created."), problems, conflicts)
    action = Action(audit=audit, branch_id=audit.branch_id, employee_id=audit.employee_id, scope=scope,
                    criterion_key=criterion_key or None, section_key=section_key or None,
                    title=_text(title, MAX_TITLE), description=_text(description), owner_id=owner_id,
                    due_date=due_date, priority=priority or "normal", status="open", created_by_id=user.id,
                    created_at=utcnow())
    db.session.add(action)
    db.session.flush()
    _notify_assigned(action, [action.owner], user)
    return action


def update_action(action: Action, user, **changes) -> Action:
    """Change title, description, owner, due date or priority of an action still to be done (a
    manager of the branch or an admin). A new due date may make it overdue again, and told again."""
    _require_visible(user, action)
    if not can_manage(user, action):
        raise AuditForbidden(_("Only a manager of the branch or an admin can change an action."))
    if action.status not in PENDING:
        raise AuditConflict(_("This action is closed: it can no longer change."), details={"status": action.status})
    problems, conflicts = [], []
    _check_details(action.branch_id, changes.get("title"), changes.get("owner_id"), changes.get("due_date"),
                   changes.get("priority"), problems, conflicts)
    _refuse(_("The action cannot be changed."), problems, conflicts)
    old_owner = action.owner_id
    if changes.get("title") is not None:
        action.title = _text(changes["title"], MAX_TITLE)
    if changes.get("description") is not None:
        action.description = _text(changes["description"])
    if changes.get("priority") is not None:
        action.priority = changes["priority"]
    if changes.get("due_date") is not None and changes["due_date"] != action.due_date:
        action.due_date = changes["due_date"]
        action.overdue_notified_at = None
    if changes.get("owner_id") is not None:
        action.owner_id = changes["owner_id"]
    db.session.flush()
    if action.owner_id != old_owner:
        db.session.expire(action, ["owner"])
        _notify_assigned(action, [action.owner], user)
    return action


# ---- changes of state, one function each ------------------------------------------------------------

def _require_move(action: Action, to: str) -> None:
    if action.status not in TRANSITIONS[to]:
        raise AuditConflict(_("An action that is “%(status)s” cannot become “%(to)s”.",
                              status=STATUS_LABELS[action.status], to=STATUS_LABELS[to]),
                            details={"status": action.status, "to": to})


def start(action: Action, user) -> None:
    """open -> in progress: its owner, or a manager of the branch."""
    _may_move(user, action, "in_progress", can_work, _("Only the owner or a manager of the branch can work on "
                                                       "this action."))
    action.status, action.started_at = "in_progress", utcnow()
    db.session.flush()


def _may_move(user, action: Action, to: str, may, refusal) -> None:
    """Every change of state: the action is the user's to see, ``may(user, action)`` or 403 with
    ``refusal``, and ``to`` follows from its state (else 409)."""
    _require_visible(user, action)
    if not may(user, action):
        raise AuditForbidden(refusal)
    _require_move(action, to)


def _required(text, message, field: str, field_message) -> str:
    """The text, trimmed; 422 naming ``field`` when there is none."""
    text = _text(text)
    if not text:
        raise AuditInvalid(message, [(field, field_message)])
    return text


def complete(action: Action, user, note: str, photo_stream=None, max_bytes: int | None = None) -> None:
    """open or in progress -> done, with a closing note (required) and optional photo evidence:
    checked, cleaned and stored exactly as an audit's photos are (audits/photos.py, core/storage.py)."""
    _may_move(user, action, "done", can_work, _("Only the owner or a manager of the branch can work on this "
                                                "action."))
    note = _required(note, _("Say what was done."), "closing_note", _("A closing note is needed."))
    if photo_stream is not None:
        action.photo = _store_photo(photo_stream, max_bytes or current_app.config["PHOTO_MAX_BYTES"])
    action.status, action.done_at, action.done_by_id = "done", utcnow(), user.id
    action.closing_note = note
    db.session.flush()


def _store_photo(stream, max_bytes: int) -> str:
    """Checked and cleaned as an audit's photos are (one function for both), then stored."""
    from audits import photos
    from audits.photo_evidence import clean_upload

    return photos.save(clean_upload(stream, max_bytes, "photo").data)


def verify(action: Action, user) -> None:
    """done -> verified: a manager of the branch (or an admin) who is not the owner."""
    _may_move(user, action, "verified", can_verify, _("A manager of the branch other than the owner verifies an "
                                                      "action."))
    action.status, action.verified_at, action.verified_by_id = "verified", utcnow(), user.id
    db.session.flush()


def cancel(action: Action, user, reason: str) -> None:
    """open or in progress -> cancelled, with a reason: a manager of the branch, or an admin."""
    _may_move(user, action, "cancelled", can_manage, _("Only a manager of the branch or an admin can cancel an "
                                                       "action."))
    reason = _required(reason, _("Say why the action is cancelled."), "cancel_reason", _("A reason is needed."))
    action.status, action.cancelled_at, action.cancelled_by_id = "cancelled", utcnow(), user.id
    action.cancel_reason = reason
    db.session.flush()


def change_status(action: Action, user, to: str, *, closing_note: str = "", cancel_reason: str = "") -> None:
    """The API's one entry for a change of state: the function of ``to``."""
    if to == action.status:
        raise AuditConflict(_("The action is already “%(status)s”.", status=STATUS_LABELS[to]), details={"status": to})
    if to == "in_progress":
        start(action, user)
    elif to == "done":
        complete(action, user, closing_note)
    elif to == "verified":
        verify(action, user)
    elif to == "cancelled":
        cancel(action, user, cancel_reason)
    else:  # "open": nothing goes back to open
        _require_visible(user, action)
        raise AuditConflict(_("An action never goes back to open."), details={"status": action.status, "to": to})


# ---- the critical failure -------------------------------------------------------------------------

def open_for_critical(audit: Audit) -> list[Action]:
    """When ``actions_on_critical`` is on: one open action per failed critical criterion of an
    approved audit, due in 7 days, owned by the branch's first manager by name (every manager of
    the branch is told). Once per audit and criterion: approving again opens nothing new."""
    if not audit.critical_failure or not get_setting("actions_on_critical"):
        return []
    answers = audit.answers_by_key()
    failed = [c for c in audit.version.criteria
              if c.critical and answers.get(c.key) is not None and answers[c.key].fraction == 0]
    done = set(db.session.scalars(db.select(Action.criterion_key).where(
        Action.audit_id == audit.id, Action.automatic.is_(True))))
    managers = sorted([u for u in audit.branch.managers if u.active], key=lambda u: (u.name.lower(), u.id))
    language = current_app.config.get("BABEL_DEFAULT_LOCALE", "es")
    made = []
    for criterion in failed:
        if criterion.key in done:
            continue
        action = Action(audit=audit, branch_id=audit.branch_id, employee_id=audit.employee_id, scope="criterion",
                        criterion_key=criterion.key, title=pick(criterion.text, language)[:MAX_TITLE],
                        owner_id=managers[0].id if managers else None, priority="high", status="open",
                        due_date=utcnow().date() + timedelta(days=AUTOMATIC_DUE_DAYS), automatic=True,
                        created_at=utcnow())
        db.session.add(action)
        made.append(action)
    db.session.flush()
    for action in made:
        _notify_assigned(action, managers, None)
    return made


def _notify_assigned(action: Action, recipients, actor) -> None:
    from notifications.services import notify

    notify(recipients, "action_assigned", action.id, notification_data(action), actor)


def notification_data(action: Action) -> dict:
    return {"branch": action.branch.name if action.branch else "", "title": action.title,
            "due_date": action.due_date.isoformat(), "owner_id": action.owner_id}
