"""Webhooks (admin): the endpoints Veraz POSTs signed events to, and their recent deliveries.

The rules are the webhooks package's (services: which URLs and events; delivery: signing, retries).
A refusal (WebhookError) becomes the API's error body in the app's error handler.
"""
from api import webhook_schemas as ws
from api.common import ID, current, make_blueprint, not_found, paginate, require_role
from extensions import db
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEndpoint

blp = make_blueprint("webhooks_api", "Webhooks (admin): signed POSTs to your systems when audits are submitted, "
                     "approved or returned. See the API guide for the body and the signature.")

EXAMPLE = {"url": "https://hr.example.com/hooks/veraz", "events": ["audit.approved"], "active": True}


def _endpoint(endpoint_id) -> WebhookEndpoint:
    require_role("admin")
    return db.get_or_404(WebhookEndpoint, endpoint_id)


@blp.route("/webhooks", methods=["GET"])
@blp.arguments(ws.WebhookQuery, location="query", as_kwargs=True)
@blp.response(200, ws.WebhookPage)
@blp.errors(401, 403)
def list_webhooks(page, per_page):
    """The webhook endpoints, oldest first (admin). Their secrets are never shown again."""
    require_role("admin")
    return paginate(db.select(WebhookEndpoint).order_by(WebhookEndpoint.id), {"page": page, "per_page": per_page})


@blp.route("/webhooks", methods=["POST"])
@blp.arguments(ws.WebhookIn, example=EXAMPLE)
@blp.response(201, ws.WebhookCreated, description="The new endpoint, with its signing secret (shown once).")
@blp.errors(400, 401, 403)
def create_webhook(data):
    """Register an endpoint for some events (admin); the answer holds its signing secret, shown only here."""
    require_role("admin")
    endpoint = services.create_endpoint(current(), **data)
    db.session.commit()
    return endpoint


@blp.route(f"/webhooks/<{ID}:webhook_id>", methods=["GET"])
@blp.response(200, ws.WebhookSchema)
@blp.errors(401, 403, 404)
def get_webhook(webhook_id):
    """One webhook endpoint (admin), without its secret."""
    return _endpoint(webhook_id)


@blp.route(f"/webhooks/<{ID}:webhook_id>", methods=["PATCH"])
@blp.arguments(ws.WebhookIn(partial=True), example={"active": False})
@blp.response(200, ws.WebhookSchema)
@blp.errors(400, 401, 403, 404)
def update_webhook(data, webhook_id):
    """Change an endpoint's URL, events, description or pause it (admin); send only what changes."""
    endpoint = services.update_endpoint(_endpoint(webhook_id), **data)
    db.session.commit()
    return endpoint


@blp.route(f"/webhooks/<{ID}:webhook_id>", methods=["DELETE"])
@blp.response(204, description="Removed, with its delivery log.")
@blp.errors(401, 403, 404)
def delete_webhook(webhook_id):
    """Remove an endpoint and its delivery log (admin); nothing more is sent to it."""
    services.delete_endpoint(_endpoint(webhook_id))
    db.session.commit()


@blp.route(f"/webhooks/<{ID}:webhook_id>/deliveries", methods=["GET"])
@blp.arguments(ws.WebhookQuery, location="query", as_kwargs=True)
@blp.response(200, ws.DeliveryPage)
@blp.errors(401, 403, 404)
def list_webhook_deliveries(page, per_page, webhook_id):
    """An endpoint's deliveries, newest first (admin): status, attempts, the receiver's response."""
    endpoint = _endpoint(webhook_id)
    query = db.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id) \
        .order_by(WebhookDelivery.id.desc())
    return paginate(query, {"page": page, "per_page": per_page})


@blp.route(f"/webhooks/<{ID}:webhook_id>/deliveries/<{ID}:delivery_id>/resend", methods=["POST"])
@blp.response(202, ws.DeliverySchema, description="Queued again: the same body and delivery id.")
@blp.errors(401, 403, 404)
def resend_webhook_delivery(webhook_id, delivery_id):
    """Send a delivery again (admin), with the same body and Veraz-Delivery id; its retries start over."""
    delivery = services.get_delivery(_endpoint(webhook_id), delivery_id)
    if delivery is None:
        not_found()
    services.send_again(delivery)
    db.session.commit()
    return delivery
