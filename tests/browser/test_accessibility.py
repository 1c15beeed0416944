"""axe-core finds no violation on any page a user of each role can reach, in Spanish and English,
in a real Chromium at 390x844. Pages are found by following links from the start page, so a new
page is checked as soon as something links to it."""
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from extensions import db
from tests import factories
from tests.browser.conftest import PHONE, assert_fits_phone, login

ROLES = ["admin", "manager_a", "auditor", "hr"]
SKIP = ("/logout", "/api/", "/assets/", "/static/", ".pdf", ".csv", ".xlsx", ".json", "/sw.js", "/photos/")
MAX_PAGES = 40
_axe = Axe()


def seed(app, world):
    """Something on every page: a published scorecard, audits in several states, an assignment."""
    from datetime import date, timedelta

    from audits.models import Assignment

    with app.app_context():
        version = factories.scorecard()
        for status in ("approved", "submitted", "returned", "draft"):
            factories.audit(version, world["auditor"]["id"], world["branch_a"], status=status,
                            employee_id=world["employee_a"], comments={"a_no": "Did not say their name"})
        db.session.add(Assignment(auditor_id=world["auditor"]["id"], branch_id=world["branch_a"],
                                  scorecard_id=version.scorecard_id, due_date=date.today() + timedelta(days=3),
                                  notes="Visit at lunch time", created_by_id=world["admin"]["id"]))
        db.session.commit()


def crawl(page, base):
    """Every same-site page reachable by links from the start page (GET only)."""
    seen, queue, pages = set(), deque(["/"]), []
    while queue and len(pages) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(base + path)
        if response is None or response.status >= 400 or "text/html" not in response.headers.get("content-type", ""):
            continue
        pages.append(urlsplit(page.url).path + (f"?{urlsplit(page.url).query}" if urlsplit(page.url).query else ""))
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            url = urlsplit(urljoin(page.url, href))
            if url.netloc != urlsplit(base).netloc or any(s in url.path for s in SKIP):
                continue
            target = url.path + (f"?{url.query}" if url.query and "page=" not in url.query else "")
            if target not in seen:
                queue.append(target)
    return pages


def violations(page):
    results = _axe.run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
            for v in results.response["violations"]]


@pytest.mark.parametrize("role", ROLES)
def test_no_accessibility_violation_on_any_page(app, live_server, browser, world, role):
    seed(app, world)
    problems = []
    for locale in ("en-GB", "es-ES"):
        context = browser.new_context(**{**PHONE, "locale": locale})
        page = context.new_page()
        login(page, live_server, world[role]["email"])
        page.goto(live_server + "/profile")
        # the user's own language setting decides; switch it to the locale under test
        lang = locale[:2]
        if page.get_attribute("html", "lang") != lang:
            page.click("summary")
            page.click(".lang-switch button")
            page.wait_for_load_state("networkidle")
        for path in crawl(page, live_server):
            page.goto(live_server + path)
            assert page.get_attribute("html", "lang") == lang
            assert_fits_phone(page)
            problems += [f"[{role} {lang}] {path}: {v}" for v in violations(page)]
        context.close()
    assert not problems, "\n".join(problems)


def test_login_page_has_no_violation(live_server, phone):
    page = phone.new_page()
    page.goto(live_server + "/login")
    assert violations(page) == []
