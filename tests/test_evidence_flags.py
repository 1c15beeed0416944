"""Evidence flags for reviewers: a check-in far from the branch, a photo after submission, an audit
of less than a minute; never shown to the audited employee."""
from datetime import timedelta

from audits.models import Audit, Photo
from branches.models import Branch
from extensions import db
from tests import factories
from tests.support.api import issue_token


def test_reviewers_see_flags_and_the_employee_does_not(app, client, login_as, world):
    with app.app_context():
        branch = db.session.get(Branch, world["branch_a"])
        branch.latitude, branch.longitude = 40.4203, -3.7058          # Gran Vía, Madrid
        version = factories.scorecard()
        audit = factories.audit(version, world["auditor"]["id"], branch.id, employee_id=world["employee_a"],
                                checkin_lat=40.4168, checkin_lng=-3.7038)  # Puerta del Sol: about 420 m
        near = audit.id
        far = factories.audit(version, world["auditor"]["id"], branch.id, employee_id=world["employee_a"],
                              checkin_lat=40.4531, checkin_lng=-3.6883)     # Bernabéu: about 4 km
        far.ended_at = far.started_at + timedelta(seconds=40)
        db.session.add(Photo(audit=far, filename="late.jpg", created_at=far.submitted_at + timedelta(hours=2)))
        tokens = {who: issue_token(world[who]["id"]) for who in ("manager_a", "employee")}
        db.session.commit()
        far_id = far.id
    def flags(who, audit_id):
        body = client.get(f"/api/v1/audits/{audit_id}", headers={"Authorization": f"Bearer {tokens[who]}"})
        return [f["code"] for f in body.get_json()["flags"]]
    assert flags("manager_a", near) == []
    assert flags("manager_a", far_id) == ["far_checkin", "photo_after_submit", "short_audit"]
    assert flags("employee", far_id) == []
    page = login_as("manager_a").get(f"/audits/{far_id}").get_data(as_text=True)
    assert "The audit took less than a minute." in page and "m from the branch" in page
    with app.app_context():
        assert db.session.get(Audit, far_id).status == "approved"  # a hint, never a refusal
