"""The API's stories end to end: what issue 6's script and issue 10's planning system do."""
import io
import json
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from audits.models import Audit
from extensions import db
from scorecards.defaults import DEFAULTS_DIR
from tests import factories
from tests.support.api import cid

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")  # before the world is made

# A visit to branch A with the default branch-visit scorecard, answered in full.
VISIT_ANSWERS = {
    "greeted": "yes", "wait_minutes": 4, "wait_announced": "yes", "promised_wait_kept": "yes", "name_given": "no",
    "courtesy": 5, "empathy_listening": 4,
    "accurate_information": "yes", "product_knowledge": 4, "resolved_first_visit": "resolved", "commitments_kept": "na",
    "follow_up_offered": "yes", "farewell": "yes",
}


class Script:
    """What a client script does: JSON over HTTP with one token."""

    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def __call__(self, method, path, expect, **kw):
        response = self.client.open(path, method=method, headers=self.headers, **kw)
        assert response.status_code == expect, (method, path, response.status_code, response.get_data(as_text=True))
        return response


def test_issue_6_a_script_imports_publishes_audits_approves_and_downloads_the_pdf(app, client, runner, world):
    result = runner.invoke(args=["create-token", "admin@test.example", "--name", "nightly import"])
    assert result.exit_code == 0
    call = Script(client, result.output.strip())

    # Import the default visit scorecard: a draft version 1.
    card = call("POST", "/api/v1/scorecards", 201, data=(DEFAULTS_DIR / "branch-visit.json").read_bytes(),
                content_type="application/json").get_json()
    assert (card["slug"], card["version"], card["status"]) == ("branch-visit", 1, "draft")
    # Publish it.
    card = call("POST", "/api/v1/scorecards/branch-visit/publish", 200).get_json()
    assert card["status"] == "published" and card["published_at"]

    # Create and submit an audit with its answers, in one request.
    audit = call("POST", "/api/v1/audits", 201, json={
        "client_id": cid(), "scorecard": "branch-visit", "version": 1, "branch_id": world["branch_a"],
        "employee_id": world["employee_a"], "channel": "visit", "started_at": "2026-03-02T11:15:00+01:00",
        "ended_at": "2026-03-02T11:40:00+01:00", "answers": VISIT_ANSWERS,
        "comments": {"name_given": "No name badge either."}, "submit": True}).get_json()
    assert audit["status"] == "submitted" and audit["started_at"] == "2026-03-02T10:15:00+00:00"

    # Read its score: percentages with full precision, points per section.
    audit = call("GET", f"/api/v1/audits/{audit['id']}", 200).get_json()
    sections = {s["key"]: (s["earned"], s["possible"], s["score"]) for s in audit["sections"]}
    assert sections == {"arrival": (4, 5, 80), "service": (3.5, 4, 87.5),
                        "advice": (5.5, 6, pytest.approx(91.6666666667)), "closing": (2, 2, 100)}
    # Section weights 1, 2, 2, 1: (80 + 2 x 87.5 + 2 x 91.67 + 100) / 6
    assert audit["score"] == pytest.approx((80 + 2 * 87.5 + 2 * 275 / 3 + 100) / 6)
    assert audit["score"] == pytest.approx(89.7222222222) and audit["passed"] is True
    assert audit["critical_failure"] is False
    assert audit["comments"] == {"name_given": "No name badge either."}

    # The script made this audit, so it may not approve it: the branch's manager does.
    refused = call("POST", f"/api/v1/audits/{audit['id']}/approve", 403, json={"lock_version": audit["lock_version"]})
    assert "You made this audit" in refused.get_json()["error"]["message"]
    manager_token = runner.invoke(args=["create-token", "manager.a@test.example", "--name", "review"]).output.strip()
    audit = Script(client, manager_token)("POST", f"/api/v1/audits/{audit['id']}/approve", 200,
                                          json={"lock_version": audit["lock_version"]})
    assert audit.get_json()["status"] == "approved"

    # Download its PDF.
    response = call("GET", f"/api/v1/reports/audits/{audit.get_json()['id']}.pdf?lang=en", 200)
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Branch A" in text and "89.7" in text


def test_issue_10_a_planned_audit_seen_only_by_its_auditor(api, client, login_as):
    # The planning system, as an admin, plans a visit for the auditor.
    notes = "Visit before 11:00, ask about the savings account"
    due = (date.today() + timedelta(days=5)).isoformat()
    planned = api.post("admin", "/api/v1/assignments", json={
        "auditor_email": "auditor@test.example", "branch_id": api.world["branch_a"], "scorecard": api.ids["slug"],
        "employee_id": api.world["employee_a"], "due_date": due, "notes": notes})
    assert planned.status_code == 201
    assignment = planned.get_json()
    assert assignment["status"] == "open" and assignment["audit"] is None and assignment["due_date"] == due

    # The auditor sees it, through the API and on their phone's "My assignments".
    mine = api.get("auditor", "/api/v1/assignments?status=open").get_json()["items"]
    assert assignment["id"] in [a["id"] for a in mine]
    assert notes in login_as("auditor").get("/my/assignments").get_data(as_text=True)
    # Another auditor sees neither.
    assert assignment["id"] not in [a["id"] for a in api.get("auditor2", "/api/v1/assignments").get_json()["items"]]
    assert api.get("auditor2", f"/api/v1/assignments/{assignment['id']}").status_code == 404
    assert notes not in login_as("auditor2").get("/my/assignments").get_data(as_text=True)
    assert api.post("auditor2", "/api/v1/audits", json={"client_id": cid(),
                                                         "assignment_id": assignment["id"]}).status_code == 404

    # The auditor makes the audit from it: branch, scorecard and employee come from the assignment.
    client_id = cid()
    body = {"client_id": client_id, "assignment_id": assignment["id"], "answers": factories.WORKED_ANSWERS,
            "submit": True}
    made = api.post("auditor", "/api/v1/audits", json=body)
    assert made.status_code == 201
    audit = made.get_json()
    assert (audit["branch_id"], audit["employee_id"], audit["scorecard"], audit["assignment_id"]) == (
        api.world["branch_a"], api.world["employee_a"], api.ids["slug"], assignment["id"])
    assert audit["score"] == pytest.approx(61.1111111111)
    assignment = api.get("auditor", f"/api/v1/assignments/{assignment['id']}").get_json()
    assert assignment["status"] == "done" and assignment["audit"]["id"] == audit["id"]
    assert api.get("auditor2", f"/api/v1/audits/{audit['id']}").status_code == 404

    # A retry with the same client_id gives the same audit; a second audit for it is refused.
    again = api.post("auditor", "/api/v1/audits", json=body)
    assert again.status_code == 200 and again.get_json()["id"] == audit["id"]
    second = api.post("auditor", "/api/v1/audits", json={**body, "client_id": cid()})
    assert second.status_code == 409 and second.get_json()["error"]["details"] == {"audit_id": audit["id"]}


def test_history_of_a_returned_and_resubmitted_audit(api):
    made = api.post("auditor", "/api/v1/audits", json={
        "client_id": cid(), "scorecard": api.ids["slug"], "branch_id": api.world["branch_a"],
        "answers": factories.WORKED_ANSWERS, "submit": True})
    audit_id = made.get_json()["id"]
    assert [e["action"] for e in made.get_json()["history"]] == ["submitted"]

    reason = "Did they really not give their name? Check your notes."
    assert api.post("manager_a", f"/api/v1/audits/{audit_id}/return", json={"reason": reason}).status_code == 200
    changed = api.patch("auditor", f"/api/v1/audits/{audit_id}", json={"answers": {"a_no": "yes"}})
    assert changed.status_code == 200 and changed.get_json()["status"] == "returned"
    resubmitted = api.post("auditor", f"/api/v1/audits/{audit_id}/submit")
    assert resubmitted.status_code == 200 and resubmitted.get_json()["status"] == "submitted"
    api.post("manager_a", f"/api/v1/audits/{audit_id}/approve")

    audit = api.get("hr", f"/api/v1/audits/{audit_id}").get_json()
    history = audit["history"]
    assert [e["action"] for e in history] == ["submitted", "returned", "answer_changed", "resubmitted", "approved"]
    assert history[1]["reason"] == reason and history[1]["by"]["id"] == api.world["manager_a"]["id"]
    assert (history[2]["criterion"], history[2]["before"], history[2]["after"]) == ("a_no", "no", "yes")
    assert history[2]["by"]["id"] == api.world["auditor"]["id"]
    assert [e["at"] for e in history] == sorted(e["at"] for e in history)
    # Section A now earns 2 of 2: (2 x 100 + 83.33) / 3
    assert audit["score"] == pytest.approx((2 * 100 + 250 / 3) / 3)


def test_the_same_client_id_twice_is_one_audit(api):
    body = {"client_id": cid(), "scorecard": api.ids["slug"], "branch_id": api.world["branch_a"],
            "answers": factories.WORKED_ANSWERS, "submit": True}
    first = api.post("auditor", "/api/v1/audits", json=body)
    again = api.post("auditor", "/api/v1/audits", json={**body, "answers": {"a_yes": "no"}})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    with api.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Audit)
                                 .where(Audit.client_id == body["client_id"])) == 1
    stolen = api.post("auditor2", "/api/v1/audits", json=body)
    assert stolen.status_code == 409


def test_a_draft_filled_in_steps_then_submitted(api):
    made = api.post("auditor", "/api/v1/audits", json={
        "client_id": cid(), "scorecard": api.ids["slug"], "branch_id": api.world["branch_a"],
        "answers": {"a_yes": "yes"}})
    assert made.status_code == 201
    audit = made.get_json()
    assert (audit["status"], audit["score"], audit["sections"], audit["history"]) == ("draft", None, [], [])
    path = f"/api/v1/audits/{audit['id']}"
    response = api.post("auditor", path + "/submit")
    assert response.status_code == 422
    assert [p["criterion"] for p in response.get_json()["error"]["details"]["problems"]] == [
        "a_no", "a_na", "b_scale", "b_yes"]
    api.patch("auditor", path, json={"answers": {"a_no": "no", "a_na": "na", "b_scale": 4, "b_yes": "yes"},
                                     "comments": {"b_scale": "Smiled throughout"}, "notes": "Busy Saturday"})
    audit = api.post("auditor", path + "/submit").get_json()
    assert audit["status"] == "submitted" and audit["score"] == pytest.approx(61.1111111111)
    assert audit["comments"] == {"b_scale": "Smiled throughout"} and audit["notes"] == "Busy Saturday"
    assert audit["history"] == [{**audit["history"][0], "action": "submitted"}]


def test_a_section_with_nothing_possible_has_no_score(api):
    data = json.loads(json.dumps(factories.WORKED_EXAMPLE))
    data["slug"] = "with-extras"
    data["sections"].append({"key": "extras", "title": "Extras", "criteria": [
        {"key": "parking", "type": "yes_no", "allow_na": True, "text": "Parking?"},
        {"key": "remarks", "type": "text", "text": "Remarks"}]})
    assert api.post("admin", "/api/v1/scorecards", json=data).status_code == 201
    assert api.post("admin", "/api/v1/scorecards/with-extras/publish").status_code == 200
    audit = api.post("admin", "/api/v1/audits", json={
        "client_id": cid(), "scorecard": "with-extras", "branch_id": api.world["branch_b"],
        "answers": {**factories.WORKED_ANSWERS, "parking": "na"}, "submit": True}).get_json()
    extras = audit["sections"][-1]
    assert (extras["key"], extras["earned"], extras["possible"], extras["score"]) == ("extras", 0, 0, None)
    assert audit["score"] == pytest.approx(61.1111111111)  # left out of the total


def test_a_critical_failure_zeroes_the_score(api):
    data = json.loads(json.dumps(factories.WORKED_EXAMPLE))
    data["slug"] = "critical"
    data["sections"][1]["criteria"][1]["critical"] = True
    api.post("admin", "/api/v1/scorecards", json=data)
    api.post("admin", "/api/v1/scorecards/critical/publish")
    audit = api.post("auditor", "/api/v1/audits", json={
        "client_id": cid(), "scorecard": "critical", "branch_id": api.world["branch_a"],
        "answers": {**factories.WORKED_ANSWERS, "b_yes": "no"}, "submit": True}).get_json()
    assert (audit["score"], audit["passed"], audit["critical_failure"]) == (0, False, True)
    section_b = audit["sections"][1]
    assert (section_b["earned"], section_b["possible"]) == (1.5, 3)  # section results are kept


def test_exports_and_period_reports_with_the_dashboards_filters(api):
    for name in ("submitted_a", "submitted_b"):
        assert api.post("admin", f"/api/v1/audits/{api.ids[name]}/approve").status_code == 200
    csv = api.get("manager_a", "/api/v1/exports/audits.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    rows = csv.get_data(as_text=True).lstrip("\ufeff").strip().splitlines()
    assert len(rows) == 2 and "Branch A" in rows[1]  # manager A: only branch A's approved audit
    assert len(api.get("hr", "/api/v1/exports/audits.csv").get_data(as_text=True).strip().splitlines()) == 3
    answers = api.get("admin", f"/api/v1/exports/answers.csv?branch={api.world['branch_b']}&status=approved")
    assert len(answers.get_data(as_text=True).strip().splitlines()) == 1 + len(factories.WORKED_ANSWERS)
    xlsx = api.get("hr", f"/api/v1/exports/answers.xlsx?scorecard={api.ids['slug']}")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    # a period that ends before it starts holds nothing (the API answers it empty, docs/api.md)
    reversed_period = api.get("hr", "/api/v1/exports/audits.csv?from=2030-01-01&to=2029-01-01")
    assert reversed_period.status_code == 200
    assert len(reversed_period.get_data(as_text=True).strip().splitlines()) == 1
    assert api.get("hr", "/api/v1/exports/audits.csv?scorecard=nope").status_code == 404  # names nothing
    assert api.get("manager_a", f"/api/v1/exports/audits.csv?branch={api.world['branch_b']}").status_code == 404
    api.expect("GET", "/api/v1/exports/audits.xlsx", {"auditor": 403, "admin": 200})

    path = f"/api/v1/reports/branches/{api.world['branch_a']}.pdf"
    responses = api.expect("GET", path + "?lang=es", {"admin": 200, "manager_a": 200, "manager_b": 404,
                                                      "auditor": 403, "hr": 200})
    assert responses["hr"].data.startswith(b"%PDF")
    path = f"/api/v1/reports/employees/{api.world['employee_b']}.pdf"
    api.expect("GET", path, {"manager_a": 404, "auditor2": 403, "manager_b": 200})
    path = f"/api/v1/reports/audits/{api.ids['submitted_b']}.pdf"
    api.expect("GET", path, {"manager_a": 404, "auditor2": 200, "auditor": 404, "hr": 200})
    api.expect("GET", f"/api/v1/reports/audits/{api.ids['draft_a']}.pdf", {"admin": 404})
