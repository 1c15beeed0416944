"""Which audits a user sees: lists with filters, one's open audits, an audit's history."""
from datetime import datetime, time, timedelta

from accounts.permissions import branch_ids_in_scope, hides_auditor
from audits.models import Audit
from audits.policy import EDITABLE_STATUSES
from extensions import db
from scorecards.models import ScorecardVersion


def audit_query(user, *, status=None, branch_id=None, auditor_id=None, employee_id=None, scorecard_id=None,
                channel=None, date_from=None, date_to=None, awaiting_review: bool = False):
    """A select of the audits in the user's scope (auditor: own; manager: their branches; HR and
    admin: all), newest first, with optional filters. ``awaiting_review``: submitted audits the
    user may review (not their own). Dates filter on ``started_at`` (``date_to`` inclusive)."""
    query = db.select(Audit)
    if user.role == "auditor":
        query = query.where(Audit.auditor_id == user.id)
    elif user.role == "employee":
        # Their own approved audits; filtering by auditor would tell them who audited them.
        query = query.where(Audit.employee_id == (user.employee_id or -1), Audit.status == "approved")
        auditor_id = None
    else:
        scope = branch_ids_in_scope(user)
        if scope is not None:
            query = query.where(Audit.branch_id.in_(scope or [-1]))
    if awaiting_review:
        if user.role not in ("admin", "manager"):
            query = query.where(db.false())
        # Nobody reviews their own work: a manager's own audits wait for someone else.
        query = query.where(Audit.auditor_id != user.id)
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


def history(audit: Audit, viewer=None) -> list[dict]:
    """The audit's history, oldest first, as plain data for pages and the API:
    ``{"at", "by": {"id", "name"} or None, "action", "reason", "criterion", "before", "after"}``.
    For a ``viewer`` who may not know the auditor (an employee), ``by`` is only ever themselves."""
    out = []
    anonymous = viewer is not None and hides_auditor(viewer)
    for event in sorted(audit.events, key=lambda e: (e.at, e.id or 0)):
        shown = event.user is not None and (not anonymous or event.user_id == viewer.id)
        out.append({"at": event.at,
                    "by": {"id": event.user.id, "name": event.user.name} if shown else None,
                    "action": event.action, "reason": event.reason or None,
                    "criterion": event.criterion_key, "before": event.before, "after": event.after})
    return out


def acknowledged_at(audit: Audit):
    """When the audited employee confirmed reading the audit (the first time), or None."""
    return next((e.at for e in sorted(audit.events, key=lambda e: (e.at, e.id or 0))
                 if e.action == "acknowledged"), None)


def unacknowledged(audits) -> set[int]:
    """Of these audits, the approved ones about an employee with a login who has not confirmed
    reading them yet (one query for a page of audits)."""
    from accounts.models import User
    from audits.models import AuditEvent

    ids = [a.id for a in audits if a.status == "approved" and a.employee_id]
    if not ids:
        return set()
    with_login = db.select(User.employee_id).where(User.employee_id.is_not(None), User.active.is_(True))
    read = db.select(AuditEvent.audit_id).where(AuditEvent.action == "acknowledged", AuditEvent.audit_id.in_(ids))
    return set(db.session.scalars(db.select(Audit.id).where(Audit.id.in_(ids), Audit.employee_id.in_(with_login),
                                                            Audit.id.not_in(read))))
