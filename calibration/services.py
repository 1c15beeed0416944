"""Calibration sessions: who may create, see, answer and close them, and what a closed one shows.

The rules in one place for the pages and the API. Services flush and never commit; refusals are
the audits' domain errors (audits/errors.py), mapped once by the app. Answers are checked and
scored by the same code as an audit's (audits/answers.py, scorecards/scoring.py), but nothing here
writes an Audit, an Answer or a report roll-up: a session never counts in a report.

Blind: until a session is closed nobody (its creator and admins included) reads anyone's answers
but their own; results are refused (409) before the close. A session closes when its creator (or
an admin) closes it, or by its deadline: from the day after ``due_date`` it reads as closed
(``CalibrationSession.closed_on``, derived, so no job is needed).
"""
from datetime import date

from flask_babel import gettext as _

from accounts.models import User
from accounts.permissions import can_manage_branch
from accounts.services import normalise_email
from audits.answers import coerce_value, problems_of
from audits.errors import AuditConflict, AuditForbidden, AuditInvalid, AuditNotFound
from branches.models import Branch
from calibration import statistics as stats
from calibration.models import CalibrationParticipant, CalibrationSession
from core.models import get_setting
from core.timeutil import utcnow
from extensions import db
from scorecards import scoring
from scorecards.models import Scorecard, ScorecardVersion
from scorecards.services import spec_for_version

MAX_TEXT = 4000
MAX_PARTICIPANTS = 50
RATERS = ("auditor", "manager", "admin")  # who may score a session (and be its expert)
RATED = ("yes_no", "scale", "choice", "number")


# ---- who may do what ------------------------------------------------------------------------------

def may_create(user) -> bool:
    """Admins, and managers for their branches."""
    return user.role == "admin" or (user.role == "manager" and bool(user.branch_ids))


def can_see(user, session: CalibrationSession) -> bool:
    """Admins and HR every session; its creator and participants; managers of its branch."""
    if user.role in ("admin", "hr") or session.created_by_id == user.id:
        return True
    if session.participant_of(user.id) is not None:
        return True
    return user.role == "manager" and session.branch_id is not None and session.branch_id in user.branch_ids


def can_close(user, session: CalibrationSession) -> bool:
    return not session.is_closed() and (session.created_by_id == user.id or user.role == "admin")


def get_visible(user, session_id) -> CalibrationSession:
    session = db.session.get(CalibrationSession, session_id)
    if session is None or not can_see(user, session):
        raise AuditNotFound(_("There is no such calibration session, or it is not yours to see."))
    return session


def session_query(user):
    """The sessions the user may see, newest first."""
    query = db.select(CalibrationSession)
    if user.role not in ("admin", "hr"):
        mine = db.select(CalibrationParticipant.session_id).where(CalibrationParticipant.user_id == user.id)
        conditions = [CalibrationSession.created_by_id == user.id, CalibrationSession.id.in_(mine)]
        if user.role == "manager" and user.branch_ids:
            conditions.append(CalibrationSession.branch_id.in_(user.branch_ids))
        query = query.where(db.or_(*conditions))
    return query.order_by(CalibrationSession.created_at.desc(), CalibrationSession.id.desc())


# ---- creating -------------------------------------------------------------------------------------

def version_for(slug: str, number: int | None = None) -> ScorecardVersion:
    """A published version of the scorecard ``slug``: ``number``, or the latest."""
    card = db.session.scalar(db.select(Scorecard).where(Scorecard.slug == (slug or "").strip()))
    if card is None:
        raise AuditNotFound(_("There is no scorecard %(slug)s.", slug=slug))
    published = [v for v in card.versions if v.status == "published"]
    version = next((v for v in published if v.number == number), None) if number is not None else \
        (published[-1] if published else None)
    if version is None:
        raise AuditInvalid(_("This scorecard has no such published version."),
                           [("version", _("Choose a published version."))], status=409, code="no_such_version")
    return version


def _user_by_email(email: str):
    return db.session.scalar(db.select(User).where(User.email == normalise_email(email)))


def create_session(user, *, version: ScorecardVersion, title: str, subject: str = "", participants=(),
                   expert: str | None = None, due_date: date | None = None, branch_id: int | None = None,
                   ) -> CalibrationSession:
    """A new session: ``participants`` and ``expert`` are e-mails of active auditors, managers or
    admins (two participants or more; the expert is not one of them). A manager's session is for
    one of their branches (``branch_id``, or their only one). Participants are told."""
    if not may_create(user):
        raise AuditForbidden(_("Only administrators and managers create calibration sessions."))
    problems = []
    title = (title or "").strip()[:200]
    if not title:
        problems.append(("title", _("Give the session a title.")))
    if branch_id is None and user.role == "manager" and len(user.branch_ids) == 1:
        branch_id = next(iter(user.branch_ids))
    if user.role == "manager" and branch_id is None:
        problems.append(("branch_id", _("Choose one of your branches.")))
    elif branch_id is not None and (db.session.get(Branch, branch_id) is None
                                    or not can_manage_branch(user, branch_id)):
        problems.append(("branch_id", _("Choose one of your branches.")))
    people, seen = [], set()
    for email in participants or ():
        person = _user_by_email(email)
        if person is None or not person.active or person.role not in RATERS:
            problems.append(("participants", _("%(email)s is not an active auditor, manager or admin.",
                                               email=str(email)[:120])))
        elif person.id not in seen:
            seen.add(person.id)
            people.append(person)
    if len(people) < 2:
        problems.append(("participants", _("Name two participants or more.")))
    if len(people) > MAX_PARTICIPANTS:
        problems.append(("participants", _("Name at most %(n)d participants.", n=MAX_PARTICIPANTS)))
    key_person = None
    if expert:
        key_person = _user_by_email(expert)
        if key_person is None or not key_person.active or key_person.role not in RATERS:
            problems.append(("expert", _("%(email)s is not an active auditor, manager or admin.",
                                         email=str(expert)[:120])))
        elif key_person.id in seen:
            problems.append(("expert", _("The expert is not also a participant.")))
    if due_date is not None and due_date < utcnow().date():
        problems.append(("due_date", _("The deadline is in the past.")))
    if problems:
        # The title is the body's own (422); the rest is about what is stored: who is an active
        # rater, which branches the manager has, today's date (409).
        own = any(field == "title" for field, _message in problems)
        raise AuditInvalid(_("The session is not valid."), problems,
                           **({} if own else {"status": 409, "code": "calibration_conflict"}))
    session = CalibrationSession(title=title, subject=(subject or "").strip()[:MAX_TEXT], version=version,
                                 branch_id=branch_id, due_date=due_date, created_by_id=user.id)
    for person in people:
        session.participants.append(CalibrationParticipant(user=person, is_expert=False, answers={}, comments={}))
    if key_person is not None:
        session.participants.append(CalibrationParticipant(user=key_person, is_expert=True, answers={}, comments={}))
    db.session.add(session)
    db.session.flush()
    _tell_participants(session, user)
    return session


def _tell_participants(session, actor) -> None:
    from notifications.services import notify

    notify([p.user for p in session.participants], "calibration_invited", session.id,
           {"title": session.title, "due_date": session.due_date.isoformat() if session.due_date else None}, actor)


# ---- answering and closing ------------------------------------------------------------------------

def require_open(session: CalibrationSession) -> None:
    if session.is_closed():
        raise AuditConflict(_("This calibration session is closed: its answers can no longer change."),
                            details={"closed_on": session.closed_on().isoformat()})


def save_answers(session: CalibrationSession, user, answers: dict, comments: dict | None = None,
                 submit: bool = False) -> CalibrationParticipant:
    """The user's own answers, checked as an audit's are (kinds, N/A allowed; on submit, every
    required answer): only the keys sent change, null removes one. Refused with 403 for a
    non-participant, 409 once the session is closed, 422 naming each problem."""
    participant = session.participant_of(user.id)
    if participant is None:
        raise AuditForbidden(_("Only the session's participants answer it."))
    require_open(session)
    spec = spec_for_version(session.version)
    comments = comments or {}
    coerced = {str(k): coerce_value(spec.criterion(k), v) if spec.criterion(k) else v for k, v in answers.items()}
    merged = {**(participant.answers or {}), **coerced}
    merged = {k: v for k, v in merged.items() if v is not None}
    problems = [(str(k), _("There is no such question in this scorecard.")) for k in comments
                if spec.criterion(k) is None]
    done = submit or participant.submitted_at is not None
    problems += problems_of(spec, scoring.check_answers(spec, merged, submit=done))
    if problems:  # which keys and values are answers is the session's scorecard version's: 409
        raise AuditInvalid(_("Some answers are not valid."), problems, status=409, code="answers_conflict")
    participant.answers = merged
    kept = {**(participant.comments or {}), **{k: (v or "")[:MAX_TEXT] for k, v in comments.items()}}
    participant.comments = {k: v for k, v in kept.items() if v}
    complete = not scoring.check_answers(spec, merged, submit=True)
    participant.score = scoring.score(spec, merged).score if complete else None
    participant.updated_at = utcnow()
    if submit and participant.submitted_at is None:
        participant.submitted_at = utcnow()
    db.session.flush()
    return participant


def close(session: CalibrationSession, user) -> None:
    if session.created_by_id != user.id and user.role != "admin":
        raise AuditForbidden(_("Only the session's creator or an administrator closes it."))
    if session.is_closed():
        raise AuditConflict(_("This calibration session is already closed."))
    session.closed_at = utcnow()
    session.closed_by_id = user.id
    db.session.flush()


def answers_of(session: CalibrationSession, user, participant_id: int | None = None) -> CalibrationParticipant:
    """One participant's answers: your own at any time; another's only once the session is closed
    (blind scoring: 403 before)."""
    if participant_id is None or participant_id == user.id:
        own = session.participant_of(user.id)
        if own is None:
            raise AuditForbidden(_("You are not a participant of this session: name one with participant."))
        return own
    other = session.participant_of(participant_id)
    if other is None:
        raise AuditNotFound(_("This person is not a participant of this session."))
    if not session.is_closed():
        raise AuditForbidden(_("Scoring is blind: answers are shown once the session is closed."))
    return other


# ---- results ----------------------------------------------------------------------------------------

def tolerance() -> float:
    return float(get_setting("calibration_tolerance_points"))


def rated_criteria(version: ScorecardVersion):
    return [c for c in version.criteria if c.type in RATED]


def results(session: CalibrationSession) -> dict:
    """A closed session's results: each participant's score and deviation from the expert's (in
    points, flagged outside the tolerance), and per criterion the share of participants who agree
    with the expert (or with the majority when there is no expert answer), least agreement first."""
    if not session.is_closed():
        raise AuditConflict(_("Scoring is blind: the results are shown once the session is closed."))
    expert = session.expert
    expert_score = expert.score if expert is not None else None
    limit = tolerance()
    people = []
    for p in session.participants:
        dev = None if p.is_expert else stats.deviation(p.score, expert_score)
        people.append({"participant": p, "score": p.score, "deviation": dev,
                       "within_tolerance": stats.within(dev, limit)})
    raters = [p for p in session.participants if not p.is_expert]
    criteria = []
    for c in rated_criteria(session.version):
        given = [(p.answers or {}).get(c.key) for p in raters]
        expert_answer = (expert.answers or {}).get(c.key) if expert is not None else None
        if expert_answer is not None:
            reference, basis = expert_answer, "expert"
            share = stats.agreement(given, reference)
        else:  # on a tie there is no majority answer, but the share still says how split they are
            reference, basis = stats.majority(given), "majority"
            share = stats.plurality_share(given)
        criteria.append({"criterion": c, "key": c.key, "type": c.type, "agreement": share, "basis": basis,
                         "reference": reference,
                         "answers": [{"participant": p, "answer": (p.answers or {}).get(c.key),
                                      "agrees": None if reference is None or (p.answers or {}).get(c.key) is None
                                      else stats.category((p.answers or {}).get(c.key)) == stats.category(reference)}
                                     for p in session.participants]})
    criteria.sort(key=lambda item: (item["agreement"] is None, item["agreement"] or 0.0))
    return {"session": session, "tolerance": limit, "expert_score": expert_score, "participants": people,
            "criteria": criteria}
