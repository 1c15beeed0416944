"""Users: admins create, read, change and synchronise them (the same service as the user pages,
accounts/services.py); managers list the active auditors they may assign.

``PUT /users/by-email/{email}`` is for an HR system's nightly synchronisation: it creates the user
or sets the values sent, and says ``created``, ``updated`` or ``unchanged``, so that sending the
same file twice changes nothing the second time.
"""
from flask_babel import gettext as _
from marshmallow import ValidationError, validate

from accounts import services
from accounts.models import User
from api import schemas as s
from api import user_schemas as us
from api.common import ID, current, fail, make_blueprint, not_found, paginate, require_role
from extensions import db

blp = make_blueprint("users_api", "Users. Admins create, change and synchronise them; managers list the active "
                     "auditors they may assign.")


def _save(func, *args, **kwargs):
    """Run a service that saves a user and commit; its refusals become 422 or 409 naming the field."""
    try:
        result = func(*args, **kwargs)
    except services.InvalidUser as exc:
        fail(422, exc.message, {"json": exc.problems})
    except services.DuplicateEmail as exc:
        fail(409, exc.message, {"json": {"email": exc.message}}, "duplicate_email")
    except services.LastAdmin as exc:
        fail(409, exc.message, {"json": {exc.field: exc.message}}, "last_admin")
    db.session.commit()
    return result


def _user(user_id) -> User:
    require_role("admin")
    user = db.session.get(User, user_id)
    if user is None:
        not_found()
    return user


@blp.route("/users", methods=["GET"])
@blp.arguments(us.UserQuery, location="query", as_kwargs=True)
@blp.response(200, s.UserPage)
@blp.errors(401, 403)
def list_users(page, per_page, role=None, branch_id=None, active=None, q=""):
    """Users: every user for an admin; for a manager, the active auditors they may assign.

    Filters: ``role``, ``branch_id`` (the managers of a branch), ``active``, ``q`` (name or email)."""
    require_role("admin", "manager")
    filters = {"role": role, "branch_id": branch_id, "active": active, "q": q}
    query = services.active_auditors(**filters) if current().role == "manager" else services.user_query(**filters)
    return paginate(query, {"page": page, "per_page": per_page})


@blp.route("/users", methods=["POST"])
@blp.arguments(us.UserIn, example=us.EXAMPLE_USER)
@blp.response(201, s.UserSchema)
@blp.errors(401, 403, 409, 422)
def create_user(data):
    """Create a user (admin). A manager may have branches (or none yet); an employee login names its
    employee. Without a password the user cannot log in until the admin sets one."""
    require_role("admin")
    return _save(services.create_user, **data, acting=current())


@blp.route(f"/users/<{ID}:user_id>", methods=["GET"])
@blp.response(200, s.UserSchema)
@blp.errors(401, 403, 404)
def get_user(user_id):
    """One user (admin)."""
    return _user(user_id)


@blp.route(f"/users/<{ID}:user_id>", methods=["PATCH"])
@blp.arguments(us.UserChange)
@blp.response(200, s.UserSchema)
@blp.errors(401, 403, 404, 409, 422)
def update_user(data, user_id):
    """Change a user (admin); send only the fields to change. ``active: false`` ends the user's
    sessions and tokens at once; nobody deactivates or demotes the last active admin."""
    user = _user(user_id)
    return _save(services.update_user, user, acting=current(), **data)


@blp.route("/users/by-email/<email>", methods=["PUT"], parameters=[
    {"in": "path", "name": "email", "example": "lucia.romero@example.com",
     "schema": {"type": "string", "format": "email", "maxLength": 254},  # else 422, as the code says
     "description": "The user's email: who is created or updated."}])
@blp.arguments(us.UserSync, example=us.EXAMPLE_SYNC)
@blp.response(200, us.UserSyncResult)
@blp.alt_response(201, schema=us.UserSyncResult, description="Created")
@blp.errors(401, 403, 409, 422)
def sync_user(data, email):
    """Create or update the user with this email (admin), for a nightly synchronisation: the answer
    carries ``result``: created (201), updated or unchanged (200). A new user needs ``role``."""
    require_role("admin")
    try:
        validate.Email()(email)
        validate.Length(max=254)(email)
    except ValidationError:
        fail(422, _("%(email)s is not an email address.", email=email[:80]),
             {"path": {"email": _("Enter an email address.")}})
    user, result = _save(services.sync_user, email, data, acting=current())
    body = us.UserSyncResult().dump(user)
    body["result"] = result
    return body, 201 if result == "created" else 200
