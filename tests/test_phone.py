"""Veraz on a phone, in the reader's language: the web app manifest that installs it, the language
every page declares, and numbers and dates written the way each language writes them, on the web
pages and in the PDFs."""
import json
import re
import struct
from collections import deque
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import pytest

from extensions import db
from tests import factories

# 14 March: a day above 12, so that day-month and month-day orders cannot be confused.
WHEN = datetime(2026, 3, 14, 11, 15)
SKIP = ("/logout", "/api/", "/assets/", "/static/", ".pdf", ".csv", ".xlsx", ".json", "/sw.js", "/photos/",
        "/export", "/manifest")


def set_language(app, world, who, lang):
    from accounts.models import User

    with app.app_context():
        db.session.get(User, world[who]["id"]).language = lang
        db.session.commit()


@pytest.fixture
def scored(app, world):
    """The worked example (tests/factories.py), approved: 61.1 % (61.111...), started on 14 March 2026."""
    with app.app_context():
        version = factories.scorecard()
        audit = factories.audit(version, world["auditor"]["id"], world["branch_a"], started_at=WHEN,
                                employee_id=world["employee_a"])
        # and one the auditor is still filling in, so that the fill page is reached too
        factories.audit(version, world["auditor"]["id"], world["branch_a"], status="draft")
        db.session.commit()
        return {"audit": audit.id, "employee": world["employee_a"]}


# --- Installable ------------------------------------------------------------------------------------

def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_manifest_installs_veraz_on_my_assignments_with_icons_that_exist(client, login_as):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == manifest["short_name"] == "Veraz"
    assert manifest["start_url"] == "/my/assignments" and manifest["display"] == "standalone"
    assert manifest["scope"] == "/" and re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    sizes = set()
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200, f"{icon['src']} is missing"
        assert image.mimetype == icon["type"]
        if icon["type"] == "image/png":
            width, height = png_size(image.data)
            assert icon["sizes"] == f"{width}x{height}", f"{icon['src']} is not {icon['sizes']}"
            sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes  # what Chrome asks for to offer the installation
    # the start page opens for the shopper who installed it
    assert login_as("auditor").get(manifest["start_url"]).status_code == 200
    # every page links the manifest and an icon for iOS home screens
    page = client.get(manifest["start_url"], follow_redirects=True).get_data(as_text=True)
    assert 'rel="manifest" href="/manifest.webmanifest"' in page and 'rel="apple-touch-icon"' in page


def test_installed_app_carries_the_company_name_and_colour_the_admin_set(client, login_as):
    admin = login_as("admin")
    response = admin.post("/settings", data={"company_name": "Acme Retail", "brand_color": "#123ABC",
                                             "allow_unplanned_audits": "y"})
    assert response.status_code == 302
    manifest = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))
    assert manifest["name"] == "Acme Retail" and manifest["theme_color"] == "#123abc"
    page = admin.get("/profile").get_data(as_text=True)
    assert "<title>My profile · Acme Retail</title>" in page
    assert 'name="theme-color" content="#123abc"' in page and "/theme.css?v=123abc" in page


def test_default_colour_costs_no_extra_stylesheet(client):
    page = client.get("/login").get_data(as_text=True)
    assert "/theme.css" not in page and page.count('rel="stylesheet"') == 1


# --- <html lang> on every page ----------------------------------------------------------------------

def crawl(client, limit=40):
    """(path, status, html) of every same-site page reachable by links from the start page (GET;
    one visit per path, whatever its query)."""
    seen, queue, found = set(), deque(["/"]), []
    while queue and len(found) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path, follow_redirects=True)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        found.append((path, response.status_code, html))
        for href in re.findall(r'href="([^"#]*)"', html):
            url = urlsplit(urljoin("http://localhost" + path, href.replace("&amp;", "&")))
            if url.netloc == "localhost" and not any(s in url.path for s in SKIP):
                if url.path not in seen:
                    queue.append(url.path)
    return found


@pytest.mark.parametrize("role", ["admin", "manager_a", "auditor", "hr"])
def test_every_page_a_role_reaches_declares_the_language_it_is_written_in(app, world, login_as, scored, role):
    for lang, word in (("es", "Cerrar sesión"), ("en", "Log out")):
        set_language(app, world, role, lang)
        client = login_as(role)
        pages = crawl(client)
        assert len(pages) >= 4, f"{role} reaches almost nothing: {[p for p, _s, _h in pages]}"
        for path, status, html in pages:
            assert status == 200, f"[{role} {lang}] {path} answered {status}"
            assert f'<html lang="{lang}">' in html, f"[{role} {lang}] {path} does not say lang={lang}"
            assert word in html, f"[{role} {lang}] {path} is not in its language"
        missing = client.get("/no-such-page")
        assert missing.status_code == 404 and f'<html lang="{lang}">' in missing.get_data(as_text=True)


def test_pages_before_login_follow_the_browser_then_the_switch(app):
    client = app.test_client()
    spanish = client.get("/login", headers={"Accept-Language": "es-ES,es;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es">' in spanish and "Iniciar sesión" in spanish
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Log in" in english
    client.post("/language/es", data={"next": "/login"}, headers={"Accept-Language": "en"})
    switched = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="es">' in switched
    # nobody says anything: Spanish, the default
    assert '<html lang="es">' in app.test_client().get("/login").get_data(as_text=True)


# --- Numbers and dates ------------------------------------------------------------------------------

def text_of(html: str) -> str:
    """The visible text, spaces (also the no-break ones) folded."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " ").replace("\u00a0", " ")
                    .replace("\u202f", " ").split())


@pytest.mark.parametrize("lang, score, started, wrong", [
    ("es", "61,1 %", "14/3/26, 11:15", "61.1"),
    ("en", "61.1%", "3/14/26, 11:15 AM", "61,1"),
])
def test_audit_page_writes_the_score_and_times_as_the_language_does(app, world, login_as, scored,
                                                                   lang, score, started, wrong):
    set_language(app, world, "manager_a", lang)
    page = text_of(login_as("manager_a").get(f"/audits/{scored['audit']}").get_data(as_text=True))
    assert score in page and started in page
    assert wrong not in page


@pytest.mark.parametrize("lang, score, period, wrong", [
    ("es", "61,1 %", "1 mar 2026 a 31 mar 2026", "61.1"),
    ("en", "61.1%", "Mar 1, 2026 to Mar 31, 2026", "61,1"),
])
def test_report_page_writes_scores_and_the_period_as_the_language_does(app, world, login_as, scored,
                                                                      lang, score, period, wrong):
    set_language(app, world, "hr", lang)
    page = login_as("hr").get(f"/reports/employees/{scored['employee']}?from=2026-03-01&to=2026-03-31")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert score in text and period in text
    assert wrong not in text


@pytest.mark.parametrize("lang, score, started, wrong", [
    ("es", "61,1 %", "14 mar 2026", "61.1"),
    ("en", "61.1%", "Mar 14, 2026", "61,1"),
])
def test_audit_pdf_writes_the_score_and_dates_as_the_language_does(world, login_as, scored,
                                                                   lang, score, started, wrong):
    response = login_as("manager_a").get(f"/reports/audits/{scored['audit']}.pdf?lang={lang}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = factories.pdf_text(response.data)[1]
    assert score in text and started in text
    assert wrong not in text


WAIT_CARD = {
    "slug": "wait-time", "name": {"es": "Espera", "en": "Waiting"}, "channel": "call",
    "sections": [{"key": "s", "title": {"es": "Espera", "en": "Waiting"}, "criteria": [
        {"key": "wait", "type": "number", "unit": "min", "target": {"op": "<=", "value": 2.5},
         "kpi": "wait_time", "text": {"es": "Minutos de espera", "en": "Minutes waited"}},
    ]}],
}


@pytest.mark.parametrize("lang, shown, typed, target, wrong", [
    ("es", "3,8 min", "12,5", "2,5", "3.8"),
    ("en", "3.8 min", "12.5", "2.5", "3,8"),
])
def test_numbers_in_answers_are_written_and_typed_as_the_language_does(app, world, login_as, client,
                                                                       lang, shown, typed, target, wrong):
    with app.app_context():
        version = factories.scorecard(WAIT_CARD)
        done = factories.audit(version, world["auditor"]["id"], world["branch_a"], answers={"wait": 3.8},
                               employee_id=world["employee_a"])
        draft = factories.audit(version, world["auditor"]["id"], world["branch_a"], answers={"wait": 12.5},
                                status="draft")
        db.session.commit()
        done_id, draft_id = done.id, draft.id
    set_language(app, world, "manager_a", lang)
    manager = login_as("manager_a")
    page = text_of(manager.get(f"/audits/{done_id}").get_data(as_text=True))
    assert shown in page and wrong not in page
    # the employee's report gives the mean wait in the same way, on the page and in the PDF
    report = text_of(manager.get(f"/reports/employees/{world['employee_a']}").get_data(as_text=True))
    assert shown in report and wrong not in report
    pdf = manager.get(f"/reports/employees/{world['employee_a']}.pdf?lang={lang}")
    text = factories.pdf_text(pdf.data)[1]
    assert shown in text and wrong not in text

    set_language(app, world, "auditor", lang)
    fill = login_as("auditor").get(f"/audits/{draft_id}/fill").get_data(as_text=True)
    assert f'value="{typed}"' in fill and target in text_of(fill)
    # what the field shows goes back unchanged, and the language's decimal sign is read as such
    for sent, stored in ((typed, 12.5), (typed.replace("12", "7"), 7.5)):
        saved = client.post(f"/audits/{draft_id}/autosave", json={"answers": {"wait": sent}},
                            headers={"Accept": "application/json"})
        assert saved.status_code == 200, saved.get_data(as_text=True)
        with app.app_context():
            from audits.answers import answer_values
            from audits.models import Audit
            assert answer_values(db.session.get(Audit, draft_id)) == {"wait": stored}
