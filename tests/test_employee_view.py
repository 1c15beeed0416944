"""An employee's own login: their approved audits without the auditor, their figures and PDF,
nobody else's audits, and confirming they have read an audit."""
import pytest

from accounts.models import User
from audits import services
from audits.models import Audit
from extensions import db
from tests import factories
from tests.support.api import issue_token

SHOPPER = "Sombra Shopper"      # the auditor's name: never shown to the person audited
REVIEWER = "Rosa Reviewer"      # the manager who approved it


@pytest.fixture
def audits(app, world):
    """Ana's approved audit and her draft-stage (submitted) audit, and Bruno's approved audit."""
    with app.app_context():
        db.session.get(User, world["auditor"]["id"]).name = SHOPPER
        db.session.get(User, world["manager_a"]["id"]).name = REVIEWER
        version = factories.scorecard()
        mine = factories.audit(version, world["auditor"]["id"], world["branch_a"], status="submitted",
                               employee_id=world["employee_a"], comments={"a_no": "Did not say her name."})
        services.approve(mine, db.session.get(User, world["manager_a"]["id"]))
        pending = factories.audit(version, world["auditor"]["id"], world["branch_a"], status="submitted",
                                  employee_id=world["employee_a"])
        draft = factories.audit(version, world["auditor"]["id"], world["branch_a"], status="draft",
                                employee_id=world["employee_a"])
        colleague = factories.audit(version, world["auditor2"]["id"], world["branch_b"], status="approved",
                                    employee_id=world["employee_b"])
        token = issue_token(world["employee"]["id"], "phone")
        db.session.commit()
        return {"mine": mine.id, "pending": pending.id, "draft": draft.id, "colleague": colleague.id,
                "token": token}


def _api(client, audits, method, url, **kw):
    return client.open(url, method=method, headers={"Authorization": f"Bearer {audits['token']}"}, **kw)


def test_an_employee_reads_their_approved_audit_without_the_auditor(client, login_as, audits):
    login_as("employee")
    page = client.get(f"/audits/{audits['mine']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Did not say her name." in text and "61.1" in text
    assert SHOPPER not in text and REVIEWER not in text
    pdf = client.get(f"/reports/audits/{audits['mine']}.pdf")
    assert pdf.status_code == 200
    _pages, pdf_text = factories.pdf_text(pdf.data)
    assert "Did not say her name." in pdf_text and SHOPPER not in pdf_text and "Auditor" not in pdf_text


def test_an_employee_gets_404_for_drafts_audits_under_review_and_colleagues(client, login_as, audits):
    login_as("employee")
    for key in ("pending", "draft", "colleague"):
        assert client.get(f"/audits/{audits[key]}").status_code == 404, key
        assert client.get(f"/reports/audits/{audits[key]}.pdf").status_code == 404, key
        assert _api(client, audits, "GET", f"/api/v1/audits/{audits[key]}").status_code == 404, key


def test_the_api_gives_an_employee_their_audit_with_no_auditor_anywhere(client, audits):
    body = _api(client, audits, "GET", f"/api/v1/audits/{audits['mine']}").get_json()
    assert body["auditor"] is None and body["reviewed_by"] is None
    assert all(event["by"] is None for event in body["history"])
    assert SHOPPER not in str(body) and REVIEWER not in str(body)
    listed = _api(client, audits, "GET", "/api/v1/audits").get_json()
    assert [a["id"] for a in listed["items"]] == [audits["mine"]]
    assert listed["items"][0]["auditor"] is None


def test_an_employee_cannot_find_their_auditor_by_filtering(client, login_as, world, audits):
    other = _api(client, audits, "GET", f"/api/v1/audits?auditor={world['auditor2']['id']}").get_json()
    assert [a["id"] for a in other["items"]] == [audits["mine"]]  # the filter is ignored, not answered
    login_as("employee")
    page = client.get("/audits").get_data(as_text=True)
    assert SHOPPER not in page and 'name="auditor"' not in page


def test_an_employee_sees_their_scores_trend_and_kpis_and_downloads_their_pdf(client, login_as, world, audits):
    login_as("employee")
    assert client.get("/").headers["Location"].endswith("/me")
    page = client.get("/me")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ana Employee" in text and "61.1" in text and "Did not say her name." in text
    assert SHOPPER not in text
    assert f"/audits/{audits['pending']}" not in text and f"/audits/{audits['colleague']}" not in text
    pdf = client.get("/me/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    _pages, pdf_text = factories.pdf_text(pdf.data)
    assert "Ana Employee" in pdf_text and SHOPPER not in pdf_text
    figures = _api(client, audits, "GET", f"/api/v1/reports/employees/{world['employee_a']}").get_json()
    assert figures["audits"] == 1 and round(figures["mean_score"], 1) == 61.1  # the approved one only
    assert _api(client, audits, "GET", f"/api/v1/reports/employees/{world['employee_b']}").status_code == 404
    own_pdf = _api(client, audits, "GET", f"/api/v1/reports/employees/{world['employee_a']}.pdf")
    assert own_pdf.status_code == 200 and SHOPPER not in factories.pdf_text(own_pdf.data)[1]


def test_everything_else_stays_closed_to_an_employee(client, login_as, world, audits):
    login_as("employee")
    for url in ("/reports", f"/reports/employees/{world['employee_a']}", "/employees", "/my/assignments"):
        assert client.get(url).status_code in (403, 404), url


def test_an_employee_confirms_reading_an_audit_once_and_managers_see_it(app, client, login_as, audits):
    login_as("manager_a")
    assert "Not yet" in client.get(f"/audits/{audits['mine']}").get_data(as_text=True)
    assert "Not read by the employee" in client.get("/audits?status=approved").get_data(as_text=True)
    login_as("employee")
    assert "I have read this audit" in client.get(f"/audits/{audits['mine']}").get_data(as_text=True)
    assert client.post(f"/audits/{audits['mine']}/acknowledge").status_code == 302
    page = client.get(f"/audits/{audits['mine']}").get_data(as_text=True)
    assert "confirmed reading the audit" in page and "I have read this audit" not in page
    again = _api(client, audits, "POST", f"/api/v1/audits/{audits['mine']}/acknowledge")
    assert again.status_code == 200 and again.get_json()["acknowledged_at"] is not None
    with app.app_context():
        assert [e.action for e in db.session.get(Audit, audits["mine"]).events].count("acknowledged") == 1
    login_as("manager_a")
    page = client.get(f"/audits/{audits['mine']}").get_data(as_text=True)
    assert "Not yet" not in page and "confirmed reading the audit" in page
    assert "Not read by the employee" not in client.get("/audits?status=approved").get_data(as_text=True)


def test_only_the_audited_employee_acknowledges(client, login_as, audits):
    login_as("manager_a")
    assert client.post(f"/audits/{audits['mine']}/acknowledge").status_code == 403
    assert _api(client, audits, "POST", f"/api/v1/audits/{audits['colleague']}/acknowledge").status_code == 404
