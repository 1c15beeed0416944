"""The notification list (/notifications) and the switches on the profile page."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from extensions import db
from notifications import emails, services

bp = Blueprint("notifications", __name__)


def register(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(unread_notifications=_unread_for_header,
                                 notification_switches=_switches_for_profile)


def _unread_for_header() -> int:
    return services.unread_count(current_user) if current_user.is_authenticated else 0


def _switches_for_profile():
    """(kind, label, {"in_app", "email"}) for the kinds the current user can receive."""
    prefs = services.preferences(current_user)
    return [(kind, services.KIND_LABELS[kind], prefs[kind])
            for kind in services.KINDS_FOR_ROLE.get(current_user.role, ())]


@bp.route("/notifications")
@login_required
def list_notifications():
    """Newest first; those unread until now are marked so on this page, and read from now on."""
    page = db.paginate(services.listing(current_user), per_page=50, error_out=False)
    items = [{"note": n, "text": emails.describe(n), "url": emails.link(n), "unread": n.read_at is None}
             for n in page.items]
    services.mark_read(current_user, [n.id for n in page.items])
    db.session.commit()
    return render_template("notifications/list.html", items=items, page=page)


@bp.route("/notifications/preferences", methods=["POST"])
@login_required
def preferences():
    wanted = {kind: {"in_app": request.form.get(f"{kind}-in_app") == "1",
                     "email": request.form.get(f"{kind}-email") == "1"}
              for kind in services.KINDS_FOR_ROLE.get(current_user.role, ())}
    services.set_preferences(current_user, wanted)
    db.session.commit()
    flash(_("Your notification settings were saved."), "success")
    return redirect(url_for("accounts.profile"))
