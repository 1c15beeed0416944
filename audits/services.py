"""What happens to an audit, whoever asks (web page, API, demo, benchmark): create, save a draft,
check in, submit, approve, return (photos: audits/photo_evidence.py).

Services change the session and flush; the caller commits once. Nothing here knows about HTTP:
a refused action raises an :class:`audits.errors.AuditError` whose ``status`` (404, 403, 409,
422...) and ``details`` the app's error handler (core/errors.py) turns into a 4xx answer.
Beside this module: who may (policy), answers and scoring (answers), lists (queries), planned
audits (assignments).

An audit's life: ``draft`` -> ``submitted`` -> ``approved``, or
``returned`` to the auditor with a reason, who fixes it and submits again. Every change after the
first submission is an :class:`AuditEvent`.
"""
import re

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from accounts.permissions import can_manage_branch, may_start_unplanned
from audits import events
from audits.answers import (
    MAX_COMMENT,
    MAX_NOTES,
    answer_values,
    check_details,
    coerce_value,
    jsonable,
    problem_message,
    problems_of,
    score_and_store,
    set_answers,
    spec_of,
    validate_for_submit,
)
from audits.errors import AuditConflict, AuditForbidden, AuditInvalid, AuditNotFound
from audits.models import Assignment, Audit
from audits.policy import (
    is_own_work,
    require_editable,
    require_visible,
    status_label,
)
from audits.values import get_obj, naive_utc, resolve_scorecard
from branches.models import Branch, Employee
from core.memo import remembered
from core.timeutil import utcnow
from extensions import db
from scorecards import scoring
from scorecards.models import CHANNELS, Scorecard, ScorecardVersion

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_REASON = 2000


def published_version_for(scorecard: Scorecard) -> ScorecardVersion:
    """The version new audits of ``scorecard`` use: its latest published one.

    Raises AuditConflict for an archived scorecard or one never published."""
    if scorecard.archived:
        raise AuditConflict(_("The scorecard %(name)s is archived: no new audits can use it.",
                              name=scorecard.title()))
    version = latest_published(scorecard)
    if version is None:
        raise AuditConflict(_("The scorecard %(name)s has no published version yet.", name=scorecard.title()))
    return version


def latest_published(scorecard: Scorecard) -> ScorecardVersion | None:
    """One query for the version, not every version with its questions (``Scorecard.versions``);
    once per transaction (the API's check and ``create_audit`` ask it both; core/memo.py)."""
    return remembered(("latest_published", scorecard.id), lambda: db.session.scalar(db.select(ScorecardVersion).where(
        ScorecardVersion.scorecard_id == scorecard.id, ScorecardVersion.status == "published")
        .order_by(ScorecardVersion.number.desc()).limit(1).options(lazyload(ScorecardVersion.sections))))


def find_by_client_id(client_id: str) -> Audit | None:
    return db.session.scalar(db.select(Audit).where(Audit.client_id == client_id))


def create_audit(auditor, *, version=None, scorecard=None, branch=None, employee=None,
                 employee_name_given: str = "", assignment=None, channel: str | None = None,
                 client_id: str, started_at=None, ended_at=None, notes: str = "", before_insert=None) -> Audit:
    """Start a draft audit for ``auditor`` (the acting user, who becomes the audit's auditor).

    Idempotent on ``client_id`` (a UUID the client makes): the same ``client_id`` again returns the
    first audit unchanged, so a double tap or a retried request makes one audit. The returned
    audit has ``created_now`` True only when this call made it.

    - With ``assignment`` (object or id): branch, scorecard and employee come from it; only its
      auditor may use it (others: 404), and only once (AuditConflict, 409).
    - Without: ``scorecard`` (object, id or slug) or ``version`` (its scorecard's latest published
      version is used either way) and ``branch`` (object or id) are required. Auditors may start
      such an unplanned audit only when the setting ``allow_unplanned_audits`` is on (else
      AuditForbidden, 403); managers only in their branches (else AuditNotFound, 404); HR never.
    - Archived scorecards, or ones never published, refuse new audits (AuditConflict, 409).
    - ``employee`` must work at the branch; ``channel`` defaults to the scorecard's;
      ``started_at`` defaults to now (naive UTC; aware datetimes or ISO strings are converted).
    - ``before_insert(audit)``, when given, may check and fill the new audit before its one INSERT
      (audits/submission.py: submitted and scored at once); what it raises saves nothing.
    """
    client_id = (client_id or "").strip()
    if not CLIENT_ID_RE.match(client_id):
        raise AuditInvalid(_("Some details are not valid."),
                           [("client_id", _("A client id of 8 to 64 letters, digits, - or _ is needed."))])
    existing = find_by_client_id(client_id)
    if existing is not None:
        return _same_client_id(auditor, existing)
    if auditor.role == "hr":
        raise AuditForbidden(_("Your role cannot make audits."))

    if assignment is not None:
        assignment = get_obj(Assignment, assignment)
        if assignment is None or assignment.auditor_id != auditor.id:
            if assignment is not None and can_manage_branch(auditor, assignment.branch_id):
                raise AuditForbidden(_("Only the auditor of this assignment can make its audit."))
            raise AuditNotFound(_("There is no such assignment, or it is not yours."))
        if assignment.audit is not None:
            raise AuditConflict(_("This assignment already has an audit."),
                                details={"audit_id": assignment.audit.id})
        branch, card, employee = assignment.branch, assignment.scorecard, assignment.employee
    else:
        if not may_start_unplanned(auditor):
            if auditor.role == "auditor":
                raise AuditForbidden(_("Audits without an assignment are turned off by the administrator."))
            raise AuditForbidden(_("Your role cannot make audits."))
        given = scorecard is not None or version is not None, branch is not None
        card = resolve_scorecard(scorecard, version)
        branch = get_obj(Branch, branch)
        problems = []
        if card is None:
            problems.append(("scorecard", _("Choose a scorecard.")))
        if branch is None:
            problems.append(("branch", _("Choose a branch.")))
        if problems:
            # left out: 422; sent but naming nothing: 404, as any reference to nothing when making something
            missing = not given[0] and card is None or not given[1] and branch is None
            raise AuditInvalid(_("Some details are not valid."), problems,
                               **({} if missing else {"status": 404, "code": "not_found"}))
        if auditor.role == "manager" and not can_manage_branch(auditor, branch.id):
            raise AuditNotFound(_("There is no such branch, or it is not yours."))
        if not branch.active:
            raise AuditConflict(_("The branch %(name)s is closed.", name=branch.name))
        employee = get_obj(Employee, employee) if employee is not None else None

    version = published_version_for(card)
    if employee is not None and (employee.branch_id != branch.id or
                                 (not employee.active and assignment is None)):
        raise AuditInvalid(_("Some details are not valid."),  # who works where is stored: 409
                           [("employee_id", _("This employee does not work at this branch."))],
                           status=409, code="not_at_branch")
    channel = channel or card.channel
    if channel not in CHANNELS:
        raise AuditInvalid(_("Some details are not valid."), [("channel", _("Unknown channel."))])
    started_at = naive_utc(started_at, "started_at") or utcnow()
    ended_at = naive_utc(ended_at, "ended_at")
    if ended_at is not None and ended_at < started_at:
        # Two values of the body against each other, which OpenAPI 3.0 cannot state: 409 (docs/api.md)
        raise AuditInvalid(_("Some details are not valid."), [("ended_at", _("The end is before the start."))],
                           status=409, code="reversed_period")

    audit = Audit(client_id=client_id, auditor_id=auditor.id, branch=branch,  # held: receivers read it
                  employee_id=employee.id if employee is not None else None,
                  employee_name_given=(employee_name_given or "").strip()[:120], version=version,
                  channel=channel, status="draft", started_at=started_at, ended_at=ended_at,
                  notes=(notes or "")[:MAX_NOTES])
    if before_insert is not None:
        before_insert(audit)
    try:
        with db.session.begin_nested():
            db.session.add(audit)
            audit.assignment = assignment
            db.session.flush()
    except IntegrityError:
        # Another request with the same client_id (or for the same assignment) won the race.
        existing = find_by_client_id(client_id)
        if existing is not None:
            return _same_client_id(auditor, existing)
        raise AuditConflict(_("This assignment already has an audit.")) from None
    audit.created_now = True
    return audit


def _same_client_id(user, audit: Audit) -> Audit:
    if audit.auditor_id != user.id:
        raise AuditConflict(_("This client id belongs to another audit."))
    audit.created_now = False
    return audit


def save_draft(audit: Audit, user, answers: dict | None = None, comments: dict | None = None,
               **details) -> list[tuple[str, object, object]]:
    """Save answers, comments and details of a draft or returned audit, as the auditor goes.

    ``answers`` maps criterion key to value (None or "" removes the answer); values are checked
    with ``scoring.check_answers(submit=False)`` and a wrong one raises AuditInvalid listing every
    problem, saving nothing. ``comments`` maps criterion key to text. ``details`` may hold
    ``employee_id``, ``employee_name_given``, ``started_at``, ``ended_at``, ``channel``, ``notes``.

    Only the audit's auditor may save (AuditForbidden), only while draft or returned
    (AuditConflict). Once the audit has been submitted (it came back returned), each change is
    recorded as an AuditEvent: ``answer_changed`` (criterion key, value before and after),
    ``comment_changed`` or ``details_changed``. Returns the answer changes as (key, before, after).
    """
    require_editable(user, audit)
    answers = dict(answers or {})
    comments = dict(comments or {})
    spec = spec_of(audit)
    answers = {key: coerce_value(spec.criterion(key), value) if spec.criterion(key) else value
               for key, value in answers.items()}
    merged = answer_values(audit)
    merged.update(answers)
    merged = {k: v for k, v in merged.items() if v is not None}
    errors = [e for e in scoring.check_answers(spec, merged, submit=False) if e.key in answers]
    problems = problems_of(spec, errors)
    problems += [(key, problem_message(None)) for key in comments if spec.criterion(key) is None]
    problems += [(key, _("Enter text.")) for key, text in comments.items()
                 if text is not None and not isinstance(text, str)]
    detail_changes, detail_problems = check_details(audit, details)
    problems += detail_problems
    if problems:
        # Which keys and values are answers is the audit's scorecard version's (stored): 409
        raise AuditInvalid(_("Some answers are not valid."), problems, status=409, code="answers_conflict")

    old_comments = {a.criterion_key: a.comment for a in audit.answers}
    changes = set_answers(audit, answers, comments)
    record = audit.submitted_at is not None
    if record:
        for key, before, after in changes:
            audit.record(user, "answer_changed", criterion_key=key, before=before, after=after)
        for key, text in comments.items():
            before, after = old_comments.get(key) or "", (text or "")[:MAX_COMMENT]
            if before != after:
                audit.record(user, "comment_changed", criterion_key=key, before=before, after=after)
    if detail_changes:
        before = {k: jsonable(getattr(audit, k)) for k in detail_changes}
        for key, value in detail_changes.items():
            setattr(audit, key, value)
        if record:
            audit.record(user, "details_changed", before=before,
                   after={k: jsonable(v) for k, v in detail_changes.items()})
    # Touch the row so its lock_version moves: the revision clients compare their copies with.
    audit.updated_at = utcnow()
    db.session.flush()
    return changes


def set_checkin(audit: Audit, user, lat, lng, accuracy=None, at=None) -> None:
    """Store where and when the auditor checked in (given with their consent in the browser)."""
    require_editable(user, audit)
    try:
        lat, lng = float(lat), float(lng)
        accuracy = float(accuracy) if accuracy not in (None, "") else None
    except (TypeError, ValueError):
        raise AuditInvalid(_("The location is not valid."), [("checkin", _("The location is not valid."))]) \
            from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (accuracy is not None and not 0 <= accuracy < 1e7):
        raise AuditInvalid(_("The location is not valid."), [("checkin", _("The location is not valid."))])
    audit.checkin_lat, audit.checkin_lng, audit.checkin_accuracy = lat, lng, accuracy
    audit.checkin_at = naive_utc(at, "checkin_at") or utcnow()
    if audit.checkin_at > utcnow():
        audit.checkin_at = utcnow()
    db.session.flush()


# --- Submit, approve, return -------------------------------------------------------------------

def submit(audit: Audit, user, *, client_id: str | None = None) -> bool:
    """Submit the audit: check every answer, score it with the engine and store the figures.

    Idempotent: when the audit is already submitted (or approved), a repeat by its auditor changes
    nothing and returns False; a real submission returns True. ``client_id``, when given, must be
    the audit's (a stale page of another audit gets AuditConflict).

    Raises AuditInvalid whose ``problems`` list every missing or invalid answer as
    (criterion key, message). Records the event ``submitted`` the first time, ``resubmitted``
    after a return.
    """
    require_visible(user, audit)
    if client_id is not None and client_id != audit.client_id:
        raise AuditConflict(_("This form belongs to another audit. Reload the page."))
    if audit.auditor_id != user.id:
        raise AuditForbidden(_("Only the auditor who made this audit can submit it."))
    if audit.status in ("submitted", "approved"):
        return False
    problems = validate_for_submit(audit)
    if problems:
        raise AuditInvalid(
            _("%(count)d answers are missing or not valid.", count=len(problems)) if len(problems) > 1
            else _("1 answer is missing or not valid."), problems)
    score_and_store(audit)
    now = utcnow()
    action = "resubmitted" if audit.submitted_at is not None else "submitted"
    audit.status = "submitted"
    audit.submitted_at = now
    if audit.ended_at is None:
        audit.ended_at = now
    audit.record(user, action)
    db.session.flush()
    events.audit_submitted.send(audit, actor=user)
    return True


def _require_reviewer(reviewer, audit: Audit, expected_version: int | None) -> None:
    require_visible(reviewer, audit)
    if not can_manage_branch(reviewer, audit.branch_id):
        raise AuditForbidden(_("Only a manager of this branch or an administrator can review this audit."))
    if is_own_work(reviewer, audit):
        raise AuditForbidden(_("You made this audit, so you cannot review it: another manager of the branch "
                               "or an administrator approves or returns it."))
    if expected_version is not None and int(expected_version) != audit.lock_version:
        raise AuditConflict(_reviewed_message(audit), details={"status": audit.status})
    if audit.status != "submitted":
        raise AuditConflict(_reviewed_message(audit), details={"status": audit.status})


def _reviewed_message(audit: Audit) -> str:
    """Why a review cannot go ahead: who got there first, or the state the audit is in."""
    if audit.status in ("approved", "returned") and audit.reviewed_by is not None:
        if audit.status == "approved":
            return _("%(name)s has already approved this audit. Reload to see it.", name=audit.reviewed_by.name)
        return _("%(name)s has already returned this audit. Reload to see it.", name=audit.reviewed_by.name)
    if audit.status == "submitted":
        return _("This audit changed while you were looking at it. Reload and try again.")
    return _("Only submitted audits can be reviewed; this one is %(status)s.", status=status_label(audit.status))


def conflict_message(audit: Audit) -> str:
    """For a caller that caught StaleDataError: reload ``audit`` first, then explain who won."""
    return _reviewed_message(audit)


def approve(audit: Audit, reviewer, *, expected_version: int | None = None) -> None:
    """Approve a submitted audit: it now counts in reports. Admins, and managers of its branch.

    ``expected_version`` (the lock_version the reviewer saw) turns a review made on a stale page
    into AuditConflict; two reviewers acting at the very same time are stopped by the optimistic
    lock (StaleDataError at flush or commit: reload and call :func:`conflict_message`)."""
    _require_reviewer(reviewer, audit, expected_version)
    audit.status = "approved"
    audit.reviewed_at = utcnow()
    audit.reviewed_by = reviewer  # the relationship, not only its id: listeners may have read it already
    audit.record(reviewer, "approved")
    db.session.flush()
    events.audit_approved.send(audit, actor=reviewer)


def return_audit(audit: Audit, reviewer, reason: str, *, expected_version: int | None = None) -> None:
    """Return a submitted audit to its auditor with a reason (required), to fix and resubmit."""
    reason = (reason or "").strip()
    if not reason:
        raise AuditInvalid(_("Say why the audit is returned."), [("reason", _("A reason is needed."))])
    _require_reviewer(reviewer, audit, expected_version)
    audit.status = "returned"
    audit.return_reason = reason[:MAX_REASON]
    audit.reviewed_at = utcnow()
    audit.reviewed_by = reviewer  # the relationship, not only its id: listeners may have read it already
    audit.record(reviewer, "returned", reason=reason[:MAX_REASON])
    db.session.flush()
    events.audit_returned.send(audit, actor=reviewer)
