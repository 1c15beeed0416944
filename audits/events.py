"""Signals sent when an assignment or an audit changes, for whoever wants to react (notifications).

Blinker, as Flask's own signals: the sender is the assignment or audit, ``actor`` the user who
acted. Receivers run inside the service call, in the same transaction: they may add rows; work
outside the database (e-mail) must wait for the commit (jobs.queue.enqueue_after_commit).
``assignment_cancelled`` is sent before the assignment is deleted, while it can still be read.
"""
from contextlib import ExitStack, contextmanager

from blinker import Namespace

_signals = Namespace()

assignment_planned = _signals.signal("assignment-planned")
assignment_changed = _signals.signal("assignment-changed")
assignment_cancelled = _signals.signal("assignment-cancelled")
audit_submitted = _signals.signal("audit-submitted")
audit_returned = _signals.signal("audit-returned")
audit_approved = _signals.signal("audit-approved")

ALL = (assignment_planned, assignment_changed, assignment_cancelled, audit_submitted, audit_returned, audit_approved)


@contextmanager
def quiet():
    """No signal is sent inside: for loading history (demo data), which is nobody's news."""
    with ExitStack() as stack:
        for signal in ALL:
            stack.enter_context(signal.muted())
        yield

# Disputes (disputes/services.py): the sender is the Dispute, ``actor`` the user who acted.
dispute_opened = _signals.signal("dispute-opened")
dispute_decided = _signals.signal("dispute-decided")
ALL = (*ALL, dispute_opened, dispute_decided)
