"""How failed logins are slowed down, in three layers (the settings are in config.py):

1. **per address and e-mail** (``LOGIN_FAILURE_LIMIT``, 5 a minute): one person mistyping, or one
   machine guessing one account;
2. **per address, whatever the e-mail** (``LOGIN_ADDRESS_LIMIT``, 10 a minute and 50 an hour):
   password spraying, one machine trying a common password on many accounts;
3. **per e-mail, whatever the address** (``LOGIN_DELAY_AFTER``, ``LOGIN_DELAY_SECONDS``,
   ``LOGIN_DELAY_MAX``): slow guessing of one account from many machines. After
   ``LOGIN_DELAY_AFTER`` failures the next attempt must wait ``LOGIN_DELAY_SECONDS``, then twice
   as long after each further failure, up to ``LOGIN_DELAY_MAX``.

Why a growing delay and not a lock for the third layer: a lock after N failures hands anyone who
knows a colleague's e-mail a way to keep them out (N wrong passwords, every morning). A delay
that doubles costs a real user a few seconds after a few typos, while a guesser's pace falls
from thousands of tries a day to about one per ``LOGIN_DELAY_MAX``; and it cannot keep anyone
out for longer than that. The first two layers are Flask-Limiter's own fixed windows. The third
needs a count that a window cannot give (how many failures in a row, and when the next try is
allowed), so it keeps two keys in the **limiter's own storage** (``limiter.storage``: Redis when
``REDIS_URL`` is set, so every server and worker sees the same counts, else this process's
memory): ``veraz-login-failures/<sha256 of the e-mail>``, the failures since the last success
(kept a day from the first), and ``veraz-login-wait/<same>``, which exists, with its expiry as
the end of the wait, while the next attempt must wait. The e-mail is hashed so that the storage
holds no list of addresses. Every e-mail is counted alike, whether a user has it or not, and
every refusal says the same sentence, so none of this tells whether an account exists.
"""
import hashlib
import math
import time

from flask import current_app, request
from flask_babel import gettext as _

from extensions import limiter

FAILURES = "veraz-login-failures/"
WAIT = "veraz-login-wait/"
FAILURES_KEPT_SECONDS = 24 * 3600


def too_many_message() -> str:
    """The one sentence of every refusal: it names no account and no layer."""
    return _("Too many failed logins. Wait a little and try again; if you forgot your password, "
             "reset it.")


def address_and_email_key() -> str:
    return f"{request.remote_addr}|{typed_email()}"


def address_key() -> str:
    return f"{request.remote_addr}"


def typed_email() -> str:
    return (request.form.get("email") or "").strip().lower()


def _digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED"))


def seconds_to_wait(email: str) -> int:
    """How long the next login with this e-mail must still wait (0: it may try now)."""
    if not _enabled() or not email:
        return 0
    storage, key = limiter.storage, WAIT + _digest(email)
    if not storage.get(key):
        return 0
    return max(1, math.ceil(storage.get_expiry(key) - time.time()))


def record_failure(email: str) -> None:
    """Count a failure for this e-mail; beyond the threshold, make the next try wait."""
    if not _enabled() or not email:
        return
    config, storage, digest = current_app.config, limiter.storage, _digest(email)
    failures = storage.incr(FAILURES + digest, FAILURES_KEPT_SECONDS)
    beyond = failures - config["LOGIN_DELAY_AFTER"]
    if beyond > 0:
        wait = min(config["LOGIN_DELAY_SECONDS"] * 2 ** min(beyond - 1, 30), config["LOGIN_DELAY_MAX"])
        storage.incr(WAIT + digest, wait)


def record_success(email: str) -> None:
    """A login that worked starts the count again."""
    if not _enabled() or not email:
        return
    digest = _digest(email)
    limiter.storage.clear(FAILURES + digest)
    limiter.storage.clear(WAIT + digest)


def refusal(seconds: int):
    """The 429 answer of a login that must wait, with Retry-After."""
    from core.errors import error_response

    body, status = error_response(429, too_many_message())
    response = current_app.make_response((body, status))
    response.headers["Retry-After"] = str(seconds)
    return response


def failed_login(response) -> bool:
    """Flask-Limiter's deduct_when: only a refused password (the form shown again) counts."""
    return response.status_code == 200 and request.method == "POST"


def breached(limit):
    """Flask-Limiter's on_breach for the login layers: the same answer as the growing delay."""
    return refusal(max(1, math.ceil(limit.reset_at - time.time())))


def limit_requests(limit_value, key_func):
    """Every POST counts (asking for a reset link: a flood of e-mails is the harm)."""
    return limiter.limit(limit_value, key_func=key_func, methods=["POST"], on_breach=breached,
                         error_message=too_many_message)


def limit_failures(limit_value, key_func, scope=None):
    """A layer of Flask-Limiter on a login form's POST, counting only refused attempts."""
    options = {"key_func": key_func, "methods": ["POST"], "deduct_when": failed_login, "on_breach": breached,
               "error_message": too_many_message}
    if scope:
        return limiter.shared_limit(limit_value, scope, **options)
    return limiter.limit(limit_value, **options)
