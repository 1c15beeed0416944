"""Writing and reading the security log (security/models.py).

``record`` adds an event to the request's transaction, so that an event about a change is kept
exactly when the change is. An event about something that changes nothing (a failed login, an
export, a download) is written at once in a transaction of its own (``now=True``): the request
that caused it commits nothing, and the event must stay even if the request then fails. (Its own
session, not a commit of the request's: that would expire the objects an export still streams. On
SQLite the request must then hold no uncommitted write, which reads never do.)
"""
from datetime import datetime, timedelta

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session

from core.models import get_setting
from core.timeutil import utcnow
from extensions import db
from security.models import SecurityEvent

# type -> label; the order is the filter's.
TYPES = {
    "login_succeeded": _l("Login"), "login_failed": _l("Failed login"), "logged_out": _l("Logout"),
    "password_changed": _l("Password changed"), "password_reset_requested": _l("Password reset asked for"),
    "two_factor_enrolled": _l("Second factor enrolled"), "two_factor_removed": _l("Second factor removed"),
    "token_created": _l("API token created"), "token_revoked": _l("API token revoked"),
    "user_created": _l("User created"), "user_changed": _l("User changed"),
    "user_deactivated": _l("User deactivated"), "settings_changed": _l("Settings changed"),
    "export_downloaded": _l("Export downloaded"), "pdf_downloaded": _l("Report PDF downloaded"),
    "batch_requested": _l("Report batch asked for"), "personal_data_exported": _l("Personal data exported"),
    "employee_erased": _l("Employee erased"), "audits_pseudonymised": _l("Old audits pseudonymised"),
    "security_log_purged": _l("Security log purged"),
}


def _actor(actor):
    if actor is not None:
        return actor
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def record(type_: str, *, actor=None, subject=None, email: str = "", address: str | None = None,
           details: dict | None = None, now: bool = False) -> SecurityEvent:
    """Add an event. ``actor`` defaults to the request's signed-in user (None: the system or an
    anonymous visitor); ``address`` to the request's client address (after ProxyFix)."""
    if type_ not in TYPES:
        raise KeyError(type_)
    if address is None:
        address = (request.remote_addr or "") if has_request_context() else ""
    who = _actor(actor)
    row = SecurityEvent(type=type_, occurred_at=utcnow(), actor_id=who.id if who is not None else None,
                        subject_id=subject.id if subject is not None else None,
                        email=(email or "")[:254], address=(address or "")[:64], details=details or {})
    if now:
        with Session(db.engine, expire_on_commit=False) as own:
            own.add(row)
            own.commit()
        return row
    db.session.add(row)
    db.session.flush()
    return row


def event_query(*, type_: str | None = None, user_id: int | None = None, date_from: datetime | None = None,
                date_to: datetime | None = None):
    """Events newest first; ``user_id`` matches the actor or the subject; ``date_to`` is exclusive."""
    query = db.select(SecurityEvent).order_by(SecurityEvent.occurred_at.desc(), SecurityEvent.id.desc())
    if type_:
        query = query.where(SecurityEvent.type == type_)
    if user_id:
        query = query.where(db.or_(SecurityEvent.actor_id == user_id, SecurityEvent.subject_id == user_id))
    if date_from is not None:
        query = query.where(SecurityEvent.occurred_at >= date_from)
    if date_to is not None:
        query = query.where(SecurityEvent.occurred_at < date_to)
    return query


def purge(now: datetime | None = None) -> int:
    """Delete the events older than the ``security_log_days`` setting; returns how many (flushes).
    The one way an event leaves the log, and itself an event."""
    days = int(get_setting("security_log_days"))
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(db.delete(SecurityEvent).where(SecurityEvent.occurred_at < cutoff)
                                .execution_options(synchronize_session=False))
    if result.rowcount:
        record("security_log_purged", actor=None, details={"before": cutoff.isoformat(), "events": result.rowcount})
    return result.rowcount
