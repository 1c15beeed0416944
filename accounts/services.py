"""Creating and changing users: one place for the rules, used by forms, CLI and API."""
import secrets

from flask_babel import gettext as _

from accounts.models import LANGUAGES, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, ROLES, User
from branches.models import Branch
from extensions import db


class AccountError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_rules(password: str) -> None:
    if not (MIN_PASSWORD_LENGTH <= len(password or "") <= MAX_PASSWORD_LENGTH):
        raise AccountError(_("A password needs between %(min)d and %(max)d characters.",
                             min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH))


def _branches(ids):
    ids = list(ids or [])
    if not ids:
        return []
    return db.session.scalars(db.select(Branch).where(Branch.id.in_(ids))).all()


def create_user(email, name, role, password, language="es", branch_ids=(), active=True) -> User:
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(_("Unknown role %(role)s; use one of %(roles)s.", role=role, roles=", ".join(ROLES)))
    if language not in LANGUAGES:
        language = "es"
    if db.session.scalar(db.select(User.id).where(User.email == email)) is not None:
        raise AccountError(_("A user with the email %(email)s already exists.", email=email))
    check_password_rules(password)
    user = User(email=email, name=(name or "").strip() or email, role=role, language=language, active=active)
    user.set_password(password)
    user.branches = _branches(branch_ids) if role == "manager" else []
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user, *, email, name, role, language, branch_ids, active, password=None, acting=None):
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(_("Unknown role %(role)s.", role=role))
    other = db.session.scalar(db.select(User.id).where(User.email == email, User.id != user.id))
    if other is not None:
        raise AccountError(_("A user with the email %(email)s already exists.", email=email))
    if acting is not None and acting.id == user.id and (not active or role != "admin"):
        raise AccountError(_("You cannot deactivate yourself or remove your own admin role."))
    user.email, user.name, user.role = email, name.strip(), role
    user.language = language if language in LANGUAGES else user.language
    user.branches = _branches(branch_ids) if role == "manager" else []
    if user.active and not active:
        user.session_token = secrets.token_hex(16)  # ends the user's open sessions at once
    user.active = active
    if password:
        check_password_rules(password)
        user.set_password(password)
    return user
