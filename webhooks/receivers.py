"""Receivers of audits/events.py's and surveys/events.py's signals: each becomes a webhook event
(``action.overdue`` is sent by the daily check itself, actions/overdue.py).

They run inside the service call, so the deliveries are rows of its transaction: a rolled-back
request leaves none, and nothing is sent before the commit.

To add an event: name it in models.EVENTS, add its (signal, event, kind of object) to SIGNALS, and
hand ``init_app`` a payload function for that kind (the API's detail of the object, as an admin
reads it) if it is a new one.
"""
from audits import events
from surveys import events as survey_events
from webhooks import services

_payloads = {}

# signal -> the webhook event it becomes, and the kind of object its sender is (a key of _payloads).
SIGNALS = [
    (events.audit_submitted, "audit.submitted", "audit"),
    (events.audit_approved, "audit.approved", "audit"),
    (events.audit_returned, "audit.returned", "audit"),
    (events.dispute_opened, "dispute.opened", "dispute"),
    (events.dispute_decided, "dispute.decided", "dispute"),  # upheld, overturned or withdrawn
    (survey_events.response_received, "survey.response", "survey_response"),
]


def _receiver(name, kind):
    def receiver(sender, **_):
        services.emit(name, lambda: _payloads[kind](sender))
    receiver.__name__ = "on_" + name.replace(".", "_")
    return receiver


RECEIVERS = [(signal, _receiver(name, kind)) for signal, name, kind in SIGNALS]


def connect(payloads):
    """Idempotent (every test app calls it): blinker keeps one connection per receiver."""
    _payloads.update(payloads)
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, weak=False)
