"""Signals of the surveys package, for whoever wants to react (webhooks/receivers.py).

``response_received``: the sender is the SurveyResponse, sent inside the service call (the
receivers' rows join its transaction)."""
from blinker import Namespace

_signals = Namespace()

response_received = _signals.signal("survey-response-received")
