"""A forgotten password: a link by e-mail that sets a new one.

The link carries a token signed with SECRET_KEY (itsdangerous) that names the user and a
fingerprint of their password hash and last login time, and is refused after an hour. No table
holds the links, and that is the reason for this shape: every rule follows from data that is
already there. Used once, the password hash changes, so the link no longer matches; a later
login (the person remembered after all) changes the last login time; a later reset changes the
hash; a deactivated user is refused. A database reader finds no usable link in it, and there is
nothing to clean up. (A table of tokens would be needed to revoke one link and not the others; no
rule here asks for that.)

A new password ends the user's other sessions (User.set_password) but not their second factor:
the login after a reset still asks for the code.
"""
import hashlib

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from accounts import signals
from accounts.models import User
from accounts.services import check_password_rules, user_by_email
from core.models import get_setting
from extensions import db
from jobs import mail
from jobs.queue import enqueue_after_commit, job_context

SALT = "veraz-password-reset"
MAX_AGE_SECONDS = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    seen = f"{user.password_hash}|{user.last_login_at.isoformat() if user.last_login_at else ''}"
    return hashlib.sha256(seen.encode()).hexdigest()[:32]


def make_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_token(token: str) -> User | None:
    """The user the link is for, or None when it is forged, older than an hour, used, or
    outdated by a login or reset since it was made."""
    try:
        data = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def request_reset(email: str, address=None) -> None:
    """Send a link to the user with this e-mail, if there is an active one, once the request
    commits. Nothing tells the caller whether there was: the page says the same either way."""
    user = user_by_email(email)
    if user is not None and not user.active:
        user = None
    signals.password_reset_requested.send(user, actor=None, address=address, email=(email or "")[:254])
    if user is not None:
        enqueue_after_commit(db.session, send_reset_link, user.id)


def reset_password(user: User, password: str, address=None) -> None:
    """Set the new password (checked by the form and accounts.services.check_password_rules)."""
    check_password_rules(password)
    user.set_password(password)
    db.session.flush()
    signals.password_changed.send(user, actor=user, address=address, details={"how": "reset"})


def send_reset_link(user_id: int) -> None:
    """The job: the e-mail with the link, in the user's language. The token is made here, so it
    never waits in the job queue."""
    with job_context():
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            return
        app = current_app._get_current_object()
        language = user.language or app.config["BABEL_DEFAULT_LOCALE"]
        with app.test_request_context(base_url=app.config["BASE_URL"] + "/"), force_locale(language):
            company = get_setting("company_name")
            context = {"user": user, "company": company, "minutes": MAX_AGE_SECONDS // 60,
                       "reset_url": url_for("accounts.reset_password", token=make_token(user), _external=True),
                       "forgot_url": url_for("accounts.forgot_password", _external=True)}
            subject = f"{company}: {_('Set a new password')}"
            text = render_template("accounts/email/reset.txt", **context)
            html = render_template("accounts/email/reset.html", subject=subject, language=language, **context)
        mail.send(user.email, subject, text, html, language=language)
