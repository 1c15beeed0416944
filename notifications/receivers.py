"""Receivers of audits/events.py's signals: who is told of what.

They run inside the service call, so the rows are part of its transaction and vanish with it.
"""
from audits import events
from notifications.services import notify, reviewers_of


def _assignment_data(assignment) -> dict:
    return {"branch": assignment.branch.name if assignment.branch else "", "auditor_id": assignment.auditor_id,
            "due_date": assignment.due_date.isoformat() if assignment.due_date else None}


def _audit_data(audit) -> dict:
    return {"branch": audit.branch.name if audit.branch else ""}


def _assignment(kind):
    def receiver(assignment, actor=None, **_):
        notify([assignment.auditor], kind, assignment.id, _assignment_data(assignment), actor)
    receiver.__name__ = f"on_{kind}"
    return receiver


def on_audit_returned(audit, actor=None, **_):
    notify([audit.auditor], "audit_returned", audit.id, _audit_data(audit), actor)


def on_audit_submitted(audit, actor=None, **_):
    notify(reviewers_of(audit.branch), "audit_submitted", audit.id, _audit_data(audit), actor)


def on_audit_approved(audit, actor=None, **_):
    notify([m for m in audit.branch.managers], "audit_approved", audit.id, _audit_data(audit), actor)


def _employee_login(audit):
    """The audited employee's own login, if they have one (accounts link it)."""
    from accounts.models import User
    from extensions import db

    if audit.employee_id is None:
        return None
    return db.session.scalar(db.select(User).where(User.employee_id == audit.employee_id))


def on_dispute_opened(dispute, actor=None, **_):
    audit = dispute.audit
    notify([audit.auditor, _employee_login(audit), *reviewers_of(audit.branch)], "dispute_opened", audit.id,
           _audit_data(audit), actor)


def on_dispute_decided(dispute, actor=None, **_):
    audit = dispute.audit
    notify([dispute.opened_by, audit.auditor, _employee_login(audit)], "dispute_decided", audit.id,
           {**_audit_data(audit), "outcome": dispute.status}, actor)


RECEIVERS = [
    (events.assignment_planned, _assignment("assignment_made")),
    (events.assignment_changed, _assignment("assignment_changed")),
    (events.assignment_cancelled, _assignment("assignment_cancelled")),
    (events.audit_returned, on_audit_returned),
    (events.audit_submitted, on_audit_submitted),
    (events.audit_approved, on_audit_approved),
    (events.dispute_opened, on_dispute_opened),
    (events.dispute_decided, on_dispute_decided),
]


def connect():
    """Idempotent (every test app calls it): blinker keeps one connection per receiver."""
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, weak=False)
