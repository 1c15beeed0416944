"""An admin previews what a draft scorecard version would have done to the last months' scores,
through the API and on the builder's page, before publishing it. Nothing is written."""
import copy
from datetime import date, timedelta

import pytest

from accounts.models import ApiToken, User
from audits.models import Audit
from core.timeutil import utcnow
from extensions import db
from scorecards import scoring
from scorecards.services import build_version, spec_for_version
from tests import factories

# Branch A's Ana: 61.1 % and 100 % (mean 80.6: passes). Branch B's Bruno: 88.9 % (passes).
ANA_FIRST = factories.WORKED_ANSWERS
ANA_SECOND = {"a_yes": "yes", "a_no": "yes", "a_na": "yes", "b_scale": 5, "b_yes": "yes"}
BRUNO = {"a_yes": "yes", "a_no": "yes", "a_na": "yes", "b_scale": 5, "b_yes": "no"}


def draft_data(**changes):
    """Version 2: "Gave their name" weighs 3 and the farewell becomes critical."""
    data = copy.deepcopy(factories.WORKED_EXAMPLE)
    data["sections"][0]["criteria"][1]["weight"] = 3
    data["sections"][1]["criteria"][1]["critical"] = True
    data.update(changes)
    return data


@pytest.fixture
def quarter_of_audits(app, world):
    with app.app_context():
        v1 = factories.scorecard()
        card = v1.scorecard
        v2 = build_version(card, draft_data(slug=card.slug), number=2)
        db.session.add(v2)
        db.session.flush()
        auditor = world["auditor"]["id"]
        ids = [factories.audit(v1, auditor, world["branch_a"], ANA_FIRST, employee_id=world["employee_a"]).id,
               factories.audit(v1, auditor, world["branch_a"], ANA_SECOND, employee_id=world["employee_a"]).id,
               factories.audit(v1, auditor, world["branch_b"], BRUNO, employee_id=world["employee_b"]).id]
        # Not counted: a submitted (not approved) audit, and one from before the period.
        factories.audit(v1, auditor, world["branch_a"], BRUNO, status="submitted", employee_id=world["employee_a"])
        factories.audit(v1, auditor, world["branch_a"], BRUNO, employee_id=world["employee_a"],
                        started_at=utcnow() - timedelta(days=200))
        admin = db.session.get(User, world["admin"]["id"])
        _row, token = ApiToken.issue(admin, "impact")
        _row, manager_token = ApiToken.issue(db.session.get(User, world["manager_a"]["id"]), "impact")
        db.session.commit()
        return {"slug": card.slug, "card_id": card.id, "ids": ids, "token": token, "manager_token": manager_token,
                "stored": {i: db.session.get(Audit, i).score for i in ids}, "v2": spec_for_version(v2)}


def preview(client, token, slug, body=None):
    return client.post(f"/api/v1/scorecards/{slug}/preview", json=body if body is not None else {},
                       headers={"Authorization": f"Bearer {token}"})


def test_the_preview_replays_the_approved_audits_under_the_draft_and_names_who_crosses_the_pass_mark(
        app, client, world, quarter_of_audits):
    q = quarter_of_audits
    response = preview(client, q["token"], q["slug"], {"version": 2})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()

    assert body["audits"] == 3
    expected = [scoring.score(q["v2"], answers).score for answers in (ANA_FIRST, ANA_SECOND, BRUNO)]
    assert body["mean_after"] == pytest.approx(sum(expected) / 3)
    assert body["mean_before"] == pytest.approx(sum(q["stored"].values()) / 3)
    assert body["pass_rate_before"] == pytest.approx(200 / 3)   # 100 and 88.9 pass; 61.1 does not
    assert body["pass_rate_after"] == pytest.approx(100 / 3)    # only the 100 % audit passes
    assert (body["critical_before"], body["critical_after"]) == (0, 1)  # Bruno said no farewell
    crossing = {e["name"]: (e["mean_before"], e["mean_after"]) for e in body["employees_crossing"]}
    assert set(crossing) == {"Ana Employee", "Bruno Employee"}
    assert crossing["Bruno Employee"] == pytest.approx((800 / 9, 0.0))
    assert crossing["Ana Employee"][1] == pytest.approx((expected[0] + expected[1]) / 2)
    assert {b["name"] for b in body["branches"]} == {"Branch A", "Branch B"}
    assert body["criteria"][0]["key"] == "b_yes"    # the new critical moves the mean most
    assert {c["key"] for c in body["criteria"]} >= {"a_no", "b_yes"}
    assert body["not_answered"] == [] and body["left_out"] == []

    with app.app_context():  # nothing was written: the published audits keep their scores
        assert {i: db.session.get(Audit, i).score for i in q["ids"]} == q["stored"]


def test_a_long_period_is_read_a_few_audits_at_a_time_with_the_same_result(app, world, quarter_of_audits):
    from reports.impact import iter_past_audits

    with app.app_context():
        admin = db.session.get(User, world["admin"]["id"])
        period = (date.today() - timedelta(days=365), date.today())
        whole = list(iter_past_audits(quarter_of_audits["card_id"], *period, admin))
        by_two = list(iter_past_audits(quarter_of_audits["card_id"], *period, admin, chunk=2))
        older = whole[-1].audit_id  # from 200 days ago, in this year-long period
        assert [a.audit_id for a in whole] == sorted(quarter_of_audits["ids"]) + [older]
        assert by_two == whole and all(a.answers for a in by_two)


def test_the_preview_defaults_to_the_current_draft_and_the_last_90_days(client, quarter_of_audits):
    q = quarter_of_audits
    body = preview(client, q["token"], q["slug"]).get_json()
    assert body["version"] == 2 and body["audits"] == 3
    assert body["to"] == date.today().isoformat()
    assert body["from"] == (date.today() - timedelta(days=89)).isoformat()
    longer = preview(client, q["token"], q["slug"], {"from": (date.today() - timedelta(days=365)).isoformat()})
    assert longer.get_json()["audits"] == 4


def test_a_published_version_bad_dates_and_other_roles_are_refused(client, quarter_of_audits):
    q = quarter_of_audits
    published = preview(client, q["token"], q["slug"], {"version": 1})
    assert published.status_code == 409 and published.get_json()["error"]["code"] == "not_draft"
    assert preview(client, q["token"], q["slug"], {"version": 9}).status_code == 404
    assert preview(client, q["token"], "no-such-card").status_code == 404
    assert preview(client, q["token"], q["slug"], {"from": "2026-02-30"}).status_code == 422
    backwards = preview(client, q["token"], q["slug"], {"from": "2026-03-01", "to": "2026-02-01"})
    assert backwards.status_code == 409 and "before its start" in backwards.get_json()["error"]["message"]
    assert backwards.get_json()["error"]["code"] == "reversed_period"
    assert preview(client, q["manager_token"], q["slug"]).status_code == 403


def test_new_and_changed_criteria_are_reported_not_invented(app, client, world):
    with app.app_context():
        v1 = factories.scorecard()
        card = v1.scorecard
        data = copy.deepcopy(factories.WORKED_EXAMPLE)
        data["slug"] = card.slug
        data["sections"][1]["criteria"][0].update(max=3)   # 4 of 5 no longer fits 1-3
        data["sections"][1]["criteria"].append({"key": "b_new", "type": "yes_no", "text": {"en": "New"}})
        db.session.add(build_version(card, data, number=2))
        factories.audit(v1, world["auditor"]["id"], world["branch_a"], ANA_FIRST, employee_id=world["employee_a"])
        _row, token = ApiToken.issue(db.session.get(User, world["admin"]["id"]), "impact")
        db.session.commit()
        slug = card.slug
    body = preview(client, token, slug).get_json()
    assert body["not_answered"] == ["b_new"] and body["left_out"] == ["b_scale"]
    # Left with a_yes (yes), a_no (no) in A and b_yes (yes) in B: (2 x 50 + 1 x 100) / 3
    assert body["mean_after"] == pytest.approx(200 / 3)


@pytest.mark.parametrize("language, words", [
    ("en", ["Preview the impact", "Employees who would cross the pass mark", "Under the draft", "Bruno Employee"]),
    ("es", ["Vista previa del impacto", "Empleados que cruzarían la nota de aprobado", "Con el borrador",
            "Bruno Employee"]),
])
def test_the_builder_shows_the_impact_in_each_language(app, client, login_as, world, quarter_of_audits,
                                                        language, words):
    with app.app_context():
        db.session.get(User, world["admin"]["id"]).language = language
        db.session.commit()
    browser = login_as("admin")
    q = quarter_of_audits
    draft_page = browser.get(f"/scorecards/{q['card_id']}/versions/2").get_data(as_text=True)
    link = f"/scorecards/{q['card_id']}/versions/2/impact"
    assert link in draft_page
    response = browser.get(link)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for word in words:
        assert word in page
    assert browser.get(f"/scorecards/{q['card_id']}/versions/1/impact").status_code == 409
    bad = browser.get(link + "?from=2026-13-01")
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    backwards = browser.get(link + "?from=2026-03-01&to=2026-02-01")
    assert backwards.status_code == 400 and 'id="f-to-error"' in backwards.get_data(as_text=True)
