"""The token's user and the admin's settings (users: api/users.py)."""
from flask_babel import gettext as _

from accounts import services
from accounts.forms import SettingsForm
from api import schemas as s
from api.common import current, fail, make_blueprint, require_role
from core.models import all_settings
from extensions import db

blp = make_blueprint("accounts_api", "The current user and settings.")


@blp.route("/me", methods=["GET"])
@blp.response(200, s.UserSchema)
@blp.errors(401)
def me():
    """The token's user: id, email, name, role, language, the branches they manage and, for an
    employee login, its employee."""
    return current()


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
    services.save_settings(data, actor=current())
    db.session.commit()
    return all_settings()
