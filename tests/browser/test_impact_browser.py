"""The impact preview on a phone: a draft's "Preview the impact" page fits 390 px, with its tables,
in English and Spanish, and passes axe-core."""
import copy

from accounts.models import User
from extensions import db
from scorecards.services import build_version
from tests import factories
from tests.browser.conftest import login
from tests.browser.test_scorecards_browser import check


def test_the_impact_preview_fits_a_phone(app, world, live_server, phone):
    with app.app_context():
        v1 = factories.scorecard()
        card = v1.scorecard
        data = copy.deepcopy(factories.WORKED_EXAMPLE)
        data["slug"] = card.slug
        data["sections"][1]["criteria"][1]["critical"] = True
        data["sections"][1]["criteria"].append({"key": "a_rather_long_new_criterion_key", "type": "yes_no",
                                                "text": {"en": "New"}})
        db.session.add(build_version(card, data, number=2))
        for answers, employee, branch in ((factories.WORKED_ANSWERS, "employee_a", "branch_a"),
                                          ({**factories.WORKED_ANSWERS, "b_yes": "no"}, "employee_b", "branch_b")):
            factories.audit(v1, world["auditor"]["id"], world[branch], answers, employee_id=world[employee])
        card_id = card.id
        db.session.commit()
    page = phone.new_page()
    login(page, live_server, world["admin"]["email"])
    page.goto(f"{live_server}/scorecards/{card_id}/versions/2")
    page.click("text=Preview the impact")
    page.wait_for_load_state("networkidle")
    assert "/versions/2/impact" in page.url and page.is_visible("text=Employees who would cross the pass mark")
    check(page)
    with app.app_context():
        db.session.get(User, world["admin"]["id"]).language = "es"
        db.session.commit()
    page.reload()
    assert page.is_visible("text=Vista previa del impacto")
    check(page)
