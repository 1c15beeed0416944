"""The audit pages through the Flask client: who may see and do what, autosave, submit once, review."""
import re
import threading
import uuid

import pytest

from audits import services
from audits.answers import answer_values
from audits.models import Audit, AuditEvent
from core.models import set_setting
from extensions import db
from tests import factories
from tests.factories import WORKED_ANSWERS

JSON = {"Accept": "application/json"}


@pytest.fixture
def card(app, world):
    with app.app_context():
        version = factories.scorecard()
        db.session.commit()
        return {"version_id": version.id, "scorecard_id": version.scorecard_id}


def make_audit(app, world, card, auditor="auditor", branch="branch_a", status="draft", answers=None):
    """An audit made through the services; returns its id."""
    from accounts.models import User

    with app.app_context():
        user = db.session.get(User, world[auditor]["id"])
        audit = services.create_audit(user, scorecard=card["scorecard_id"], branch=world[branch],
                                      client_id=str(uuid.uuid4()))
        services.save_draft(audit, user, dict(WORKED_ANSWERS) if answers is None else answers)
        if status in ("submitted", "approved", "returned"):
            services.submit(audit, user)
        if status == "approved":
            services.approve(audit, db.session.get(User, world["admin"]["id"]))
        if status == "returned":
            services.return_audit(audit, db.session.get(User, world["admin"]["id"]), "Check the courtesy")
        db.session.commit()
        return audit.id


def audit_row(app, audit_id):
    with app.app_context():
        audit = db.session.get(Audit, audit_id)
        db.session.expunge_all()
        return audit


# --- Who sees what -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [("auditor", 200), ("auditor2", 404), ("manager_a", 200),
                                          ("manager_b", 404), ("hr", 200), ("admin", 200)])
def test_the_audit_page_is_shown_only_to_those_who_may_see_it(app, client, login_as, world, card, role, status):
    audit_id = make_audit(app, world, card, status="submitted")
    login_as(role)
    response = client.get(f"/audits/{audit_id}")
    assert response.status_code == status
    if status == 200:
        assert b"61.1%" in response.data and b"History" in response.data


def test_the_audit_list_keeps_to_each_users_scope(app, client, login_as, world, card):
    mine = make_audit(app, world, card, status="submitted")
    theirs = make_audit(app, world, card, auditor="auditor2", branch="branch_b", status="submitted")

    def listed(role):
        login_as(role)
        page = client.get("/audits").data.decode()
        return {int(n) for n in re.findall(r'/audits/(\d+)"', page)}

    assert listed("auditor") == {mine}
    assert listed("auditor2") == {theirs}
    assert listed("manager_a") == {mine}
    assert listed("manager_b") == {theirs}
    assert listed("hr") == {mine, theirs}
    assert listed("admin") == {mine, theirs}


def test_managers_see_what_awaits_their_review(app, client, login_as, world, card):
    waiting = make_audit(app, world, card, status="submitted")
    make_audit(app, world, card, status="approved")
    login_as("manager_a")
    page = client.get("/audits?review=1").data.decode()
    assert {int(n) for n in re.findall(r'/audits/(\d+)"', page)} == {waiting}
    login_as("manager_b")
    assert f"/audits/{waiting}\"" not in client.get("/audits?review=1").data.decode()


def test_a_manager_does_not_review_their_own_audit_on_the_web(app, client, login_as, world, card):
    own = make_audit(app, world, card, auditor="manager_a", status="submitted")
    other = make_audit(app, world, card, status="submitted")
    login_as("manager_a")
    queue = client.get("/audits?review=1").data.decode()
    assert {int(n) for n in re.findall(r'/audits/(\d+)"', queue)} == {other}
    page = client.get(f"/audits/{own}").data.decode()
    assert 'value="approve"' not in page and 'value="return"' not in page
    assert 'value="approve"' in client.get(f"/audits/{other}").data.decode()

    refused = client.post(f"/audits/{own}/review", data={"action": "approve"})
    assert refused.status_code == 403 and b"You made this audit, so you cannot review it" in refused.data
    assert audit_row(app, own).status == "submitted"
    login_as("admin")
    assert client.post(f"/audits/{own}/review", data={"action": "approve"}).status_code == 302
    assert audit_row(app, own).status == "approved"


def test_the_list_filters_by_status_branch_and_date(app, client, login_as, world, card):
    a = make_audit(app, world, card, status="approved")
    b = make_audit(app, world, card, auditor="auditor2", branch="branch_b", status="submitted")
    login_as("admin")
    assert f"/audits/{a}\"" in client.get("/audits?status=approved").data.decode()
    assert f"/audits/{b}\"" not in client.get("/audits?status=approved").data.decode()
    assert f"/audits/{b}\"" in client.get(f"/audits?branch={world['branch_b']}").data.decode()
    assert f"/audits/{a}\"" not in client.get("/audits?from=2000-01-01&to=2000-01-02").data.decode()
    assert client.get("/audits?from=nonsense&status=weird&page=-4").status_code == 200


@pytest.mark.parametrize("role, status", [("auditor2", 404), ("manager_a", 403), ("hr", 403), ("manager_b", 404)])
def test_only_the_auditor_may_autosave(app, client, login_as, world, card, role, status):
    audit_id = make_audit(app, world, card, answers={})
    login_as(role)
    response = client.post(f"/audits/{audit_id}/autosave", json={"answers": {"a_yes": "no"}}, headers=JSON)
    assert response.status_code == status
    assert response.json["error"]["message"]
    with app.app_context():
        assert answer_values(db.session.get(Audit, audit_id)) == {}


def test_others_are_sent_from_the_fill_page_to_the_read_only_page(app, client, login_as, world, card):
    audit_id = make_audit(app, world, card)
    login_as("hr")
    response = client.get(f"/audits/{audit_id}/fill")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/audits/{audit_id}")
    login_as("auditor2")
    assert client.get(f"/audits/{audit_id}/fill").status_code == 404


# --- Filling ---------------------------------------------------------------------------------------------

def test_autosave_saves_each_change_and_refuses_bad_values_by_criterion(app, client, login_as, world, card):
    audit_id = make_audit(app, world, card, answers={})
    login_as("auditor")
    fill = client.get(f"/audits/{audit_id}/fill")
    assert fill.status_code == 200 and b'inputmode="decimal"' not in fill.data  # no number criteria here
    assert re.search(r'<span class="n">0</span> of 3 answered', fill.data.decode())
    assert b'name="csrf-token"' in fill.data
    response = client.post(f"/audits/{audit_id}/autosave", headers=JSON, json={
        "answers": {"a_yes": "yes", "b_scale": "4"}, "comments": {"b_scale": "Kind"},
        "details": {"employee_name_given": "Lucía", "started_at": "2026-03-02T10:15"}})
    assert response.status_code == 200 and response.json["answered"] == 2 and response.json["total"] == 6
    with app.app_context():
        audit = db.session.get(Audit, audit_id)
        assert answer_values(audit) == {"a_yes": "yes", "b_scale": 4}
        assert audit.employee_name_given == "Lucía" and audit.started_at.isoformat() == "2026-03-02T10:15:00"
    bad = client.post(f"/audits/{audit_id}/autosave", headers=JSON, json={"answers": {"b_scale": "9", "a_no": "y"}})
    assert bad.status_code == 422
    assert {p["criterion"] for p in bad.json["error"]["details"]["problems"]} == {"b_scale", "a_no"}
    assert client.post(f"/audits/{audit_id}/autosave", headers=JSON, data="nope").status_code == 400
    wrong_page = client.post(f"/audits/{audit_id}/autosave", headers=JSON, json={"client_id": "another-1234"})
    assert wrong_page.status_code == 409


def test_the_plain_form_works_without_javascript(app, client, login_as, world, card):
    audit_id = make_audit(app, world, card, answers={})
    login_as("auditor")
    response = client.post(f"/audits/{audit_id}/fill", data={
        "a-a_yes": "yes", "a-b_scale": "3", "c-a_yes": "Smiled", "a-b_notes": "Busy shop", "notes": "Rainy day",
        "employee_id": str(world["employee_a"])})
    assert response.status_code == 302
    with app.app_context():
        audit = db.session.get(Audit, audit_id)
        assert answer_values(audit) == {"a_yes": "yes", "b_scale": 3, "b_notes": "Busy shop"}
        assert audit.notes == "Rainy day" and audit.employee_id == world["employee_a"]
    page = client.get(f"/audits/{audit_id}/fill").data.decode()
    assert re.search(r'value="yes" checked', page) and "Smiled" in page
    refused = client.post(f"/audits/{audit_id}/fill", data={"a-b_scale": "12", "employee_id": str(world["employee_b"])})
    assert refused.status_code == 422 and b"Choose a whole number from 1 to 5" in refused.data
    assert b"This employee does not work at this branch" in refused.data


def test_submit_lists_every_missing_answer_with_links_and_keeps_what_was_sent(app, client, login_as, world, card):
    audit_id = make_audit(app, world, card, answers={})
    login_as("auditor")
    response = client.post(f"/audits/{audit_id}/submit", data={"a-a_yes": "yes"})
    assert response.status_code == 422
    page = response.data.decode()
    for key in ("a_no", "a_na", "b_scale", "b_yes"):
        assert f'href="#q-{key}"' in page
    assert 'href="#q-a_yes"' not in page
    with app.app_context():
        audit = db.session.get(Audit, audit_id)
        assert audit.status == "draft" and answer_values(audit) == {"a_yes": "yes"}


def test_a_double_submit_gives_one_submission_with_the_right_score(app, client, login_as, world, card):
    audit_id = make_audit(app, world, card)
    client_id = audit_row(app, audit_id).client_id
    login_as("auditor")
    first = client.post(f"/audits/{audit_id}/submit", data={"client_id": client_id})
    second = client.post(f"/audits/{audit_id}/submit", data={"client_id": client_id})
    assert first.status_code == second.status_code == 302
    with app.app_context():
        audit = db.session.get(Audit, audit_id)
        assert audit.status == "submitted" and audit.score == pytest.approx(61.111, abs=0.001)
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 1
        assert db.session.scalar(db.select(db.func.count(Audit.id))) == 1
    assert client.post(f"/audits/{audit_id}/submit", data={"client_id": "other-client-id"}).status_code == 409


def test_starting_twice_with_one_client_id_makes_one_audit(app, client, login_as, world, card):
    login_as("auditor")
    page = client.get("/my/assignments").data.decode()
    client_id = re.search(r'name="start-client_id"[^>]*value="([^"]+)"', page).group(1)
    data = {"start-client_id": client_id, "start-scorecard_id": card["scorecard_id"],
            "start-branch_id": world["branch_a"], "start-employee_id": ""}
    first = client.post("/audits/start", data=data)
    second = client.post("/audits/start", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Audit.id))) == 1


def test_unplanned_audits_can_be_turned_off(app, client, login_as, world, card):
    with app.app_context():
        set_setting("allow_unplanned_audits", False)
        db.session.commit()
    login_as("auditor")
    assert b"Start an unplanned audit" not in client.get("/my/assignments").data
    response = client.post("/audits/start", data={"start-client_id": str(uuid.uuid4()),
                                                  "start-scorecard_id": card["scorecard_id"],
                                                  "start-branch_id": world["branch_a"]})
    assert response.status_code == 403 and b"turned off" in response.data


def test_check_in_is_stored_only_when_sent(app, client, login_as, world, card):
    audit_id = make_audit(app, world, card, answers={})
    login_as("auditor")
    response = client.post(f"/audits/{audit_id}/checkin", headers=JSON,
                           json={"lat": 40.42, "lng": -3.70, "accuracy": 8, "at": "2026-03-02T10:00:00Z"})
    assert response.status_code == 200
    audit = audit_row(app, audit_id)
    assert (audit.checkin_lat, audit.checkin_lng, audit.checkin_accuracy) == (40.42, -3.70, 8.0)
    assert client.post(f"/audits/{audit_id}/checkin", headers=JSON, json={"lat": "x"}).status_code == 422
    login_as("auditor2")
    assert client.post(f"/audits/{audit_id}/checkin", headers=JSON, json={"lat": 1, "lng": 1}).status_code == 404


# --- Review ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [("manager_b", 404), ("hr", 403), ("auditor", 403), ("auditor2", 403)])
def test_only_managers_of_the_branch_and_admins_review(app, client, login_as, world, card, role, status):
    audit_id = make_audit(app, world, card, status="submitted")
    login_as(role)
    assert client.post(f"/audits/{audit_id}/review", data={"action": "approve"}).status_code == status
    assert audit_row(app, audit_id).status == "submitted"


def test_return_needs_a_reason_then_the_auditor_fixes_and_resubmits(app, client, login_as, world, card):
    audit_id = make_audit(app, world, card, status="submitted")
    login_as("manager_a")
    page = client.get(f"/audits/{audit_id}").data.decode()
    assert "Return to the auditor" in page
    no_reason = client.post(f"/audits/{audit_id}/review", data={"action": "return", "reason": " "})
    assert no_reason.status_code == 422 and audit_row(app, audit_id).status == "submitted"
    client.post(f"/audits/{audit_id}/review", data={"action": "return", "reason": "Courtesy seems high"})
    assert audit_row(app, audit_id).status == "returned"
    login_as("auditor")
    assert b"Courtesy seems high" in client.get("/my/assignments").data
    assert b"Courtesy seems high" in client.get(f"/audits/{audit_id}/fill").data
    client.post(f"/audits/{audit_id}/autosave", headers=JSON, json={"answers": {"b_scale": 2}})
    client.post(f"/audits/{audit_id}/submit", data={})
    login_as("admin")
    client.post(f"/audits/{audit_id}/review", data={"action": "approve"})
    audit = audit_row(app, audit_id)
    assert audit.status == "approved"
    history = client.get(f"/audits/{audit_id}").data.decode()
    assert "returned the audit" in history and "Courtesy seems high" in history
    assert "from 4 / 5 to 2 / 5" in history and "submitted the audit again" in history


def test_two_reviewers_the_second_gets_a_clear_conflict(app, client, login_as, world, card):
    audit_id = make_audit(app, world, card, status="submitted")
    seen = audit_row(app, audit_id).lock_version
    login_as("manager_a")
    first = client.post(f"/audits/{audit_id}/review", data={"action": "approve", "lock_version": seen})
    assert first.status_code == 302
    login_as("admin")
    late = client.post(f"/audits/{audit_id}/review",
                       data={"action": "return", "reason": "No", "lock_version": seen})
    assert late.status_code == 409
    assert b"has already approved this audit" in late.data
    assert audit_row(app, audit_id).status == "approved"


def test_two_reviewers_at_the_very_same_moment_one_wins(app, world, card, monkeypatch):
    """Two requests load the submitted audit, wait for each other, then both act: the optimistic
    lock (lock_version) lets one win and the other gets 409 with who won."""
    from audits.routes import review

    audit_id = make_audit(app, world, card, status="submitted")
    barrier = threading.Barrier(2)
    original = review.visible_audit

    def loaded_together(ident):
        audit = original(ident)
        _ = audit.status, audit.lock_version  # both requests have read the submitted audit
        barrier.wait(timeout=10)
        return audit

    monkeypatch.setattr(review, "visible_audit", loaded_together)
    clients = {}
    for name in ("manager_a", "admin"):
        clients[name] = app.test_client()
        clients[name].environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        clients[name].post("/login", data={"email": world[name]["email"], "password": factories.PASSWORD})
    responses = {}

    def act(name, data):
        responses[name] = clients[name].post(f"/audits/{audit_id}/review", data=data)

    threads = [threading.Thread(target=act, args=("manager_a", {"action": "approve"})),
               threading.Thread(target=act, args=("admin", {"action": "return", "reason": "Again"}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r.status_code for r in responses.values()) == [302, 409]
    loser = next(r for r in responses.values() if r.status_code == 409)
    assert b"has already" in loser.data
    with app.app_context():
        reviews = db.session.scalars(db.select(AuditEvent.action).where(
            AuditEvent.action.in_(("approved", "returned")))).all()
        assert len(reviews) == 1
