"""Recognition: for a period, the employees with enough approved audits, a mean score at or above
the admin's threshold and no critical failure, best first; and the most improved against the
previous period of the same length. Scores here are multiples of ten: a scorecard of ten yes/no
questions, the last one critical without zeroing the score."""
from datetime import datetime

import pytest

from core.models import set_setting
from extensions import db
from tests import factories
from tests.support.api import issue_token

TEN = {"slug": "ten-questions", "name": {"en": "Ten questions", "es": "Diez preguntas"}, "channel": "visit",
       "critical_zeroes_score": False,
       "sections": [{"key": "all", "title": {"en": "All", "es": "Todo"}, "criteria": [
           {"key": f"q{i}", "type": "yes_no", "critical": i == 9, "text": {"en": f"Q{i}", "es": f"P{i}"}}
           for i in range(10)]}]}
JANUARY = "from=2026-01-01&to=2026-01-31"  # the previous period: December 2025


def answers(score: int, critical: bool = False) -> dict:
    """Answers scoring ``score`` (a multiple of ten); ``critical``: the critical question is one of the no's."""
    wrong = (100 - score) // 10
    keys = [f"q{i}" for i in ([9] + list(range(9)) if critical else range(10))]
    return {key: "no" if n < wrong else "yes" for n, key in enumerate(keys)}


@pytest.fixture
def period(app, world):
    with app.app_context():
        version = factories.scorecard(TEN)
        a, b = world["branch_a"], world["branch_b"]
        people = {"Ana": world["employee_a"], "Bruno": world["employee_b"]}
        for name, branch in (("Carla", a), ("Dario", a), ("Eva", a), ("Fede", a)):
            people[name] = factories.employee(db.session.get(factories.Branch, branch), name=name).id
        branch_of = {"Bruno": b}

        def audits(name, month, scores, status="approved", critical=()):
            for n, score in enumerate(scores):
                day = datetime(2026, 1, 3 + n * 7, 10) if month == "jan" else datetime(2025, 12, 3 + n * 7, 10)
                factories.audit(version, world["auditor"]["id"], branch_of.get(name, a), status=status,
                                answers=answers(score, critical=n in critical), employee_id=people[name],
                                started_at=day)

        audits("Ana", "jan", [100, 90, 80])  # exactly three audits, exactly the threshold (90)
        audits("Ana", "dec", [70, 70, 70])  # up 20 points
        audits("Bruno", "jan", [100, 100, 90], critical=(2,))  # a critical failure: never recognised
        audits("Carla", "jan", [100, 100])  # one audit short ...
        audits("Carla", "jan", [100], status="submitted")  # ... not yet approved
        factories.audit(version, world["auditor"]["id"], a, answers=answers(100), employee_id=people["Carla"],
                        started_at=datetime(2026, 2, 1, 9))  # ... and one the day after the period
        audits("Dario", "jan", [100, 100, 100, 90])  # 97.5
        audits("Dario", "dec", [90, 90, 90])  # up 7.5
        audits("Eva", "jan", [90, 80, 80])  # 83.3: below the threshold
        audits("Eva", "dec", [80, 80, 80])  # up 3.3
        audits("Fede", "jan", [100, 90, 90])  # 93.3
        audits("Fede", "dec", [50, 50])  # too few before to count as improved
        tokens = {name: issue_token(world[name]["id"], "t") for name in
                  ("admin", "manager_a", "manager_b", "hr", "auditor", "employee")}
        db.session.commit()
        return {"tokens": tokens, "people": people}


def get(client, period, who, query):
    return client.get(f"/api/v1/recognition?{query}", headers={"Authorization": f"Bearer {period['tokens'][who]}"})


def names(rows):
    return [row["employee"]["name"] for row in rows]


def test_recognition_lists_exactly_the_employees_the_rule_selects(client, period):
    response = get(client, period, "admin", JANUARY)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert names(body["top"]) == ["Dario", "Fede", "Ana Employee"]
    assert [(r["audits"], round(r["mean_score"], 6)) for r in body["top"]] == [(4, 97.5), (3, round(280 / 3, 6)),
                                                                               (3, 90.0)]
    assert names(body["most_improved"]) == ["Ana Employee", "Dario", "Eva"]
    ana = body["most_improved"][0]
    assert (ana["previous_mean"], ana["previous_audits"]) == (pytest.approx(70), 3)
    assert ana["mean_score"] == pytest.approx(90) and ana["rise"] == pytest.approx(20)
    assert (body["previous_from"], body["previous_to"]) == ("2025-12-01", "2025-12-31")
    assert (body["min_audits"], body["threshold"]) == (3, 90)
    # HR sees the same; a manager sees their branches only
    assert get(client, period, "hr", JANUARY).get_json()["top"] == body["top"]
    assert names(get(client, period, "manager_b", JANUARY).get_json()["top"]) == []


def test_the_admins_settings_move_the_bar(client, app, period):
    with app.app_context():
        set_setting("recognition_min_audits", 4)
        db.session.commit()
    body = get(client, period, "manager_a", JANUARY).get_json()
    assert names(body["top"]) == ["Dario"] and names(body["most_improved"]) == []
    patched = client.patch("/api/v1/settings", json={"recognition_min_audits": 2, "recognition_threshold": 95},
                           headers={"Authorization": f"Bearer {period['tokens']['admin']}"})
    assert patched.status_code == 200 and patched.get_json()["recognition_threshold"] == 95
    body = get(client, period, "manager_a", JANUARY).get_json()
    assert names(body["top"]) == ["Carla", "Dario"]  # two audits now suffice; Fede's 93.3 is below 95
    assert names(body["most_improved"]) == ["Fede", "Ana Employee", "Dario", "Eva"]  # Fede: 50 -> 93.3


def test_a_branch_outside_ones_scope_and_other_roles_are_refused(client, period, world):
    assert get(client, period, "manager_b", f"{JANUARY}&branch_id={world['branch_a']}").status_code == 404
    assert get(client, period, "admin", f"{JANUARY}&branch_id=999999").status_code == 404
    assert names(get(client, period, "admin", f"{JANUARY}&branch_id={world['branch_b']}").get_json()["top"]) == []
    assert get(client, period, "auditor", JANUARY).status_code == 403
    assert get(client, period, "employee", JANUARY).status_code == 403
    backwards = get(client, period, "admin", "from=2026-02-01&to=2026-01-01")  # holds no day: nobody
    assert backwards.status_code == 200 and backwards.get_json()["top"] == backwards.get_json()["most_improved"] == []


def test_managers_see_the_recognition_page_and_print_a_certificate_in_either_language(client, login_as, period):
    login_as("manager_a")
    page = client.get(f"/recognition?{JANUARY}").get_data(as_text=True)
    assert page.index("Dario") < page.index("Fede") < page.index("Ana Employee") and "Bruno" not in page
    ana = f"/recognition/{period['people']['Ana']}/certificate.pdf"
    assert f"{ana}?lang=es" in page and f"{ana}?lang=en" in page  # a certificate in either language
    certificate = client.get(f"/recognition/{period['people']['Ana']}/certificate.pdf?{JANUARY}&lang=es")
    assert certificate.status_code == 200 and certificate.mimetype == "application/pdf"
    pages, text = factories.pdf_text(certificate.data)
    assert len(pages) == 1 and "Ana Employee" in text and "90,0" in text and "Certificado" in text
    _pages, english = factories.pdf_text(client.get(
        f"/recognition/{period['people']['Eva']}/certificate.pdf?{JANUARY}&lang=en").data)
    assert "greatest improvement" in english and "80.0% to 83.3%" in english
    # nobody else gets one: not recognised (Bruno's critical failure), or not in the period
    assert client.get(f"/recognition/{period['people']['Carla']}/certificate.pdf?{JANUARY}").status_code == 404
    assert client.get(f"/recognition/{period['people']['Ana']}/certificate.pdf?from=2025-06-01&to=2025-06-30"
                      ).status_code == 404
    assert client.get("/recognition?from=2026-02-01&to=2026-01-01").status_code == 400
    login_as("auditor")
    assert client.get("/recognition").status_code == 403


def test_a_period_with_a_missing_end_is_completed_one_way_for_the_page_and_the_api():
    from datetime import date

    from coaching.recognition import period_of, previous_period

    today = date(2026, 3, 15)
    assert period_of(None, None, today) == (date(2026, 2, 1), date(2026, 2, 28))  # last month
    assert period_of(None, date(2026, 1, 20), today) == (date(2026, 1, 1), date(2026, 1, 20))
    assert period_of(date(2026, 3, 1), None, today) == (date(2026, 3, 1), today)
    assert previous_period(date(2026, 3, 1), date(2026, 3, 10)) == (date(2026, 2, 19), date(2026, 2, 28))
