"""The report pages and downloads: who may see what, the figures shown, and bad filters."""
import re

import pytest

from tests.support.quarter import PERIOD


def urls(world, quarter):
    ana, a, audit = world["employee_a"], world["branch_a"], quarter["a1"]
    return {
        "overview": "/reports",
        "employees": "/reports/employees",
        "employee": f"/reports/employees/{ana}",
        "branch": f"/reports/branches/{a}",
        "audit_pdf": f"/reports/audits/{audit}.pdf",
        "employee_pdf": f"/reports/employees/{ana}.pdf?from=2025-01-01&to=2025-03-31",
        "branch_pdf": f"/reports/branches/{a}.pdf?from=2025-01-01&to=2025-03-31",
        "audits_csv": "/reports/exports/audits.csv",
        "audits_xlsx": "/reports/exports/audits.xlsx",
        "answers_csv": "/reports/exports/answers.csv",
        "answers_xlsx": "/reports/exports/answers.xlsx",
    }


# Branch A's things: manager_b may not see them (404), auditors see no reports at all (403), only
# the PDF of an audit they made (quarter's a1 is the auditor's).
OWN_A = {"employee", "branch", "audit_pdf", "employee_pdf", "branch_pdf"}


@pytest.mark.parametrize("role", ["admin", "hr", "manager_a", "manager_b", "auditor"])
def test_who_may_open_each_report_page_and_download(client, login_as, world, quarter, role):
    login_as(role)
    for name, url in urls(world, quarter).items():
        response = client.get(url)
        response.get_data()  # read a streamed export to its end
        if role == "auditor":
            expected = 200 if name == "audit_pdf" else 403
        elif role == "manager_b" and name in OWN_A:
            expected = 404
        else:
            expected = 200
        assert response.status_code == expected, (role, name, response.status_code)
        if expected == 200 and name.endswith("pdf"):
            assert response.data.startswith(b"%PDF") and response.mimetype == "application/pdf"


def test_anonymous_visitors_are_sent_to_log_in(client, world, quarter):
    for url in urls(world, quarter).values():
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_manager_cannot_reach_another_branch_through_the_filters(login_as, world, quarter):
    client = login_as("manager_b")
    assert client.get(f"/reports?branch={world['branch_a']}").status_code == 404
    assert client.get(f"/reports/employees?employee={world['employee_a']}").status_code == 404
    assert client.get(f"/reports/exports/answers.csv?branch={world['branch_a']}").status_code == 404
    page = client.get("/reports/employees?" + "&".join(f"{k}={v}" for k, v in PERIOD.items())).get_data(True)
    assert "Bruno Employee" in page and "Ana Employee" not in page and "Carla" not in page


def test_the_overview_shows_the_branch_figures(login_as, world, quarter):
    client = login_as("manager_a")
    html = client.get("/reports?from=2025-01-01&to=2025-03-31").get_data(True)
    # 6 approved audits in branch A: mean 64.8 %, pass rate 33.3 %, 1 critical failure
    tiles = re.search(r'<dl class="tiles">(.*?)</dl>', html, re.S).group(1)
    assert re.findall(r"<dd>(.*?)</dd>", tiles) == ["6", "64.8%", "33.3%", "1"]
    assert "Approved audits only" in html
    assert "Ana Employee" in html and "Carla Employee" in html and "Bruno" not in html
    assert "Awaiting review" in html and "<svg" in html and "<title id=\"trend-t\">" in html
    # the CSP allows neither inline styles nor inline scripts (the phone's queue comes from a file)
    assert 'style="' not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_hr_sees_every_branch_and_no_review_queue(login_as, world, quarter):
    html = login_as("hr").get("/reports?from=2025-01-01&to=2025-03-31").get_data(True)
    tiles = re.search(r'<dl class="tiles">(.*?)</dl>', html, re.S).group(1)
    assert re.findall(r"<dd>(.*?)</dd>", tiles)[:2] == ["7", "69.8%"]
    assert "Branches ranked" in html and "Awaiting review" not in html


def test_spanish_readers_get_spanish_numbers(login_as, world, quarter, app):
    client = login_as("manager_a")
    client.post("/logout")
    with app.app_context():
        from accounts.models import User
        from extensions import db

        db.session.get(User, world["manager_a"]["id"]).language = "es"
        db.session.commit()
    client = login_as("manager_a")
    html = client.get("/reports?from=2025-01-01&to=2025-03-31").get_data(True)
    assert "64,8\u00a0%" in html and "Solo auditorías aprobadas" in html


def test_employee_page_compares_sections_with_branch_and_company(login_as, world, quarter):
    html = login_as("hr").get(f"/reports/employees/{world['employee_a']}?from=2025-01-01&to=2025-03-31").get_data(True)
    assert "<h1>Ana Employee</h1>" in html
    table = re.search(r'aria-labelledby="sections-t sections-d".*?</figure>', html, re.S).group(0)
    # Section A: Ana 75 %, branch 75 %, company 80 %
    assert re.search(r"Section A</th><td>75.0%</td><td>75.0%</td><td>80.0%</td>", table)
    assert "Rude at the till" in html and "Good visit overall" in html


def test_bad_filters_get_a_clear_400_never_a_500(login_as, world, quarter):
    client = login_as("hr")
    for url in ("/reports?from=someday", "/reports?from=2025-03-01&to=2025-01-01", "/reports?channel=fax",
                "/reports/employees?sort=salary", "/reports/employees?branch=abc",
                f"/reports/branches/{world['branch_a']}?status=draft", "/reports?scorecard=999"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "Some filters are not valid" in response.get_data(True)
    pdf = client.get(f"/reports/branches/{world['branch_a']}.pdf?from=nope")
    assert pdf.status_code == 400 and b"%PDF" not in pdf.data
    assert client.get("/reports/exports/answers.csv?to=2025-13-01").status_code == 400
    assert client.get("/reports/exports/answers.pdf").status_code == 404
    assert client.get("/reports/exports/passwords.csv").status_code == 404


def test_employees_list_sorts_and_pages(login_as, world, quarter):
    client = login_as("hr")
    html = client.get("/reports/employees?from=2025-01-01&to=2025-03-31&sort=name&order=asc").get_data(True)
    names = re.findall(r"<strong>(\w+ Employee)</strong>", html)
    assert names == ["Ana Employee", "Bruno Employee", "Carla Employee"]
    html = client.get("/reports/employees?from=2025-01-01&to=2025-03-31").get_data(True)
    assert re.findall(r"<strong>(\w+ Employee)</strong>", html) == ["Bruno Employee", "Ana Employee", "Carla Employee"]
    assert "Worsening" in html and "Improving" in html  # Ana down, Carla up


def test_drafts_have_no_pdf(login_as, world, quarter):
    assert login_as("admin").get(f"/reports/audits/{quarter['draft']}.pdf").status_code == 404
    assert login_as("admin").get("/reports/audits/999999.pdf").status_code == 404
