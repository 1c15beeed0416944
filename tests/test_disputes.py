"""Disputes: the audited employee (or a manager on their behalf) challenges an approved audit within
the window; the auditor comments; another manager or an admin upholds or overturns it, and the
score follows the scoring rules; the history keeps both sides."""
import hashlib
import io
from datetime import timedelta

import pytest
from PIL import Image

from accounts.models import User
from audits import services as audit_services
from audits.models import Audit
from core.models import set_setting
from core.timeutil import utcnow
from disputes.models import Dispute
from extensions import db
from notifications.models import Notification
from tests import factories
from tests.support.api import issue_token
from tests.support.rollups import assert_rollups_match_the_raw_rows

SHOPPER = "Sombra Shopper"


@pytest.fixture
def case(app, world):
    """Ana's audit (the worked example, 61.1 %), approved by the admin yesterday; a token each."""
    with app.app_context():
        db.session.get(User, world["auditor"]["id"]).name = SHOPPER
        version = factories.scorecard()
        audit = factories.audit(version, world["auditor"]["id"], world["branch_a"], status="submitted",
                                employee_id=world["employee_a"])
        audit_services.approve(audit, db.session.get(User, world["admin"]["id"]))
        tokens = {name: issue_token(world[name]["id"], "t") for name in
                  ("employee", "auditor", "manager_a", "manager_b", "admin", "hr")}
        db.session.commit()
        return {"audit": audit.id, "tokens": tokens}


def call(client, case, who, method, url, json=None):
    return client.open(url, method=method, json=json,
                       headers={"Authorization": f"Bearer {case['tokens'][who]}"})


def test_an_overturned_dispute_rescores_the_audit_and_the_history_shows_both(app, client, case):
    audit = case["audit"]
    opened = call(client, case, "employee", "POST", f"/api/v1/audits/{audit}/disputes",
                  {"criteria": ["a_no"], "reason": "I gave my name twice."})
    assert opened.status_code == 201, opened.get_json()
    dispute = opened.get_json()["id"]
    assert opened.get_json()["status"] == "open" and opened.get_json()["criteria"] == ["a_no"]
    again = call(client, case, "employee", "POST", f"/api/v1/audits/{audit}/disputes", {"reason": "And more."})
    assert again.status_code == 409

    assert call(client, case, "auditor", "POST", f"/api/v1/disputes/{dispute}/comment",
                {"comment": "She did not."}).status_code == 200
    # the employee may not decide their own dispute; a colleague's manager does not even see it
    assert call(client, case, "employee", "POST", f"/api/v1/disputes/{dispute}/decide",
                {"outcome": "upheld"}).status_code == 403
    assert call(client, case, "manager_b", "GET", f"/api/v1/disputes/{dispute}").status_code == 404
    # only the disputed criterion may change
    wrong = call(client, case, "manager_a", "POST", f"/api/v1/disputes/{dispute}/decide",
                 {"outcome": "overturned", "answers": {"b_yes": "no"}})
    assert wrong.status_code == 409 and "b_yes" in str(wrong.get_json())  # not a disputed criterion

    decided = call(client, case, "manager_a", "POST", f"/api/v1/disputes/{dispute}/decide",
                   {"outcome": "overturned", "answers": {"a_no": "yes"}, "note": "The recording says so."})
    assert decided.status_code == 200, decided.get_json()
    body = decided.get_json()
    # Section A: 2 of 2 points (N/A left out) = 100 %; section B: (0.75 x 2 + 1) / 3 = 83.33 %;
    # weights 2 and 1: (2 x 100 + 83.33) / 3 = 94.44 % (it was 61.1 % with "no").
    assert round(body["score_before"], 1) == 61.1 and round(body["score_after"], 2) == 94.44
    assert body["changes"] == {"a_no": ["no", "yes"]}
    detail = call(client, case, "employee", "GET", f"/api/v1/audits/{audit}").get_json()
    assert round(detail["score"], 2) == 94.44 and detail["passed"] is True
    actions = [(e["action"], e["criterion"], e["before"], e["after"]) for e in detail["history"]]
    assert ("answer_changed", "a_no", "no", "yes") in actions
    overturn = next(e for e in detail["history"] if e["action"] == "dispute_overturned")
    assert round(overturn["before"]["score"], 1) == 61.1 and round(overturn["after"]["score"], 2) == 94.44
    assert detail["disputes"][0]["status"] == "overturned" and SHOPPER not in str(detail)
    with app.app_context():
        kinds = {(n.kind, n.user_id) for n in db.session.scalars(db.select(Notification))}
        stored = db.session.get(Audit, audit)
        assert round(stored.score, 2) == 94.44
        assert ("dispute_opened", stored.auditor_id) in kinds
        assert ("dispute_decided", stored.auditor_id) in kinds
        assert_rollups_match_the_raw_rows()  # the reports count the new score, not the old one


def test_a_dispute_after_the_window_is_refused_naming_the_deadline(app, client, case):
    with app.app_context():
        set_setting("dispute_window_days", 7)
        db.session.get(Audit, case["audit"]).reviewed_at = utcnow() - timedelta(days=8)
        db.session.commit()
    late = call(client, case, "employee", "POST", f"/api/v1/audits/{case['audit']}/disputes",
                {"reason": "Unfair."})
    assert late.status_code == 409
    assert "ended on" in late.get_json()["error"]["message"] and late.get_json()["error"]["details"]["deadline"]


def test_a_reason_is_required_and_criteria_must_exist(client, case):
    url = f"/api/v1/audits/{case['audit']}/disputes"
    assert call(client, case, "employee", "POST", url, {"reason": "  "}).status_code == 422
    unknown = call(client, case, "employee", "POST", url, {"reason": "x", "criteria": ["nope"]})
    assert unknown.status_code == 404 and "nope" in str(unknown.get_json()["error"]["details"])
    assert call(client, case, "auditor", "POST", url, {"reason": "My own audit."}).status_code == 403


def test_a_manager_opens_for_the_employee_and_only_they_withdraw(app, client, case):
    opened = call(client, case, "manager_a", "POST", f"/api/v1/audits/{case['audit']}/disputes",
                  {"reason": "Ana asked me to."})
    assert opened.status_code == 201
    dispute = opened.get_json()["id"]
    # the opener does not decide their own dispute; the admin may
    assert call(client, case, "manager_a", "POST", f"/api/v1/disputes/{dispute}/decide",
                {"outcome": "upheld"}).status_code == 403
    assert call(client, case, "employee", "POST", f"/api/v1/disputes/{dispute}/withdraw").status_code == 403
    assert call(client, case, "manager_a", "POST", f"/api/v1/disputes/{dispute}/withdraw").status_code == 200
    listed = call(client, case, "employee", "GET", "/api/v1/disputes?status=withdrawn").get_json()
    assert [d["id"] for d in listed["items"]] == [dispute]
    assert call(client, case, "manager_b", "GET", "/api/v1/disputes").get_json()["total"] == 0


def test_an_upheld_dispute_leaves_the_score(app, client, case):
    dispute = call(client, case, "employee", "POST", f"/api/v1/audits/{case['audit']}/disputes",
                   {"reason": "Unfair."}).get_json()["id"]
    decided = call(client, case, "admin", "POST", f"/api/v1/disputes/{dispute}/decide", {"outcome": "upheld"})
    assert decided.status_code == 200 and decided.get_json()["status"] == "upheld"
    assert round(call(client, case, "admin", "GET", f"/api/v1/audits/{case['audit']}").get_json()["score"], 1) == 61.1
    assert call(client, case, "admin", "POST", f"/api/v1/disputes/{dispute}/withdraw").status_code in (403, 409)


def test_on_the_web_the_employee_disputes_a_question_and_another_manager_overturns_it(app, client, login_as,
                                                                                       case):
    audit = case["audit"]
    login_as("employee")
    page = client.get(f"/audits/{audit}").get_data(as_text=True)
    assert "Dispute this audit" in page
    response = client.post(f"/audits/{audit}/disputes", data={"criteria": ["a_no"], "reason": "I said it."})
    assert response.status_code == 302
    page = client.get(f"/audits/{audit}").get_data(as_text=True)
    assert "This audit is disputed" in page and "Dispute this audit" not in page
    with app.app_context():
        dispute = db.session.scalar(db.select(Dispute.id))
    login_as("manager_a")
    page = client.get(f"/audits/{audit}").get_data(as_text=True)
    assert "Decide the dispute" in page and 'name="answer-a_no"' in page and 'name="answer-b_yes"' not in page
    assert "Disputes" in client.get("/disputes").get_data(as_text=True)
    client.post(f"/disputes/{dispute}/decide", data={"outcome": "overturned", "answer-a_no": "yes"})
    page = client.get(f"/audits/{audit}").get_data(as_text=True)
    assert "Changed by a dispute" in page and "94.4" in page
    login_as("employee")
    page = client.get(f"/audits/{audit}").get_data(as_text=True)
    assert "Overturned" in page and SHOPPER not in page


def test_the_auditors_report_shows_overturn_rates_to_admins_and_hr(client, login_as, case):
    dispute = call(client, case, "employee", "POST", f"/api/v1/audits/{case['audit']}/disputes",
                   {"criteria": ["a_no"], "reason": "I said it."}).get_json()["id"]
    call(client, case, "admin", "POST", f"/api/v1/disputes/{dispute}/decide",
         {"outcome": "overturned", "answers": {"a_no": "yes"}})
    login_as("hr")
    page = client.get("/reports/auditors").get_data(as_text=True)
    # one approved audit, one dispute, overturned: 100 %
    assert SHOPPER in page and "1 audit approved" in page and "1 dispute" in page and "100" in page
    login_as("manager_a")
    assert client.get("/reports/auditors").status_code == 403


def _jpeg(colour="red", size=(40, 30)) -> bytes:
    image = io.BytesIO()
    Image.new("RGB", size, colour).save(image, "JPEG")
    return image.getvalue()


def test_the_opener_attaches_photo_evidence_that_the_decider_sees(app, client, login_as, case):
    login_as("employee")
    response = client.post(f"/audits/{case['audit']}/disputes", content_type="multipart/form-data", data={
        "criteria": ["a_no"], "reason": "My badge shows my name.",
        "evidence": [(io.BytesIO(_jpeg()), "badge.jpg")]})
    assert response.status_code == 302
    dispute = call(client, case, "admin", "GET", "/api/v1/disputes").get_json()["items"][0]
    [photo] = dispute["evidence"]
    assert photo["width"] == 40 and photo["height"] == 30
    stored = call(client, case, "manager_a", "GET", photo["url"])
    assert stored.status_code == 200 and stored.mimetype == "image/jpeg"
    assert hashlib.sha256(stored.data).hexdigest() == photo["sha256"]
    assert call(client, case, "manager_b", "GET", photo["url"]).status_code == 404

    # more through the API; only the opener, only pictures, only while it is open
    url = f"/api/v1/disputes/{dispute['id']}/evidence"

    def upload(who, data, name="more.jpg"):
        return client.post(url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
                           headers={"Authorization": f"Bearer {case['tokens'][who]}"})

    assert upload("employee", _jpeg("blue")).status_code == 201
    assert upload("manager_a", _jpeg("blue")).status_code == 403
    refused = upload("employee", b"%PDF-1.4 not a picture", "receipt.pdf")
    assert refused.status_code == 422 and "not a photo" in refused.get_json()["error"]["message"]
    assert len(call(client, case, "admin", "GET", f"/api/v1/disputes/{dispute['id']}").get_json()["evidence"]) == 2

    login_as("manager_a")
    page = client.get(f"/audits/{case['audit']}").get_data(as_text=True)
    assert page.count(f"/disputes/{dispute['id']}/evidence/") == 4  # two photos, each a link and an image
    call(client, case, "admin", "POST", f"/api/v1/disputes/{dispute['id']}/decide", {"outcome": "upheld"})
    assert upload("employee", _jpeg("green")).status_code == 409


def test_a_dispute_whose_photo_is_refused_is_not_opened_and_says_why(app, client, login_as, case):
    login_as("employee")
    response = client.post(f"/audits/{case['audit']}/disputes", content_type="multipart/form-data", data={
        "reason": "See the receipt.", "evidence": [(io.BytesIO(b"not an image"), "receipt.txt")]},
        follow_redirects=True)
    assert "not a photo Veraz can read" in response.get_data(as_text=True)
    assert call(client, case, "admin", "GET", "/api/v1/disputes").get_json()["total"] == 0
