"""The token's user, the users an admin or manager may pick, and the admin's settings."""
from flask_babel import gettext as _

from accounts.forms import SettingsForm
from accounts.models import User
from api import schemas as s
from api.common import current, fail, make_blueprint, paginate, require_role
from core.models import all_settings, set_setting
from extensions import db

blp = make_blueprint("accounts_api", "The current user, users, and settings.")


def user_dict(user: User) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "language": user.language, "active": user.active,
            "branches": list(user.branches) if user.role == "manager" else []}


@blp.route("/me", methods=["GET"])
@blp.response(200, s.UserSchema)
@blp.errors(401)
def me():
    """The token's user: id, email, name, role, language and the branches they manage."""
    return user_dict(current())


@blp.route("/users", methods=["GET"])
@blp.arguments(s.UserQuery, location="query", as_kwargs=True)
@blp.response(200, s.UserPage)
@blp.errors(401, 403)
def list_users(page, per_page, role=None):
    """Users: every user for an admin; for a manager, the active auditors they may assign."""
    require_role("admin", "manager")
    query = db.select(User).order_by(User.name, User.id)
    if current().role == "manager":
        query = query.where(User.role == "auditor", User.active.is_(True))
    if role:
        query = query.where(User.role == role)
    result = paginate(query, {"page": page, "per_page": per_page})
    result["items"] = [user_dict(u) for u in result["items"]]
    return result


@blp.route("/settings", methods=["GET"])
@blp.response(200, s.SettingsSchema)
@blp.errors(401, 403)
def get_settings():
    """The admin settings (admin)."""
    require_role("admin")
    return all_settings()


@blp.route("/settings", methods=["PATCH"])
@blp.arguments(s.SettingsPatch)
@blp.response(200, s.SettingsSchema)
@blp.errors(401, 403)
def update_settings(data):
    """Change admin settings (admin); send only those to change.

    ``allow_unplanned_audits: false`` stops auditors from starting audits without an assignment.
    """
    require_role("admin")
    values = all_settings()
    values.update(data)
    # The settings page's form holds the rules (a readable brand colour, a company name): reuse it.
    form = SettingsForm(formdata=None, data=values, meta={"csrf": False})
    if not form.validate():
        problems = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        fail(422, _("Some values are not valid: %(problems)s",
                    problems="; ".join(f"{k}: {' '.join(v)}" for k, v in problems.items())),
             {"json": problems})
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip().lower() if key == "brand_color" else value.strip()
        set_setting(key, value)
    db.session.commit()
    return all_settings()
