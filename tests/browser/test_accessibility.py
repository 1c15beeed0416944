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

ROLES = ["admin", "manager_a", "auditor", "hr", "employee"]
SKIP = ("/logout", "/api/", "/assets/", "/static/", ".pdf", ".csv", ".xlsx", ".json", "/sw.js", "/photos/",
        "/export", ".zip")
MAX_PAGES = 90  # every kind of page each role reaches, with room for new ones
PER_SHAPE = 4  # e.g. the audits seeded in their four states
# Endpoints that answer with something other than a page (files, PDFs, redirects).
NOT_PAGES = {"accounts.index", "asset", "static", "healthz", "manifest", "service_worker", "accounts.theme_css",
             "audits.photo", "reports.audit_pdf", "reports.employee_pdf", "reports.branch_pdf", "reports.export",
             "reports.mine_pdf",
             "scorecards.export", "batches.batch_status", "batches.batch_download",
             "security.personal_data_zip",
             "calibration.session_pdf", "actions.action_photo", "disputes.evidence_photo",
             # the survey poster is a PDF; the customer's page has no link from the app (it is on the
             # poster) and its own check, logged out, in tests/browser/test_surveys_browser.py
             "surveys.link_poster", "surveys_public.survey"}
# The pages of signing in: a signed-in person is sent on from them, so they are checked signed out.
SIGNED_OUT_PAGES = {"accounts.login", "accounts.login_code", "accounts.forgot_password", "accounts.reset_password"}
_axe = Axe()


def seed(app, world):
    """Something on every page: a published scorecard, audits in several states, an assignment."""
    from datetime import date, timedelta

    from audits.models import Assignment

    with app.app_context():
        version = factories.scorecard()
        factories.scorecard(publish=False)  # a draft: the builder's section and criterion forms
        from core.timeutil import utcnow
        from disputes.models import Dispute

        for status in ("approved", "submitted", "returned", "draft"):
            factories.audit(version, world["auditor"]["id"], world["branch_a"], status=status,
                            employee_id=world["employee_a"], comments={"a_no": "Did not say their name"},
                            reviewed_at=utcnow() if status in ("approved", "returned") else None)
        # an approved audit the employee disputed (the dispute's forms), and one they still may
        disputed = factories.audit(version, world["auditor"]["id"], world["branch_a"], status="approved",
                                   employee_id=world["employee_a"], reviewed_at=utcnow())
        db.session.add(Dispute(audit=disputed, opened_by_id=world["employee"]["id"], criteria=["a_no"],
                               reason="I said my name twice."))
        db.session.add(Assignment(auditor_id=world["auditor"]["id"], branch_id=world["branch_a"],
                                  scorecard_id=version.scorecard_id, due_date=date.today() + timedelta(days=3),
                                  notes="Visit at lunch time", created_by_id=world["admin"]["id"]))
        _report_batch(world)
        _webhook()
        _coaching(world)
        _calibrations(world, version)
        _actions(disputed, world)
        _survey(world)
        db.session.commit()


def _coaching(world):
    """Manager A's coaching session with Ana: its page, its effect and the employee's acknowledgement."""
    from datetime import date, timedelta

    from coaching.models import CoachingSession

    db.session.add(CoachingSession(employee_id=world["employee_a"], coach_id=world["manager_a"]["id"],
                                   held_on=date.today() - timedelta(days=3), criteria=["a_no", "b_yes"],
                                   notes="We listened to a visit together.", goals="Say your name.",
                                   follow_up_on=date.today() + timedelta(days=30)))


def _calibrations(world, version):
    """Calibration sessions of branch A by manager A: one open (the auditor's scoring form), one
    closed with an expert (the results)."""
    from calibration.models import CalibrationParticipant, CalibrationSession
    from core.timeutil import utcnow

    expert = factories.user("auditor", "calibration.expert@test.example")
    for closed in (False, True):
        session = CalibrationSession(title="Call 0412", subject="Recording of 4 March", version=version,
                                     branch_id=world["branch_a"], created_by_id=world["manager_a"]["id"],
                                     closed_at=utcnow() if closed else None)
        for user_id, answers in ((world["auditor"]["id"], {"a_yes": "no"}), (world["auditor2"]["id"], {}),
                                 (expert.id, dict(factories.WORKED_ANSWERS))):
            session.participants.append(CalibrationParticipant(
                user_id=user_id, is_expert=user_id == expert.id, answers=answers if closed else {},
                comments={}, score=61.1 if closed and answers.get("a_yes") == "yes" else None))
        db.session.add(session)


def _actions(audit, world):
    """Ana's overdue action (her list, her report) and manager A's done one (the admin's verify form)."""
    from datetime import timedelta

    from actions.models import Action
    from core.timeutil import utcnow

    today = utcnow().date()
    db.session.add_all([
        Action(audit=audit, branch_id=audit.branch_id, employee_id=audit.employee_id, scope="criterion",
               criterion_key="a_no", title="Say your name when greeting", owner_id=world["employee"]["id"],
               due_date=today - timedelta(days=2), created_by_id=world["manager_a"]["id"]),
        Action(audit=audit, branch_id=audit.branch_id, employee_id=audit.employee_id, title="Brief the team",
               owner_id=world["manager_a"]["id"], due_date=today + timedelta(days=5), status="done",
               done_at=utcnow(), done_by_id=world["manager_a"]["id"], closing_note="Done on Monday.")])


def _webhook():
    """An endpoint the admin registered: its edit page and delivery log are pages too."""
    from webhooks.models import WebhookEndpoint

    db.session.add(WebhookEndpoint(url="https://hooks.example.test/veraz", events=["audit.approved"],
                                   secret="whsec_test"))  # noqa: S106  # nosec B106: a test endpoint's made-up secret


def _survey(world):
    """Branch A's survey link and a customer's answer with a comment (the links and responses pages)."""
    from core.timeutil import utcnow
    from surveys.models import SurveyLink, SurveyResponse

    link = SurveyLink(token="axe-survey-token", branch_id=world["branch_a"])
    now = utcnow()
    db.session.add_all([link, SurveyResponse(link=link, branch_id=world["branch_a"], created_at=now,
                                             month=now.date().replace(day=1), receipt="axe", nps=7, csat=4,
                                             resolved="partly", comment="The queue was long")])


def _report_batch(world):
    """Manager A's report batch, half made: its page shows the progress bar."""
    from datetime import date, timedelta

    from core.timeutil import utcnow
    from reports.batch_models import ReportBatch

    now = utcnow()
    db.session.add(ReportBatch(user_id=world["manager_a"]["id"], kind="branches", date_from=date(2025, 1, 1),
                               date_to=date(2025, 3, 31), lang="en", scope=[world["branch_a"]],
                               subjects=[world["branch_a"], world["branch_a"]], status="running", done=1, total=2,
                               started_at=now, heartbeat_at=now + timedelta(days=1),
                               expires_at=now + timedelta(days=3)))


def crawl(page, base, check, start=("/",)):
    """Every same-site page reachable by links from the start pages (GET only): each one is loaded
    once (whatever its query), checked with check(path), and its links followed."""
    seen, queue, later, pages, shapes = set(), deque(start), deque(), [], []
    while (queue or later) and len(pages) < MAX_PAGES:
        path = queue.popleft() if queue else later.popleft()
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
            if url.path not in seen and url.path not in queue and url.path not in later \
                    and shapes.count(shape) < PER_SHAPE:
                # a kind of page not seen yet goes first, more of the same kind after all kinds
                (later if shape in shapes else queue).append(url.path)  # one visit per page, whatever its filters
                shapes.append(shape)
    return pages


def pages_for(app, role):
    """The endpoints of every page this role may open (tests/test_access.py says who may)."""
    from tests.test_access import allowed_for

    return [rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.rule.startswith("/api/") and rule.endpoint not in NOT_PAGES
            and rule.endpoint not in SIGNED_OUT_PAGES  # signed in, they send you on (their own tests are below)
            and role in (allowed_for(rule.endpoint, "GET") or ())]


def endpoints_of(app, paths):
    adapter = app.url_map.bind("localhost")
    return {adapter.match(urlsplit(path).path, method="GET")[0] for path in paths}


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

    may_open = pages_for(app, role)
    # the start page, and the pages with no parameters that no menu may link to for this role
    start = ["/"] + sorted(rule.rule for rule in may_open if not rule.arguments)
    pages = crawl(page, live_server, check, start)
    context.close()
    unchecked = {rule.endpoint for rule in may_open} - endpoints_of(app, pages)
    assert not unchecked, f"{role} may open these pages, but no link led there: {sorted(unchecked)}"
    assert not problems, "\n".join(problems)


def test_login_page_has_no_violation_and_announces_its_errors(live_server, phone):
    page = phone.new_page()
    page.goto(live_server + "/login")
    assert violations(page) == []
    page.fill("input[name=email]", "someone@veraz.example")  # and no password
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    # the field says that it is wrong and which message is its own; the message is announced
    field = page.locator("input[name=password]")
    assert field.get_attribute("aria-invalid") == "true"
    message = page.locator("#" + field.get_attribute("aria-describedby").split()[-1])
    assert message.get_attribute("role") == "alert" and message.inner_text().strip()
    assert violations(page) == []
    # a wrong password: the message comes in the live region every page has
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    live = page.locator("[aria-live]", has_text="Wrong email or password")
    assert live.count() == 1
    assert violations(page) == []


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_pages_of_signing_in_have_no_violation(app, live_server, browser, world, lang):
    """The forgotten password, the reset link's page and the code step, signed out, at phone size."""
    import pyotp

    from accounts import password_reset, second_factor
    from accounts.models import User

    app.config["MAIL_SERVER"] = "mail.invalid"  # the form shows (nothing is sent: it is not submitted)
    with app.app_context():
        user = db.session.get(User, world["hr"]["id"])
        secret = second_factor.new_secret()
        second_factor.enrol(user, secret, pyotp.TOTP(secret).now())
        db.session.commit()
        reset_path = f"/reset-password/{password_reset.make_token(user)}"
    context = browser.new_context(**{**PHONE, "locale": {"en": "en-GB", "es": "es-ES"}[lang]})
    page = context.new_page()
    problems = []
    for path in ("/forgot-password", reset_path):
        page.goto(live_server + path)
        assert_fits_phone(page)
        problems.extend(f"{path}: {v}" for v in violations(page))
    login(page, live_server, world["hr"]["email"])
    assert urlsplit(page.url).path == "/login/code"
    assert_fits_phone(page)
    problems.extend(f"/login/code: {v}" for v in violations(page))
    page.fill("input[name=code]", "000000")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    problems.extend(f"/login/code (wrong): {v}" for v in violations(page))
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("colour", ["#ffff00", "#777777"])
def test_a_light_brand_colour_keeps_every_text_readable(app, live_server, phone, world, colour):
    """Any #rrggbb is a brand colour: the top bar, primary buttons and links stay above 4.5:1
    (core/colors.py), on the settings page that sets it and the page of a list."""
    from core.models import set_setting

    with app.app_context():
        set_setting("brand_color", colour)
        db.session.commit()
    page = phone.new_page()
    login(page, live_server, world["admin"]["email"])
    for path in ("/settings", "/users"):
        page.goto(live_server + path)
        assert violations(page) == [], path
