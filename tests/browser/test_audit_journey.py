"""An audit on a phone, end to end, in a real Chromium at 390x844 (touch): an auditor fills an
assigned audit, reloads, loses the connection, comes back, double-taps Submit; a manager returns
it, the auditor fixes it, the manager approves it. No answer is lost on the way."""
import os
import time
from datetime import date, timedelta

import pytest

from audits.models import Answer, Assignment, Audit
from extensions import db
from tests import factories
from tests.browser.conftest import PHONE, assert_fits_phone, login

SHOTS = os.environ.get("VERAZ_SHOTS")  # a folder: save screenshots there while developing


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def answers_in_db(app, audit_id):
    with app.app_context():
        return {a.criterion_key: a.value for a in
                db.session.scalars(db.select(Answer).where(Answer.audit_id == audit_id)) if a.value is not None}


def wait_for(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def assert_accessible(page):
    """axe-core finds no violations on the page."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]


def tap(page, criterion, value):
    """Tap the big button of one answer (the label of a visually hidden radio)."""
    page.locator(f'#q-{criterion} input[value="{value}"] + label').tap()


@pytest.fixture
def planned(app, world):
    with app.app_context():
        version = factories.scorecard()
        db.session.add(Assignment(auditor_id=world["auditor"]["id"], branch_id=world["branch_a"],
                                  scorecard_id=version.scorecard_id, employee_id=world["employee_a"],
                                  due_date=date.today() + timedelta(days=2), notes="Go before noon"))
        db.session.commit()
    return world


def test_an_audit_from_assignment_to_approval_on_a_phone(app, live_server, browser, planned):
    world = planned
    auditor = browser.new_context(**PHONE)
    auditor.set_default_timeout(10_000)
    page = auditor.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # The auditor's start page lists the assignment; Start opens the fill page.
    login(page, live_server, world["auditor"]["email"])
    assert page.url.endswith("/my/assignments")
    assert_fits_phone(page)
    page.get_by_role("button", name="Start Branch A").tap()
    page.wait_for_url("**/fill")
    audit_id = int(page.url.rstrip("/").split("/")[-2])
    assert_fits_phone(page)
    assert_accessible(page)
    status = page.locator("#save-status")

    # Answers are saved on the server as they are given.
    tap(page, "a_yes", "yes")
    tap(page, "a_no", "no")
    page.locator("#save-status[data-state=saved]").wait_for()
    assert wait_for(lambda: answers_in_db(app, audit_id) == {"a_yes": "yes", "a_no": "no"})
    assert page.locator("[data-section='a'] .progress .n").inner_text() == "2"
    shot(page, "1-fill")

    # Halfway, a reload: the answers are there.
    page.reload()
    assert page.is_checked('#q-a_yes input[value="yes"]') and page.is_checked('#q-a_no input[value="no"]')

    # The connection drops: answers still go in, the status says so, and nothing reaches the server.
    assert wait_for(lambda: page.evaluate("() => !!navigator.serviceWorker.controller"))
    auditor.set_offline(True)
    tap(page, "a_na", "na")
    tap(page, "b_scale", "4")
    page.locator("#c-b_scale").evaluate("el => el.closest('details').open = true")
    page.fill("#c-b_scale", "Friendly, a little hurried")
    page.locator("#save-status[data-state=offline]").wait_for()
    assert "Offline" in status.inner_text()
    assert answers_in_db(app, audit_id) == {"a_yes": "yes", "a_no": "no"}
    shot(page, "2-offline")

    # Still offline, the page is reloaded: the service worker serves it and the phone's copy fills it in.
    page.reload()
    assert page.is_checked('#q-b_scale input[value="4"]') and page.is_checked('#q-a_na input[value="na"]')
    assert page.input_value("#c-b_scale") == "Friendly, a little hurried"
    assert "Offline" in status.inner_text()

    # Back online: everything syncs by itself.
    auditor.set_offline(False)
    page.locator("#save-status[data-state=saved]").wait_for(timeout=20_000)
    assert wait_for(lambda: answers_in_db(app, audit_id) == {"a_yes": "yes", "a_no": "no", "a_na": "na",
                                                             "b_scale": 4})
    with app.app_context():
        assert db.session.get(Audit, audit_id).answers_by_key()["b_scale"].comment == "Friendly, a little hurried"

    # Submitting with an answer missing lists it, with a link that jumps to the question.
    page.locator("#submit-button").tap()
    page.wait_for_selector("#problems")
    assert "Farewell" in page.locator("#problems").inner_text()
    assert_accessible(page)  # the list of problems, and each one at its question, as axe sees them
    page.locator("#problems a[href='#q-b_yes']").tap()
    assert page.evaluate("location.hash") == "#q-b_yes"
    assert_fits_phone(page)
    assert_accessible(page)

    # The last answer, then a double tap on Submit: one audit, scored as the worked example (61.1 %).
    tap(page, "b_yes", "yes")
    page.locator("#save-status[data-state=saved]").wait_for()
    page.locator("#submit-button").dblclick()
    page.wait_for_url(f"**/audits/{audit_id}")
    assert "61.1%" in page.locator(".scorebox").inner_text()
    with app.app_context():
        audits = db.session.scalars(db.select(Audit)).all()
        assert len(audits) == 1 and audits[0].status == "submitted"
        assert audits[0].score == pytest.approx(61.111, abs=0.001)
        assert [e.action for e in audits[0].events] == ["submitted"]
    assert_fits_phone(page)
    shot(page, "3-submitted")

    # A manager of the branch returns it with a reason.
    manager = browser.new_context(**PHONE)
    mpage = manager.new_page()
    login(mpage, live_server, world["manager_a"]["email"])
    mpage.goto(f"{live_server}/audits?review=1")
    mpage.locator(".audits a").first.tap()
    mpage.wait_for_url(f"**/audits/{audit_id}")
    assert_fits_phone(mpage)
    mpage.fill("#reason", "Courtesy 4 seems high for a hurried service")
    with mpage.expect_navigation():
        mpage.get_by_role("button", name="Return to the auditor").tap()
    assert "returned to" in mpage.locator(".flashes").inner_text()
    with app.app_context():
        assert db.session.get(Audit, audit_id).status == "returned"

    # The auditor sees it returned with the reason, fixes the answer and resubmits.
    page.goto(f"{live_server}/my/assignments")
    assert "Courtesy 4 seems high" in page.locator("main").inner_text()
    page.get_by_role("link", name="Fix and resubmit").tap()
    page.wait_for_url("**/fill")
    tap(page, "b_scale", "3")
    page.locator("#save-status[data-state=saved]").wait_for()
    page.locator("#submit-button").tap()
    page.wait_for_url(f"**/audits/{audit_id}")

    # The manager approves it; the history shows each step and the changed answer.
    mpage.goto(f"{live_server}/audits/{audit_id}")
    with mpage.expect_navigation():
        mpage.get_by_role("button", name="Approve").tap()
    history = mpage.locator(".history").inner_text()
    assert "returned the audit" in history and "submitted the audit again" in history
    assert "from 4 / 5 to 3 / 5" in history
    shot(mpage, "4-approved")
    assert_accessible(mpage)
    with app.app_context():
        audit = db.session.get(Audit, audit_id)
        assert audit.status == "approved"
        assert audit.score == pytest.approx((2 * 50 + 100 * 2 / 3) / 3)
        assert [e.action for e in audit.events] == ["submitted", "returned", "answer_changed", "resubmitted",
                                                    "approved"]
    assert errors == []
    manager.close()
    auditor.close()
