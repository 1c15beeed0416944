"""Seals: every approved audit is sealed (and sealed again after an overturned dispute), chained to
the seal before; verify-seals recomputes the chain and names the first audit that no longer matches."""
from accounts.models import User
from audits import services as audit_services
from audits.models import Audit
from disputes import services as dispute_services
from extensions import db
from records.models import GENESIS, Seal
from tests import factories
from tests.support.api import issue_token


def _approved(world, n=2):
    version = factories.scorecard()
    admin = db.session.get(User, world["admin"]["id"])
    ids = []
    for _ in range(n):
        audit = factories.audit(version, world["auditor"]["id"], world["branch_a"], status="submitted",
                                employee_id=world["employee_a"])
        audit_services.approve(audit, admin)
        ids.append(audit.id)
    db.session.commit()
    return ids


def test_approval_seals_the_audit_in_a_chain_and_the_api_and_pdf_show_it(app, client, world):
    with app.app_context():
        first, second = _approved(world)
        seals = db.session.scalars(db.select(Seal).order_by(Seal.id)).all()
        assert [s.audit_id for s in seals] == [first, second]
        assert seals[0].previous == GENESIS and seals[1].previous == seals[0].digest
        token = issue_token(world["admin"]["id"])
        db.session.commit()
        digest, sealed_at = seals[1].digest, seals[1].sealed_at
    body = client.get(f"/api/v1/audits/{second}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["seal"] == digest and body["sealed_at"].startswith(sealed_at.isoformat()[:16])
    client.post("/login", data={"email": world["admin"]["email"], "password": factories.PASSWORD})
    _pages, text = factories.pdf_text(client.get(f"/reports/audits/{second}.pdf").data)
    assert digest[:16] in text


def test_verify_seals_passes_then_names_the_audit_changed_in_the_database(app, runner, world):
    with app.app_context():
        first, second = _approved(world)
    result = runner.invoke(args=["verify-seals"])
    assert result.exit_code == 0 and "Checked 2 seals" in result.output
    with app.app_context():  # someone edits an answer directly in the database
        db.session.execute(db.text("UPDATE answer SET value = '\"yes\"' WHERE audit_id = :a "
                                   "AND criterion_key = 'a_no'"), {"a": second})
        db.session.commit()
    result = runner.invoke(args=["verify-seals"])
    assert result.exit_code == 1 and f"audit {second}" in result.output


def test_a_removed_or_edited_seal_breaks_the_chain(app, runner, world):
    with app.app_context():
        first, _second = _approved(world)
        db.session.execute(db.text("UPDATE seal SET content = '{}' WHERE audit_id = :a"), {"a": first})
        db.session.commit()
    result = runner.invoke(args=["verify-seals"])
    assert result.exit_code == 1 and f"audit {first}" in result.output


def test_an_overturned_dispute_seals_the_audit_again(app, runner, world):
    with app.app_context():
        [audit_id] = _approved(world, 1)
        audit = db.session.get(Audit, audit_id)
        employee = db.session.get(User, world["employee"]["id"])
        dispute = dispute_services.open_dispute(audit, employee, ["a_no"], "I said my name.")
        dispute_services.decide(dispute, db.session.get(User, world["manager_a"]["id"]), "overturned",
                                {"a_no": "yes"})
        db.session.commit()
        assert [s.reason for s in db.session.scalars(db.select(Seal).order_by(Seal.id))] == ["approved", "overturned"]
    result = runner.invoke(args=["verify-seals"])
    assert result.exit_code == 0 and "Checked 2 seals" in result.output


def test_audits_approved_before_seals_existed_are_sealed_on_demand(app, runner, world):
    with app.app_context():
        version = factories.scorecard()
        factories.audit(version, world["auditor"]["id"], world["branch_a"], status="approved")
        db.session.commit()
    assert "Sealed 1 audits" in runner.invoke(args=["seal-missing"]).output
    assert "Checked 1 seals" in runner.invoke(args=["verify-seals"]).output
