"""The demo audits: months of scored audits with variation, made through the services, added once."""
from datetime import timedelta

from accounts.models import User
from audits import demo
from audits.models import Assignment, Audit, AuditEvent
from branches.models import Branch
from core.timeutil import utcnow
from extensions import db
from scorecards import scoring
from scorecards.services import spec_for_version
from tests import factories


def test_demo_audits_span_months_are_scored_by_the_engine_and_are_added_once(app, world):
    with app.app_context():
        versions = [factories.scorecard(), factories.scorecard(channel="call")]
        users = {u.email: u for u in db.session.scalars(db.select(User))}
        branches = {b.code: b for b in db.session.scalars(db.select(Branch))}
        demo.load(users, branches, versions)
        db.session.commit()
        audits = db.session.scalars(db.select(Audit)).all()
        assert len(audits) > 40
        first, last = min(a.started_at for a in audits), max(a.started_at for a in audits)
        assert last - first > timedelta(days=150) and last < utcnow()
        approved = [a for a in audits if a.status == "approved"]
        assert len(approved) > 0.8 * len(audits)
        assert {a.channel for a in audits} == {"visit", "call"}
        assert len({a.auditor_id for a in audits}) == 2 and len({a.branch_id for a in audits}) == 2
        assert len({round(a.score) for a in approved}) > 5  # real variation
        for audit in approved[:20]:  # the stored figures are the engine's
            result = scoring.score(spec_for_version(audit.version),
                                   {x.criterion_key: x.value for x in audit.answers if x.value is not None})
            assert audit.score == result.score and audit.submitted_at <= audit.reviewed_at
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "approved")) \
            == len(approved)
        today = utcnow().date()
        waiting = db.session.scalars(db.select(Assignment).where(Assignment.due_date >= today)).all()
        overdue = [a for a in db.session.scalars(db.select(Assignment)) if a.status(today) == "overdue"]
        assert waiting and overdue
        assert {a.auditor_id for a in waiting} == {world["auditor"]["id"], world["auditor2"]["id"]}
        counts = (len(audits), db.session.scalar(db.select(db.func.count(Assignment.id))))
        demo.load(users, branches, versions)
        db.session.commit()
        assert (db.session.scalar(db.select(db.func.count(Audit.id))),
                db.session.scalar(db.select(db.func.count(Assignment.id)))) == counts
