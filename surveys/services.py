"""Survey links, responses, hiding comments and the retention purge: the rules in one place for
the public page, the managers' pages, the API and the job. Services flush and never commit."""
import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from accounts.permissions import branch_ids_in_scope, can_manage_branch, can_see_branch
from branches.models import Branch, Employee
from core.errors import DomainError
from core.i18n import LANGUAGES
from core.timeutil import months_before, utcnow
from extensions import db
from surveys import events
from surveys.models import (
    MAX_COMMENT,
    RESOLVED,
    WAITS,
    SurveyLink,
    SurveyResponse,
    survey_settings,
)


class SurveyError(DomainError):
    status, code = 422, "invalid"


class SurveyNotFound(SurveyError):
    status, code = 404, "not_found"


class SurveyForbidden(SurveyError):
    status, code = 403, "forbidden"


class AlreadyAnswered(SurveyError):
    """This device answered this link today (or a single-use link was used): a polite refusal."""

    status, code = 409, "conflict"


# ---- links ----------------------------------------------------------------------------------------

def new_token() -> str:
    """About 128 bits of randomness: a link cannot be guessed from another."""
    return secrets.token_urlsafe(16)


def can_see_link(user, link: SurveyLink) -> bool:
    return can_manage_branch(user, link.branch_id)


def create_link(actor, branch_id: int, employee_id: int | None = None, *, single_use: bool = False,
                language: str | None = None) -> SurveyLink:
    """A branch's link, an employee's (``employee_id``, of that branch) or a single-use one; only
    an admin or a manager of the branch. An unknown or unseen branch or employee is a 404."""
    branch = db.session.get(Branch, branch_id)
    if branch is None or not can_see_branch(actor, branch.id):
        raise SurveyNotFound(_l("There is no such branch, or it is not yours to see."))
    if not can_manage_branch(actor, branch.id):
        raise SurveyForbidden(_l("Only an admin or a manager of the branch makes its survey links."))
    if employee_id is not None:
        employee = db.session.get(Employee, employee_id)
        if employee is None or employee.branch_id != branch.id:
            raise SurveyNotFound(_l("There is no such employee at this branch."))
    kind = "single" if single_use else ("employee" if employee_id is not None else "branch")
    link = SurveyLink(token=new_token(), kind=kind, branch_id=branch.id, employee_id=employee_id,
                      language=language if language in LANGUAGES else current_app.config.get(
                          "BABEL_DEFAULT_LOCALE", "es"),
                      created_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    return link


def revoke_link(actor, link: SurveyLink) -> SurveyLink:
    """The link stops working at once; its responses stay. Revoking twice changes nothing."""
    if not can_manage_branch(actor, link.branch_id):
        raise SurveyForbidden(_l("Only an admin or a manager of the branch revokes its survey links."))
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        db.session.flush()
    return link


def links_query(user):
    """The reusable links (branch and employee) of the branches the user manages, newest first."""
    query = db.select(SurveyLink).where(SurveyLink.kind != "single").order_by(
        SurveyLink.revoked_at.is_not(None), SurveyLink.id.desc())
    scope = branch_ids_in_scope(user)
    if user.role != "admin":
        query = query.where(SurveyLink.branch_id.in_(sorted(scope or ())))
    return query


def link_by_token(token: str) -> SurveyLink | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(db.select(SurveyLink).where(SurveyLink.token == token))


# ---- responses ------------------------------------------------------------------------------------

def receipt(device_id: str, link: SurveyLink, day: date) -> str:
    """A keyed hash of (device, link, day): equal for a second answer of the same device to the
    same link on the same day, and unlinkable otherwise (the key is the app's secret)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"survey|{device_id}|{link.id}|{day.isoformat()}".encode(), hashlib.sha256).hexdigest()


def already_answered(link: SurveyLink, device_id: str | None, day: date | None = None) -> bool:
    if not device_id:
        return False
    day = day or utcnow().date()
    return db.session.scalar(db.select(SurveyResponse.id).where(
        SurveyResponse.link_id == link.id, SurveyResponse.receipt == receipt(device_id, link, day))) is not None


def record_response(link: SurveyLink, device_id: str, *, nps: int, csat: int, resolved: str,
                    wait: str | None = None, comment: str = "", language: str = "es") -> SurveyResponse:
    """Keep one customer's answers. Refused (AlreadyAnswered) when the link no longer takes
    answers or this device answered it today; questions the admin switched off are dropped."""
    if not link.open:
        raise AlreadyAnswered(_l("This survey link no longer takes answers."))
    now = utcnow()
    if already_answered(link, device_id, now.date()):
        raise AlreadyAnswered(_l("You have already answered today. Thank you!"))
    if not (0 <= nps <= 10 and 1 <= csat <= 5 and resolved in RESOLVED and (wait is None or wait in WAITS)):
        raise SurveyError(_l("Some answers are not valid."))
    settings = survey_settings()
    response = SurveyResponse(
        link_id=link.id, branch_id=link.branch_id, employee_id=link.employee_id, created_at=now,
        month=now.date().replace(day=1), receipt=receipt(device_id, link, now.date()),
        language=language if language in LANGUAGES else "es", nps=nps, csat=csat, resolved=resolved,
        wait=wait if settings.ask_wait else None,
        comment=(comment or "").strip()[:MAX_COMMENT] if settings.ask_comment else "")
    db.session.add(response)
    if link.kind == "single":
        link.used_at = now
    db.session.flush()
    events.response_received.send(response)
    return response


def responses_query(user, branch_id: int | None = None, date_from: date | None = None,
                    date_to: date | None = None):
    """Responses of the branches in the user's scope, newest first; ``branch_id`` outside the scope
    is a 404 (as a branch that does not exist)."""
    query = db.select(SurveyResponse).order_by(SurveyResponse.created_at.desc(), SurveyResponse.id.desc())
    scope = branch_ids_in_scope(user)
    if branch_id is not None:
        if db.session.get(Branch, branch_id) is None or not can_see_branch(user, branch_id):
            raise SurveyNotFound(_l("There is no such branch, or it is not yours to see."))
        query = query.where(SurveyResponse.branch_id == branch_id)
    elif scope is not None:
        query = query.where(SurveyResponse.branch_id.in_(sorted(scope)))
    if date_from is not None:
        query = query.where(SurveyResponse.created_at >= datetime.combine(date_from, datetime.min.time()))
    if date_to is not None:
        query = query.where(SurveyResponse.created_at < datetime.combine(date_to + timedelta(days=1),
                                                                          datetime.min.time()))
    return query


def can_hide(user, response: SurveyResponse) -> bool:
    return can_manage_branch(user, response.branch_id)


def hide_comment(actor, response: SurveyResponse) -> SurveyResponse:
    """A manager of the branch (or an admin) hides a comment from the pages and the API; it is
    kept, with who hid it and when. Hiding twice keeps the first."""
    if not can_hide(actor, response):
        raise SurveyForbidden(_l("Only an admin or a manager of the branch hides its comments."))
    if response.hidden_at is None:
        response.hidden_at, response.hidden_by_id = utcnow(), actor.id
        db.session.flush()
    return response


def purge_expired(now: datetime | None = None) -> int:
    """Delete the responses older than the retention setting (months); returns how many."""
    months = max(1, int(survey_settings().retention_months or 24))
    cutoff = months_before(now or utcnow(), months)
    result = db.session.execute(db.delete(SurveyResponse).where(SurveyResponse.created_at < cutoff))
    db.session.flush()
    return result.rowcount or 0


def save_settings(actor, *, retention_months: int, min_responses: int, ask_wait: bool, ask_comment: bool,
                  wording: dict) -> None:
    """The admin's survey settings; blank wording keeps the default question."""
    from surveys.models import QUESTIONS, SurveySettings

    if actor.role != "admin":
        raise SurveyForbidden(_l("Only an admin changes the survey settings."))
    row = db.session.get(SurveySettings, 1)
    if row is None:
        row = SurveySettings(id=1)
        db.session.add(row)
    row.retention_months, row.min_responses = retention_months, min_responses
    row.ask_wait, row.ask_comment = ask_wait, ask_comment
    row.wording = {lang: {q: text.strip()[:300] for q, text in (wording.get(lang) or {}).items()
                          if q in QUESTIONS and text and text.strip()}
                   for lang in LANGUAGES}
    db.session.flush()
