"""The audit's life through audits/services.py, with no HTTP: start, save, submit, review, history."""
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy.orm.exc import StaleDataError

from accounts.models import User
from audits import services
from audits.answers import answer_values
from audits.errors import AuditConflict, AuditForbidden, AuditInvalid, AuditNotFound
from audits.models import Assignment, Audit, AuditEvent
from audits.queries import history
from core.models import set_setting
from extensions import db
from tests import factories
from tests.factories import WORKED_ANSWERS


def cid():
    return str(uuid.uuid4())


@pytest.fixture
def ctx(app, world):
    """An app context (in English) holding the world's users and a published worked-example scorecard."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    with app.app_context():
        version = factories.scorecard()
        db.session.commit()
        users = {name: db.session.get(User, world[name]["id"]) for name in
                 ("admin", "manager_a", "manager_b", "auditor", "auditor2", "hr")}
        yield {"version": version, "card": version.scorecard, "world": world, **users}
        db.session.rollback()


def start(c, user="auditor", **kw):
    kw.setdefault("scorecard", c["card"])
    kw.setdefault("branch", c["world"]["branch_a"])
    kw.setdefault("client_id", cid())
    return services.create_audit(c[user], **kw)


def plan(c, auditor="auditor", branch="branch_a", **kw):
    assignment = Assignment(auditor_id=c[auditor].id, branch_id=c["world"][branch], scorecard_id=c["card"].id,
                            due_date=kw.pop("due_date", date.today() + timedelta(days=3)), **kw)
    db.session.add(assignment)
    db.session.flush()
    return assignment


# --- Starting an audit ---------------------------------------------------------------------------

def test_an_auditor_starts_an_unplanned_audit_on_the_latest_published_version(ctx):
    audit = start(ctx, employee=ctx["world"]["employee_a"], started_at="2026-03-01T10:00:00+01:00")
    assert audit.created_now and audit.status == "draft"
    assert audit.version_id == ctx["version"].id and audit.channel == "visit"
    assert audit.started_at.isoformat() == "2026-03-01T09:00:00"  # stored as naive UTC
    assert audit.employee_id == ctx["world"]["employee_a"]


def test_the_same_client_id_gives_back_the_first_audit(ctx):
    client_id = cid()
    first = start(ctx, client_id=client_id)
    db.session.commit()
    again = start(ctx, client_id=client_id, branch=ctx["world"]["branch_b"])
    assert again.id == first.id and again.created_now is False and again.branch_id == ctx["world"]["branch_a"]
    assert db.session.scalar(db.select(db.func.count(Audit.id))) == 1
    with pytest.raises(AuditConflict):
        start(ctx, "auditor2", client_id=client_id)  # someone else's id is not theirs to reuse


def test_unplanned_audits_follow_the_admin_setting(ctx):
    set_setting("allow_unplanned_audits", False)
    db.session.flush()
    with pytest.raises(AuditForbidden) as refused:
        start(ctx)
    assert refused.value.status == 403 and "turned off" in refused.value.message
    assert start(ctx, "manager_a").created_now  # managers may still, in their branches
    assert start(ctx, "admin", branch=ctx["world"]["branch_b"]).created_now


def test_managers_and_hr_cannot_start_audits_outside_their_scope(ctx):
    with pytest.raises(AuditNotFound):
        start(ctx, "manager_b")  # branch A is not theirs
    with pytest.raises(AuditForbidden):
        start(ctx, "hr")


def test_an_assignment_is_used_only_by_its_auditor_and_only_once(ctx):
    assignment = plan(ctx, employee_id=ctx["world"]["employee_a"])
    with pytest.raises(AuditNotFound):
        services.create_audit(ctx["auditor2"], assignment=assignment.id, client_id=cid())
    with pytest.raises(AuditForbidden):
        services.create_audit(ctx["manager_a"], assignment=assignment, client_id=cid())
    client_id = cid()
    audit = services.create_audit(ctx["auditor"], assignment=assignment, client_id=client_id)
    assert audit.assignment_id == assignment.id and audit.employee_id == ctx["world"]["employee_a"]
    assert assignment.status() == "in_progress"
    db.session.commit()
    assert services.create_audit(ctx["auditor"], assignment=assignment, client_id=client_id).id == audit.id
    with pytest.raises(AuditConflict) as second:
        services.create_audit(ctx["auditor"], assignment=assignment, client_id=cid())
    assert second.value.status == 409 and second.value.details == {"audit_id": audit.id}


def test_archived_or_unpublished_scorecards_refuse_new_audits(ctx):
    ctx["card"].archived = True
    with pytest.raises(AuditConflict, match="archived"):
        start(ctx)
    draft = factories.scorecard(publish=False)
    with pytest.raises(AuditConflict, match="no published version"):
        start(ctx, scorecard=draft.scorecard.slug)


def test_a_new_published_version_is_used_for_new_audits(ctx):
    from scorecards.services import build_version

    newer = build_version(ctx["card"], factories.WORKED_EXAMPLE)
    newer.status = "published"
    db.session.flush()
    assert start(ctx, version=ctx["version"]).version_id == newer.id


def test_what_a_request_learns_once_changes_when_it_writes(ctx):
    """The latest version and an absent setting are asked once per transaction (core/memo.py),
    and asked again once anything is written in it."""
    from core.models import get_setting
    from scorecards.services import build_version

    assert get_setting("allow_unplanned_audits") is True and get_setting("allow_unplanned_audits") is True
    set_setting("allow_unplanned_audits", False)  # not flushed yet: the kept answer is forgotten all the same
    assert get_setting("allow_unplanned_audits") is False
    with pytest.raises(AuditForbidden):
        start(ctx)
    set_setting("allow_unplanned_audits", True)
    assert services.latest_published(ctx["card"]) == ctx["version"]
    newer = build_version(ctx["card"], factories.WORKED_EXAMPLE)
    newer.status = "published"
    db.session.flush()
    assert services.latest_published(ctx["card"]) == newer and start(ctx).version_id == newer.id


def test_bad_details_are_refused_with_their_field(ctx):
    with pytest.raises(AuditInvalid) as bad:
        start(ctx, employee=ctx["world"]["employee_b"])
    assert bad.value.problems[0][0] == "employee_id"
    with pytest.raises(AuditInvalid):
        start(ctx, client_id="x")
    with pytest.raises(AuditInvalid) as missing:
        services.create_audit(ctx["auditor"], client_id=cid())
    assert [k for k, _m in missing.value.problems] == ["scorecard", "branch"]


# --- Saving, submitting, reviewing -----------------------------------------------------------------

def test_save_draft_checks_values_and_coerces_form_text(ctx):
    audit = start(ctx)
    services.save_draft(audit, ctx["auditor"], {"a_yes": "yes", "b_scale": "4"}, {"a_yes": "Warm hello"},
                        employee_name_given="Lucía")
    assert answer_values(audit) == {"a_yes": "yes", "b_scale": 4}
    assert audit.answers_by_key()["a_yes"].comment == "Warm hello" and audit.employee_name_given == "Lucía"
    with pytest.raises(AuditInvalid) as bad:
        services.save_draft(audit, ctx["auditor"], {"b_scale": 9, "a_no": "maybe", "ghost": "yes"})
    assert sorted(k for k, _m in bad.value.problems) == ["a_no", "b_scale", "ghost"]
    assert bad.value.details["problems"][0].keys() == {"criterion", "message"}
    assert answer_values(audit)["b_scale"] == 4  # nothing of a refused save is kept
    assert audit.events == []  # no history before the first submission


def test_only_the_auditor_edits_and_only_while_draft_or_returned(ctx):
    audit = start(ctx)
    with pytest.raises(AuditNotFound):
        services.save_draft(audit, ctx["auditor2"], {"a_yes": "yes"})
    with pytest.raises(AuditForbidden):
        services.save_draft(audit, ctx["manager_a"], {"a_yes": "yes"})
    services.save_draft(audit, ctx["auditor"], WORKED_ANSWERS)
    services.submit(audit, ctx["auditor"])
    with pytest.raises(AuditConflict):
        services.save_draft(audit, ctx["auditor"], {"a_yes": "no"})


def test_submit_lists_every_missing_answer_then_scores_once(ctx):
    audit = start(ctx)
    services.save_draft(audit, ctx["auditor"], {"a_yes": "yes"})
    with pytest.raises(AuditInvalid) as missing:
        services.submit(audit, ctx["auditor"])
    assert [k for k, _m in missing.value.problems] == ["a_no", "a_na", "b_scale", "b_yes"]
    assert missing.value.status == 422 and audit.status == "draft"
    services.save_draft(audit, ctx["auditor"], WORKED_ANSWERS)
    assert services.submit(audit, ctx["auditor"], client_id=audit.client_id) is True
    assert audit.status == "submitted" and audit.score == pytest.approx(61.111, abs=0.001)
    assert [s.score for s in audit.section_scores] == [pytest.approx(50.0), pytest.approx(83.333, abs=0.001)]
    assert audit.kpis["greeting"]["rate"] == 100.0 and audit.submitted_at is not None
    assert services.submit(audit, ctx["auditor"]) is False  # a double tap changes nothing
    assert [e.action for e in audit.events] == ["submitted"]
    with pytest.raises(AuditConflict):
        services.submit(audit, ctx["auditor"], client_id=cid())


def test_return_fix_resubmit_approve_keeps_the_history(ctx):
    audit = start(ctx)
    services.save_draft(audit, ctx["auditor"], WORKED_ANSWERS)
    services.submit(audit, ctx["auditor"])
    with pytest.raises(AuditInvalid):
        services.return_audit(audit, ctx["manager_a"], "   ")
    with pytest.raises(AuditNotFound):
        services.approve(audit, ctx["manager_b"])
    with pytest.raises(AuditForbidden):
        services.approve(audit, ctx["hr"])
    services.return_audit(audit, ctx["manager_a"], "Courtesy looks too high for that call")
    assert audit.status == "returned" and audit.return_reason.startswith("Courtesy")
    with pytest.raises(AuditConflict):
        services.approve(audit, ctx["manager_a"])  # only from submitted
    services.save_draft(audit, ctx["auditor"], {"b_scale": 3}, {"b_scale": "Listened again"})
    services.submit(audit, ctx["auditor"])
    assert audit.score == pytest.approx((2 * 50 + 100 * 2 / 3) / 3)
    services.approve(audit, ctx["admin"])
    db.session.commit()
    steps = [(h["action"], h["by"]["name"], h["reason"], h["criterion"], h["before"], h["after"])
             for h in history(audit)]
    assert steps == [
        ("submitted", ctx["auditor"].name, None, None, None, None),
        ("returned", ctx["manager_a"].name, "Courtesy looks too high for that call", None, None, None),
        ("answer_changed", ctx["auditor"].name, None, "b_scale", 4, 3),
        ("comment_changed", ctx["auditor"].name, None, "b_scale", "", "Listened again"),
        ("resubmitted", ctx["auditor"].name, None, None, None, None),
        ("approved", ctx["admin"].name, None, None, None, None),
    ]
    assert audit.reviewed_by_id == ctx["admin"].id


def test_a_stale_review_gets_a_clear_conflict(ctx):
    audit = start(ctx)
    services.save_draft(audit, ctx["auditor"], WORKED_ANSWERS)
    services.submit(audit, ctx["auditor"])
    seen = audit.lock_version
    services.approve(audit, ctx["manager_a"], expected_version=seen)
    with pytest.raises(AuditConflict) as late:
        services.return_audit(audit, ctx["admin"], "no", expected_version=seen)
    assert ctx["manager_a"].name in late.value.message and "already approved" in late.value.message


def test_two_reviewers_at_the_same_moment_cannot_both_win(app, ctx):
    audit = start(ctx)
    services.save_draft(audit, ctx["auditor"], WORKED_ANSWERS)
    services.submit(audit, ctx["auditor"])
    db.session.commit()
    audit_id = audit.id
    # A second session loads the same submitted audit before the first reviewer commits.
    from sqlalchemy.orm import Session

    with Session(db.engine) as second:
        stale = second.get(Audit, audit_id)
        assert stale.status == "submitted"
        services.approve(audit, ctx["manager_a"])
        db.session.commit()
        stale.status = "returned"
        with pytest.raises(StaleDataError):
            second.commit()
    db.session.expire_all()
    fresh = db.session.get(Audit, audit_id)
    assert fresh.status == "approved"
    assert "already approved" in services.conflict_message(fresh)
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "approved")) == 1


def test_check_in_is_stored_when_given(ctx):
    audit = start(ctx)
    services.set_checkin(audit, ctx["auditor"], "40.4168", -3.7038, 12)
    assert (audit.checkin_lat, audit.checkin_lng, audit.checkin_accuracy) == (40.4168, -3.7038, 12.0)
    assert audit.checkin_at is not None
    with pytest.raises(AuditInvalid):
        services.set_checkin(audit, ctx["auditor"], 200, 0)


def test_a_race_on_one_client_id_still_gives_one_audit(ctx, monkeypatch):
    """Two requests with one client id both find nothing, both insert: the unique index decides."""
    client_id = cid()
    first = start(ctx, client_id=client_id)
    db.session.commit()
    real, calls = services.find_by_client_id, []

    def missed_the_first_time(value):
        calls.append(value)
        return None if len(calls) == 1 else real(value)

    monkeypatch.setattr(services, "find_by_client_id", missed_the_first_time)
    again = start(ctx, client_id=client_id)
    assert again.id == first.id and again.created_now is False and len(calls) == 2
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Audit.id))) == 1
