"""What the account signals (accounts/signals.py) told a receiver during a test."""
from contextlib import contextmanager

from accounts import signals


@contextmanager
def recorded():
    """Yields a list that fills with (signal name, sender, keyword arguments) as they are sent;
    the sender and actor as {"id", "email"}."""
    seen = []

    def receiver(sender, **kwargs):
        # The sender as plain values: the test reads them after the request's session closed.
        who = None if sender is None else {"id": sender.id, "email": sender.email}
        actor = kwargs.get("actor")
        if actor is not None:
            kwargs["actor"] = {"id": actor.id, "email": actor.email}
        seen.append((kwargs.pop("_signal_name"), who, kwargs))

    receivers = []
    for signal in signals.ALL:
        def one(sender, _signal=signal, **kwargs):
            receiver(sender, _signal_name=_signal.name, **kwargs)
        signal.connect(one, weak=False)
        receivers.append((signal, one))
    try:
        yield seen
    finally:
        for signal, one in receivers:
            signal.disconnect(one)


def named(seen, name) -> list[tuple]:
    return [(sender, kwargs) for signal_name, sender, kwargs in seen if signal_name == name]


def assert_nothing_secret(seen, *secrets) -> None:
    """No password, code or token in any signal's details."""
    for name, _sender, kwargs in seen:
        text = repr(kwargs.get("details"))
        for secret in secrets:
            assert secret not in text, f"{name} carries a secret in its details"
