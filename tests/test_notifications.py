"""People are told: who gets which notification, the list and its unread count, the switches on
the profile page, the API, the hourly digest and the daily overdue check. Here without Redis (jobs
run in the app's process, e-mails are recorded); tests/test_jobs.py does it with real servers."""
from datetime import date, timedelta

import pytest

from accounts.models import User
from audits.models import Assignment
from extensions import db
from notifications.models import Notification
from tests import factories
from tests.support.api import cid

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")  # before the world is made


@pytest.fixture
def sent(monkeypatch):
    """The e-mails that would leave: (to, subject, text, html, language)."""
    from jobs import mail

    outbox = []
    monkeypatch.setattr(mail, "send", lambda to, subject, text, html=None, language=None:
                        outbox.append({"to": to, "subject": subject, "text": text, "html": html,
                                       "language": language}))
    return outbox


def plan(api, who="manager_a", auditor="auditor", branch="branch_a", **extra):
    response = api.post(who, "/api/v1/assignments", json={
        "auditor_id": api.world[auditor]["id"], "branch_id": api.world[branch], "scorecard": api.ids["slug"], **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def kinds(api, who, **query):
    return [n["kind"] for n in api.get(who, "/api/v1/notifications", query_string=query).get_json()["items"]]


def submit_audit(api, who="auditor", branch="branch_a"):
    made = api.post(who, "/api/v1/audits", json={"client_id": cid(), "scorecard": api.ids["slug"],
                                                  "branch_id": api.world[branch], "answers": factories.WORKED_ANSWERS,
                                                  "submit": True})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def test_a_new_assignment_is_counted_in_the_header_until_the_list_is_opened(api, client, login_as, sent):
    plan(api, due_date="2031-03-14")
    login_as("auditor")
    page = client.get("/my/assignments").get_data(as_text=True)
    assert 'class="notifications-link"' in page and '<span class="badge warn">1' in page

    listed = client.get("/notifications").get_data(as_text=True)
    assert "You have a new audit to do at Branch A by Mar 14, 2031." in listed
    assert 'href="/my/assignments"' in listed
    assert '<span class="badge warn">1' not in client.get("/my/assignments").get_data(as_text=True)
    assert kinds(api, "auditor", unread="true") == []
    assert kinds(api, "auditor") == ["assignment_made"]
    [mail] = sent
    assert mail["to"] == "auditor@test.example" and mail["subject"].endswith(": New audit assignment")
    assert "http://127.0.0.1:5000/my/assignments" in mail["text"] and mail["language"] == "en"


def test_each_event_tells_the_people_concerned_and_not_the_one_who_acted(api, sent):
    assignment = plan(api)
    assert api.patch("manager_a", f"/api/v1/assignments/{assignment}", json={"notes": "Ask about the new card."}
                     ).status_code == 200
    assert api.delete("manager_a", f"/api/v1/assignments/{assignment}").status_code == 204
    assert kinds(api, "auditor") == ["assignment_cancelled", "assignment_changed", "assignment_made"]
    assert kinds(api, "manager_a") == []  # they acted

    audit = submit_audit(api)
    assert kinds(api, "manager_a") == ["audit_submitted"]  # the reviewer of branch A
    assert kinds(api, "manager_b") == [] and kinds(api, "hr") == []
    assert api.post("admin", f"/api/v1/audits/{audit}/approve").status_code == 200
    assert kinds(api, "manager_a") == ["audit_approved", "audit_submitted"]
    assert "audit_approved" not in kinds(api, "admin")

    returned = api.post("manager_b", f"/api/v1/audits/{api.ids['submitted_b']}/return", json={"reason": "Photos?"})
    assert returned.status_code == 200
    assert kinds(api, "auditor2") == ["audit_returned"]
    assert {m["to"] for m in sent} == {"auditor@test.example", "manager.a@test.example", "auditor2@test.example"}


def test_a_person_switches_off_what_they_do_not_want(api, client, login_as, sent):
    login_as("auditor")
    profile = client.get("/profile").get_data(as_text=True)
    assert 'name="assignment_made-email"' in profile and "Audits waiting for my review" not in profile
    # e-mail off for new assignments; in the app off for changes; the rest left on
    switches = {f"{kind}-{channel}": "1" for kind in ("assignment_made", "assignment_changed",
                                                     "assignment_cancelled", "assignment_overdue", "audit_returned")
                for channel in ("in_app", "email")}
    del switches["assignment_made-email"], switches["assignment_changed-in_app"]
    assert client.post("/notifications/preferences", data=switches).status_code == 302

    assignment = plan(api)
    api.patch("manager_a", f"/api/v1/assignments/{assignment}", json={"notes": "Earlier, please."})
    assert kinds(api, "auditor") == ["assignment_made"]
    assert [m["subject"].split(": ", 1)[1] for m in sent] == ["An audit assignment changed"]


def test_emails_speak_the_recipients_language_and_keep_the_subject_plain(app, api, sent):
    with app.app_context():
        db.session.get(User, api.world["auditor"]["id"]).language = "es"
        db.session.commit()
    returned = api.post("manager_a", f"/api/v1/audits/{api.ids['submitted_a']}/return",
                        json={"reason": "Score 12 for Ana Employee is wrong."})
    assert returned.status_code == 200
    [mail] = sent
    assert mail["language"] == "es" and mail["subject"].endswith(": Le han devuelto una auditoría")
    assert "Ana" not in mail["subject"] and "12" not in mail["subject"] and "Branch A" not in mail["subject"]
    assert f"http://127.0.0.1:5000/audits/{api.ids['submitted_a']}" in mail["text"]
    assert 'lang="es"' in mail["html"] and "Hola" in mail["html"]


def test_reviewers_get_at_most_one_email_an_hour_as_a_digest(app, api, sent):
    submit_audit(api)
    submit_audit(api)  # within the hour: waits
    to_manager = [m for m in sent if m["to"] == "manager.a@test.example"]
    assert len(to_manager) == 1 and to_manager[0]["text"].count("was submitted and waits for review") == 1

    with app.app_context():  # an hour later
        for note in db.session.scalars(db.select(Notification).where(Notification.emailed_at.is_not(None))):
            note.emailed_at -= timedelta(hours=1, minutes=1)
        db.session.commit()
    submit_audit(api)
    to_manager = [m for m in sent if m["to"] == "manager.a@test.example"]
    assert len(to_manager) == 2 and to_manager[1]["text"].count("was submitted and waits for review") == 2
    assert kinds(api, "manager_a") == ["audit_submitted"] * 3  # in the app, each one at once


def test_a_rolled_back_change_tells_nobody(app, api, sent):
    from audits import assignments as services

    with app.app_context():
        manager = db.session.get(User, api.world["manager_a"]["id"])
        services.plan_assignment(manager, auditor=api.world["auditor"]["id"], branch=api.world["branch_a"],
                                 scorecard=api.ids["slug"])
        db.session.rollback()
    assert sent == [] and kinds(api, "auditor") == []


def test_marking_read_through_the_api(api, sent):
    for _ in range(3):
        plan(api)
    plan(api, who="manager_b", auditor="auditor2", branch="branch_b")
    mine = [n["id"] for n in api.get("auditor", "/api/v1/notifications?per_page=2").get_json()["items"]]
    page = api.get("auditor", "/api/v1/notifications?per_page=2").get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 2)
    theirs = api.get("auditor2", "/api/v1/notifications").get_json()["items"][0]["id"]

    marked = api.post("auditor", "/api/v1/notifications/read", json={"ids": [mine[0], theirs]}).get_json()
    assert marked == {"marked": 1, "unread": 2}
    assert len(kinds(api, "auditor2", unread="true")) == 1  # not the auditor's to mark
    everything = api.post("auditor", "/api/v1/notifications/read", json={"all": True}).get_json()
    assert everything == {"marked": 2, "unread": 0}
    for body in ({}, {"ids": [1], "all": True}, {"all": False}):
        refused = api.post("auditor", "/api/v1/notifications/read", json=body)
        assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "invalid"


def test_overdue_assignments_are_told_once_to_the_auditor_and_the_planner(app, api, runner, sent):
    with app.app_context():
        late = db.session.get(Assignment, api.ids["assignment_a"])
        late.due_date = date.today() - timedelta(days=1)
        db.session.commit()
    assert "1 overdue assignment(s) notified." in runner.invoke(args=["notify-overdue"]).output
    assert "0 overdue" in runner.invoke(args=["notify-overdue"]).output
    assert kinds(api, "auditor") == ["assignment_overdue"] and kinds(api, "manager_a") == ["assignment_overdue"]
    links = {n["url"] for who in ("auditor", "manager_a")
             for n in api.get(who, "/api/v1/notifications").get_json()["items"]}
    assert links == {"/my/assignments", f"/assignments/{api.ids['assignment_a']}"}
    assert sorted(m["to"] for m in sent) == ["auditor@test.example", "manager.a@test.example"]


def test_health_says_when_the_configured_redis_does_not_answer(make_app):
    from tests.support.services import free_port

    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and "cannot reach Redis" in response.get_json()["message"]
    assert make_app().test_client().get("/healthz").get_json() == {"status": "ok"}  # no Redis, not asked
