"""What happens to an audit, whoever asks (web page, API, demo, benchmark): one place for the rules.

Services change the session and flush; the caller commits once. Nothing here knows about HTTP:
a refused action raises an :class:`AuditError` whose ``status`` (404, 403, 409, 422...) and
``details`` the web routes and the API turn into their own 4xx answer.

An audit's life (docs/scoring.md, "The life of an audit"): ``draft`` -> ``submitted`` -> ``approved``, or
``returned`` to the auditor with a reason, who fixes it and submits again. Every change after the
first submission is an :class:`AuditEvent`.
"""
import re
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from accounts.permissions import can_manage_branch, can_see_audit
from audits import events
from audits.models import Answer, Assignment, Audit, AuditEvent, SectionScore
from branches.models import Branch, Employee
from core.models import get_setting
from core.timeutil import utcnow
from extensions import db
from scorecards import scoring
from scorecards.models import CHANNELS, Scorecard, ScorecardVersion
from scorecards.services import spec_for_version

EDITABLE_STATUSES = ("draft", "returned")
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
DETAIL_FIELDS = ("employee_id", "employee_name_given", "started_at", "ended_at", "channel", "notes")
MAX_COMMENT = 4000
MAX_NOTES = 4000
MAX_REASON = 2000


# --- Errors -------------------------------------------------------------------------------------

class AuditError(Exception):
    """An action refused by the rules. ``status`` is the HTTP status a caller should answer with,
    ``code`` the API's error code, ``message`` a translated sentence for people, ``details`` a
    JSON-able dict for programs."""

    status = 400
    code = "bad_request"

    def __init__(self, message, *, details=None, status=None, code=None):
        super().__init__(str(message))
        self.message = str(message)
        self.details = details or {}
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class AuditNotFound(AuditError):
    """The thing does not exist or is not the user's to see (404, no hint that it exists)."""

    status, code = 404, "not_found"


class AuditForbidden(AuditError):
    """The user may see the thing but their role may not do this (403)."""

    status, code = 403, "forbidden"


class AuditConflict(AuditError):
    """The action does not fit the audit's current state, or someone else acted first (409)."""

    status, code = 409, "conflict"


class AuditInvalid(AuditError):
    """Values that do not fit (422). ``problems`` is a list of (criterion key or field, message),
    in scorecard order; ``details`` is ``{"problems": [{"criterion": key, "message": msg}, ...]}``."""

    status, code = 422, "invalid"

    def __init__(self, message, problems=(), **kw):
        self.problems = list(problems)
        details = kw.pop("details", None) or {
            "problems": [{"criterion": key, "message": msg} for key, msg in self.problems]}
        super().__init__(message, details=details, **kw)


# --- Who may do what ---------------------------------------------------------------------------

def can_edit(user, audit: Audit) -> bool:
    """Fill, save and submit: only the audit's own auditor, while it is a draft or returned."""
    return audit.auditor_id == user.id and audit.status in EDITABLE_STATUSES


def can_review(user, audit: Audit) -> bool:
    """Approve or return: admins, and managers of the audit's branch, while it is submitted."""
    return audit.status == "submitted" and can_manage_branch(user, audit.branch_id)


def may_review_branch(user, branch_id: int) -> bool:
    """Whether the user reviews audits of this branch at all (admins; managers of the branch)."""
    return can_manage_branch(user, branch_id)


def may_start_unplanned(user) -> bool:
    """Auditors start audits without an assignment only where the admin allows it; admins and
    managers always may (in their scope); HR never does."""
    if user.role == "auditor":
        return bool(get_setting("allow_unplanned_audits"))
    return user.role in ("admin", "manager")


def _require_visible(user, audit: Audit) -> None:
    if not can_see_audit(user, audit):
        raise AuditNotFound(_("There is no such audit, or it is not yours to see."))


def _require_editable(user, audit: Audit) -> None:
    _require_visible(user, audit)
    if audit.auditor_id != user.id:
        raise AuditForbidden(_("Only the auditor who made this audit can change it."))
    if audit.status not in EDITABLE_STATUSES:
        raise AuditConflict(_("This audit is %(status)s and can no longer be changed.",
                              status=status_label(audit.status)),
                            details={"status": audit.status})


def status_label(status: str) -> str:
    return {"draft": _("a draft"), "submitted": _("submitted"), "returned": _("returned"),
            "approved": _("approved")}.get(status, status)


# --- Creating an audit -------------------------------------------------------------------------

def _get(model, value):
    """An object from an object or an id (None stays None)."""
    if value is None or isinstance(value, model):
        return value
    try:
        ident = int(value)
    except (TypeError, ValueError):
        return None
    return db.session.get(model, ident)


def _resolve_scorecard(scorecard=None, version=None) -> Scorecard | None:
    if version is not None:
        version = _get(ScorecardVersion, version)
        return version.scorecard if version is not None else None
    if isinstance(scorecard, str) and not scorecard.isdigit():
        return db.session.scalar(db.select(Scorecard).where(Scorecard.slug == scorecard))
    return _get(Scorecard, scorecard)


def published_version_for(scorecard: Scorecard) -> ScorecardVersion:
    """The version new audits of ``scorecard`` use: its latest published one.

    Raises AuditConflict for an archived scorecard or one never published."""
    if scorecard.archived:
        raise AuditConflict(_("The scorecard %(name)s is archived: no new audits can use it.",
                              name=scorecard.title()))
    version = scorecard.latest_published
    if version is None:
        raise AuditConflict(_("The scorecard %(name)s has no published version yet.", name=scorecard.title()))
    return version


def _naive_utc(value, field):
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise AuditInvalid(_("Some details are not valid."),
                               [(field, _("Expected a date and time."))]) from None
    if not isinstance(value, datetime):
        raise AuditInvalid(_("Some details are not valid."), [(field, _("Expected a date and time."))])
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def find_by_client_id(client_id: str) -> Audit | None:
    return db.session.scalar(db.select(Audit).where(Audit.client_id == client_id))


def create_audit(auditor, *, version=None, scorecard=None, branch=None, employee=None,
                 employee_name_given: str = "", assignment=None, channel: str | None = None,
                 client_id: str, started_at=None, ended_at=None, notes: str = "") -> Audit:
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
        assignment = _get(Assignment, assignment)
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
        card = _resolve_scorecard(scorecard, version)
        branch = _get(Branch, branch)
        problems = []
        if card is None:
            problems.append(("scorecard", _("Choose a scorecard.")))
        if branch is None:
            problems.append(("branch", _("Choose a branch.")))
        if problems:
            raise AuditInvalid(_("Some details are not valid."), problems)
        if auditor.role == "manager" and not can_manage_branch(auditor, branch.id):
            raise AuditNotFound(_("There is no such branch, or it is not yours."))
        if not branch.active:
            raise AuditConflict(_("The branch %(name)s is closed.", name=branch.name))
        employee = _get(Employee, employee) if employee is not None else None

    version = published_version_for(card)
    if employee is not None and (employee.branch_id != branch.id or
                                 (not employee.active and assignment is None)):
        raise AuditInvalid(_("Some details are not valid."),
                           [("employee_id", _("This employee does not work at this branch."))])
    channel = channel or card.channel
    if channel not in CHANNELS:
        raise AuditInvalid(_("Some details are not valid."), [("channel", _("Unknown channel."))])
    started_at = _naive_utc(started_at, "started_at") or utcnow()
    ended_at = _naive_utc(ended_at, "ended_at")
    if ended_at is not None and ended_at < started_at:
        raise AuditInvalid(_("Some details are not valid."), [("ended_at", _("The end is before the start."))])

    audit = Audit(client_id=client_id, auditor_id=auditor.id, branch_id=branch.id,
                  employee_id=employee.id if employee is not None else None,
                  employee_name_given=(employee_name_given or "").strip()[:120], version=version,
                  channel=channel, status="draft", started_at=started_at, ended_at=ended_at,
                  notes=(notes or "")[:MAX_NOTES])
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


# --- Answers and details -----------------------------------------------------------------------

def spec_of(audit: Audit) -> scoring.ScorecardSpec:
    return spec_for_version(audit.version)


def problem_message(criterion, error: scoring.AnswerError | None = None) -> str:
    """A translated sentence for a problem with one answer (criterion None: unknown key)."""
    if criterion is None:
        return _("There is no such question in this scorecard.")
    if error is not None and error.message == "an answer is required":
        return _("An answer is needed.")
    if error is not None and error.message.startswith("N/A"):
        return _("N/A is not allowed for this question.")
    kind = criterion.type
    if kind == "yes_no":
        return _("Answer yes or no.")
    if kind == "scale":
        return _("Choose a whole number from %(min)d to %(max)d.", min=criterion.min, max=criterion.max)
    if kind == "choice":
        return _("Choose one of the options.")
    if kind == "number":
        return _("Enter a number.")
    return _("Enter text.")


def _problems(spec, errors) -> list[tuple[str, str]]:
    return [(e.key, problem_message(spec.criterion(e.key), e)) for e in errors]


def coerce_value(criterion, raw):
    """A value from a form or JSON as the scorecard format wants it ("4" -> 4, "12,5" -> 12.5).

    Empty means no answer (None). Values that cannot be coerced are returned unchanged, for
    check_answers to refuse with a message naming the criterion."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.strip()
        if raw == "":
            return None
        if raw == scoring.NA:
            return raw
        if criterion.type in ("scale", "number"):
            text = raw.replace(",", ".")
            try:
                number = float(text)
            except ValueError:
                return raw
            if criterion.type == "scale" and number.is_integer():
                return int(number)
            return int(number) if number.is_integer() and "." not in text else number
    return raw


def current_answers(audit: Audit) -> dict:
    return answer_values(audit)


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
    _require_editable(user, audit)
    answers = dict(answers or {})
    comments = dict(comments or {})
    spec = spec_of(audit)
    answers = {key: coerce_value(spec.criterion(key), value) if spec.criterion(key) else value
               for key, value in answers.items()}
    merged = answer_values(audit)
    merged.update(answers)
    merged = {k: v for k, v in merged.items() if v is not None}
    errors = [e for e in scoring.check_answers(spec, merged, submit=False) if e.key in answers]
    problems = _problems(spec, errors)
    problems += [(key, problem_message(None)) for key in comments if spec.criterion(key) is None]
    problems += [(key, _("Enter text.")) for key, text in comments.items()
                 if text is not None and not isinstance(text, str)]
    detail_changes, detail_problems = _check_details(audit, details)
    problems += detail_problems
    if problems:
        raise AuditInvalid(_("Some answers are not valid."), problems)

    old_comments = {a.criterion_key: a.comment for a in audit.answers}
    changes = set_answers(audit, answers, comments)
    record = audit.submitted_at is not None
    if record:
        for key, before, after in changes:
            _event(audit, user, "answer_changed", criterion_key=key, before=before, after=after)
        for key, text in comments.items():
            before, after = old_comments.get(key) or "", (text or "")[:MAX_COMMENT]
            if before != after:
                _event(audit, user, "comment_changed", criterion_key=key, before=before, after=after)
    if detail_changes:
        before = {k: _jsonable(getattr(audit, k)) for k in detail_changes}
        for key, value in detail_changes.items():
            setattr(audit, key, value)
        if record:
            _event(audit, user, "details_changed", before=before,
                   after={k: _jsonable(v) for k, v in detail_changes.items()})
    # Touch the row so its lock_version moves: the revision clients compare their copies with.
    audit.updated_at = utcnow()
    db.session.flush()
    return changes


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _check_details(audit: Audit, details: dict):
    """The detail fields that change, and problems as (field, message)."""
    changes, problems = {}, []
    unknown = set(details) - set(DETAIL_FIELDS)
    problems += [(key, _("Unknown field.")) for key in sorted(unknown)]
    for key in DETAIL_FIELDS:
        if key not in details:
            continue
        value = details[key]
        if key == "employee_id":
            if value in (None, "", 0, "0"):
                value = None
            else:
                employee = _get(Employee, value)
                if employee is None or employee.branch_id != audit.branch_id:
                    problems.append((key, _("This employee does not work at this branch.")))
                    continue
                value = employee.id
        elif key in ("employee_name_given", "notes"):
            value = (value or "").strip() if isinstance(value, str) else ""
            value = value[:120] if key == "employee_name_given" else value[:MAX_NOTES]
        elif key == "channel":
            if value not in CHANNELS:
                problems.append((key, _("Unknown channel.")))
                continue
        else:
            try:
                value = _naive_utc(value or None, key)
            except AuditInvalid as exc:
                problems += exc.problems
                continue
            if key == "started_at" and value is None:
                continue  # an audit always keeps its start
            old = getattr(audit, key)
            if value is not None and old is not None and \
                    value.replace(second=0, microsecond=0) == old.replace(second=0, microsecond=0):
                continue  # forms show minutes: the same minute is no change
        if getattr(audit, key) != value:
            changes[key] = value
    start = changes.get("started_at", audit.started_at)
    end = changes.get("ended_at", audit.ended_at)
    if start is not None and end is not None and end < start and not problems:
        problems.append(("ended_at", _("The end is before the start.")))
    return changes, problems


def set_checkin(audit: Audit, user, lat, lng, accuracy=None, at=None) -> None:
    """Store where and when the auditor checked in (given with their consent in the browser)."""
    _require_editable(user, audit)
    try:
        lat, lng = float(lat), float(lng)
        accuracy = float(accuracy) if accuracy not in (None, "") else None
    except (TypeError, ValueError):
        raise AuditInvalid(_("The location is not valid."), [("checkin", _("The location is not valid."))]) \
            from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (accuracy is not None and not 0 <= accuracy < 1e7):
        raise AuditInvalid(_("The location is not valid."), [("checkin", _("The location is not valid."))])
    audit.checkin_lat, audit.checkin_lng, audit.checkin_accuracy = lat, lng, accuracy
    audit.checkin_at = _naive_utc(at, "checkin_at") or utcnow()
    if audit.checkin_at > utcnow():
        audit.checkin_at = utcnow()
    db.session.flush()


# --- Photos ---------------------------------------------------------------------------------------

MAX_PHOTOS_PER_AUDIT = 60


def add_photo(audit: Audit, user, stream, *, criterion_key: str | None = None, folder: str,
              max_bytes: int):
    """Check, clean and store one photo for the audit (or one of its criteria).

    ``stream`` is a file-like object; at most ``max_bytes`` are read (more: AuditError 413).
    The picture is decoded, turned upright, resized and saved as a JPEG without metadata under
    ``folder`` with a random name (audits/photos.py). Not a picture, or a decompression bomb:
    AuditInvalid (422). Only the auditor, while the audit is a draft or returned."""
    from audits import photos
    from audits.models import Photo

    _require_editable(user, audit)
    criterion_key = (criterion_key or "").strip() or None
    if criterion_key is not None and spec_of(audit).criterion(criterion_key) is None:
        raise AuditInvalid(_("There is no such question in this scorecard."),
                           [(criterion_key, problem_message(None))])
    if len(audit.photos) >= MAX_PHOTOS_PER_AUDIT:
        raise AuditConflict(_("An audit can hold at most %(n)d photos.", n=MAX_PHOTOS_PER_AUDIT))
    try:
        clean = photos.clean(photos.read_limited(stream, max_bytes))
    except photos.PhotoError as exc:
        if exc.status == 413:
            raise AuditError(exc.message, status=413, code="too_large",
                             details={"max_bytes": max_bytes}) from None
        raise AuditInvalid(exc.message, [(criterion_key or "photo", exc.message)]) from None
    name = photos.save(folder, clean.data)
    photo = Photo(criterion_key=criterion_key, filename=name, content_type="image/jpeg", width=clean.width,
                  height=clean.height, size=len(clean.data), uploaded_by_id=user.id)
    audit.photos.append(photo)
    if audit.submitted_at is not None:
        _event(audit, user, "photo_added", criterion_key=criterion_key, after=name)
    audit.updated_at = utcnow()
    db.session.flush()
    return photo


def delete_photo(photo, user) -> str:
    """Remove a photo from a draft or returned audit (its auditor only); returns its file name,
    for the caller to delete with ``audits.photos.remove(folder, name)`` once committed."""
    audit = photo.audit
    _require_editable(user, audit)
    if audit.submitted_at is not None:
        _event(audit, user, "photo_removed", criterion_key=photo.criterion_key, before=photo.filename)
    audit.photos.remove(photo)
    audit.updated_at = utcnow()
    db.session.flush()
    return photo.filename


# --- Submit, approve, return -------------------------------------------------------------------

def validate_for_submit(audit: Audit) -> list[tuple[str, str]]:
    """Every missing or invalid answer, in scorecard order, as (criterion key, message)."""
    spec = spec_of(audit)
    return _problems(spec, scoring.check_answers(spec, answer_values(audit), submit=True))


def submit(audit: Audit, user, *, client_id: str | None = None) -> bool:
    """Submit the audit: check every answer, score it with the engine and store the figures.

    Idempotent: when the audit is already submitted (or approved), a repeat by its auditor changes
    nothing and returns False; a real submission returns True. ``client_id``, when given, must be
    the audit's (a stale page of another audit gets AuditConflict).

    Raises AuditInvalid whose ``problems`` list every missing or invalid answer as
    (criterion key, message). Records the event ``submitted`` the first time, ``resubmitted``
    after a return.
    """
    _require_visible(user, audit)
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
    _event(audit, user, action)
    db.session.flush()
    events.audit_submitted.send(audit, actor=user)
    return True


def _require_reviewer(reviewer, audit: Audit, expected_version: int | None) -> None:
    _require_visible(reviewer, audit)
    if not can_manage_branch(reviewer, audit.branch_id):
        raise AuditForbidden(_("Only a manager of this branch or an administrator can review this audit."))
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
    audit.reviewed_by_id = reviewer.id
    _event(audit, reviewer, "approved")
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
    audit.reviewed_by_id = reviewer.id
    _event(audit, reviewer, "returned", reason=reason[:MAX_REASON])
    db.session.flush()
    events.audit_returned.send(audit, actor=reviewer)


def _event(audit: Audit, user, action: str, *, reason: str = "", criterion_key=None, before=None,
           after=None) -> AuditEvent:
    event = AuditEvent(user_id=user.id if user is not None else None, action=action, reason=reason,
                       criterion_key=criterion_key, before=before, after=after, at=utcnow())
    audit.events.append(event)
    return event


def history(audit: Audit) -> list[dict]:
    """The audit's history, oldest first, as plain data for pages and the API:
    ``{"at", "by": {"id", "name"} or None, "action", "reason", "criterion", "before", "after"}``."""
    out = []
    for event in sorted(audit.events, key=lambda e: (e.at, e.id or 0)):
        out.append({"at": event.at,
                    "by": {"id": event.user.id, "name": event.user.name} if event.user else None,
                    "action": event.action, "reason": event.reason or None,
                    "criterion": event.criterion_key, "before": event.before, "after": event.after})
    return out


# --- Lists ------------------------------------------------------------------------------------------

def audit_query(user, *, status=None, branch_id=None, auditor_id=None, employee_id=None, scorecard_id=None,
                channel=None, date_from=None, date_to=None, awaiting_review: bool = False):
    """A select of the audits in the user's scope (auditor: own; manager: their branches; HR and
    admin: all), newest first, with optional filters. ``awaiting_review``: submitted audits the
    user may review. Dates filter on ``started_at`` (``date_to`` inclusive)."""
    from datetime import time, timedelta

    from accounts.permissions import branch_ids_in_scope

    query = db.select(Audit)
    if user.role == "auditor":
        query = query.where(Audit.auditor_id == user.id)
    else:
        scope = branch_ids_in_scope(user)
        if scope is not None:
            query = query.where(Audit.branch_id.in_(scope or [-1]))
    if awaiting_review:
        if user.role not in ("admin", "manager"):
            query = query.where(db.false())
        status = "submitted"
    if status:
        query = query.where(Audit.status == status)
    for column, value in ((Audit.branch_id, branch_id), (Audit.auditor_id, auditor_id),
                          (Audit.employee_id, employee_id), (Audit.channel, channel)):
        if value:
            query = query.where(column == value)
    if scorecard_id:
        query = query.join(ScorecardVersion, ScorecardVersion.id == Audit.version_id).where(
            ScorecardVersion.scorecard_id == scorecard_id)
    if date_from:
        query = query.where(Audit.started_at >= datetime.combine(date_from, time.min))
    if date_to:
        query = query.where(Audit.started_at < datetime.combine(date_to + timedelta(days=1), time.min))
    return query.order_by(Audit.started_at.desc(), Audit.id.desc())


def open_audits_of(user) -> list[Audit]:
    """The user's own drafts and returned audits (returned first, then newest)."""
    rows = db.session.scalars(db.select(Audit).where(Audit.auditor_id == user.id,
                                                     Audit.status.in_(EDITABLE_STATUSES))
                              .order_by(Audit.started_at.desc(), Audit.id.desc())).all()
    return sorted(rows, key=lambda a: a.status != "returned")


# --- Assignments -------------------------------------------------------------------------------------

ASSIGNMENT_STATUSES = ("open", "in_progress", "done", "overdue")


def can_see_assignment(user, assignment: Assignment) -> bool:
    """Auditors their own; managers their branches'; admins and HR all."""
    from accounts.permissions import can_see_branch

    if user.role == "auditor":
        return assignment.auditor_id == user.id
    return can_see_branch(user, assignment.branch_id)


def can_plan(user, branch_id: int | None = None) -> bool:
    """Admins plan for every branch, managers for their own (any of them when branch_id is None)."""
    if branch_id is None:
        return user.role == "admin" or (user.role == "manager" and bool(user.branch_ids))
    return can_manage_branch(user, branch_id)


def assignable_auditors():
    """Active users with the auditor role: whom assignments can be given to."""
    from accounts.services import active_auditors  # the one query of them (also the users API's)

    return db.session.scalars(active_auditors()).all()


def assignment_query(user, *, status=None, auditor_id=None, branch_id=None, scorecard_id=None, today=None):
    """A select of the assignments the user may see, soonest due first (no date last), with filters.

    ``status`` is one of open, in_progress, done, overdue (derived as Assignment.status() does), or
    ``pending`` (anything not done)."""
    from accounts.permissions import branch_ids_in_scope

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


def _parse_date(value, field):
    from datetime import date

    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise AuditInvalid(_("Some details are not valid."), [(field, _("Expected a date."))]) from None


def _assignment_values(user, values: dict, current: Assignment | None = None) -> dict:
    """Check planned values (objects or ids) and return them as column values; raise AuditInvalid."""
    from accounts.models import User

    problems, out = [], {}
    if "auditor" in values or current is None:
        auditor = _get(User, values.get("auditor"))
        if auditor is None and isinstance(values.get("auditor"), str) and "@" in values["auditor"]:
            auditor = db.session.scalar(db.select(User).where(User.email == values["auditor"].strip().lower()))
        if auditor is None or auditor.role != "auditor" or not auditor.active:
            problems.append(("auditor_id", _("Choose an active auditor.")))
        else:
            out["auditor_id"] = auditor.id
    if "branch" in values or current is None:
        branch = _get(Branch, values.get("branch"))
        if branch is None or not branch.active:
            problems.append(("branch_id", _("Choose an open branch.")))
        elif not can_manage_branch(user, branch.id):
            raise AuditNotFound(_("There is no such branch, or it is not yours."))
        else:
            out["branch_id"] = branch.id
    if "scorecard" in values or current is None:
        card = _resolve_scorecard(values.get("scorecard"))
        if card is None or card.archived or card.latest_published is None:
            problems.append(("scorecard", _("Choose a published scorecard.")))
        else:
            out["scorecard_id"] = card.id
    if "employee" in values:
        employee = values.get("employee")
        if employee in (None, "", 0, "0"):
            out["employee_id"] = None
        else:
            employee = _get(Employee, employee)
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
            out["due_date"] = _parse_date(values["due_date"], "due_date")
        except AuditInvalid as exc:
            problems += exc.problems
    if "notes" in values:
        out["notes"] = (values.get("notes") or "").strip()[:MAX_NOTES]
    if problems:
        raise AuditInvalid(_("Some details are not valid."), problems)
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
    events.assignment_cancelled.send(assignment, actor=user)
    db.session.delete(assignment)
    db.session.flush()


# --- Storage and scoring (shared with the demo and the benchmark) -------------------------------

def set_answers(audit: Audit, answers: dict, comments: dict | None = None) -> list[tuple[str, object, object]]:
    """Write answer values (and comments) onto the audit; returns (key, before, after) for each change.

    A value of None removes the answer. Keys must be criteria of the audit's version (checked by
    the caller through scoring.check_answers).
    """
    comments = comments or {}
    criteria = {c.key: c for c in audit.version.criteria}
    existing = audit.answers_by_key()
    changes = []
    for key in set(answers) | set(comments):
        criterion = criteria[key]
        answer = existing.get(key)
        if key in answers:
            value = answers[key]
            before = answer.value if answer is not None else None
            if value is None and answer is not None and not (comments.get(key) or answer.comment):
                audit.answers.remove(answer)
                changes.append((key, before, None))
                continue
            if answer is None:
                if value is None and not comments.get(key):
                    continue
                answer = Answer(criterion_id=criterion.id, criterion_key=key, kpi=criterion.kpi)
                audit.answers.append(answer)
            if before != value:
                answer.value = value
                changes.append((key, before, value))
        if key in comments:
            if answer is None:
                answer = Answer(criterion_id=criterion.id, criterion_key=key, kpi=criterion.kpi, value=None)
                audit.answers.append(answer)
            answer.comment = (comments[key] or "")[:MAX_COMMENT]
    return changes


def answer_values(audit: Audit) -> dict:
    return {a.criterion_key: a.value for a in audit.answers if a.value is not None}


def score_and_store(audit: Audit) -> scoring.Result:
    """Score with the engine and store the figures on the audit, its answers and its sections."""
    spec = spec_for_version(audit.version)
    result = scoring.score(spec, answer_values(audit))
    audit.score = result.score
    audit.passed = result.passed
    audit.critical_failure = result.critical_failure
    audit.kpis = {tag: kpi.as_dict() for tag, kpi in result.kpis.items()}
    for answer in audit.answers:
        item = result.criteria.get(answer.criterion_key)
        answer.fraction = item.fraction if item else None
        answer.earned = item.earned if item and item.fraction is not None else None
        answer.possible = item.possible if item and item.fraction is not None else None
        value = answer.value
        answer.number_value = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
            else None
    sections = {s.key: s for s in audit.version.sections}
    stored = {s.section_key: s for s in audit.section_scores}
    for position, item in enumerate(result.sections):
        row = stored.get(item.key)
        if row is None:
            row = SectionScore(section_id=sections[item.key].id, section_key=item.key)
            audit.section_scores.append(row)
        row.position, row.earned, row.possible, row.score = position, item.earned, item.possible, item.score
    return result
