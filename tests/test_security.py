"""The security log: what happens to accounts and every time report data leaves Veraz is recorded,
and an admin reads it on a page and through the API; old events are purged."""
from datetime import timedelta

from accounts import signals
from core.timeutil import utcnow
from extensions import db
from security import log
from security.models import SecurityEvent
from tests.support.api import issue_token


def _admin(app, world):
    with app.app_context():
        token = issue_token(world["admin"]["id"], "t")
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_security_log_lists_failed_logins_and_an_export(app, client, login_as, world):
    # as the login code sends it, for three guessed e-mails from one address
    with app.test_request_context("/login", method="POST", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        for n in range(3):
            signals.login_failed.send(None, email=f"guess{n}@spray.example", address="203.0.113.9")
    login_as("hr")
    export = client.get("/reports/exports/answers.csv?from=2026-01-01&to=2026-03-31")
    assert export.status_code == 200
    export.get_data()
    admin = _admin(app, world)

    failed = client.get("/api/v1/security-events?type=login_failed", headers=admin).get_json()
    assert failed["total"] == 3 and {e["email"] for e in failed["items"]} == {
        f"guess{n}@spray.example" for n in range(3)}
    assert {e["address"] for e in failed["items"]} == {"203.0.113.9"}
    assert all(e["actor_id"] is None for e in failed["items"])
    exports = client.get("/api/v1/security-events?type=export_downloaded", headers=admin).get_json()["items"]
    assert len(exports) == 1
    assert exports[0]["actor_id"] == world["hr"]["id"]
    assert exports[0]["details"] == {"what": "answers", "format": "csv",
                                     "filters": {"from": "2026-01-01", "to": "2026-03-31"}}
    mine = client.get(f"/api/v1/security-events?user_id={world['hr']['id']}", headers=admin).get_json()
    newest_first = [e["type"] for e in mine["items"]]
    assert newest_first == ["export_downloaded", "login_succeeded", "user_created"]

    page = login_as("admin").get("/security/events?type=login_failed")
    assert page.status_code == 200 and "guess2@spray.example" in page.get_data(as_text=True)
    assert login_as("hr").get("/security/events").status_code == 403


def test_user_and_settings_changes_and_report_pdfs_are_recorded(app, client, login_as, world):
    admin = _admin(app, world)
    made = client.post("/api/v1/users", headers=admin, json={"email": "new@test.example", "name": "New Person",
                                                             "role": "auditor", "password": "a-long-password-1"})
    assert made.status_code == 201, made.get_json()
    user_id = made.get_json()["id"]
    assert client.patch(f"/api/v1/users/{user_id}", headers=admin, json={"role": "hr", "name": "Renamed"}
                        ).status_code == 200
    assert client.patch(f"/api/v1/users/{user_id}", headers=admin, json={"active": False}).status_code == 200
    assert client.patch("/api/v1/settings", headers=admin, json={"dispute_window_days": 30}).status_code == 200
    login_as("manager_a").get(f"/reports/branches/{world['branch_a']}.pdf?from=2026-01-01&to=2026-03-31")

    events = client.get("/api/v1/security-events?per_page=200", headers=admin).get_json()["items"]
    by_type = {}
    for e in events:
        by_type.setdefault(e["type"], []).append(e)
    assert by_type["user_created"][0]["subject_id"] == user_id
    assert by_type["user_created"][0]["actor_id"] == world["admin"]["id"]
    changed = [e["details"]["changes"] for e in by_type["user_changed"]]
    # the role's values are kept; a name only as "changed" (the log outlives an erasure)
    assert {"role": ["auditor", "hr"], "name": "changed"} in changed
    assert "Renamed" not in str(events)
    assert by_type["user_deactivated"][0]["subject_id"] == user_id
    assert by_type["settings_changed"][0]["details"] == {"changes": {"dispute_window_days": [14, 30]}}
    assert by_type["pdf_downloaded"][0]["actor_id"] == world["manager_a"]["id"]
    assert by_type["pdf_downloaded"][0]["details"]["file"].startswith("branch-A-1-")
    login_as("hr").get(f"/reports/employees/{world['employee_a']}.pdf?from=2026-01-01&to=2026-03-31")
    latest = client.get("/api/v1/security-events?type=pdf_downloaded", headers=admin).get_json()["items"][0]
    assert latest["details"] == {"file": "employee", "employee_id": world["employee_a"],
                                 "period": "2026-01-01-2026-03-31"}  # by id: the log names nobody


def test_the_api_refuses_bad_filters_and_other_roles(app, client, world):
    admin = _admin(app, world)
    assert client.get("/api/v1/security-events?type=nonsense", headers=admin).status_code == 422
    assert client.get("/api/v1/security-events?from=2026-13-01", headers=admin).status_code == 422
    with app.app_context():
        token = issue_token(world["hr"]["id"], "t")
        db.session.commit()
    assert client.get("/api/v1/security-events", headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_events_are_append_only_and_purged_after_the_days_set(app, runner, world):
    with app.app_context():
        old = log.record("login_failed", email="old@x.example", address="198.51.100.1")
        old_id = old.id
        db.session.execute(db.update(SecurityEvent).where(SecurityEvent.id == old_id)
                           .values(occurred_at=utcnow() - timedelta(days=400)))
        log.record("login_failed", email="recent@x.example")
        db.session.commit()
        event = db.session.get(SecurityEvent, old_id)
        event.email = "changed@x.example"
        try:
            db.session.flush()
            raise AssertionError("an event was changed")
        except ValueError:
            db.session.rollback()
    result = runner.invoke(args=["privacy-daily"])
    assert "Purged 1 security events" in result.output, result.output
    with app.app_context():
        emails = set(db.session.scalars(db.select(SecurityEvent.email)))
        assert "old@x.example" not in emails and "recent@x.example" in emails
        assert db.session.scalar(db.select(SecurityEvent).where(SecurityEvent.type == "security_log_purged"))
