"""The steps of a login shared by the password page and the code page (accounts/routes.py,
accounts/signin_routes.py): a login half done waits in the session, not logged in, until the code.
"""
import contextlib
import secrets
import time

from argon2.exceptions import VerificationError
from flask import redirect, request, session
from flask_login import login_user

from accounts import models, signals, throttle
from accounts.models import User
from core.timeutil import utcnow
from extensions import db

PENDING = "pending_login"
PENDING_SECONDS = 600  # the code must follow the password within ten minutes


def start_pending(user: User, remember: bool, next_url: str | None) -> None:
    """The password was right and the user has a second factor: remember who, not logged in."""
    session[PENDING] = {"id": user.get_id(), "remember": bool(remember), "next": next_url, "at": int(time.time())}


def pending_user() -> tuple[User | None, dict]:
    """The user whose password was right in this session, while the code may still follow."""
    pending = session.get(PENDING) or {}
    ident, _sep, token = str(pending.get("id", "")).partition(":")
    if not ident.isdigit() or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, {}
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_token != token:
        return None, {}
    return user, pending


def address() -> str | None:
    return request.remote_addr


def complete(user: User, remember: bool, destination: str, second_factor: bool = False):
    """Log the user in (both steps done), start their failure count again, commit, go on."""
    session.pop(PENDING, None)
    login_user(user, remember=remember)
    user.last_login_at = utcnow()
    throttle.record_success(user.email)
    signals.login_succeeded.send(user, actor=user, address=address(), email=user.email,
                                 details={"second_factor": second_factor})
    db.session.commit()
    return redirect(destination)


def check_password(user: User | None, password: str) -> bool:
    """The password check of the login, as slow for an e-mail nobody has as for a real one, so
    that the time of the answer does not tell whether the account exists."""
    if user is None:
        global _dummy_hash
        if _dummy_hash is None:
            _dummy_hash = models._hasher.hash(secrets.token_hex(8))
        with contextlib.suppress(VerificationError):
            models._hasher.verify(_dummy_hash, password)
        return False
    return user.active and user.check_password(password)


_dummy_hash = None


def failed(user: User | None, typed_email: str, step: str) -> None:
    """A wrong password or code: counted for the e-mail, told to whoever listens, committed."""
    throttle.record_failure(typed_email)
    signals.login_failed.send(user, actor=None, address=address(), email=(typed_email or "")[:254],
                              details={"step": step})
    db.session.commit()
