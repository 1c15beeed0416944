"""The customer's survey page in a real phone-sized Chromium, logged out: no accessibility
violation, no sideways scrolling, in both languages, and an answer goes through (the page has no
script of its own: tests/test_surveys.py checks that; axe itself needs JavaScript to run)."""
import pytest

from extensions import db
from surveys.models import SurveyLink, SurveyResponse
from tests.browser.conftest import PHONE, assert_fits_phone
from tests.browser.test_accessibility import violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale, lang", [("en-GB", "en"), ("es-ES", "es")])
def test_a_customer_answers_on_a_phone(app, live_server, browser, world, locale, lang):
    with app.app_context():
        db.session.add(SurveyLink(token="phone-survey-token", branch_id=world["branch_a"]))
        db.session.commit()
    context = browser.new_context(**{**PHONE, "locale": locale})
    page = context.new_page()
    page.goto(f"{live_server}/s/phone-survey-token")
    assert page.get_attribute("html", "lang") == lang
    assert_fits_phone(page)
    assert violations(page) == []
    page.check("input[name=nps][value='9']")
    page.check("input[name=csat][value='4']")
    page.check("input[name=resolved][value='yes']")
    page.fill("textarea[name=comment]", "Quick and kind")
    page.click("button[type=submit]")
    assert page.get_attribute("html", "lang") == lang
    assert violations(page) == []
    context.close()
    with app.app_context():
        assert db.session.scalar(db.select(SurveyResponse.comment)) == "Quick and kind"
