"""The builder's "Preview the impact" page: a draft version replayed over a period's approved audits
(reports/impact.py). Admins only, like the builder; a published version answers 409."""
from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from accounts.permissions import roles_required
from core.i18n import decimal
from core.web import error_response
from reports import impact
from scorecards.routes.common import card_or_404, version_or_404

bp = Blueprint("impact", __name__)


def register(app):
    app.register_blueprint(bp)


def signed(value) -> str:
    """A change in points of score: +1.5, −0.3 (0.0 without a sign)."""
    shown = decimal(abs(value))
    if shown == decimal(0):
        return shown
    return ("+" if value > 0 else "−") + shown


def _period(args) -> tuple[date | None, date | None, dict]:
    """(from, to, {field: message}) from the query string; missing days take the last 90 days."""
    errors, days = {}, {}
    for name in ("from", "to"):
        raw = (args.get(name) or "").strip()[:20]
        if not raw:
            days[name] = None
            continue
        try:
            days[name] = date.fromisoformat(raw)
        except ValueError:
            errors[name] = _("Use a date like 2025-01-31.")
            continue
        if not 2000 <= days[name].year <= 2100:
            errors[name] = _("Use a date between 2000 and 2100.")
    if errors:
        return None, None, errors
    try:
        date_from, date_to = impact.resolve_period(days["from"], days["to"])
    except ValueError:
        return None, None, {"to": _("The end of the period comes before its start.")}
    return date_from, date_to, {}


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/impact")
@roles_required("admin")
def preview(card_id, number):
    card = card_or_404(card_id)
    version = version_or_404(card, number)
    if version.is_published:
        return error_response(409, _("Version %(n)d is published: only a draft can be previewed.", n=number),
                              code="not_draft")
    date_from, date_to, errors = _period(request.args)
    result = impact.preview(version, date_from, date_to, current_user) if not errors else None
    values = {"from": date_from.isoformat() if date_from else request.args.get("from", ""),
              "to": date_to.isoformat() if date_to else request.args.get("to", "")}
    return render_template("reports/impact.html", card=card, version=version, result=result,
                           values=values, errors=errors, signed=signed), 400 if errors else 200
