"""Calibration on the web: a manager creates a session with the form, the auditors score it on the
same kind of form as an audit (a plain server-rendered form that works on a phone), the manager
closes it and everyone sees the results; the pure statistics give null, not a number, where there
is nothing to compute."""
import pytest

from calibration import statistics as stats
from extensions import db
from tests import factories


@pytest.fixture
def card(app, world):
    with app.app_context():
        version = factories.scorecard()
        db.session.commit()
        return version.scorecard.slug


def test_a_manager_runs_a_session_on_the_web_and_the_auditors_score_it_blind(app, client, login_as, world, card):
    login_as("manager_a")
    page = client.get("/calibration/new").get_data(as_text=True)
    assert "New calibration session" in page and "auditor2@test.example" in page
    response = client.post("/calibration/new", data={
        "title": "Gran Vía visit, March", "scorecard": card, "subject": "The visit of 3 March at 11:00",
        "participants": ["auditor@test.example", "auditor2@test.example"], "expert": "",
        "branch": str(world["branch_a"])})
    assert response.status_code == 302
    url = response.headers["Location"]

    login_as("auditor")
    page = client.get(url).get_data(as_text=True)
    assert 'name="a-a_yes"' in page and 'name="a-b_scale"' in page and "Submit my answers" in page
    bad = client.post(url + "/answers", data={"a-b_scale": "9"})
    assert bad.status_code == 422 and "Choose a whole number from 1 to 5" in bad.get_data(as_text=True)
    answers = {"a-a_yes": "yes", "a-a_no": "no", "a-a_na": "na", "a-b_scale": "4", "a-b_yes": "yes"}
    assert client.post(url + "/answers", data={**answers, "submit": "1"}).status_code == 302
    login_as("auditor2")
    page = client.get(url).get_data(as_text=True)
    assert 'value="4" checked' not in page  # blind: the first auditor's answers are not shown
    client.post(url + "/answers", data={**answers, "a-b_scale": "2", "submit": "1"})

    login_as("manager_a")
    assert client.post(url + "/close").status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Agreement per question, least first" in page and "Download the PDF" in page
    # the scale is the one question they disagree on: it comes first, with 50 % (a tie: no majority)
    assert page.index("Courtesy") < page.index("Greeting")
    assert client.get(url + ".pdf").mimetype == "application/pdf"
    assert "Gran Vía visit, March" in client.get("/calibration").get_data(as_text=True)
    login_as("manager_b")
    assert client.get(url).status_code == 404


def test_the_tolerance_is_an_admin_setting(client, login_as):
    login_as("admin")
    page = client.get("/settings").get_data(as_text=True)
    assert "Calibration tolerance (points)" in page


def test_too_few_ratings_give_null_with_the_reason():
    assert stats.criterion_alpha("yes_no", {}) == stats.Stat(None, stats.NO_RATINGS, 0)
    assert stats.criterion_alpha("yes_no", {1: {"a": "yes"}, 2: {"b": "no"}}).reason == stats.NO_PAIRS
    assert stats.criterion_alpha("scale", {1: {"a": 3, "b": 3}}).reason == stats.ONE_VALUE
    # N/A is a category at the nominal level, missing on a scale
    assert stats.criterion_alpha("yes_no", {1: {"a": "na", "b": "na"}, 2: {"a": "yes", "b": "yes"}}).value == 1.0
    assert stats.criterion_alpha("scale", {1: {"a": "na", "b": 4}}).reason == stats.NO_PAIRS
    assert stats.kappa([("yes", "yes"), ("yes", "yes")]).reason == stats.ONE_VALUE
    assert stats.weighted_kappa([("na", 3)]).reason == stats.NO_RATINGS
    assert stats.majority(["yes", "no"]) is None and stats.majority(["yes", "yes", "no"]) == "yes"


def test_two_raters_who_disagree_once_by_hand():
    """Two raters, four units, nominal: a a / a b / b b / b b. Coincidences: o_aa = 2, o_ab = o_ba = 1,
    o_bb = 4; n_a = 3, n_b = 5, n = 8. alpha = 1 - (n - 1) * (o_ab + o_ba) / (2 n_a n_b)
    = 1 - 7 * 2 / 30 = 0.533333. Cohen's kappa of the same pairs: p_o = 3/4; marginals a 2, b 2 and
    a 1, b 3: p_e = (2 + 6) / 16 = 1/2; kappa = (3/4 - 1/2) / (1/2) = 0.5."""
    units = {1: {"x": "a", "y": "a"}, 2: {"x": "a", "y": "b"}, 3: {"x": "b", "y": "b"}, 4: {"x": "b", "y": "b"}}
    assert stats.criterion_alpha("choice", units).value == pytest.approx(1 - 14 / 30, abs=0.001)
    assert stats.kappa([("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]).value == pytest.approx(0.5, abs=0.001)
