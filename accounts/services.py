"""Creating, changing and finding users, and the admin's settings: one place for the rules, used by
the web pages, the CLI and the API alike (docs of the roles: accounts/permissions.py).

Services flush and never commit; the request (or the CLI command) commits.
"""
import secrets

from flask import has_request_context, request
from flask_babel import gettext as _

from accounts import signals
from accounts.models import LANGUAGES, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, ROLES, ApiToken, User
from core.errors import DomainError
from core.models import set_setting
from core.timeutil import utcnow
from extensions import db

# What a user is made of, as the API and the nightly synchronisation send it.
USER_FIELDS = ("email", "name", "role", "language", "branch_ids", "employee_id", "active", "password")


class AccountError(ValueError):
    """A change refused; ``field`` names the field at fault (None: the request as a whole)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message, self.field = str(message), field


class DuplicateEmail(AccountError):
    pass


class LastAdmin(AccountError):
    """The change would leave no active admin, or an admin would lock themselves out."""


class InvalidUser(AccountError):
    """Some fields are wrong: ``problems`` maps each field to its message."""

    def __init__(self, problems: dict):
        super().__init__(_("Some values are not valid: %(problems)s",
                           problems="; ".join(f"{k}: {v}" for k, v in problems.items())),
                         next(iter(problems)))
        self.problems = problems


class UserConflict(DomainError):
    """Values that are well-formed but do not fit what is stored: the user's stored role (for
    ``branch_ids`` or ``employee_id`` sent without a role), an employee who already has a login, a
    new user without a role (409); a branch or employee that does not exist (404 when making the
    user, 409 when changing one). ``problems`` maps each field to its message."""

    status, code = 409, "conflict"

    def __init__(self, problems: dict, code: str, status: int = 409):
        super().__init__(_("Some values do not fit: %(problems)s",
                           problems="; ".join(f"{k}: {v}" for k, v in problems.items())),
                         details={"json": problems}, status=status, code=code)
        self.field = next(iter(problems))
        self.problems_by_field = problems


def client_address() -> str | None:
    """The client's address for the account signals (after ProxyFix); None outside a request."""
    return request.remote_addr if has_request_context() else None


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_rules(password: str) -> None:
    if not (MIN_PASSWORD_LENGTH <= len(password or "") <= MAX_PASSWORD_LENGTH):
        raise AccountError(_("A password needs between %(min)d and %(max)d characters.",
                             min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH), "password")


# ---- queries ---------------------------------------------------------------------------------------

def user_query(*, role=None, branch_id=None, active=None, q=""):
    """Users, active first, by name; filtered by role, a managed branch, active, and a search of name
    and email."""
    query = db.select(User).order_by(User.active.desc(), User.name, User.id)
    if role:
        query = query.where(User.role == role)
    if branch_id:
        query = query.where(User.branches.any(id=branch_id))
    if active is not None:
        query = query.where(User.active.is_(active))
    q = (q or "").strip()[:100]
    if q:
        like = f"%{q}%"
        query = query.where(db.or_(User.name.ilike(like), User.email.ilike(like)))
    return query


def active_auditors(**filters):
    """Active users with the auditor role: whom assignments can be given to (a select; ``filters``
    as user_query's)."""
    return user_query(**filters).where(User.role == "auditor", User.active.is_(True))


def user_by_email(email):
    return db.session.scalar(db.select(User).where(User.email == normalise_email(email)))


# ---- creating and changing ---------------------------------------------------------------------------

def _branches(ids, missing_refs):
    ids = sorted(set(ids or []))
    if not ids:
        return []
    branch = User.related_class("branches")
    found = db.session.scalars(db.select(branch).where(branch.id.in_(ids))).all()
    missing = sorted(set(ids) - {b.id for b in found})
    if missing:
        missing_refs["branch_ids"] = _("There is no branch %(ids)s.", ids=", ".join(map(str, missing)))
    return found


def _check(user, values, sent, problems, conflicts, missing_refs):
    """Check the values the user will have. ``problems`` (field -> message) are values wrong in
    themselves or against another value sent with them (422); ``conflicts`` those that clash with
    what is stored: the stored role, another login (409); ``missing_refs`` names of nothing (404 or
    409). ``sent`` holds the fields the caller gave."""
    # A rule broken by a field sent against the user's stored role is a conflict with that role.
    against_role = problems if "role" in sent else conflicts
    if values["role"] not in ROLES:
        problems["role"] = _("Unknown role %(role)s; use one of %(roles)s.", role=values["role"],
                             roles=", ".join(ROLES))
    if not values["email"] or "@" not in values["email"] or len(values["email"]) > 254:
        problems["email"] = _("Enter an email address.")
    if not values["name"] or len(values["name"]) > 120:
        problems["name"] = _("Enter a name of at most 120 characters.")
    if values["language"] not in LANGUAGES:
        problems["language"] = _("Use one of %(languages)s.", languages=", ".join(LANGUAGES))
    if values["branch_ids"] and values["role"] != "manager":
        against_role["branch_ids"] = _("Only a manager manages branches.")
    employee_id = values["employee_id"]
    if values["role"] == "employee" and not employee_id:
        # with the role and an employee_id of null sent together: wrong in itself; else the stored one
        (problems if {"role", "employee_id"} <= sent else conflicts)["employee_id"] = \
            _("An employee login needs its employee.")
    elif employee_id and values["role"] != "employee":
        against_role["employee_id"] = _("Only an employee login is linked to an employee.")
    elif employee_id:
        if db.session.get(User.related_class("employee"), employee_id) is None:
            missing_refs["employee_id"] = _("There is no employee %(id)s.", id=employee_id)
        elif db.session.scalar(db.select(User.id).where(User.employee_id == employee_id,
                                                        User.id != user.id if user.id else db.true())):
            conflicts["employee_id"] = _("This employee already has a login.")


def _other_active_admins(user) -> int:
    return db.session.scalar(db.select(db.func.count(User.id)).where(
        User.role == "admin", User.active.is_(True), User.id != user.id))


def _apply(user, changes: dict, acting=None) -> None:
    values = {"email": user.email, "name": user.name, "role": user.role, "language": user.language or "es",
              "branch_ids": sorted(user.branch_ids) if user.id else [], "employee_id": user.employee_id,
              "active": user.active if user.active is not None else True}
    for key, value in changes.items():
        if key in values:
            values[key] = value
    values["email"] = normalise_email(values["email"])
    values["name"] = (values["name"] or "").strip()
    if "role" in changes and values["role"] != "manager" and "branch_ids" not in changes:
        values["branch_ids"] = []  # a manager who becomes something else keeps no branches
    if "role" in changes and values["role"] != "employee" and "employee_id" not in changes:
        values["employee_id"] = None
    problems, conflicts, missing_refs = {}, {}, {}
    _check(user, values, set(changes), problems, conflicts, missing_refs)
    branches = _branches(values["branch_ids"], missing_refs)
    if changes.get("password"):
        try:
            check_password_rules(changes["password"])
        except AccountError as exc:
            problems["password"] = exc.message
    if problems:
        raise InvalidUser({**problems, **conflicts, **missing_refs})
    if conflicts:
        raise UserConflict({**conflicts, **missing_refs}, code="user_conflict")
    if missing_refs:  # a body naming nothing: 404 when making the user, 409 when changing one
        raise UserConflict(missing_refs, code="not_found" if user.id is None else "conflict",
                           status=404 if user.id is None else 409)
    if db.session.scalar(db.select(User.id).where(User.email == values["email"],
                                                  User.id != user.id if user.id else db.true())):
        raise DuplicateEmail(_("A user with the email %(email)s already exists.", email=values["email"]), "email")
    stays_admin = values["role"] == "admin" and values["active"]
    if user.id and user.role == "admin" and user.active and not stays_admin:
        if acting is not None and acting.id == user.id:
            raise LastAdmin(_("You cannot deactivate yourself or remove your own admin role."), "active")
        if not _other_active_admins(user):
            raise LastAdmin(_("This is the last active administrator: make another one first."), "role")
    if user.active and not values["active"]:
        end_sessions_and_tokens(user)
    before = _visible(user) if user.id else None
    user.email, user.name, user.role = values["email"], values["name"], values["role"]
    user.language, user.active = values["language"], values["active"]
    user.branches = branches
    user.employee_id = values["employee_id"]
    password = changes.get("password")
    password_set = bool(password and not (user.password_hash and user.check_password(password)))
    if password_set:
        user.set_password(password)
    return before, password_set


def _visible(user) -> dict:
    """What the account signals report of a user: never the password or its hash."""
    return {"email": user.email, "name": user.name, "role": user.role, "language": user.language,
            "active": user.active, "branch_ids": sorted(user.branch_ids), "employee_id": user.employee_id}


def end_sessions_and_tokens(user) -> None:
    """A deactivated user is out at once: every web session ends and every API token is revoked."""
    user.session_token = secrets.token_hex(16)
    now = utcnow()
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at = now


def create_user(email, name, role, password=None, language="es", branch_ids=(), active=True,
                employee_id=None, acting=None) -> User:
    """A new user. Without a password the user cannot log in until the admin sets one."""
    user = User(password_hash="", active=active)  # nosec B106: no password yet, so no login (not a secret)
    _apply(user, {"email": email, "name": (name or "").strip() or normalise_email(email), "role": role,
                  "language": language if language in LANGUAGES else "es", "branch_ids": list(branch_ids or []),
                  "employee_id": employee_id, "active": active, "password": password})
    if not password:
        # An unknown random secret: no password logs in until the admin sets one.
        user.set_password(secrets.token_urlsafe(32))
    db.session.add(user)
    db.session.flush()
    signals.user_created.send(user, actor=acting, address=client_address(), details={"role": user.role})
    return user


def update_user(user, *, acting=None, **changes) -> User:
    """Change any of USER_FIELDS (only those given). Deactivating ends the user's sessions and
    tokens; nobody deactivates or demotes the last active admin, nor themselves."""
    if not changes.get("password"):
        changes.pop("password", None)
    was_active = user.active
    before, password_set = _apply(user, changes, acting)
    db.session.flush()
    after = _visible(user)
    # Name and e-mail only as "changed": the security log outlives an erasure (docs/security.md)
    # and must not keep who the person was.
    changed = {key: ([before[key], after[key]] if key not in ("email", "name") else "changed")
               for key in after if before[key] != after[key]}
    address = client_address()
    if changed:
        signals.user_changed.send(user, actor=acting, address=address, details={"changes": changed})
    if was_active and not user.active:
        signals.user_deactivated.send(user, actor=acting, address=address)
    if password_set:
        signals.password_changed.send(user, actor=acting, address=address, details={"how": "admin"})
    return user


def _snapshot(user) -> tuple:
    return (user.email, user.name, user.role, user.language, user.active, tuple(sorted(user.branch_ids)),
            user.employee_id, user.password_hash)


def sync_user(email, changes: dict, acting=None) -> tuple[User, str]:
    """Create or update the user with this email, for a nightly synchronisation: "created",
    "updated", or "unchanged" when the user already had every value (so a second run changes nothing)."""
    user = user_by_email(email)
    if user is None:
        fields = {"email": email, "name": "", "role": None, "language": "es", "branch_ids": (), "active": True,
                  "employee_id": None, "password": None}  # nosec B105: a missing field, not a secret
        fields.update(changes)
        # No user has this e-mail yet: the body must hold what a new user needs, which a body for
        # an existing user may leave to what is stored.
        if not fields["role"]:
            raise UserConflict({"role": _("A new user needs a role.")}, code="role_needed")
        if fields["role"] == "employee" and not fields["employee_id"]:
            raise UserConflict({"employee_id": _("An employee login needs its employee.")}, code="employee_needed")
        return create_user(**fields, acting=acting), "created"
    before = _snapshot(user)
    update_user(user, acting=acting, **changes)
    return user, ("unchanged" if _snapshot(user) == before else "updated")


# ---- settings ----------------------------------------------------------------------------------------

def save_settings(values: dict, actor=None, address=None) -> None:
    """Store the admin's settings (checked by accounts.forms.SettingsForm), cleaned one way for the
    settings page and the API: names trimmed, colours in lower case."""
    from core.models import all_settings

    before, changes = all_settings(), {}
    for key, value in values.items():
        if isinstance(value, str):
            value = value.strip().lower() if key == "brand_color" else value.strip()
        if key in ("allow_unplanned_audits", "actions_on_critical"):
            value = bool(value)
        elif key in ("dispute_window_days", "recognition_min_audits", "recognition_threshold"):
            value = int(value)
        elif key == "require_2fa_for":
            value = [role for role in ROLES if role in set(value or ())]
        elif key == "calibration_tolerance_points":
            value = float(value)
        if before.get(key) != value:
            changes[key] = [before.get(key), value]
        set_setting(key, value)
    if changes:
        signals.settings_changed.send(None, actor=actor, address=address or client_address(),
                                      details={"changes": changes})


# ---- API tokens --------------------------------------------------------------------------------------

def issue_token(user, name: str, actor=None, address=None) -> tuple[ApiToken, str]:
    """A new personal access token (its secret returned once); the web page, the API and the
    create-token command all make them here."""
    token, secret = ApiToken.issue(user, name)
    db.session.flush()
    signals.token_created.send(user, actor=actor, address=address or client_address(),
                               details={"name": name, "token_id": token.id})
    return token, secret


def revoke_token(token, actor=None, address=None) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.flush()
    signals.token_revoked.send(token.user, actor=actor, address=address or client_address(),
                               details={"name": token.name, "token_id": token.id})

