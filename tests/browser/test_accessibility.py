"""axe-core finds no violation on any page a user of each role can reach, in Spanish and English,
in a real Chromium at 390x844. Pages are found by following links from the start page, so a new
page is checked as soon as something links to it."""
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from extensions import db
from tests import factories
from tests.browser.conftest import PHONE, assert_fits_phone, login

ROLES = ["admin", "manager_a", "auditor", "hr"]
SKIP = ("/logout", "/api/", "/assets/", "/static/", ".pdf", ".csv", ".xlsx", ".json", "/sw.js", "/photos/",
        "/export")
MAX_PAGES = 30
PER_SHAPE = 4  # e.g. the audits seeded in their four states
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


def crawl(page, base, check):
    """Every same-site page reachable by links from the start page (GET only): each one is loaded
    once (whatever its query), checked with check(path), and its links followed."""
    seen, queue, pages, shapes = set(), deque(["/"]), [], []
    while queue and len(pages) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(base + path)
        if response is None or response.status >= 400 or "text/html" not in response.headers.get("content-type", ""):
            continue
        here = urlsplit(page.url).path + (f"?{urlsplit(page.url).query}" if urlsplit(page.url).query else "")
        pages.append(here)
        check(here)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            url = urlsplit(urljoin(page.url, href))
            if url.netloc != urlsplit(base).netloc or any(s in url.path for s in SKIP):
                continue
            shape = re.sub(r"\d+", "N", url.path)  # /users/N: a few of them are enough
            if url.path not in seen and url.path not in queue and shapes.count(shape) < PER_SHAPE:
                shapes.append(shape)
                queue.append(url.path)  # one visit per page, whatever its filters
    return pages


def violations(page):
    results = _axe.run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
            for v in results.response["violations"]]


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("role", ROLES)
def test_no_accessibility_violation_on_any_page(app, live_server, browser, world, role, lang):
    seed(app, world)
    problems = []
    context = browser.new_context(**{**PHONE, "locale": {"en": "en-GB", "es": "es-ES"}[lang]})
    page = context.new_page()
    login(page, live_server, world[role]["email"])
    page.goto(live_server + "/profile")
    # the user's own language setting decides; switch it to the language under test
    if page.get_attribute("html", "lang") != lang:
        page.click("summary")
        page.click(".lang-switch button")
        page.wait_for_load_state("networkidle")

    def check(path):
        assert page.get_attribute("html", "lang") == lang, path
        assert_fits_phone(page)
        problems.extend(f"[{role} {lang}] {path}: {v}" for v in violations(page))

    pages = crawl(page, live_server, check)
    context.close()
    assert len(pages) >= 4, pages
    assert not problems, "\n".join(problems)


def test_login_page_has_no_violation(live_server, phone):
    page = phone.new_page()
    page.goto(live_server + "/login")
    assert violations(page) == []
