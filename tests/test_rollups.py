"""The reports' monthly roll-ups stay equal to a computation from the raw rows, whatever happens
to the audits: approvals through the service, audits loaded already approved, a dispute that
changes an approved audit's answers, an audit moved to another employee or branch, an approval
withdrawn. And ``flask --app app rollups rebuild`` gives the same tables back."""
import random
from datetime import datetime

from pytest import approx
from sqlalchemy import select

from accounts.models import User
from audits import services
from audits.answers import score_and_store, set_answers
from audits.models import Audit
from extensions import db
from reports import rollups
from reports.models import TABLES
from tests import factories
from tests.support.rollups import assert_rollups_match_the_raw_rows, stored

VALUES = {"a_yes": ("yes", "no"), "a_no": ("yes", "no"), "a_na": ("yes", "no", "na"), "b_scale": (1, 2, 3, 4, 5),
          "b_yes": ("yes", "no")}


def random_answers(rng) -> dict:
    return {key: rng.choice(values) for key, values in VALUES.items()}


def test_random_approvals_disputes_moves_and_withdrawals_keep_the_rollups_equal_to_the_raw_rows(app, world):
    rng = random.Random(20)
    with app.app_context():
        worked, counter = factories.scorecard(), factories.scorecard(data={**factories.WORKED_EXAMPLE,
                                                                               "slug": "calls", "channel": "call"})
        admin = db.session.get(User, world["admin"]["id"])
        branches = [world["branch_a"], world["branch_b"]]
        employees = [world["employee_a"], world["employee_b"], None]
        for step in range(120):
            operation = rng.choice(("submit_and_approve", "load_approved", "dispute", "move", "withdraw"))
            approved = db.session.scalars(select(Audit).where(Audit.status == "approved")).all()
            if operation in ("dispute", "move", "withdraw") and approved:
                audit = rng.choice(approved)
                with rollups.changing(audit):
                    if operation == "dispute":  # overturned: the answers change, so does the score
                        set_answers(audit, random_answers(rng))
                        score_and_store(audit)
                    elif operation == "move":
                        audit.branch_id, audit.employee_id = rng.choice(branches), rng.choice(employees)
                        audit.started_at = datetime(2025, rng.randint(1, 12), rng.randint(1, 28), 10)
                    else:
                        audit.status = "returned"
                continue
            audit = factories.audit(rng.choice((worked, counter)), world["auditor"]["id"], rng.choice(branches),
                                    random_answers(rng), employee_id=rng.choice(employees),
                                    status="approved" if operation == "load_approved" else "submitted",
                                    started_at=None if step % 17 == 0 else
                                    datetime(2025, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23)))
            if operation == "submit_and_approve":
                services.approve(audit, admin)  # the signal adds it
            if step % 10 == 0:
                db.session.commit()
                assert_rollups_match_the_raw_rows()
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(TABLES["audit", "branch"])) > 10
        assert_rollups_match_the_raw_rows()


def test_an_approval_that_fails_leaves_the_rollups_as_they_were(app, world):
    with app.app_context():
        version = factories.scorecard()
        audit = factories.audit(version, world["auditor"]["id"], world["branch_a"], status="submitted")
        db.session.commit()
        services.approve(audit, db.session.get(User, world["admin"]["id"]))
        assert stored("audit", "branch")  # counted inside the request's transaction...
        db.session.rollback()
        assert stored("audit", "branch") == {}  # ...and gone with it


def test_the_rebuild_command_recomputes_every_rollup(app, world, runner):
    with app.app_context():
        version = factories.scorecard()
        for day in (3, 12, 25):
            factories.audit(version, world["auditor"]["id"], world["branch_a"], employee_id=world["employee_a"],
                            started_at=datetime(2025, 5, day, 9))
        db.session.execute(TABLES["audit", "branch"].update().values(audits=99))
        db.session.execute(TABLES["criterion", "employee"].delete())
        db.session.commit()
    result = runner.invoke(args=["rollups", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "rollup_audit_branch: 1 rows" in result.output
    with app.app_context():
        assert_rollups_match_the_raw_rows()
        assert [m["audits"] for m in stored("audit", "branch").values()] == [3]


def plain(value, near=False):
    """Figures as plain data; with ``near`` floats compare approximately (sums and means add up in
    another order)."""
    from dataclasses import asdict, is_dataclass

    if is_dataclass(value):
        return plain(asdict(value), near)
    if isinstance(value, dict):
        return {k: plain(v, near) for k, v in value.items() if k != "filters"}
    if isinstance(value, (list, tuple)):
        return [plain(v, near) for v in value]
    return approx(value) if near and isinstance(value, float) else value


def test_every_figure_read_from_the_rollups_equals_the_figure_from_the_raw_rows(app, world):
    """Whole months from the roll-ups, the days around them from the raw rows: the same figures as
    the raw rows alone, for periods that start and end anywhere in a month."""
    from datetime import date

    from branches.models import Branch, Employee
    from reports import figures
    from reports.filters import Filters

    rng = random.Random(7)
    with app.app_context():
        worked, calls = factories.scorecard(), factories.scorecard(data={**factories.WORKED_EXAMPLE,
                                                                         "slug": "calls", "channel": "call"})
        for _ in range(80):
            factories.audit(rng.choice((worked, calls)), world["auditor"]["id"],
                            rng.choice((world["branch_a"], world["branch_b"])), random_answers(rng),
                            employee_id=rng.choice((world["employee_a"], world["employee_b"], None)),
                            status=rng.choice(("approved", "approved", "submitted")),
                            started_at=datetime(2025, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23)))
        db.session.commit()
        branch, employee = db.session.get(Branch, world["branch_a"]), db.session.get(Employee, world["employee_a"])
        periods = [(date(2025, 1, 1), date(2025, 12, 31)), (date(2025, 2, 14), date(2025, 7, 9)),
                   (date(2025, 3, 3), date(2025, 3, 20)), (date(2025, 4, 1), date(2025, 6, 30)), (None, None),
                   # no audit after the 28th: the last month is read whole from the roll-ups
                   (date(2025, 2, 14), date(2025, 3, 28)), (date(2025, 5, 1), date(2025, 12, 29))]
        for date_from, date_to in periods:
            for extra in ({}, {"scorecard_id": calls.scorecard_id}, {"channel": "visit"}, {"status": "scored"}):
                f = Filters(scope=None, date_from=date_from, date_to=date_to, **extra)
                subjects = [lambda f=f: figures.for_overview(f), lambda f=f: figures.for_branch(branch, f),
                            lambda f=f: figures.for_employee(employee, f)]
                for subject in subjects:
                    app.config["REPORTS_ROLLUPS"] = True
                    rolled = subject()
                    app.config["REPORTS_ROLLUPS"] = False
                    raw = subject()
                    assert plain(raw) == plain(rolled, near=True), (date_from, date_to, extra)
        app.config["REPORTS_ROLLUPS"] = True
        assert figures.for_overview(Filters(scope=None, date_from=date(2025, 1, 1),
                                            date_to=date(2025, 12, 31)))["summary"].audits > 30
