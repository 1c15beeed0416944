"""The scorecard builder in a real Chromium at phone size: it fits, the type settings follow the
type chosen, and the preview shows the saved draft."""
from extensions import db
from scorecards import defaults
from tests.browser.conftest import assert_fits_phone, login


def test_builder_fits_a_phone_and_the_preview_follows_each_save(app, world, live_server, phone):
    with app.app_context():
        version = defaults.load_defaults()[0]
        card_id = version.scorecard_id
        db.session.commit()
    page = phone.new_page()
    login(page, live_server, world["admin"]["email"])
    for path in ("/scorecards", f"/scorecards/{card_id}", f"/scorecards/{card_id}/versions/1"):
        page.goto(live_server + path)
        assert_fits_phone(page)
    page.click("text=Edit (starts a new draft version)")
    page.wait_for_load_state("networkidle")
    assert "/versions/2" in page.url
    assert_fits_phone(page)
    page.screenshot(path="/tmp/builder-version.png", full_page=True)

    page.goto(f"{live_server}/scorecards/{card_id}/versions/2/sections/arrival/criteria/new")
    assert_fits_phone(page)
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
    page.screenshot(path="/tmp/builder-criterion.png", full_page=True)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert "/versions/2" in page.url and "#criterion-parking" in page.url
    preview = page.locator(".phone")
    assert preview.get_by_text("Was parking easy to find?").is_visible()
    assert preview.get_by_text("Hard").is_visible()
    assert_fits_phone(page)
