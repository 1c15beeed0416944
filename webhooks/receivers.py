"""Receivers of audits/events.py's signals: each becomes a webhook event.

They run inside the service call, so the deliveries are rows of its transaction: a rolled-back
request leaves none, and nothing is sent before the commit.
"""
from audits import events
from surveys import events as survey_events
from webhooks import services

_payloads = {}


def _audit_event(name):
    def receiver(audit, **_):
        services.emit(name, _payloads["audit"](audit))
    receiver.__name__ = "on_" + name.replace(".", "_")
    return receiver


RECEIVERS = [
    (events.audit_submitted, _audit_event("audit.submitted")),
    (events.audit_approved, _audit_event("audit.approved")),
    (events.audit_returned, _audit_event("audit.returned")),
]


def on_survey_response(response, **_):
    """survey.response: the response as the API lists it (a comment is new: never hidden yet)."""
    services.emit("survey.response", _payloads["survey_response"](response))


RECEIVERS.append((survey_events.response_received, on_survey_response))


def connect(payloads):
    """Idempotent (every test app calls it): blinker keeps one connection per receiver."""
    _payloads.update(payloads)
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, weak=False)
