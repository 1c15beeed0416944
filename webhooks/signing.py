"""The signature of a delivery, Stripe's scheme so that receivers can reuse their code:

    Veraz-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's secret>

A receiver recomputes the HMAC over the raw body it got, compares in constant time, and refuses a
timestamp older than a few minutes (a replayed request); ``verify`` does exactly that and is the
example of docs/api.md.
"""
import hashlib
import hmac
import secrets
import time

HEADER = "Veraz-Signature"
TOLERANCE = 300  # seconds a receiver accepts between the signature's time and its own clock


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header's value for ``body`` now (or at ``timestamp``)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, tolerance: int = TOLERANCE, now: float | None = None) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` within ``tolerance`` seconds."""
    parts = [item.split("=", 1) for item in (header or "").split(",") if "=" in item]
    timestamps = [value for key, value in parts if key.strip() == "t"]
    candidates = [value.strip() for key, value in parts if key.strip() == "v1"]
    if len(timestamps) != 1 or not timestamps[0].strip().isdigit() or not candidates:
        return False
    timestamp = int(timestamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
