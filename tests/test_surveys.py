"""Customer surveys, as a customer, a manager and a contact-centre system meet them: answers
given through the public page (its CSRF token fetched first, as a browser does) give the NPS, CSAT
and first-contact resolution the formulas give, in the JSON and on the branch page; one answer per
device and day; the rate limit; the QR poster; who may read the responses."""
import re
import shutil
import subprocess
from datetime import timedelta

import pytest

from accounts.models import ApiToken, User
from core.timeutil import utcnow
from extensions import db
from surveys import agreement
from surveys.models import SurveyLink, SurveyResponse
from surveys.public import DEVICE_COOKIE

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")

# Ten customers of branch A: 5 promoters (9-10), 3 detractors (0-6): NPS (5 - 3) / 10 = 20;
# 6 answer 4 or 5: CSAT 60 %; 7 say "yes": first-contact resolution 70 %.
NPS = [10, 9, 9, 8, 7, 6, 3, 10, 0, 9]
CSAT = [5, 4, 4, 3, 2, 5, 1, 4, 5, 3]
RESOLVED = ["yes", "yes", "yes", "no", "partly", "yes", "no", "yes", "yes", "yes"]


def make_link(app, branch_id, **kw):
    with app.app_context():
        link = SurveyLink(token=kw.pop("token", None) or f"tok-{branch_id}-{kw.get('kind', 'branch')}-xyz",
                          branch_id=branch_id, **kw)
        db.session.add(link)
        db.session.commit()
        return link.id, link.token


def token_for(app, world, name):
    with app.app_context():
        _row, secret = ApiToken.issue(db.session.get(User, world[name]["id"]), "test")
        db.session.commit()
        return secret


def form_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def answer(client, token, *, nps=9, csat=5, resolved="yes", wait=None, comment="", **extra):
    """A customer's browser: fetch the page (for its CSRF token and the device cookie), then post."""
    page = client.get(f"/s/{token}")
    assert page.status_code == 200, page.status_code
    data = {"csrf_token": form_token(page.get_data(as_text=True)), "nps": nps, "csat": csat,
            "resolved": resolved, "comment": comment, **extra}
    if wait:
        data["wait"] = wait
    return client.post(f"/s/{token}", data=data)


def new_browser(app, language="en"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


@pytest.fixture
def branch_link(app, world):
    return make_link(app, world["branch_a"], language="es")


def test_answers_through_the_page_give_nps_csat_and_fcr_by_the_formulas(app, world, branch_link, login_as):
    _link_id, token = branch_link
    for nps, csat, resolved in zip(NPS, CSAT, RESOLVED, strict=True):
        response = answer(new_browser(app), token, nps=nps, csat=csat, resolved=resolved)
        assert response.status_code == 200 and b"Thank you!" in response.data
    secret = token_for(app, world, "manager_a")
    body = app.test_client().get(f"/api/v1/reports/branches/{world['branch_a']}",
                                 headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert (body["nps"], body["csat"], body["fcr"], body["responses"]) == (20.0, 60.0, 70.0, 10)
    page = login_as("manager_a").get(f"/reports/branches/{world['branch_a']}").get_data(as_text=True)
    customers = page[page.index('id="h-customers"'):]
    assert "<dd>20.0</dd>" in customers and "<dd>60.0%</dd>" in customers and "<dd>70.0%</dd>" in customers
    assert "<dd>10</dd>" in customers
    other = app.test_client().get(f"/api/v1/reports/branches/{world['branch_b']}",
                                  headers={"Authorization": f"Bearer {token_for(app, world, 'admin')}"}).get_json()
    assert (other["nps"], other["responses"]) == (None, 0)


def test_under_the_minimum_the_figures_say_too_few_responses(app, world, branch_link, login_as):
    _link_id, token = branch_link
    for value in (10, 0, 9):
        answer(new_browser(app), token, nps=value)
    secret = token_for(app, world, "admin")
    body = app.test_client().get(f"/api/v1/reports/branches/{world['branch_a']}",
                                 headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert (body["nps"], body["csat"], body["fcr"], body["responses"]) == (None, None, None, 3)
    page = login_as("manager_a").get(f"/reports/branches/{world['branch_a']}").get_data(as_text=True)
    assert "Too few responses" in page


def test_a_second_answer_from_the_same_device_the_same_day_is_refused_politely(app, world, branch_link):
    _link_id, token = branch_link
    phone = new_browser(app)
    assert answer(phone, token).status_code == 200
    page = phone.get(f"/s/{token}")
    assert b"already answered today" in page.data and b'name="nps"' not in page.data
    assert answer(new_browser(app), token).status_code == 200  # another customer's phone
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 2


def test_a_device_that_answered_is_told_so_even_with_a_token_from_before(app, world, branch_link):
    _link_id, token = branch_link
    phone = new_browser(app)
    page = phone.get(f"/s/{token}").get_data(as_text=True)
    first = {"csrf_token": form_token(page), "nps": 9, "csat": 5, "resolved": "yes"}
    assert phone.post(f"/s/{token}", data=first).status_code == 200
    second = phone.post(f"/s/{token}", data={**first, "nps": 0})  # the same tab, sent again
    assert second.status_code == 409
    assert b"already answered today" in second.data


def test_the_page_sets_one_cookie_and_keeps_nothing_of_the_customer(app, world, branch_link):
    _link_id, token = branch_link
    phone = new_browser(app)
    page = phone.get(f"/s/{token}")
    cookies = [h.split("=", 1)[0] for h in page.headers.getlist("Set-Cookie")]
    assert cookies == [DEVICE_COOKIE]
    assert b"<script" not in page.data
    sent = answer(phone, token, comment="Muy amables", REMOTE_ADDR="203.0.113.9")
    assert [h.split("=", 1)[0] for h in sent.headers.getlist("Set-Cookie")] == []
    with app.app_context():
        row = db.session.scalar(db.select(SurveyResponse))
        stored = " ".join(str(getattr(row, c.key)) for c in SurveyResponse.__table__.columns)
    assert "127.0.0.1" not in stored and "203.0.113.9" not in stored
    assert phone.get_cookie(DEVICE_COOKIE, path="/s/").value not in stored


def test_a_robot_filling_the_honeypot_is_thanked_and_nothing_is_kept(app, world, branch_link):
    _link_id, token = branch_link
    response = answer(new_browser(app), token, website="http://spam.example")
    assert b"Thank you!" in response.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 0


def test_a_form_without_its_token_is_refused(app, world, branch_link):
    _link_id, token = branch_link
    phone = new_browser(app)
    phone.get(f"/s/{token}")
    response = phone.post(f"/s/{token}", data={"nps": 9, "csat": 5, "resolved": "yes"})
    assert response.status_code == 400 and b"reload" in response.data.lower()


def test_the_rate_limit_answers_429_past_its_count(make_app):
    from extensions import limiter

    app = make_app(RATELIMIT_ENABLED=True, SURVEY_RATE_LIMIT="3 per minute")
    with app.app_context():
        from tests import factories

        w = factories.world()
        db.session.add(SurveyLink(token="limit-token-123", branch_id=w["branch_a"]))
        db.session.commit()
    limiter.reset()
    replies = [answer(new_browser(app), "limit-token-123", nps=n) for n in range(4)]
    limiter.reset()
    assert [r.status_code for r in replies] == [200, 200, 200, 429]
    assert b"Please try again in a while" in replies[-1].data
    assert [h.split("=", 1)[0] for h in replies[-1].headers.getlist("Set-Cookie")] == []


def test_the_page_speaks_the_customers_language(app, world, branch_link):
    _link_id, token = branch_link
    assert "¿Qué probabilidad" in new_browser(app, "es").get(f"/s/{token}").get_data(as_text=True)
    english = new_browser(app, "es").get(f"/s/{token}?lang=en").get_data(as_text=True)
    assert "How likely are you to recommend us" in english and 'lang="en"' in english
    nobody = app.test_client()  # a browser that names no language: the link's (the branch's)
    assert 'lang="es"' in nobody.get(f"/s/{token}").get_data(as_text=True)


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="poppler and zbar needed")
def test_the_posters_qr_code_holds_the_survey_url(app, world, branch_link, login_as, tmp_path):
    link_id, token = branch_link
    response = login_as("manager_a").get(f"/surveys/links/{link_id}/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    (tmp_path / "poster.pdf").write_bytes(response.data)
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(tmp_path / "poster.pdf"),
                    str(tmp_path / "poster")], check=True, timeout=60)
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "poster.png")], capture_output=True,
                             text=True, timeout=60)
    assert decoded.stdout.strip() == f"{app.config['BASE_URL']}/s/{token}"
    assert login_as("manager_b").get(f"/surveys/links/{link_id}/poster.pdf").status_code == 404


def test_an_auditor_an_employee_and_another_branchs_manager_cannot_read_the_responses(app, world, branch_link,
                                                                                     login_as):
    _link_id, token = branch_link
    answer(new_browser(app), token, comment="The queue was long but the staff were kind")
    url = f"/api/v1/surveys/responses?branch_id={world['branch_a']}"
    statuses = {}
    for name in ("auditor", "employee", "manager_b", "manager_a", "hr"):
        reply = app.test_client().get(url, headers={"Authorization": f"Bearer {token_for(app, world, name)}"})
        statuses[name] = reply.status_code
        if name in ("auditor", "employee", "manager_b"):
            assert b"queue was long" not in reply.data
    assert statuses == {"auditor": 403, "employee": 403, "manager_b": 404, "manager_a": 200, "hr": 200}
    everything = app.test_client().get("/api/v1/surveys/responses", headers={
        "Authorization": f"Bearer {token_for(app, world, 'manager_b')}"}).get_json()
    assert everything["items"] == []
    assert login_as("manager_b").get(f"/surveys/responses?branch={world['branch_a']}").status_code == 404
    assert b"queue was long" not in login_as("manager_b").get("/surveys/responses").data
    assert login_as("auditor").get("/surveys/responses").status_code == 403
    assert login_as("employee").get("/surveys/responses").status_code == 403


def test_a_manager_hides_a_comment_which_is_kept_with_who_hid_it(app, world, branch_link, login_as):
    _link_id, token = branch_link
    answer(new_browser(app), token, comment="Rude remark about a named person")
    with app.app_context():
        response_id = db.session.scalar(db.select(SurveyResponse.id))
    manager = login_as("manager_a")
    assert b"Rude remark" in manager.get(f"/reports/branches/{world['branch_a']}").data
    assert manager.post(f"/surveys/responses/{response_id}/hide").status_code == 302
    assert b"Rude remark" not in manager.get(f"/reports/branches/{world['branch_a']}").data
    body = app.test_client().get("/api/v1/surveys/responses", headers={
        "Authorization": f"Bearer {token_for(app, world, 'hr')}"}).get_json()
    assert body["items"][0]["comment"] is None and body["items"][0]["hidden"] is True
    with app.app_context():
        row = db.session.get(SurveyResponse, response_id)
        assert row.comment == "Rude remark about a named person" and row.hidden_by_id == world["manager_a"]["id"]
    assert login_as("manager_b").post(f"/surveys/responses/{response_id}/hide").status_code == 404


def test_a_contact_centre_system_makes_a_single_use_link(app, world):
    secret = token_for(app, world, "manager_a")
    made = app.test_client().post("/api/v1/surveys/links", headers={"Authorization": f"Bearer {secret}"},
                                  json={"branch_id": world["branch_a"], "employee_id": world["employee_a"]})
    assert made.status_code == 201
    link = made.get_json()
    assert link["kind"] == "single" and link["url"].endswith(f"/s/{link['token']}")
    assert answer(new_browser(app), link["token"]).status_code == 200
    assert new_browser(app).get(f"/s/{link['token']}").status_code == 410
    refused = app.test_client().post("/api/v1/surveys/links", json={"branch_id": world["branch_a"]},
                                     headers={"Authorization": f"Bearer {token_for(app, world, 'manager_b')}"})
    assert refused.status_code == 404
    figures = app.test_client().get(f"/api/v1/reports/employees/{world['employee_a']}",
                                    headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert figures["responses"] == 1 and figures["nps"] is None  # under the minimum of 10


def test_a_revoked_link_takes_no_more_answers(app, world, branch_link, login_as):
    link_id, token = branch_link
    assert login_as("manager_b").post(f"/surveys/links/{link_id}/revoke").status_code == 404
    assert login_as("manager_a").post(f"/surveys/links/{link_id}/revoke").status_code == 302
    page = new_browser(app).get(f"/s/{token}")
    assert page.status_code == 404 and b"no longer takes answers" in page.data


def test_a_manager_makes_an_employee_link_and_sees_it_listed(app, world, login_as):
    manager = login_as("manager_a")
    made = manager.post("/surveys/links", data={"branch_id": world["branch_a"], "employee_id": world["employee_a"],
                                                "language": "en"})
    assert made.status_code == 302
    page = manager.get("/surveys").get_data(as_text=True)
    assert "Ana Employee" in page and "/s/" in page
    assert manager.post("/surveys/links", data={"branch_id": world["branch_b"], "language": "en"}).status_code == 400


def test_the_admin_edits_the_wording_and_switches_optional_questions_off(app, world, branch_link, login_as):
    _link_id, token = branch_link
    admin = login_as("admin")
    saved = admin.post("/surveys/settings", data={
        "retention_months": 12, "min_responses": 1, "wording-en-csat": "Were you happy with us today?"})
    assert saved.status_code == 302
    page = new_browser(app).get(f"/s/{token}").get_data(as_text=True)
    assert "Were you happy with us today?" in page
    assert 'name="wait"' not in page and 'name="comment"' not in page
    answer(new_browser(app), token, nps=10, comment="ignored")
    with app.app_context():
        assert db.session.scalar(db.select(SurveyResponse.comment)) == ""


def test_responses_past_the_retention_period_are_deleted_by_the_daily_job(app, world, branch_link):
    from jobs.schedule import purge_survey_responses

    link_id, _token = branch_link
    now = utcnow()
    with app.app_context():
        for n, age in enumerate((timedelta(days=30), timedelta(days=24 * 31 + 5))):
            when = now - age
            db.session.add(SurveyResponse(link_id=link_id, branch_id=world["branch_a"], created_at=when,
                                          month=when.date().replace(day=1), receipt=f"r{n}", nps=9, csat=5,
                                          resolved="yes"))
        db.session.commit()
        purge_survey_responses()
        assert [r.receipt for r in db.session.scalars(db.select(SurveyResponse))] == ["r0"]


def test_a_response_is_sent_to_the_webhooks_that_want_it(app, world, branch_link):
    from webhooks.models import WebhookDelivery, WebhookEndpoint

    _link_id, token = branch_link
    with app.app_context():
        db.session.add(WebhookEndpoint(url="https://127.0.0.1:9/hook", events=["survey.response"], secret="whsec_t"))
        db.session.commit()
    answer(new_browser(app), token, nps=3, comment="Slow")
    with app.app_context():
        delivery = db.session.scalar(db.select(WebhookDelivery))
        assert delivery.event == "survey.response"
        assert '"nps":3' in delivery.body and '"comment":"Slow"' in delivery.body


class _Row:
    def __init__(self, id, name, mean):
        self.id, self.name, self.mean = id, name, mean


class _Nps:
    def __init__(self, nps):
        self.nps = nps


def test_the_agreement_of_audits_and_customers_matches_a_hand_worked_spearman(app):
    # Audit means 60, 70, 80, 90, 75 rank 1, 2, 4, 5, 3; NPS 10, 20, 30, 50, 40 rank 1, 2, 3, 5, 4.
    # d = 0, 0, 1, 0, -1: rho = 1 - 6 * 2 / (5 * (25 - 1)) = 0.9.
    rows = [_Row(i, f"B{i}", mean) for i, mean in enumerate((60, 70, 80, 90, 75))]
    nps = {i: _Nps(v) for i, v in enumerate((10, 20, 30, 50, 40))}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        result = agreement.agreement(rows, nps)
        assert result.n == 5 and result.rho == pytest.approx(0.9)
        assert "also have more promoters" in result.reading
        assert "<title" in str(result.chart.svg) and len(result.chart.rows) == 5
        fewer = agreement.agreement(rows[:4], nps)
        assert fewer.rho is None and fewer.n == 4 and "Too few branches" in fewer.reading


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler needed")
def test_the_branch_pdf_holds_what_customers_say_beside_the_score(app, world, branch_link, login_as, tmp_path):
    _link_id, token = branch_link
    answer(new_browser(app), token, comment="Clean and quick")
    response = login_as("manager_a").get(f"/reports/branches/{world['branch_a']}.pdf?lang=en")
    assert response.status_code == 200
    (tmp_path / "branch.pdf").write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "branch.pdf"), "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    assert "What customers say" in text and "Too few responses" in text and "Clean and quick" in text
