"""Coaching: a manager records a session with an employee on some criteria, the employee
acknowledges it, and the employee page (and the API) shows whether it worked: the rate of full
points on each coached criterion before and after, over periods of the same length."""
from datetime import timedelta

import pytest

from core.timeutil import utcnow
from extensions import db
from tests import factories
from tests.support.api import issue_token

DAYS = 30  # the session was 30 days ago: "after" is the 30 days since, "before" the 30 days until it


@pytest.fixture
def coached(app, world):
    """Ana's approved audits (the worked example) around a session on ``a_no`` held 30 days ago.

    Before (days 31..60 ago): a_no yes in 1 of 4 audits; a_na answered in only 2 (N/A elsewhere).
    After (the last 30 days): a_no yes in 2 of 3. Not counted: an audit on the session's day, one
    61 days ago, a submitted one and another employee's."""
    with app.app_context():
        version = factories.scorecard()
        now = utcnow()
        held = now.date() - timedelta(days=DAYS)

        def audit(days_ago, a_no, a_na="na", status="approved", employee="employee_a"):
            answers = {**factories.WORKED_ANSWERS, "a_no": a_no, "a_na": a_na}
            factories.audit(version, world["auditor"]["id"], world["branch_a"], answers=answers, status=status,
                            employee_id=world[employee], started_at=now - timedelta(days=days_ago, hours=-1))

        for days_ago, a_no, a_na in ((35, "yes", "yes"), (40, "no", "no"), (50, "no", "na"), (59, "no", "na")):
            audit(days_ago, a_no, a_na)
        for days_ago, a_no in ((2, "yes"), (10, "yes"), (20, "no")):
            audit(days_ago, a_no)
        audit(DAYS, "yes")  # the session's day: neither side
        audit(61, "yes")  # before the "before" period
        audit(5, "no", status="submitted")  # not approved
        audit(5, "no", employee="employee_b")  # someone else
        tokens = {name: issue_token(world[name]["id"], "t") for name in
                  ("employee", "auditor", "manager_a", "manager_b", "admin", "hr")}
        db.session.commit()
        return {"held_on": held.isoformat(), "tokens": tokens, "version": version.id}


def call(client, case, who, method, url, json=None):
    return client.open(url, method=method, json=json, headers={"Authorization": f"Bearer {case['tokens'][who]}"})


def record(client, case, world, who="manager_a", **values):
    body = {"employee_id": world["employee_a"], "held_on": case["held_on"], "criteria": ["a_no", "a_na"],
            "notes": "We listened to two visits together.", "goals": "Say your name in every greeting.", **values}
    return call(client, case, who, "POST", "/api/v1/coaching", body)


def test_the_effect_reports_the_rates_before_and_after_that_the_audits_give(client, world, coached):
    made = record(client, coached, world)
    assert made.status_code == 201, made.get_json()
    session = made.get_json()["id"]
    effect = call(client, coached, "manager_a", "GET", f"/api/v1/coaching/{session}/effect")
    assert effect.status_code == 200, effect.get_json()
    rows = {row["criterion"]: row for row in effect.get_json()["criteria"]}
    a_no = rows["a_no"]
    assert (a_no["before"]["audits"], a_no["before"]["full"], a_no["before"]["rate"]) == (4, 1, 25.0)
    assert (a_no["after"]["audits"], a_no["after"]["full"]) == (3, 2)
    assert a_no["after"]["rate"] == pytest.approx(200 / 3) and a_no["change"] == pytest.approx(200 / 3 - 25)
    assert a_no["before"]["reason"] is None and a_no["text"]["en"] == "Gave their name"
    # the same number of days on each side, the session's day in neither
    held = a_no["before"]["to"]
    assert a_no["after"]["from"] > coached["held_on"] > held
    # a_na was answered (not N/A) in only two audits before: too few for a rate; none after
    a_na = rows["a_na"]
    assert a_na["before"] == {**a_na["before"], "audits": 2, "rate": None, "reason": "too_few_audits"}
    assert a_na["after"]["audits"] == 0 and a_na["after"]["rate"] is None and a_na["change"] is None
    # HR reads it; the coached employee too; another branch's manager and auditors do not
    assert call(client, coached, "hr", "GET", f"/api/v1/coaching/{session}/effect").status_code == 200
    assert call(client, coached, "employee", "GET", f"/api/v1/coaching/{session}/effect").status_code == 200
    assert call(client, coached, "manager_b", "GET", f"/api/v1/coaching/{session}/effect").status_code == 404
    assert call(client, coached, "auditor", "GET", f"/api/v1/coaching/{session}").status_code == 404


def test_a_session_held_today_has_no_after_period_yet(client, world, coached):
    session = record(client, coached, world, held_on=utcnow().date().isoformat()).get_json()["id"]
    row = call(client, coached, "admin", "GET", f"/api/v1/coaching/{session}/effect").get_json()["criteria"][0]
    assert row["after"] == {"from": None, "to": None, "audits": 0, "full": 0, "rate": None,
                            "reason": "too_few_audits"}


def test_the_employee_sees_and_acknowledges_their_session_once(client, world, coached):
    session = record(client, coached, world).get_json()["id"]
    listed = call(client, coached, "employee", "GET", "/api/v1/coaching").get_json()
    assert [s["id"] for s in listed["items"]] == [session] and listed["total"] == 1
    assert listed["items"][0]["acknowledged_at"] is None and listed["items"][0]["goals"].startswith("Say your")
    # only the employee acknowledges; managers change the fields, the employee does not
    assert call(client, coached, "manager_a", "PATCH", f"/api/v1/coaching/{session}",
                {"acknowledged": True}).status_code == 403
    assert call(client, coached, "employee", "PATCH", f"/api/v1/coaching/{session}",
                {"notes": "Nothing happened."}).status_code == 403
    done = call(client, coached, "employee", "PATCH", f"/api/v1/coaching/{session}", {"acknowledged": True})
    assert done.status_code == 200 and done.get_json()["acknowledged_at"]
    assert call(client, coached, "employee", "PATCH", f"/api/v1/coaching/{session}",
                {"acknowledged": True}).status_code == 409
    waiting = call(client, coached, "manager_a", "GET", "/api/v1/coaching?acknowledged=false").get_json()
    assert waiting["total"] == 0


def test_who_may_record_and_what_a_session_needs(client, world, coached):
    assert record(client, coached, world, who="manager_b").status_code == 404  # not their branch
    assert record(client, coached, world, who="hr").status_code == 403
    assert record(client, coached, world, who="employee").status_code == 403
    unknown = record(client, coached, world, criteria=["no_such_question"])
    # which criteria exist is the scorecards' (409); a follow-up before the session contradicts it (409)
    assert unknown.status_code == 409 and "no_such_question" in unknown.get_json()["error"]["message"]
    assert record(client, coached, world, criteria=["b_notes"]).status_code == 409  # a text question: no rate
    early = record(client, coached, world, follow_up_on="2000-01-01")
    assert early.status_code == 409 and "follow_up_on" in str(early.get_json())
    assert record(client, coached, world, criteria=[]).status_code == 422
    assert record(client, coached, world, employee_id=world["employee_b"]).status_code == 404
    made = record(client, coached, world, who="admin", follow_up_on=None)
    assert made.status_code == 201 and made.get_json()["coach"]["id"] == world["admin"]["id"]
    session = made.get_json()["id"]
    changed = call(client, coached, "manager_a", "PATCH", f"/api/v1/coaching/{session}",
                   {"criteria": ["b_yes"], "follow_up_on": "2099-01-01"})
    assert changed.status_code == 200 and changed.get_json()["criteria"] == ["b_yes"]
    assert call(client, coached, "manager_a", "PATCH", f"/api/v1/coaching/{session}", {}).status_code == 422
    assert call(client, coached, "manager_b", "GET", "/api/v1/coaching").get_json()["total"] == 0
    assert call(client, coached, "auditor", "GET", "/api/v1/coaching").status_code == 403


def test_on_the_web_a_manager_records_a_session_from_the_employee_page_and_the_employee_acknowledges_it(
        app, client, login_as, world, coached):
    login_as("manager_a")
    page = client.get(f"/reports/employees/{world['employee_a']}").get_data(as_text=True)
    assert "No coaching sessions yet." in page and f"/coaching/new?employee={world['employee_a']}" in page
    form = client.get(f"/coaching/new?employee={world['employee_a']}").get_data(as_text=True)
    assert 'value="a_no"' in form and 'value="b_notes"' not in form  # scored criteria only
    refused = client.post("/coaching/new", data={"employee": world["employee_a"], "held_on": coached["held_on"],
                                                 "criteria": ["a_no"], "follow_up_on": "2001-01-01"})
    assert refused.status_code == 400 and "The follow-up comes before the session." in refused.get_data(as_text=True)
    saved = client.post("/coaching/new", data={"employee": world["employee_a"], "held_on": coached["held_on"],
                                               "criteria": ["a_no"], "goals": "Say your name."})
    assert saved.status_code == 302
    session = int(saved.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/reports/employees/{world['employee_a']}").get_data(as_text=True)
    assert "Gave their name" in page and "1 of 4 audits with full points" in page and "+41.7" in page
    login_as("employee")
    assert "My coaching" in client.get("/me").get_data(as_text=True)
    page = client.get(f"/coaching/{session}").get_data(as_text=True)
    assert "Say your name." in page and "I have read this session" in page
    assert client.post(f"/coaching/{session}/acknowledge").status_code == 302
    page = client.get(f"/coaching/{session}").get_data(as_text=True)
    assert "I have read this session" not in page and "Not yet" not in page
    login_as("manager_b")
    assert client.get(f"/coaching/{session}").status_code == 404
