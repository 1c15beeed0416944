"""An app that submits many audits in one request each: the audit is stored exactly as one filled
in steps and then submitted, and, when the app prefers (``Prefer: return=minimal``), the answer is
a short receipt."""
import pytest

from audits.models import Answer, Audit, AuditEvent, SectionScore
from extensions import db
from tests import factories
from tests.support.api import cid

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")

COMMENTS = {"b_scale": "Smiled throughout", "a_na": "No queue to judge"}
MINIMAL = {"Prefer": "return=minimal"}


def _stored(app, audit_id):
    """What the database holds about an audit, without its ids and times."""
    with app.app_context():
        audit = db.session.get(Audit, audit_id)
        answers = {a.criterion_key: (a.criterion_id, a.value, a.comment, a.kpi, a.fraction, a.earned, a.possible,
                                     a.number_value)
                   for a in db.session.scalars(db.select(Answer).where(Answer.audit_id == audit_id))}
        sections = [(s.section_id, s.section_key, s.position, s.earned, s.possible, s.score)
                    for s in db.session.scalars(db.select(SectionScore).where(SectionScore.audit_id == audit_id)
                                                .order_by(SectionScore.position))]
        events = [e.action for e in db.session.scalars(db.select(AuditEvent).where(AuditEvent.audit_id == audit_id))]
        return {"status": audit.status, "score": audit.score, "passed": audit.passed,
                "critical_failure": audit.critical_failure, "kpis": audit.kpis, "version_id": audit.version_id,
                "submitted": audit.submitted_at is not None, "ended": audit.ended_at is not None,
                "answers": answers, "sections": sections, "events": events}


def test_an_audit_submitted_at_once_is_stored_as_one_filled_in_steps(api):
    body = {"scorecard": api.ids["slug"], "branch_id": api.world["branch_a"]}
    at_once = api.post("auditor", "/api/v1/audits", json={
        **body, "client_id": cid(), "answers": factories.WORKED_ANSWERS, "comments": COMMENTS, "submit": True})
    assert at_once.status_code == 201 and at_once.get_json()["history"][0]["action"] == "submitted"

    draft = api.post("auditor", "/api/v1/audits", json={**body, "client_id": cid(), "answers": {"a_yes": "yes"}})
    path = f"/api/v1/audits/{draft.get_json()['id']}"
    api.patch("auditor", path, json={"answers": factories.WORKED_ANSWERS, "comments": COMMENTS})
    assert api.post("auditor", path + "/submit").status_code == 200

    one, other = _stored(api.app, at_once.get_json()["id"]), _stored(api.app, draft.get_json()["id"])
    assert one == other
    assert one["status"] == "submitted" and one["score"] == pytest.approx(61.1111111111)
    assert len(one["answers"]) == 5 and one["answers"]["b_scale"][2] == "Smiled throughout"


def test_an_app_that_prefers_a_short_answer_gets_the_receipt_of_its_submission(api):
    client_id = cid()
    body = {"client_id": client_id, "scorecard": api.ids["slug"], "branch_id": api.world["branch_a"],
            "answers": factories.WORKED_ANSWERS, "submit": True}
    response = api.post("auditor", "/api/v1/audits", json=body, headers=MINIMAL)
    assert response.status_code == 201 and response.headers["Preference-Applied"] == "return=minimal"
    receipt = response.get_json()
    assert set(receipt) == {"id", "client_id", "status", "score", "passed", "critical_failure", "lock_version"}
    assert (receipt["client_id"], receipt["status"], receipt["passed"]) == (client_id, "submitted", False)
    assert receipt["score"] == pytest.approx(61.1111111111)

    whole = api.get("auditor", f"/api/v1/audits/{receipt['id']}").get_json()
    assert {key: whole[key] for key in receipt} == receipt
    assert [e["action"] for e in whole["history"]] == ["submitted"]

    again = api.post("auditor", "/api/v1/audits", json=body, headers=MINIMAL)  # a double tap: the audit, whole
    assert again.status_code == 200 and again.get_json() == whole
    assert "Preference-Applied" not in again.headers


def test_a_submission_with_a_wrong_answer_saves_nothing_and_names_it(api):
    client_id = cid()
    body = {"client_id": client_id, "scorecard": api.ids["slug"], "branch_id": api.world["branch_a"], "submit": True}
    wrong = api.post("auditor", "/api/v1/audits", json={**body, "answers": {**factories.WORKED_ANSWERS,
                                                                            "b_scale": 9}}, headers=MINIMAL)
    assert wrong.status_code == 409  # the scorecard's scale says 1-5: a rule of the stored version
    assert [p["criterion"] for p in wrong.get_json()["error"]["details"]["problems"]] == ["b_scale"]
    missing = api.post("auditor", "/api/v1/audits", json={**body, "answers": {"a_yes": "yes"}})
    assert missing.status_code == 422
    assert [p["criterion"] for p in missing.get_json()["error"]["details"]["problems"]] == [
        "a_no", "a_na", "b_scale", "b_yes"]
    with api.app.app_context():
        assert db.session.scalar(db.select(Audit).where(Audit.client_id == client_id)) is None
