"""Webhooks, as a company's system sees them: a real HTTP receiver on loopback gets signed JSON
deliveries when audits are approved, retried with the same delivery id when it fails."""
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.timeutil import utcnow
from extensions import db
from webhooks import signing
from webhooks.delivery import retry_due
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


class Receiver:
    """A tiny HTTP server on 127.0.0.1 that records what it gets and answers ``statuses`` in turn
    (then 200), checking each signature with the secret it is given, as a receiver must."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.secret = None
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({
                    "headers": dict(self.headers), "body": body,
                    "verified": signing.verify(receiver.secret, self.headers["Veraz-Signature"], body)})
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/veraz"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(statuses=()):
        made.append(Receiver(statuses))
        return made[-1]
    yield make
    for server in made:
        server.close()


def register(api, url, events=("audit.approved",)):
    response = api.post("admin", "/api/v1/webhooks", json={"url": url, "events": list(events)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_receiver_gets_one_signed_delivery_per_approval_with_the_score(api, receiver):
    hook = receiver()
    created = register(api, hook.url)
    hook.secret = created["secret"]
    assert created["secret"].startswith("whsec_")
    assert "secret" not in api.get("admin", f"/api/v1/webhooks/{created['id']}").get_json()

    audit_id = api.ids["submitted_a"]
    assert api.post("manager_a", f"/api/v1/audits/{audit_id}/approve").status_code == 200
    assert api.post("manager_a", f"/api/v1/audits/{api.ids['submitted_b']}/approve").status_code == 404

    assert len(hook.received) == 1
    got = hook.received[0]
    assert got["verified"]
    assert got["headers"]["Veraz-Event"] == "audit.approved"
    assert got["headers"]["Content-Type"] == "application/json"
    body = json.loads(got["body"])
    assert set(body) == {"id", "event", "created_at", "data"}
    assert body["event"] == "audit.approved"
    audit = api.get("admin", f"/api/v1/audits/{audit_id}").get_json()
    assert body["data"]["id"] == audit_id and body["data"]["score"] == audit["score"] is not None
    assert body["data"]["status"] == "approved"
    assert not signing.verify("whsec_someone-else", got["headers"]["Veraz-Signature"], got["body"])
    assert not signing.verify(hook.secret, got["headers"]["Veraz-Signature"], got["body"] + b" ")

    log = api.get("admin", f"/api/v1/webhooks/{created['id']}/deliveries").get_json()["items"]
    assert [(d["status"], d["attempts"], d["response_code"], d["delivery_id"]) for d in log] == [
        ("succeeded", 1, 200, got["headers"]["Veraz-Delivery"])]


def test_a_receiver_that_fails_gets_the_same_delivery_again_later(api, receiver, app):
    hook = receiver(statuses=[500])
    created = register(api, hook.url)
    hook.secret = created["secret"]
    assert api.post("admin", f"/api/v1/audits/{api.ids['submitted_a']}/approve").status_code == 200
    assert len(hook.received) == 1
    with app.app_context():
        delivery = db.session.scalars(db.select(WebhookDelivery)).one()
        assert (delivery.status, delivery.attempts, delivery.response_code) == ("retrying", 1, 500)
        assert timedelta(seconds=50) < delivery.next_attempt_at - delivery.last_attempt_at < timedelta(seconds=70)
        assert retry_due() == 0  # not due yet
        assert retry_due(now=utcnow() + timedelta(minutes=2)) == 1
    assert len(hook.received) == 2
    first, again = hook.received
    assert again["verified"] and again["body"] == first["body"]
    assert again["headers"]["Veraz-Delivery"] == first["headers"]["Veraz-Delivery"]
    log = api.get("admin", f"/api/v1/webhooks/{created['id']}/deliveries").get_json()["items"]
    assert (log[0]["status"], log[0]["attempts"], log[0]["response_code"]) == ("succeeded", 2, 200)


def test_a_delivery_that_keeps_failing_is_marked_failed_and_the_admin_can_send_it_again(api, receiver, app):
    hook = receiver(statuses=[503] * 6)
    created = register(api, hook.url, events=["audit.returned"])
    hook.secret = created["secret"]
    assert api.post("admin", f"/api/v1/audits/{api.ids['submitted_a']}/return",
                    json={"reason": "Missing the wait time."}).status_code == 200
    with app.app_context():
        for hours in (1, 3, 6, 12, 30):
            retry_due(now=utcnow() + timedelta(hours=hours))
        delivery = db.session.scalars(db.select(WebhookDelivery)).one()
        assert (delivery.status, delivery.attempts) == ("failed", 6)
    assert len(hook.received) == 6
    resent = api.post("admin", f"/api/v1/webhooks/{created['id']}/deliveries/{delivery.id}/resend")
    assert resent.status_code == 202
    assert len(hook.received) == 7 and hook.received[-1]["verified"]
    log = api.get("admin", f"/api/v1/webhooks/{created['id']}/deliveries").get_json()["items"]
    assert (log[0]["status"], log[0]["response_code"]) == ("succeeded", 200)


def test_only_subscribed_active_endpoints_get_an_event_and_a_rolled_back_request_sends_nothing(api, receiver):
    approved, submitted = receiver(), receiver()
    approved.secret = register(api, approved.url, events=["audit.approved"])["secret"]
    paused = register(api, submitted.url, events=["audit.approved", "audit.submitted"])
    submitted.secret = paused["secret"]
    assert api.patch("admin", f"/api/v1/webhooks/{paused['id']}", json={"active": False}).status_code == 200
    # approving with a stale lock_version is refused (409): the event's delivery is rolled back
    audit_id = api.ids["submitted_a"]
    assert api.post("admin", f"/api/v1/audits/{audit_id}/approve", json={"lock_version": 99}).status_code == 409
    assert approved.received == [] and submitted.received == []
    assert api.post("admin", f"/api/v1/audits/{audit_id}/approve").status_code == 200
    assert len(approved.received) == 1 and submitted.received == []


def test_webhook_urls_are_https_and_never_private_addresses(api, app):
    app.testing = False
    try:
        refused = api.post("admin", "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/x",
                                                              "events": ["audit.approved"]})
    finally:
        app.testing = True
    assert refused.status_code == 422
    created = register(api, "https://10.1.2.3/hooks")  # a private address: refused when sending
    with app.app_context():
        from webhooks.services import emit

        emit("audit.approved", {"id": 1})
        db.session.commit()
        delivery = db.session.scalars(db.select(WebhookDelivery)).one()
        assert delivery.status == "retrying" and "private" in delivery.error and delivery.response_code is None
    assert api.post("admin", "/api/v1/webhooks", json={"url": "https://h.example/x", "events": ["nope"]}
                    ).status_code == 422
    assert created["url"] == "https://10.1.2.3/hooks"


def test_only_admins_manage_webhooks(api):
    created = register(api, "https://hooks.example.com/veraz")
    for who in ("manager_a", "auditor", "hr", "employee"):
        assert api.get(who, "/api/v1/webhooks").status_code == 403
        assert api.get(who, f"/api/v1/webhooks/{created['id']}").status_code == 403
        assert api.post(who, "/api/v1/webhooks", json={"url": "https://x.example/", "events": ["audit.approved"]}
                        ).status_code == 403
    assert api.delete("admin", f"/api/v1/webhooks/{created['id']}").status_code == 204
    assert api.get("admin", f"/api/v1/webhooks/{created['id']}").status_code == 404


def test_the_admin_adds_a_webhook_on_its_page_and_sees_its_deliveries(app, client, world):
    from tests import factories

    client.post("/login", data={"email": world["admin"]["email"], "password": factories.PASSWORD})
    page = client.get("/webhooks")
    assert page.status_code == 200 and "New webhook" in page.get_data(as_text=True)
    response = client.post("/webhooks", data={"url": "https://hooks.example.com/veraz", "events": ["audit.approved"],
                                              "active": "y"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "whsec_" in text and "Nothing sent yet." in text
    assert "whsec_" not in client.get("/webhooks/1").get_data(as_text=True)
    refused = client.post("/webhooks", data={"url": "ftp://x.example/", "events": ["audit.approved"]})
    assert "https://" in refused.get_data(as_text=True)


def test_disputes_opened_and_decided_are_told_with_the_dispute_as_an_admin_reads_it(api, receiver):
    hook = receiver()
    hook.secret = register(api, hook.url, events=["dispute.opened", "dispute.decided"])["secret"]
    audit_id = api.ids["submitted_a"]
    assert api.post("admin", f"/api/v1/audits/{audit_id}/approve").status_code == 200
    assert hook.received == []  # not subscribed to approvals

    opened = api.post("manager_a", f"/api/v1/audits/{audit_id}/disputes", json={"reason": "Ana asked me to."})
    assert opened.status_code == 201, opened.get_json()
    dispute_id = opened.get_json()["id"]
    assert api.post("admin", f"/api/v1/disputes/{dispute_id}/decide", json={"outcome": "upheld",
                                                                           "note": "The score stands."}
                    ).status_code == 200

    assert [got["headers"]["Veraz-Event"] for got in hook.received] == ["dispute.opened", "dispute.decided"]
    assert all(got["verified"] for got in hook.received)
    told_open, told_decided = (json.loads(got["body"]) for got in hook.received)
    assert told_open["event"] == "dispute.opened" and told_open["data"]["status"] == "open"
    assert told_open["data"]["reason"] == "Ana asked me to." and told_open["data"]["decided_by"] is None
    # the decision's data is the API's detail of the dispute, as the admin reads it now
    assert told_decided["data"] == api.get("admin", f"/api/v1/disputes/{dispute_id}").get_json()
    assert told_decided["data"]["status"] == "upheld" and told_decided["data"]["decided_by"]["id"] == \
        api.world["admin"]["id"]
