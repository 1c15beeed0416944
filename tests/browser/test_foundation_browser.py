"""Each demo role logs in on a phone and every page of the foundation fits a 390 px screen."""
import pytest

from tests.browser.conftest import assert_fits_phone, login

ROLES = ["admin", "manager_a", "auditor", "hr", "employee"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_logs_in_and_pages_fit_a_phone(live_server, phone, world, role):
    page = phone.new_page()
    login(page, live_server, world[role]["email"])
    assert "/login" not in page.url
    assert_fits_phone(page)
    page.click("summary")  # the menu opens and fits too
    assert_fits_phone(page)
    links = page.eval_on_selector_all(".menu nav a", "els => els.map(e => e.getAttribute('href'))")
    for lang in ("en", "es"):
        for href in links:
            page.goto(live_server + href)
            assert page.locator("h1").count() >= 1
            assert_fits_phone(page)
        page.goto(live_server + "/profile")
        page.click("summary")
        page.click(".lang-switch button")
        page.wait_for_load_state("networkidle")
