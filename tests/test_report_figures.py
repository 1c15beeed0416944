"""The figures HR relies on: the page, the PDF and the JSON of a report show the same numbers;
times in hours and minutes are averaged as minutes; a section belongs to its scorecard."""
from datetime import datetime

import pytest

from extensions import db
from reports import criterion_rates
from tests import factories
from tests.support.quarter import build_quarter, period_filters

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")  # before the world is made
PERIOD = "?from=2025-01-01&to=2025-03-31"


def card(slug, channel, key, unit):
    return {"slug": slug, "name": {"es": slug, "en": slug}, "channel": channel, "sections": [
        {"key": "closing", "title": {"es": "Cierre", "en": "Closing"}, "criteria": [
            {"key": key, "type": "number", "unit": unit, "kpi": "wait_time", "target": {"op": "<=", "value": 1},
             "text": {"es": "Espera", "en": "Wait"}}]}]}


def pdf_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return factories.pdf_text(response.data)[1]


def test_an_email_in_hours_and_a_visit_in_minutes_give_a_wait_in_minutes_and_two_section_rows(api, login_as):
    branch = api.world["branch_a"]
    with api.app.app_context():
        email = factories.scorecard(card("email-answer", "email", "response_hours", "h"))
        visit = factories.scorecard(card("visit-wait", "visit", "wait_minutes", "min"))
        auditor = api.world["auditor"]["id"]
        factories.audit(email, auditor, branch, {"response_hours": 2}, started_at=datetime(2025, 2, 3, 10))
        factories.audit(visit, auditor, branch, {"wait_minutes": 30}, started_at=datetime(2025, 2, 4, 10))
        db.session.commit()

    response = api.get("manager_a", f"/api/v1/reports/branches/{branch}{PERIOD}")
    figures = response.get_json()
    assert response.status_code == 200, figures
    assert [(k["kpi"], k["mean_minutes"], k["unit"]) for k in figures["kpis"]] == [("wait_time", 75.0, "min")]
    assert sorted((s["scorecard"], s["key"]) for s in figures["sections"]) == [
        ("email-answer", "closing"), ("visit-wait", "closing")]
    client = login_as("manager_a")
    page = client.get(f"/reports/branches/{branch}{PERIOD}").get_data(as_text=True)
    assert "mean 75.0 min" in page and "mean 1.0 min" not in page
    assert "Closing · email-answer" in page and "Closing · visit-wait" in page
    text = pdf_of(client, f"/reports/branches/{branch}.pdf{PERIOD}")
    assert "Wait time 0.0% 2 75.0 min" in text


def test_the_page_the_pdf_and_the_json_agree_for_a_branch_and_an_employee(api, login_as):
    with api.app.app_context():
        build_quarter(api.world)
    client = login_as("manager_a")
    for path in (f"/reports/branches/{api.world['branch_a']}", f"/reports/employees/{api.world['employee_a']}"):
        figures = api.get("manager_a", f"/api/v1{path}{PERIOD}").get_json()
        page = client.get(f"{path}{PERIOD}").get_data(as_text=True)
        text = pdf_of(client, f"{path}.pdf{PERIOD}")
        mean, rate = f"{figures['mean_score']:.1f}%", f"{figures['pass_rate']:.1f}%"
        assert figures["audits"] in (6, 4)  # Branch A's six approved audits, Ana's four
        assert f"Audits {figures['audits']} Mean score {mean} Pass rate {rate}" in text
        assert mean in page and rate in page
        for k in figures["kpis"]:
            assert f"{k['rate']:.1f}%" in page and f"{k['rate']:.1f}% {k['answered']}" in text
        for s in figures["sections"]:
            assert f"{s['mean']:.1f}%" in page and f"{s['mean']:.1f}%" in text
    assert api.get("manager_b", f"/api/v1/reports/branches/{api.world['branch_a']}").status_code == 404
    assert api.get("manager_b", f"/api/v1/reports/employees/{api.world['employee_a']}").status_code == 404
    overview = api.get("hr", f"/api/v1/reports/overview{PERIOD}").get_json()
    assert {b["name"] for b in overview["branches"]} == {"Branch A", "Branch B"}


def test_an_audit_of_two_minutes_forty_lasts_three_minutes_on_its_page_and_in_both_pdfs(app, world, login_as):
    with app.app_context():
        version = factories.scorecard()
        audit = factories.audit(version, world["auditor"]["id"], world["branch_a"],
                                started_at=datetime(2025, 2, 3, 10, 0, 0))
        audit.ended_at = datetime(2025, 2, 3, 10, 2, 40)
        db.session.commit()
        audit_id = audit.id
    client = login_as("manager_a")
    assert "(3 minutes)" in client.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert "Duration 3 minutes" in pdf_of(client, f"/reports/audits/{audit_id}.pdf?lang=en")
    assert "Duración 3 minutos" in pdf_of(client, f"/reports/audits/{audit_id}.pdf?lang=es")


def test_a_number_in_a_unit_that_is_not_time_is_never_averaged_with_minutes(app, world):

    queue = card("queue", "visit", "queue_people", "people")
    queue["sections"][0]["criteria"].append(
        {"key": "wait_seconds", "type": "number", "unit": "s", "kpi": "wait_time", "target": {"op": "<=", "value": 1},
         "text": {"es": "Espera", "en": "Wait"}})
    with app.app_context():
        version = factories.scorecard(queue)
        factories.audit(version, world["auditor"]["id"], world["branch_a"], {"queue_people": 4, "wait_seconds": 90},
                        started_at=datetime(2025, 2, 3, 10))
        db.session.commit()
        rows = criterion_rates.kpi_rates(period_filters())
    assert [(k.kpi, k.unit, k.mean, k.mean_minutes) for k in rows] == [
        ("wait_time", "min", 1.5, 1.5), ("wait_time", "people", 4.0, None)]
