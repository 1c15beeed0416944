"""The receiver of audits/events.py's ``audit_approved``: a critical failure opens actions.

It runs inside the approval, in its transaction: a rolled-back approval leaves no action."""
from actions import services
from audits import events


def on_audit_approved(audit, **_):
    services.open_for_critical(audit)


def connect():
    """Idempotent (every test app calls it): blinker keeps one connection per receiver."""
    events.audit_approved.connect(on_audit_approved, weak=False)
