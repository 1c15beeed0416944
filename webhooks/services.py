"""Webhook endpoints: register, change, remove; events turned into deliveries; the delivery log.

Services flush and never commit. A delivery is sent by a job once the request commits
(jobs.queue.enqueue_after_commit): a rolled-back request sends nothing.
"""
import json
import uuid
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from core.errors import DomainError
from core.timeutil import utcnow
from extensions import db
from jobs.queue import enqueue_after_commit
from webhooks import signing
from webhooks.models import EVENTS, WebhookDelivery, WebhookEndpoint
from webhooks.network import is_loopback_host

RECENT = 50  # deliveries an endpoint's page and the API list


class WebhookError(DomainError):
    status = 422
    code = "invalid"


def check_url(url: str) -> str:
    """``https://`` only; ``http://`` to loopback while the app is in debug or test mode. Where the
    name points is checked on each delivery (network.py), since DNS can change after this."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        host = None
    if not host or parts.scheme not in ("https", "http") or parts.username or parts.password:
        raise WebhookError(_l("The URL must be https:// followed by a host name, without a user or password."),
                           details={"url": "invalid"})
    if parts.scheme == "http":
        testing = current_app.debug or current_app.testing
        if not (testing and is_loopback_host(host)):
            raise WebhookError(_l("Webhooks are sent over https:// only."), details={"url": "https_required"})
    return url


def check_events(events) -> list[str]:
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise WebhookError(_l("Unknown events: %(events)s.", events=", ".join(unknown)),
                           details={"events": unknown})
    if not events:
        raise WebhookError(_l("Choose at least one event."), details={"events": "empty"})
    return [event for event in EVENTS if event in set(events)]


def create_endpoint(actor, url, events, active=True, description="") -> WebhookEndpoint:
    endpoint = WebhookEndpoint(url=check_url(url), events=check_events(events), active=active,
                               description=(description or "").strip()[:200], secret=signing.new_secret(),
                               created_by_id=getattr(actor, "id", None))
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def update_endpoint(endpoint, **values) -> WebhookEndpoint:
    if "url" in values:
        endpoint.url = check_url(values["url"])
    if "events" in values:
        endpoint.events = check_events(values["events"])
    if "active" in values:
        endpoint.active = bool(values["active"])
    if "description" in values:
        endpoint.description = (values["description"] or "").strip()[:200]
    db.session.flush()
    return endpoint


def delete_endpoint(endpoint) -> None:
    db.session.delete(endpoint)
    db.session.flush()


def endpoints():
    return db.session.scalars(db.select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()


def recent_deliveries(endpoint, limit=RECENT):
    return endpoint.deliveries.limit(limit).all()


def get_delivery(endpoint, delivery_pk):
    return db.session.scalar(db.select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.id == delivery_pk))


def emit(event: str, data) -> list[WebhookDelivery]:
    """One delivery of ``event`` per active endpoint subscribed to it, sent after the commit. The
    body is made now: every retry sends the same bytes, whatever changes later. ``data`` is a dict,
    or a function making it, called only when some endpoint is subscribed (an audit's detail costs
    a few queries)."""
    assert event in EVENTS, event
    subscribed = [e for e in db.session.scalars(db.select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)))
                  if event in (e.events or [])]
    if not subscribed:
        return []
    if callable(data):
        data = data()
    body = json.dumps({"id": str(uuid.uuid4()), "event": event,
                       "created_at": utcnow().replace(microsecond=0).isoformat() + "Z", "data": data},
                      ensure_ascii=False, separators=(",", ":"), default=str)
    deliveries = []
    for endpoint in subscribed:
        delivery = WebhookDelivery(endpoint=endpoint, delivery_id=str(uuid.uuid4()), event=event, body=body,
                                   status="pending")
        db.session.add(delivery)
        deliveries.append(delivery)
    db.session.flush()
    from webhooks.delivery import deliver  # the job (it imports this module)

    for delivery in deliveries:
        enqueue_after_commit(db.session, deliver, delivery.id)
    return deliveries


def send_again(delivery) -> WebhookDelivery:
    """The admin's "send again": the same body and delivery id, its retries starting over."""
    delivery.status, delivery.attempts, delivery.next_attempt_at, delivery.error = "pending", 0, None, ""
    db.session.flush()
    from webhooks.delivery import deliver

    enqueue_after_commit(db.session, deliver, delivery.id)
    return delivery
