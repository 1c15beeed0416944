"""The scorecard builder in a real Chromium at phone size: it fits, the type settings follow the
type chosen, and the preview shows the saved draft."""
from axe_playwright_python.sync_playwright import Axe

from extensions import db
from scorecards import defaults
from tests.browser.conftest import assert_fits_phone, login

_axe = Axe()


def check(page):
    """Fits 390 px, no axe-core violation, and every button and link-button is at least 44 px tall."""
    assert_fits_phone(page)
    violations = [f"{v['id']}: {v['help']} {v['nodes'][0]['target']}" for v in _axe.run(page).response["violations"]]
    assert not violations, (page.url, violations)
    small = page.eval_on_selector_all(
        "main button:not(.link), main a.button, main input[type=checkbox], main input[type=radio]",
        "els => els.filter(e => e.offsetParent && e.getBoundingClientRect().height < 24)"
        ".map(e => e.outerHTML.slice(0, 80))")
    assert not small, small
    buttons = page.eval_on_selector_all(
        "main button:not(.link), main a.button",
        "els => els.filter(e => e.offsetParent && e.getBoundingClientRect().height < 44)"
        ".map(e => e.outerHTML.slice(0, 80))")
    assert not buttons, buttons


def test_builder_fits_a_phone_and_the_preview_follows_each_save(app, world, live_server, phone):
    with app.app_context():
        version = defaults.load_defaults()[0]
        card_id = version.scorecard_id
        db.session.commit()
    page = phone.new_page()
    login(page, live_server, world["admin"]["email"])
    for path in ("/scorecards", "/scorecards/new", f"/scorecards/{card_id}", f"/scorecards/{card_id}/versions/1"):
        page.goto(live_server + path)
        check(page)
    page.click("text=Edit (starts a new draft version)")
    page.wait_for_load_state("networkidle")
    assert "/versions/2" in page.url
    check(page)
    page.goto(f"{live_server}/scorecards/{card_id}/versions/2/sections/arrival")
    check(page)
    page.goto(f"{live_server}/scorecards/{card_id}/versions/2/sections/arrival/criteria/new")
    check(page)
    assert page.is_hidden("text=Lowest value") and page.is_hidden("text=Option 1")
    page.select_option("#type", "choice")
    assert page.is_visible("text=Option 1") and page.is_hidden("text=Lowest value")
    page.fill("#key", "parking")
    page.fill("#text_en", "Was parking easy to find?")
    page.fill("#text_es", "¿Fue fácil aparcar?")
    for i, (key, score, label) in enumerate([("easy", "1", "Easy"), ("hard", "0", "Hard")]):
        page.fill(f"#options-{i}-key", key)
        page.fill(f"#options-{i}-score", score)
        page.fill(f"#options-{i}-label_en", label)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert "/versions/2" in page.url and "#criterion-parking" in page.url
    preview = page.locator(".phone")
    assert preview.get_by_text("Was parking easy to find?").is_visible()
    assert preview.get_by_text("Hard").is_visible()
    check(page)

    # A refused criterion: the message names the field, on the phone too.
    page.goto(f"{live_server}/scorecards/{card_id}/versions/2/criteria/parking")
    page.fill("#options-1-score", "3")
    page.click("button[type=submit].primary")
    assert page.locator(".error", has_text="an option's score is a number from 0 to 1").is_visible()
    assert page.locator("#problems").get_by_text("Criterion “parking” was not saved").is_visible()
    check(page)
