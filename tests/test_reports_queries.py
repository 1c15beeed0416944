"""The reports' figures, checked against values computed by hand (see tests/support/quarter.py)."""
from datetime import date

import pytest
from pytest import approx

from accounts.models import User
from extensions import db
from reports import criterion_rates, rankings
from reports import queries as q
from tests import factories
from tests.support.quarter import build_quarter, period_filters

W = (2 * 50 + 250 / 3) / 3  # the worked example: 61.11


def test_company_summary_counts_only_approved_audits_of_the_period(app, quarter):
    with app.app_context():
        s = q.summary(period_filters())
    assert s.audits == 7  # a1..a6 and b1; not the submitted one, the draft or 2024's
    assert s.mean == approx((W + 100 + 200 / 3 + 0 + 100 + W + 100) / 7)
    assert s.passed == 3 and s.pass_rate == approx(300 / 7)
    assert s.critical_failures == 1


def test_a_manager_sees_only_their_branch(app, world, quarter):
    with app.app_context():
        manager_a = db.session.get(User, world["manager_a"]["id"])
        manager_b = db.session.get(User, world["manager_b"]["id"])
        auditor = db.session.get(User, world["auditor"]["id"])
        period = {"date_from": date(2025, 1, 1), "date_to": date(2025, 3, 31)}
        a = q.summary(q.Filters.for_user(manager_a, **period))
        b = q.summary(q.Filters.for_user(manager_b, **period))
        nobody = q.summary(q.Filters.for_user(auditor, **period))
        # asking for the other branch gives nothing, not that branch's figures
        stolen = q.summary(q.Filters.for_user(manager_a, branch_id=world["branch_b"], **period))
    assert (a.audits, a.mean, a.pass_rate, a.critical_failures) == (6, approx((W + 100 + 200 / 3 + 0 + 100 + W) / 6),
                                                                    approx(100 / 3), 1)
    assert (b.audits, b.mean, b.pass_rate) == (1, 100.0, 100.0)
    assert nobody.audits == 0 and nobody.mean is None
    assert stolen.audits == 0


def test_status_filter_and_the_period_edges(app, world, quarter):
    with app.app_context():
        submitted = q.summary(period_filters(status="submitted", branch_id=world["branch_a"]))
        scored = q.summary(period_filters(status="scored", branch_id=world["branch_a"]))
        last_day = q.summary(period_filters(date_from=date(2025, 3, 31)))
        year_end = q.summary(period_filters(date_from=date(2024, 12, 31), date_to=date(2024, 12, 31)))
    assert submitted.audits == 1 and submitted.mean == 100
    assert scored.audits == 7  # 6 approved + 1 submitted; never the draft
    assert last_day.audits == 1  # 23:30 on the last day is inside the period
    assert year_end.audits == 1


def test_section_means_per_scorecard_in_scorecard_order(app, world, quarter):
    with app.app_context():
        rows = q.section_means(period_filters(branch_id=world["branch_a"]))
    assert [(r.scorecard, r.key, r.audits) for r in rows] == [("counter", "s", 2), (rows[1].scorecard, "a", 4),
                                                             (rows[1].scorecard, "b", 4)]
    means = {r.key: r.mean for r in rows}
    assert means["a"] == approx(75) and means["b"] == approx((250 / 3 + 100 + 0 + 250 / 3) / 4)
    assert means["s"] == approx(50)
    assert rows[1].title == {"es": "Sección A", "en": "Section A"}


def test_employee_sections_against_branch_and_company(app, world, quarter):
    with app.app_context():
        rows = q.section_comparison(period_filters(employee_id=world["employee_a"]), branch_id=world["branch_a"])
    by_key = {r.key: r for r in rows}
    assert set(by_key) == {"a", "b"}
    assert by_key["a"].mean == approx(75) and by_key["a"].branch == approx(75)
    assert by_key["a"].company == approx(80)  # a1, a2, a3, a6 and Bruno's 100
    assert by_key["b"].company == approx((250 / 3 + 100 + 0 + 250 / 3 + 100) / 5)


def test_kpi_rates_and_the_mean_wait(app, world, quarter):
    with app.app_context():
        rows = {k.kpi: k for k in criterion_rates.kpi_rates(period_filters(branch_id=world["branch_a"]))}
    assert (rows["greeting"].answered, rows["greeting"].full) == (6, 5)
    assert rows["greeting"].rate == approx(500 / 6)
    assert rows["name_given"].rate == approx(50)
    assert rows["courtesy"].rate == approx(25)  # only a 5 of 5 is full points
    assert rows["farewell"].rate == approx(75)
    assert rows["wait_time"].rate == approx(50) and rows["wait_time"].mean == approx(5.5)
    assert rows["greeting"].mean is None
    assert list(rows) == ["name_given", "greeting", "courtesy", "wait_time", "farewell"]  # KPI_TAGS' order


def test_weakest_criteria_first(app, world, quarter):
    with app.app_context():
        rows = criterion_rates.criteria_rates(period_filters(branch_id=world["branch_a"]))
        top = criterion_rates.criteria_rates(period_filters(branch_id=world["branch_a"]), limit=2)
    assert [r.key for r in rows] == ["b_scale", "a_no", "greet", "wait", "b_yes", "a_na", "a_yes"]
    scale = rows[0]
    assert (scale.answered, scale.failed, scale.failure_rate) == (4, 3, approx(75))
    assert scale.achievement == approx((1.5 + 2 + 0 + 1.5) / 8 * 100)
    assert scale.text == {"es": "Cortesía", "en": "Courtesy"}
    assert rows[5].answered == 1  # N/A answers do not count
    assert [r.key for r in top] == ["b_scale", "a_no"]


def test_trend_by_month_includes_empty_months(app, world, quarter):
    with app.app_context():
        rows = q.trend_by_month(period_filters(branch_id=world["branch_a"]))
        longer = q.trend_by_month(period_filters(branch_id=world["branch_a"], date_to=date(2025, 5, 2)))
    assert [(r.month, r.audits) for r in rows] == [(date(2025, 1, 1), 2), (date(2025, 2, 1), 2),
                                                   (date(2025, 3, 1), 2)]
    assert rows[0].mean == approx((W + 100) / 2) and rows[0].pass_rate == 50
    assert rows[1].mean == 50 and rows[2].mean == approx((200 / 3 + W) / 2) and rows[2].pass_rate == 0
    assert [(r.month.month, r.audits, r.mean) for r in longer[3:]] == [(4, 0, None), (5, 0, None)]


def test_employee_ranking_with_trend_arrows(app, world, quarter):
    with app.app_context():
        rows = rankings.employee_ranking(period_filters(branch_id=world["branch_a"]))
        company = rankings.employee_ranking(period_filters(), sort="name", descending=False)
    assert [r.name for r in rows] == ["Ana Employee", "Carla Employee"]
    ana, carla = rows
    assert ana.audits == 4 and ana.mean == approx((W + 100 + 200 / 3 + W) / 4) and ana.pass_rate == 25
    assert ana.arrow == "down"  # 80.6 in the first half of the quarter, 63.9 in the second
    assert carla.critical_failures == 1 and carla.arrow == "up"
    assert [r.name for r in company] == ["Ana Employee", "Bruno Employee", "Carla Employee"]


def test_employees_list_is_paginated_and_includes_the_unaudited(app, world, quarter):
    with app.app_context():
        from branches.models import Branch
        from tests import factories

        factories.employee(db.session.get(Branch, world["branch_a"]), name="Zoe Newcomer")
        db.session.commit()
        first = rankings.employee_ranking(period_filters(), include_unaudited=True, page=1, per_page=2)
        second = rankings.employee_ranking(period_filters(), include_unaudited=True, page=2, per_page=2)
        by_audits = rankings.employee_ranking(period_filters(), sort="audits", include_unaudited=True, page=1,
                                              per_page=9)
    assert first.total == 4 and first.pages == 2 and first.has_next
    assert [r.name for r in first.items] == ["Bruno Employee", "Ana Employee"]  # 100, then 72.2
    assert [r.name for r in second.items] == ["Carla Employee", "Zoe Newcomer"]  # no audits: last
    assert second.items[1].mean is None and second.items[1].audits == 0
    assert [r.audits for r in by_audits.items] == [4, 2, 1, 0]


def test_the_employees_list_follows_its_figures_whichever_the_sort_and_pages_cut_it_without_gaps(app, world, quarter):
    """The database orders and cuts the list: each sort, either way, lists the rows in the order
    of the figures they show (nothing to rank by last; ties by name), and the pages put together
    are the whole list."""
    with app.app_context():
        from branches.models import Branch

        branch = db.session.get(Branch, world["branch_b"])
        factories.employee(branch, name="Abel Newcomer")
        factories.employee(branch, name="Aaron Gone", active=False)  # no audit, not active: not listed
        db.session.commit()
        f = period_filters()
        for sort in rankings.EMPLOYEE_SORTS:
            for descending in (True, False):
                whole = rankings.employee_ranking(f, sort=sort, descending=descending, include_unaudited=True,
                                                  page=1, per_page=50)
                value = {"name": lambda r: r.name, "branch": lambda r: r.branch, "audits": lambda r: r.audits,
                         "mean": lambda r: r.mean, "pass_rate": lambda r: r.pass_rate,
                         "trend": lambda r: r.trend}[sort]
                by_name = sorted(whole.items, key=lambda r: (r.name, r.id))
                known = sorted([r for r in by_name if value(r) is not None], key=value, reverse=descending)
                assert whole.items == known + [r for r in by_name if value(r) is None], (sort, descending)
                pages = [rankings.employee_ranking(f, sort=sort, descending=descending, include_unaudited=True,
                                                   page=n, per_page=3) for n in (1, 2)]
                assert [r for p in pages for r in p.items] == whole.items and whole.total == 4
        assert "Aaron Gone" not in [r.name for r in whole.items]
        assert rankings.employee_ranking(f, include_unaudited=True, page=9, per_page=3).page == 2  # past the end
        best = rankings.employee_ranking(f, limit=2)
        assert [r.name for r in best] == ["Bruno Employee", "Ana Employee"] and best[1].arrow == "down"


def test_branch_ranking(app, world, quarter):
    with app.app_context():
        rows = rankings.branch_ranking(period_filters())
    assert [(r.name, r.audits) for r in rows] == [("Branch B", 1), ("Branch A", 6)]


def test_recent_audits_awaiting_review_and_comments(app, world, quarter):
    with app.app_context():
        f = period_filters(branch_id=world["branch_a"])
        recent = rankings.recent_audits(f, limit=3)
        waiting, rows = rankings.awaiting_review(f)
        notes = rankings.comments(f)
        nothing_for_b = rankings.awaiting_review(period_filters(branch_id=world["branch_b"]))
    assert [r.id for r in recent] == [quarter["a6"], quarter["a3"], quarter["a5"]]
    assert recent[0].employee == "Ana Employee" and recent[0].minutes == 20
    assert waiting == 1 and rows[0].id == quarter["submitted"]
    assert nothing_for_b == (0, [])
    assert [(c.audit_id, c.comment[:4]) for c in notes] == [(quarter["a6"], "Good"), (quarter["a3"], "Rude")]
    assert notes[1].criterion == {"es": "Cortesía", "en": "Courtesy"}


def test_scorecard_and_channel_filters(app, world, quarter):
    with app.app_context():
        counter = q.summary(period_filters(scorecard_id=quarter["wait_scorecard"]))
        calls = q.summary(period_filters(channel="call"))
        region = q.summary(period_filters(region="Noreste"))
    assert counter.audits == 2 and counter.mean == 50
    assert calls.audits == 0
    assert region.audits == 1


def test_parse_filters_defaults_and_errors(app, world):
    with app.app_context():
        hr = db.session.get(User, world["hr"]["id"])
        manager = db.session.get(User, world["manager_a"]["id"])
        f = q.parse_filters({}, hr, today=date(2025, 3, 15))
        assert (f.date_from, f.date_to, f.status, f.scope) == (date(2024, 4, 1), date(2025, 3, 15), "approved", None)
        f = q.parse_filters({"from": "2025-01-01", "to": "2025-01-31", "channel": "call", "branch": "7"}, manager)
        assert (f.date_from, f.date_to, f.channel, f.branch_id) == (date(2025, 1, 1), date(2025, 1, 31), "call", 7)
        assert f.scope == {world["branch_a"]}
        assert q.parse_filters(f.as_args(), manager) == f
        for bad in ({"from": "yesterday"}, {"from": "2025-02-01", "to": "2025-01-01"}, {"channel": "fax"},
                    {"status": "draft"}, {"branch": "x"}, {"employee": "-1"}, {"from": "1900-01-01"}):
            with pytest.raises(q.FilterError) as exc:
                q.parse_filters(bad, hr)
            assert set(exc.value.messages) <= {"from", "to", "channel", "status", "branch", "employee"}


def test_an_approval_on_one_server_shows_in_another_servers_figures_at_once(make_app):
    """Two app processes on one database (two gunicorn workers, two servers): nothing is cached,
    so the figures of the second include an approval made through the first as soon as it commits."""
    first, second = make_app(), make_app()
    with first.app_context():
        w = factories.world()
        ids = build_quarter(w)
        db.session.commit()
    with second.test_request_context():
        assert q.summary(period_filters()).audits == 7
        db.session.rollback()
    with first.app_context():
        from audits import services
        from audits.models import Audit

        services.approve(db.session.get(Audit, ids["submitted"]), db.session.get(User, w["admin"]["id"]))
        db.session.commit()
    with second.test_request_context():
        assert q.summary(period_filters()).audits == 8
        assert sum(m.audits for m in q.trend_by_month(period_filters())) == 8


def test_the_figures_read_audits_through_their_indexes(app, world):
    """EXPLAIN on SQLite: a branch's period is a range on (branch_id, status, started_at), an
    employee's on (employee_id, status, started_at), answers and sections by their audit_id."""
    from sqlalchemy import select

    from audits.models import Answer, Audit

    def plan(query):
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        return " | ".join(r[-1] for r in db.session.execute(db.text("EXPLAIN QUERY PLAN " + sql)))

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's EXPLAIN QUERY PLAN")
        branch = period_filters(scope=frozenset({world["branch_a"]}))
        employee = period_filters(employee_id=world["employee_a"])
        count = select(Audit.id).where(*q.audit_conditions(branch))
        assert "ix_audit_branch_status_started (branch_id=? AND status=? AND started_at>? AND started_at<?)" \
            in plan(count)
        assert "ix_audit_employee_status_started" in plan(select(Audit.id).where(*q.audit_conditions(employee)))
        answers = plan(select(Answer.kpi).join(Audit, Audit.id == Answer.audit_id).where(*q.audit_conditions(branch)))
        assert "ix_audit_branch_status_started" in answers and "answer USING INDEX sqlite_autoindex_answer_1" in answers
