"""Corrective actions: a critical failure on approval opens one for the branch; its owner does it
and another manager verifies it (never the owner); overdue ones are found, counted on the reports
and told once; who may create and change them."""
import copy
import io
from datetime import timedelta

import pytest
from PIL import Image

from accounts.models import User
from actions.models import Action
from actions.overdue import notify_overdue_actions
from audits.models import Audit
from core.models import set_setting
from core.timeutil import utcnow
from extensions import db
from notifications.models import Notification
from tests import factories
from tests.support.api import issue_token
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")

# The worked example with "Gave their name" critical: its answer "no" is a critical failure.
CRITICAL = copy.deepcopy(factories.WORKED_EXAMPLE)
CRITICAL["sections"][0]["criteria"][1]["critical"] = True


@pytest.fixture
def case(app, world):
    """Branch A with a second manager (after manager A by name); a submitted audit of Ana's with a
    critical failure, and an approved one without; a token for everyone."""
    with app.app_context():
        branch = db.session.get(User, world["manager_a"]["id"]).branches[0]
        second = factories.user("manager", "second.a@test.example", branches=[branch], name="Zoe Second")
        critical = factories.scorecard(CRITICAL)
        submitted = factories.audit(critical, world["auditor"]["id"], world["branch_a"], status="submitted",
                                    employee_id=world["employee_a"])
        approved = factories.audit(factories.scorecard(), world["auditor"]["id"], world["branch_a"],
                                   employee_id=world["employee_a"], reviewed_at=utcnow())
        ids = {name: world[name]["id"] for name in ("manager_a", "manager_b", "employee", "admin", "hr", "auditor")}
        ids["second"] = second.id
        tokens = {name: issue_token(uid, "t") for name, uid in ids.items()}
        db.session.commit()
        return {"submitted": submitted.id, "approved": approved.id, "tokens": tokens, "ids": ids,
                "branch": world["branch_a"], "employee": world["employee_a"]}


def call(client, case, who, method, url, json=None):
    return client.open(url, method=method, json=json, headers={"Authorization": f"Bearer {case['tokens'][who]}"})


def patch(client, case, who, action_id, body):
    return call(client, case, who, "PATCH", f"/api/v1/actions/{action_id}", body)


def test_a_critical_failure_opens_an_action_its_owner_does_and_another_manager_verifies(app, client, case):
    approved = call(client, case, "admin", "POST", f"/api/v1/audits/{case['submitted']}/approve")
    assert approved.status_code == 200, approved.get_json()

    listed = call(client, case, "manager_a", "GET", f"/api/v1/actions?audit_id={case['submitted']}").get_json()
    assert listed["total"] == 1
    action = listed["items"][0]
    assert action["status"] == "open" and action["automatic"] and action["branch_id"] == case["branch"]
    assert action["criterion_key"] == "a_no" and action["owner"]["id"] == case["ids"]["manager_a"]
    assert action["due_date"] == (utcnow().date() + timedelta(days=7)).isoformat()
    with app.app_context():  # every manager of the branch is told, the owner among them
        told = {n.user_id for n in db.session.scalars(db.select(Notification).where(
            Notification.kind == "action_assigned", Notification.subject_id == action["id"]))}
    assert told == {case["ids"]["manager_a"], case["ids"]["second"]}

    aid = action["id"]
    assert patch(client, case, "manager_a", aid, {"status": "in_progress"}).get_json()["status"] == "in_progress"
    assert patch(client, case, "manager_a", aid, {"status": "done"}).status_code == 422  # no closing note
    done = patch(client, case, "manager_a", aid, {"status": "done", "closing_note": "Badges ordered for all."})
    assert done.status_code == 200 and done.get_json()["closing_note"] == "Badges ordered for all."
    # the owner may not verify their own work; nothing goes back to open; another branch sees nothing
    assert patch(client, case, "manager_a", aid, {"status": "verified"}).status_code == 403
    assert patch(client, case, "second", aid, {"status": "open"}).status_code == 409
    assert call(client, case, "manager_b", "GET", f"/api/v1/actions/{aid}").status_code == 404
    verified = patch(client, case, "second", aid, {"status": "verified"})
    assert verified.status_code == 200, verified.get_json()
    assert verified.get_json()["verified_by"]["id"] == case["ids"]["second"]
    assert patch(client, case, "second", aid, {"status": "cancelled", "cancel_reason": "x"}).status_code == 409


def test_with_the_setting_off_a_critical_failure_opens_nothing(app, client, case):
    off = call(client, case, "admin", "PATCH", "/api/v1/settings", {"actions_on_critical": False})
    assert off.status_code == 200 and off.get_json()["actions_on_critical"] is False
    assert call(client, case, "admin", "POST", f"/api/v1/audits/{case['submitted']}/approve").status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Action.id))) == 0


def _create(client, case, who="manager_a", **values):
    body = {"audit_id": case["approved"], "title": "Say your name", "owner_id": case["ids"]["employee"],
            "due_date": (utcnow().date() + timedelta(days=5)).isoformat(), "criterion_key": "a_no", **values}
    return call(client, case, who, "POST", "/api/v1/actions", body)


def test_an_overdue_action_is_found_by_the_filter_counted_on_the_reports_and_told_once(app, client, case):
    with app.app_context():
        endpoint = WebhookEndpoint(url="https://127.0.0.1:9/hook", events=["action.overdue"], secret="whsec_x")
        db.session.add(endpoint)
        db.session.commit()
    late = _create(client, case, title="Late one", due_date=(utcnow().date() - timedelta(days=2)).isoformat())
    assert late.status_code == 201, late.get_json()
    assert late.get_json()["overdue"] is True and late.get_json()["owner"]["id"] == case["ids"]["employee"]
    assert _create(client, case, title="On time", section_key="b", criterion_key=None).status_code == 201

    found = call(client, case, "manager_a", "GET", "/api/v1/actions?overdue=true").get_json()
    assert [a["title"] for a in found["items"]] == ["Late one"]
    mine = call(client, case, "employee", "GET", f"/api/v1/actions?owner_id={case['ids']['employee']}").get_json()
    assert mine["total"] == 2

    figures = call(client, case, "manager_a", "GET", f"/api/v1/reports/branches/{case['branch']}").get_json()
    assert figures["actions"]["open"] == 2 and figures["actions"]["overdue"] == 1
    assert figures["actions"]["overdue_items"][0]["title"] == "Late one"
    person = call(client, case, "manager_a", "GET", f"/api/v1/reports/employees/{case['employee']}").get_json()
    assert person["actions"]["overdue"] == 1

    with app.app_context():
        assert notify_overdue_actions() == 1
        db.session.commit()
        assert notify_overdue_actions() == 0  # once per action
        db.session.commit()
        told = db.session.scalars(db.select(Notification).where(Notification.kind == "action_overdue")).all()
        assert [n.user_id for n in told] == [case["ids"]["employee"]]
        sent = db.session.scalars(db.select(WebhookDelivery).where(WebhookDelivery.event == "action.overdue")).all()
        assert len(sent) == 1 and '"title":"Late one"' in sent[0].body


def test_only_a_manager_of_the_branch_creates_an_action_on_an_approved_audit(client, case):
    assert _create(client, case, "manager_b").status_code == 404  # another branch's audit
    assert _create(client, case, "hr").status_code == 403
    assert _create(client, case, "employee").status_code == 403
    assert _create(client, case, audit_id=case["submitted"]).status_code == 409  # not approved yet
    # the owner must work at the branch; the criterion must be one the audit failed
    assert _create(client, case, owner_id=case["ids"]["manager_b"]).status_code == 409
    assert _create(client, case, criterion_key="a_yes").status_code == 409
    assert _create(client, case, owner_id=case["ids"]["second"]).status_code == 201


def test_the_employee_owner_cannot_verify_or_cancel_and_a_manager_cancels_with_a_reason(client, case):
    aid = _create(client, case).get_json()["id"]
    assert patch(client, case, "employee", aid, {"status": "cancelled", "cancel_reason": "No."}).status_code == 403
    assert patch(client, case, "employee", aid, {"title": "Mine now"}).status_code == 403
    assert patch(client, case, "auditor", aid, {"status": "done", "closing_note": "x"}).status_code == 404
    assert patch(client, case, "manager_a", aid, {"status": "cancelled"}).status_code == 422
    moved = patch(client, case, "manager_a", aid, {"due_date": "2030-01-31", "priority": "high"})
    assert moved.get_json()["due_date"] == "2030-01-31" and moved.get_json()["priority"] == "high"
    cancelled = patch(client, case, "manager_a", aid, {"status": "cancelled", "cancel_reason": "Duplicate."})
    assert cancelled.get_json()["status"] == "cancelled"
    assert patch(client, case, "manager_a", aid, {"title": "Too late"}).status_code == 409


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, "JPEG")
    return out.getvalue()


def test_on_the_pages_a_manager_creates_an_action_and_its_owner_closes_it_with_a_photo(app, client, case, world,
                                                                                     login_as):
    manager = login_as("manager_a")
    audit_page = manager.get(f"/audits/{case['approved']}").get_data(as_text=True)
    assert f"/audits/{case['approved']}/actions/new" in audit_page
    created = manager.post(f"/audits/{case['approved']}/actions/new", data={
        "target": "criterion:a_no", "title": "Name badges", "description": "", "owner_id": case["ids"]["employee"],
        "due_date": (utcnow().date() - timedelta(days=1)).isoformat(), "priority": "high"})
    assert created.status_code == 302, created.get_data(as_text=True)
    aid = int(created.headers["Location"].rsplit("/", 1)[1])
    branch_list = manager.get(f"/branches/{case['branch']}/actions?overdue=1").get_data(as_text=True)
    assert "Name badges" in branch_list
    report = manager.get(f"/reports/branches/{case['branch']}").get_data(as_text=True)
    assert "1 overdue" in report and "Name badges" in report
    person = manager.get(f"/reports/employees/{case['employee']}").get_data(as_text=True)
    assert "1 overdue" in person and "Name badges" in person
    # the manager gives it more time: no longer overdue; then back to yesterday for the owner
    later = (utcnow().date() + timedelta(days=3)).isoformat()
    assert manager.post(f"/actions/{aid}/edit", data={"title": "Name badges", "description": "",
                                                      "owner_id": case["ids"]["employee"], "due_date": later,
                                                      "priority": "high"}).status_code == 303
    assert "Name badges" not in manager.get(f"/branches/{case['branch']}/actions?overdue=1").get_data(as_text=True)

    owner = login_as("employee")
    assert "Name badges" in owner.get("/my/actions").get_data(as_text=True)
    done = owner.post(f"/actions/{aid}/status", data={"to": "done", "closing_note": "Badges on.",
                                                     "photo": (io.BytesIO(_jpeg()), "badge.jpg")},
                      content_type="multipart/form-data")
    assert done.status_code == 303
    page = owner.get(f"/actions/{aid}").get_data(as_text=True)
    assert "Badges on." in page and f"/actions/{aid}/photo" in page
    photo = owner.get(f"/actions/{aid}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert owner.post(f"/actions/{aid}/status", data={"to": "verified"}).status_code == 403
    with app.app_context():
        assert db.session.get(Action, aid).status == "done"
        assert db.session.get(Audit, case["approved"]).status == "approved"


def test_the_branch_pdf_names_the_overdue_actions(app, client, case, login_as):
    with app.app_context():
        set_setting("company_name", "Veraz")
        db.session.commit()
    assert _create(client, case, title="Fix the queue sign",
                   due_date=(utcnow().date() - timedelta(days=3)).isoformat()).status_code == 201
    response = login_as("manager_a").get(f"/reports/branches/{case['branch']}.pdf")
    assert response.status_code == 200
    _pages, text = factories.pdf_text(response.data)
    assert "Corrective actions" in text and "Fix the queue sign" in text


def test_the_audited_employee_never_learns_that_the_manager_who_opened_her_action_audited_her(app, client, case):
    with app.app_context():  # manager A audited Ana (managers may audit), and opens the action
        audit = factories.audit(factories.scorecard(), case["ids"]["manager_a"], case["branch"],
                                employee_id=case["employee"], reviewed_at=utcnow())
        db.session.commit()
        audit_id = audit.id
    created = _create(client, case, audit_id=audit_id,
                      due_date=(utcnow().date() - timedelta(days=1)).isoformat(), owner_id=case["ids"]["second"])
    aid = created.get_json()["id"]
    assert call(client, case, "second", "GET", f"/api/v1/actions/{aid}").get_json()["created_by"]["name"]
    seen = call(client, case, "employee", "GET", f"/api/v1/actions/{aid}").get_json()
    assert seen["created_by"] is None and seen["owner"]["id"] == case["ids"]["second"]
