"""Sending a delivery: the job, its retries with backoff, and the catch-up for servers without Redis.

A 2xx within 10 s is success. Anything else (another status, a timeout, a refused address) is an
attempt that failed: the next one is scheduled after WEBHOOK_RETRY_DELAYS (about 1 min, 5 min,
30 min, 2 h, 12 h); after the last the delivery is marked failed. On RQ the worker's scheduler
runs it then; without Redis ``flask --app app webhooks retry`` (cron, every minute) sends what is
due. Redirects are not followed: they could lead to an address the check did not see.
"""
import logging
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app

from core.timeutil import utcnow
from extensions import db
from jobs.queue import enqueue_in, job_context
from webhooks import signing
from webhooks.models import WebhookDelivery
from webhooks.network import AddressRefused, check_destination

log = logging.getLogger(__name__)
TIMEOUT = 10  # seconds
USER_AGENT = "Veraz-Webhooks/1"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def deliver(delivery_pk: int) -> None:
    """The job: one attempt at one delivery (nothing happens to one already delivered)."""
    with job_context():
        delivery = db.session.get(WebhookDelivery, delivery_pk)
        if delivery is None or delivery.status == "succeeded":
            return
        attempt(delivery)


def post(url: str, body: bytes, headers: dict) -> int:
    """POST ``body``; the response's status (an HTTPError's too)."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 (checked URL)
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:  # nosec B310: https, or http to loopback in tests
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def attempt(delivery: WebhookDelivery) -> bool:
    """Send ``delivery`` once and record the outcome; True when delivered."""
    endpoint = delivery.endpoint
    parts = urlsplit(endpoint.url)
    app = current_app
    delivery.attempts += 1
    delivery.last_attempt_at = utcnow()
    delivery.response_code, delivery.error = None, ""
    body = delivery.body.encode()
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               signing.HEADER: signing.sign(endpoint.secret, body),
               "Veraz-Event": delivery.event, "Veraz-Delivery": delivery.delivery_id}
    try:
        check_destination(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                          allow_private=app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"],
                          allow_loopback=app.debug or app.testing)
        delivery.response_code = post(endpoint.url, body, headers)
    except AddressRefused as exc:
        delivery.error = str(exc)[:300]
    except (OSError, ValueError) as exc:  # refused, reset, timed out, TLS: the receiver is not there
        delivery.error = (str(exc) or type(exc).__name__)[:300]
    if delivery.response_code is not None and 200 <= delivery.response_code < 300:
        delivery.status, delivery.next_attempt_at = "succeeded", None
        db.session.commit()
        return True
    if not delivery.error:
        delivery.error = f"HTTP {delivery.response_code}"
    delays = app.config["WEBHOOK_RETRY_DELAYS"]
    if delivery.attempts > len(delays):
        delivery.status, delivery.next_attempt_at = "failed", None
        db.session.commit()
        log.warning("Webhook delivery %s to %s failed for good: %s", delivery.delivery_id, endpoint.url,
                    delivery.error)
        return False
    delay = timedelta(seconds=delays[delivery.attempts - 1])
    delivery.status, delivery.next_attempt_at = "retrying", delivery.last_attempt_at + delay
    db.session.commit()
    enqueue_in(delay, deliver, delivery.id)  # on RQ; without Redis, retry_due() sends it
    return False


def retry_due(now=None) -> int:
    """Send every delivery whose retry is due (servers without Redis: run from cron). How many."""
    now = now or utcnow()
    due = db.session.scalars(db.select(WebhookDelivery.id).where(
        WebhookDelivery.status == "retrying", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at)).all()
    for delivery_pk in due:
        deliver(delivery_pk)
    return len(due)
