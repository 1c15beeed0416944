"""Veraz as a shopper's phone app, in a real Chromium at 390x844: it installs from "My assignments"
with a service worker that takes over, and an auditor who uses only a keyboard (or a switch device
that sends Tab, Space, arrows and Enter) fills a whole scorecard and submits it, always seeing
where the focus is."""
import shutil
import time

import pytest

from audits.models import Audit
from extensions import db
from tests import factories
from tests.browser.conftest import CHROMIUM_ARGS, PHONE, assert_fits_phone, login

# How the worked example (tests/factories.py) is answered with keys only: Tab lands on the first option
# of a radio group; Space picks it, an arrow moves to the next option and picks that one.
KEYS = {
    "a-a_yes": ["Space"],                         # yes
    "a-a_no": ["ArrowRight"],                     # no
    "a-a_na": ["ArrowRight", "ArrowRight"],       # N/A
    "a-b_scale": ["ArrowRight"] * 3,              # 4 on the 1-5 scale
    "a-b_yes": ["Space"],                         # yes
}
EXPECTED = {"a_yes": "yes", "a_no": "no", "a_na": "na", "b_scale": 4, "b_yes": "yes", "b_notes": "Polite and quick"}

FOCUSED = """() => {
  const el = document.activeElement;
  // A visually hidden radio or file input shows its focus on the label drawn after it.
  const shown = el.matches('input.opt, input.file') ? el.nextElementSibling : el;
  const style = getComputedStyle(shown);
  const box = shown.getBoundingClientRect();
  const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  return {tag: el.tagName.toLowerCase(), name: el.name || '', id: el.id || '', type: el.type || '',
          ring: ring, visible: box.width > 0 && box.height > 0, text: (shown.textContent || '').trim().slice(0, 40)};
}"""


@pytest.fixture
def draft(app, world):
    """An audit of the worked example that the auditor has started and not answered yet."""
    with app.app_context():
        version = factories.scorecard()
        audit = factories.audit(version, world["auditor"]["id"], world["branch_a"], answers={}, status="draft")
        db.session.commit()
        return audit.id


def test_an_auditor_fills_and_submits_the_whole_scorecard_with_the_keyboard_only(app, live_server, phone,
                                                                                 world, draft):
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server, world["auditor"]["email"])
    page.goto(f"{live_server}/audits/{draft}/fill")
    assert_fits_phone(page)

    done, stops = set(), []
    for _ in range(150):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUSED)
        stops.append(focus)
        assert focus["visible"] and focus["ring"], f"no visible focus on {focus}"
        name = focus["name"]
        if name in KEYS and name not in done:
            for key in KEYS[name]:
                page.keyboard.press(key)
            done.add(name)
        elif name == "a-b_notes" and name not in done:
            page.keyboard.type(EXPECTED["b_notes"])
            done.add(name)
        elif focus["id"] == "submit-button":
            assert done == set(KEYS) | {"a-b_notes"}, f"the submit button came before {set(KEYS) - done}"
            page.keyboard.press("Enter")
            break
    else:
        pytest.fail(f"Tab never reached the submit button: {[s['name'] or s['id'] or s['tag'] for s in stops]}")

    page.wait_for_url(lambda url: "/fill" not in url)
    with app.app_context():
        audit = db.session.get(Audit, draft)
        assert audit.status == "submitted"
        answers = {a.criterion_key: a.value for a in audit.answers if a.value is not None}
        assert answers == EXPECTED
        assert round(audit.score, 1) == 61.1  # the worked example's score
    assert errors == []


def test_veraz_installs_from_my_assignments_and_its_service_worker_takes_over(live_server, browser, world,
                                                                               tmp_path):
    # An installation is never offered in an incognito window, so this one has a profile of its own.
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS,
        headless=True, **PHONE)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        login(page, live_server, world["auditor"]["email"])
        assert page.url.endswith("/my/assignments")
        worker = page.evaluate("navigator.serviceWorker.ready.then(r => r.active && r.active.scriptURL)")
        assert worker == f"{live_server}/sw.js"
        cdp = context.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"] == f"{live_server}/manifest.webmanifest" and manifest["errors"] == []
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        # from the next visit on, the worker serves the start page (and keeps it for offline use)
        page.reload()
        assert page.evaluate("!!navigator.serviceWorker.controller")
        assert page.locator("h1").inner_text() == "My assignments"
    finally:
        context.close()


def test_a_fill_page_opened_straight_from_a_link_is_kept_for_offline_on_its_first_visit(
        app, live_server, phone, world):
    """A shopper taps a link to the audit (from a message, say) and loses the signal a minute later:
    the very first visit must already have left the page and its files on the phone."""
    with app.app_context():
        draft = factories.audit(factories.scorecard(), world["auditor"]["id"], world["branch_a"], status="draft",
                                answers={"a_yes": "yes"})
        db.session.commit()
        fill_path = f"/audits/{draft.id}/fill"
    signed_in = phone.request.post(f"{live_server}/login", form={
        "email": world["auditor"]["email"], "password": factories.PASSWORD})
    assert signed_in.ok
    page = phone.new_page()
    first = page.goto(live_server + fill_path)  # the first page this phone ever opens: no worker yet
    assert first.ok and not first.from_service_worker
    kept = """async (path) => {
      const cache = await caches.open("veraz-v1");
      const files = [...document.querySelectorAll('link[rel=stylesheet], script[src]')].map(e => e.href || e.src);
      const hits = await Promise.all([path, ...files].map(u => cache.match(u)));
      return hits.every(Boolean);
    }"""
    # (evaluate awaits the check's promise; wait_for_function would take the promise itself as true)
    deadline = time.monotonic() + 15
    while not page.evaluate(kept, fill_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert page.evaluate(kept, fill_path), "the page and its files were not kept"
    page.wait_for_function("() => !!navigator.serviceWorker.controller")  # a minute later, it has taken over
    phone.set_offline(True)
    page.reload()
    assert page.is_checked('#q-a_yes input[value="yes"]')
    assert page.locator("#save-status").get_attribute("data-state") in ("saved", "offline")
