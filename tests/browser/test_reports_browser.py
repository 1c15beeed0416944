"""The report pages on a phone (390 px): nothing scrolls sideways, with the filters and the chart
tables open too. REPORTS_SCREENSHOTS=dir keeps a picture of each page to look at."""
import os

import pytest

from tests.browser.conftest import assert_fits_phone, login

Q1 = "from=2025-01-01&to=2025-03-31"


@pytest.mark.parametrize("role", ["manager_a", "hr"])
def test_report_pages_fit_a_phone(live_server, phone, world, quarter, role):
    page = phone.new_page()
    login(page, live_server, world[role]["email"])
    shots = os.environ.get("REPORTS_SCREENSHOTS")
    for name, path in (("overview", f"/reports?{Q1}"), ("employees", f"/reports/employees?{Q1}"),
                       ("employee", f"/reports/employees/{world['employee_a']}?{Q1}"),
                       ("branch", f"/reports/branches/{world['branch_a']}?{Q1}"),
                       ("bad-filter", "/reports?from=2025-02-30")):
        response = page.goto(live_server + path)
        assert response.status == (400 if name == "bad-filter" else 200), path
        assert page.locator("h1").count() == 1
        assert_fits_phone(page)
        if page.locator("details.report-filters[open]").count() == 0:
            page.locator("details.report-filters > summary").click()
        for summary in page.locator("details.chart-table > summary").all():
            summary.click()
        assert_fits_phone(page)
        small = page.evaluate("""() => [...document.querySelectorAll(
                'main a, main button, main select, main input, main summary')]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.textContent.trim().slice(0, 30), e.getBoundingClientRect().height])
            .filter(([, h]) => h < 24)""")
        assert not small, f"{path}: touch targets under 24 px: {small}"
        if shots:
            os.makedirs(shots, exist_ok=True)
            page.screenshot(path=os.path.join(shots, f"{role}-{name}.png"), full_page=True)
