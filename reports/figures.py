"""One set of figures for each subject of a report: the web page, the PDF and the JSON of the API
all read these dicts, so what they show cannot drift apart.

Each function pins the filters to its subject and returns the figures (dataclasses of
reports/queries.py and reports/rankings.py); reports/context.py adds charts, texts and lists of
audits for the page and the PDF, api/reports.py dumps them with its schemas.
"""
from __future__ import annotations

from accounts.permissions import can_see_branch, is_own_employee
from branches.models import Branch, Employee
from reports import queries as q
from reports import rankings
from reports.criterion_rates import criterion_figures
from surveys import figures as survey_figures

# How long the lists of figures may grow (pages, PDFs and JSON alike).
RANKED_ON_BRANCH = 200
CRITERIA_ON_BRANCH = 40
WEAKEST_ON_EMPLOYEE = 10
RANKED_ON_OVERVIEW = 10
WEAKEST_ON_OVERVIEW = 5
BRANCHES_ON_OVERVIEW = 50


def sees_branch(user, branch: Branch) -> bool:
    """Whose figures a reader may have: a branch in their scope (for ``get_visible_or_404``)."""
    return can_see_branch(user, branch.id)


def sees_employee(user, employee: Employee) -> bool:
    """An employee of a branch in the reader's scope, or an employee's login reading themself (for
    ``get_visible_or_404``)."""
    return can_see_branch(user, employee.branch_id) or is_own_employee(user, employee.id)


def own_filters(user, f: q.Filters) -> q.Filters:
    """The filters of an employee reading their own figures: their approved audits wherever they
    were made (their login sees no branch), whatever else the query asked for."""
    return f.replace(scope=None, status="approved", employee_id=user.employee_id, branch_id=None, region=None)


def for_branch(branch: Branch, f: q.Filters) -> dict:
    """A branch over a period: summary, months, KPIs, sections (against the company), its
    criteria by failure rate and its employees ranked."""
    f = f.replace(branch_id=branch.id, region=None, employee_id=None)
    kpis, criteria = criterion_figures(f, limit=CRITERIA_ON_BRANCH)
    return {"filters": f, "summary": q.summary(f), "months": q.trend_by_month(f), "kpis": kpis,
            "sections": q.section_comparison(f), "criteria": criteria,
            "employees": rankings.employee_ranking(f, limit=RANKED_ON_BRANCH), "survey": _survey(f, {branch.id})}


def for_employee(employee: Employee, f: q.Filters) -> dict:
    """An employee over a period: summary, months, KPIs, sections (against the branch and the
    company) and the weakest criteria."""
    f = f.replace(employee_id=employee.id, branch_id=None, region=None)
    kpis, criteria = criterion_figures(f, limit=WEAKEST_ON_EMPLOYEE)
    return {"filters": f, "summary": q.summary(f), "months": q.trend_by_month(f), "kpis": kpis,
            "sections": q.section_comparison(f, branch_id=employee.branch_id), "criteria": criteria,
            "survey": _survey(f, None, employee_id=employee.id)}


def for_overview(f: q.Filters) -> dict:
    """What a manager's overview shows for the branches the filters cover: summary, months, KPIs,
    sections, the best employees, the weakest criteria and the branches ranked."""
    kpis, criteria = criterion_figures(f, limit=WEAKEST_ON_OVERVIEW)
    return {"filters": f, "summary": q.summary(f), "months": q.trend_by_month(f), "kpis": kpis,
            "sections": q.section_means(f), "criteria": criteria,
            "employees": rankings.employee_ranking(f, limit=RANKED_ON_OVERVIEW),
            "branches": rankings.branch_ranking(f, limit=BRANCHES_ON_OVERVIEW),
            "survey": _survey(f, q.branch_ids(f)),
            "survey_by_branch": survey_figures.by_branch(survey_figures.conditions(
                q.branch_ids(f), None, f.date_from, f.date_to))}


def _survey(f: q.Filters, branch_ids, employee_id=None):
    """The customers' figures (surveys/figures.py) for the report's subject and period."""
    return survey_figures.for_subject(branch_ids, employee_id, f.date_from, f.date_to)
