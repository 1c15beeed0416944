"""Report figures as JSON, PDF reports and CSV/XLSX exports: admins, managers (their branches) and
HR, as on the web.

The figures are reports/figures.py's (what the pages and PDFs show), the documents reports/pdf.py's
and reports/exports.py's; the filters are the pages' (reports/filters.FilterArgs, the same schema
and function), scoped to the token's user.
"""
from flask_babel import gettext as _

from accounts.permissions import can_download_audit_pdf, get_visible_or_404, hides_auditor
from actions.queries import report_block
from api import report_schemas as s
from api.common import ID, ApiError, current, fail, handle_http_error, make_blueprint, require_role
from audits.models import Audit
from branches.models import Branch, Employee
from reports import exports, figures, pdf
from reports import filters as rf
from reports import queries as q

blp = make_blueprint("reports_api", "Report figures, PDF reports and exports (admin, manager for their branches, hr).")

READERS = ("admin", "manager", "hr")
EXPORT_TEXT = "CSV or XLSX: one row per audit (audits) or per answer (answers)."


@blp.errorhandler(pdf.PdfError)
def pdf_failed(exc):
    return handle_http_error(ApiError(500, _("The PDF could not be made. Please try again; if it fails again, "
                                             "tell your administrator."), code="pdf_failed"))


def _filters(args: dict, fixed=None) -> q.Filters:
    """The pages' filters from the loaded query (FilterArgs); 422 naming each bad one; 404 for a
    branch or employee the user may not see."""
    try:
        f = rf.filters_for(args, current(), fixed=fixed)
    except rf.FilterError as exc:
        problems = {k: [str(v)] for k, v in exc.messages.items()}
        listed = "; ".join(f"{k}: {v[0]}" for k, v in problems.items())
        if set(problems) == {"scorecard"}:  # a well-formed slug naming nothing: as any unknown reference
            fail(404, _("Some filters are not valid: %(list)s", list=listed), {"query": problems})
        fail(422, _("Some filters are not valid: %(list)s", list=listed), {"query": problems})
    if f.branch_id is not None:
        get_visible_or_404(Branch, f.branch_id, figures.sees_branch)
    if f.employee_id is not None:
        get_visible_or_404(Employee, f.employee_id, figures.sees_employee)
    return f


def _own(f: q.Filters) -> q.Filters:
    """An employee's login reads only its own approved audits (the figures' filters pinned)."""
    return figures.own_filters(current(), f) if current().role == "employee" else f


def _lang(args) -> str:
    return args.get("lang") or current().language or "es"


def _figures(fig: dict) -> dict:
    """reports/figures.py's dict in the shape of ``s.Figures``. A computed view, not a model: the
    figures are worked out per request (and cached) for the pages, the PDFs and the API alike."""
    summary, f = fig["summary"], fig["filters"]
    out = {key: value for key, value in fig.items() if key not in ("summary", "filters", "survey", "survey_by_branch")}
    if "survey" in fig:  # the customers' figures beside the audits' (surveys/figures.py)
        out.update(fig["survey"].total.as_json())
    out.update({"date_from": f.date_from, "date_to": f.date_to, "audits": summary.audits, "mean_score": summary.mean,
                "pass_rate": summary.pass_rate, "critical_failures": summary.critical_failures})
    return out


@blp.route(f"/reports/branches/<{ID}:branch_id>", methods=["GET"])
@blp.arguments(s.StrictPeriodFilters, location="query")
@blp.response(200, s.BranchFigures)
@blp.errors(401, 403, 404, 422)
def branch_figures(args, branch_id):
    """A branch's figures over a period, as its report page and PDF show them (default: the last 12
    months, approved audits)."""
    require_role(*READERS)
    place = get_visible_or_404(Branch, branch_id, figures.sees_branch)
    return {**_figures(figures.for_branch(place, _filters(args))),
            "actions": report_block(branch_id=place.id).as_dict()}


@blp.route(f"/reports/employees/<{ID}:employee_id>", methods=["GET"])
@blp.arguments(s.StrictPeriodFilters, location="query")
@blp.response(200, s.EmployeeFigures)
@blp.errors(401, 403, 404, 422)
def employee_figures(args, employee_id):
    """An employee's figures over a period, as their report page and PDF show them. An employee's
    login reads its own (approved audits only)."""
    require_role(*READERS, "employee")
    person = get_visible_or_404(Employee, employee_id, figures.sees_employee)
    return {**_figures(figures.for_employee(person, _own(_filters(args)))),
            "actions": report_block(employee_id=person.id, anonymous=hides_auditor(current())).as_dict()}


@blp.route("/reports/overview", methods=["GET"])
@blp.arguments(s.StrictFilters, location="query")
@blp.response(200, s.OverviewFigures)
@blp.errors(401, 403, 404, 422)
def overview_figures(args):
    """What the overview page shows for the branches in the reader's scope, with each branch."""
    require_role(*READERS)
    return _figures(figures.for_overview(_filters(args)))


@blp.route(f"/reports/audits/<{ID}:audit_id>.pdf", methods=["GET"])
@blp.arguments(s.AuditPdfQuery, location="query")
@blp.response(200, s.PDF, content_type="application/pdf", description="The audit's PDF.")
@blp.errors(401, 403, 404, 422)
def audit_pdf(args, audit_id):
    """One audit as a PDF (not for drafts): the score, sections, answers, comments and photos."""
    audit = get_visible_or_404(Audit, audit_id, can_download_audit_pdf)
    return pdf.download(lambda: pdf.audit_pdf(audit, _lang(args), anonymous=hides_auditor(current())),
                        f"audit-{audit.id}.pdf")


@blp.route(f"/reports/employees/<{ID}:employee_id>.pdf", methods=["GET"])
@blp.arguments(s.PeriodQuery, location="query")
@blp.response(200, s.PDF, content_type="application/pdf", description="The employee's PDF for the period.")
@blp.errors(401, 403, 404, 422)
def employee_pdf(args, employee_id):
    """An employee over a period as a PDF (default: the last 12 months); an employee's login gets its
    own, without the auditors' names."""
    require_role(*READERS, "employee")
    person = get_visible_or_404(Employee, employee_id, figures.sees_employee)
    f = _own(_filters(args, fixed={"employee_id": person.id, "branch_id": None, "region": None}))
    anonymous = hides_auditor(current())
    return pdf.download(lambda: pdf.employee_pdf(person, f, _lang(args), anonymous=anonymous),
                        pdf.period_name("employee", person.code, f))


@blp.route(f"/reports/branches/<{ID}:branch_id>.pdf", methods=["GET"])
@blp.arguments(s.PeriodQuery, location="query")
@blp.response(200, s.PDF, content_type="application/pdf", description="The branch's PDF for the period.")
@blp.errors(401, 403, 404, 422)
def branch_pdf(args, branch_id):
    """A branch over a period as a PDF (default: the last 12 months)."""
    require_role(*READERS)
    place = get_visible_or_404(Branch, branch_id, figures.sees_branch)
    f = _filters(args, fixed={"branch_id": place.id, "region": None, "employee_id": None})
    return pdf.download(lambda: pdf.branch_pdf(place, f, _lang(args)), pdf.period_name("branch", place.code, f))


@blp.route("/exports/<any(audits, answers):what>.<any(csv, xlsx):fmt>", methods=["GET"])
@blp.arguments(s.ExportQuery, location="query")
@blp.response(200, {"type": "string"}, content_type="text/csv", description=EXPORT_TEXT)
@blp.alt_response(200, schema=s.PDF, content_type=exports.MIMETYPES["xlsx"], success=True,
                  description=EXPORT_TEXT)
@blp.errors(401, 403, 404, 422)
def export(args, what, fmt):
    """Audits or answers as CSV or XLSX, with the dashboards' filters (approved audits of the last 12
    months unless the filters say otherwise), streamed."""
    require_role(*READERS)
    f = _filters(args)
    return exports.download(what, fmt, f)
