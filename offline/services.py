"""Replaying an audit the phone queued offline: create it from its client id, save its answers,
submit it. Every step is one of audits/services.py's, each safe to repeat, so a queue replayed
twice (or by the service worker and a page at once) makes one audit.

Services flush, the request commits."""
from flask_babel import gettext as _

from audits import services
from audits.errors import AuditNotFound
from audits.models import Assignment
from audits.policy import EDITABLE_STATUSES
from extensions import db


def start_or_find(user, *, client_id: str, assignment_id=None, scorecard_id=None, branch_id=None,
                  employee_id=None, started_at=None):
    """The audit of ``client_id``: found again, or made now from the assignment (or, unplanned, the
    scorecard and branch) as ``audits.services.create_audit`` rules. An assignment deleted while
    the phone was offline, or given to someone else, refuses with AuditNotFound (404) and a
    reason the shopper can act on."""
    existing = services.find_by_client_id((client_id or "").strip())
    if existing is None and assignment_id is not None:
        assignment = db.session.get(Assignment, assignment_id)
        if assignment is None or assignment.auditor_id != user.id:
            raise AuditNotFound(_("This assignment was cancelled or given to someone else while you were "
                                  "offline: the audit was not sent. Your answers stay on this phone."))
    if existing is None and assignment_id is None:
        return services.create_audit(user, scorecard=scorecard_id, branch=branch_id, employee=employee_id or None,
                                     client_id=client_id, started_at=started_at)
    return services.create_audit(user, assignment=assignment_id, client_id=client_id, started_at=started_at)


def replay(user, data: dict, details: dict):
    """One queued audit: start or find it, save its answers while it can change, and submit it when
    ``data["submit"]``. An audit already submitted keeps what it has (a replay changes nothing).
    Raises AuditInvalid (422) for answers the rules refuse or a submission with answers missing;
    the caller commits what was saved before the refusal."""
    audit = start_or_find(user, client_id=data.get("client_id") or "", assignment_id=data.get("assignment_id"),
                          scorecard_id=data.get("scorecard_id"), branch_id=data.get("branch_id"),
                          employee_id=data.get("employee_id"), started_at=data.get("started_at"))
    if audit.status in EDITABLE_STATUSES:
        answers, comments = data.get("answers") or {}, data.get("comments") or {}
        if answers or comments or details:
            services.save_draft(audit, user, answers, comments, **details)
    return audit


def submit_replayed(audit, user) -> bool:
    """Submit the replayed audit (False when it was in already)."""
    return services.submit(audit, user, client_id=audit.client_id)
