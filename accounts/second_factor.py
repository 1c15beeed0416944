"""A second factor: TOTP codes from an authenticator app (pyotp), and ten single-use recovery codes.

The TOTP secret must be read back to check a code, so it is stored as it is (like the session
secret, it is only as safe as the database); recovery codes are stored only as Werkzeug password
hashes, as passwords would be. A code already used is refused for the rest of its 30 seconds
(``last_step``), so a code seen over someone's shoulder cannot be used again.

Who must have one: the roles named by the admin setting ``require_2fa_for`` (core/models.py).
Services flush and never commit; they send the account signals (accounts/signals.py).
"""
import secrets
import time
from datetime import datetime

import pyotp
import segno
from flask_babel import gettext as _
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from accounts import signals
from core.models import get_setting
from core.timeutil import utcnow
from extensions import db

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper and typed again
# Werkzeug's default (scrypt); tests may pick a cheaper one, as they do for Argon2.
HASH_METHOD = "scrypt"


class TwoFactor(db.Model):
    """A user's enrolled authenticator: the TOTP secret and the last time step used."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    enabled_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_step: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(db.Model):
    """One recovery code, stored hashed; used once."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class SecondFactorError(ValueError):
    """A refused change (a wrong code, a role that requires it); the message is for people."""


def enrolment(user) -> TwoFactor | None:
    return db.session.get(TwoFactor, user.id) if user is not None and user.id else None


def is_enrolled(user) -> bool:
    return enrolment(user) is not None


def required_for(user) -> bool:
    """Whether the admin setting requires a second factor of this user's role."""
    return user.role in (get_setting("require_2fa_for") or [])


def needs_enrolment(user) -> bool:
    return required_for(user) and not is_enrolled(user)


def new_secret() -> str:
    return pyotp.random_base32()


def qr_svg(secret: str, user, issuer: str) -> str:
    """The enrolment QR code (the otpauth:// URI of the secret) as inline SVG, with its name."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#000000", light="#ffffff",
                                                  title=_("QR code to scan with your authenticator app"))
    return svg.replace("<svg ", '<svg role="img" aria-label="{}" '.format(
        _("QR code to scan with your authenticator app")), 1)


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code this is (the one before and after allowed for a slow clock)."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp, now = pyotp.TOTP(secret), now if now is not None else time.time()
    step = int(now // totp.interval)
    for candidate in (step, step - 1, step + 1):
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes by ten new ones; returns them, to be shown once."""
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _c in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=generate_password_hash(raw, method=HASH_METHOD)))
    db.session.flush()
    return codes


def remaining_recovery_codes(user) -> int:
    return db.session.scalar(db.select(db.func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def check_code(user, code: str) -> bool:
    """A TOTP code not used before, or an unused recovery code (which is then used up)."""
    factor = enrolment(user)
    if factor is None or not code:
        return False
    step = _matching_step(factor.secret, code)
    if step is not None:
        if factor.last_step is not None and step <= factor.last_step:
            return False
        factor.last_step = step
        db.session.flush()
        return True
    typed = _normalise_recovery(code)
    if len(typed) != 10:
        return False
    for recovery in db.session.scalars(db.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))):
        if check_password_hash(recovery.code_hash, typed):
            recovery.used_at = utcnow()
            db.session.flush()
            return True
    return False


def enrol(user, secret: str, code: str, address=None) -> list[str]:
    """Turn the second factor on once the app shows a right code for ``secret``; returns the
    recovery codes to show once."""
    if is_enrolled(user):
        raise SecondFactorError(_("A second factor is already set up."))
    step = _matching_step(secret, code or "")
    if step is None:
        raise SecondFactorError(_("That code is not right. Check the time on your phone and try again."))
    db.session.add(TwoFactor(user_id=user.id, secret=secret, last_step=step))
    codes = new_recovery_codes(user)
    signals.two_factor_enrolled.send(user, actor=user, address=address)
    return codes


def remove(user, *, actor, code: str | None = None, address=None) -> None:
    """Switch the second factor off: the user themselves with a code (not where their role
    requires one), or an admin for a user who lost their phone and codes."""
    if not is_enrolled(user):
        return
    if actor.id == user.id:
        if required_for(user):
            raise SecondFactorError(_("Your role requires a second factor: it cannot be switched off."))
        if not check_code(user, code or ""):
            raise SecondFactorError(_("That code is not right."))
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(db.delete(TwoFactor).where(TwoFactor.user_id == user.id))
    db.session.flush()
    signals.two_factor_removed.send(user, actor=actor, address=address)
