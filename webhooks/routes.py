"""The admin's webhook pages: /webhooks (the endpoints, and a new one) and /webhooks/<id> (change
it, its recent deliveries, send one again, remove it)."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts.permissions import roles_required
from core.errors import DomainError
from extensions import db
from webhooks import services
from webhooks.forms import EVENT_LABELS, WebhookForm
from webhooks.models import WebhookEndpoint

bp = Blueprint("webhooks", __name__)


def register(app):
    app.register_blueprint(bp)


def _endpoint(endpoint_id) -> WebhookEndpoint:
    return db.session.get(WebhookEndpoint, endpoint_id) or abort(404)


def _save(form, endpoint=None):
    """Through the same services as the API; a refusal goes to the URL or events field."""
    values = {"url": form.url.data, "events": form.events.data, "active": form.active.data,
              "description": form.description.data}
    try:
        if endpoint is None:
            return services.create_endpoint(current_user, **values)
        return services.update_endpoint(endpoint, **values)
    except DomainError as exc:
        db.session.rollback()
        field = form.events if "events" in exc.details else form.url
        field.errors = [*field.errors, exc.message]
        return None


@bp.route("/webhooks", methods=["GET", "POST"])
@roles_required("admin")
def list_webhooks():
    form = WebhookForm()
    if form.validate_on_submit():
        endpoint = _save(form)
        if endpoint is not None:
            secret = endpoint.secret
            db.session.commit()
            flash(_("The webhook was added. Its signing secret, shown only now: %(secret)s", secret=secret),
                  "success")
            return redirect(url_for("webhooks.edit_webhook", endpoint_id=endpoint.id))
    return render_template("webhooks/list.html", endpoints=services.endpoints(), form=form,
                           labels=EVENT_LABELS)


@bp.route("/webhooks/<int:endpoint_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_webhook(endpoint_id):
    endpoint = _endpoint(endpoint_id)
    form = WebhookForm(obj=endpoint)
    if form.validate_on_submit() and _save(form, endpoint) is not None:
        db.session.commit()
        flash(_("The webhook was saved."), "success")
        return redirect(url_for("webhooks.edit_webhook", endpoint_id=endpoint.id))
    return render_template("webhooks/edit.html", endpoint=endpoint, form=form,
                           deliveries=services.recent_deliveries(endpoint))


@bp.route("/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/resend", methods=["POST"])
@roles_required("admin")
def resend_delivery(endpoint_id, delivery_id):
    delivery = services.get_delivery(_endpoint(endpoint_id), delivery_id) or abort(404)
    services.send_again(delivery)
    db.session.commit()
    flash(_("The delivery was sent again."), "success")
    return redirect(url_for("webhooks.edit_webhook", endpoint_id=endpoint_id))


@bp.route("/webhooks/<int:endpoint_id>/delete", methods=["POST"])
@roles_required("admin")
def delete_webhook(endpoint_id):
    services.delete_endpoint(_endpoint(endpoint_id))
    db.session.commit()
    flash(_("The webhook was removed."), "success")
    return redirect(url_for("webhooks.list_webhooks"))
