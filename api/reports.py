"""PDF reports and CSV/XLSX exports: admins, managers (their branches) and HR, as on the web.

The documents are reports/pdf.py's and reports/exports.py's; the filters are the dashboards'
(reports/queries.parse_filters), scoped to the token's user.
"""
from flask import Response, stream_with_context
from flask_babel import gettext as _

from accounts.permissions import can_see_audit, can_see_branch
from api import schemas as s
from api.common import ID, current, fail, make_blueprint, not_found, require_role
from audits.models import Audit
from branches.models import Branch, Employee
from extensions import db
from reports import exports, pdf
from reports import queries as q
from scorecards import services as scorecard_services

blp = make_blueprint("reports_api", "PDF reports and exports (admin, manager for their branches, hr).")

READERS = ("admin", "manager", "hr")
EXPORT_TEXT = "CSV or XLSX: one row per audit (audits) or per answer (answers)."


def _filters(args: dict, fixed=None) -> q.Filters:
    """The dashboards' filters from parsed query arguments; 422 naming each bad one; 404 for a
    branch or employee the user may not see."""
    raw = {}
    for key, value in args.items():
        if key == "date_from":
            raw["from"] = value.isoformat()
        elif key == "date_to":
            raw["to"] = value.isoformat()
        elif key == "scorecard":
            card = scorecard_services.get_by_slug(value)
            if card is None:
                fail(422, _("There is no scorecard %(slug)s.", slug=value),
                     {"query": {"scorecard": ["No such scorecard."]}})
            raw["scorecard"] = str(card.id)
        elif key != "lang":
            raw[key] = str(value)
    try:
        f = q.parse_filters(raw, current(), fixed=fixed)
    except q.FilterError as exc:
        problems = {k: [str(v)] for k, v in exc.messages.items()}
        listed = "; ".join(f"{k}: {v[0]}" for k, v in problems.items())
        fail(422, _("Some filters are not valid: %(list)s", list=listed), {"query": problems})
    if f.branch_id is not None:
        _visible_branch(f.branch_id)
    if f.employee_id is not None:
        _visible_employee(f.employee_id)
    return f


def _visible_branch(branch_id) -> Branch:
    branch = db.session.get(Branch, branch_id)
    if branch is None or not can_see_branch(current(), branch.id):
        not_found()
    return branch


def _visible_employee(employee_id) -> Employee:
    employee = db.session.get(Employee, employee_id)
    if employee is None or not can_see_branch(current(), employee.branch_id):
        not_found()
    return employee


def _lang(args) -> str:
    return args.get("lang") or current().language or "es"


def _pdf(make, name: str) -> Response:
    try:
        data = make()
    except pdf.PdfError:
        fail(500, _("The PDF could not be made. Please try again; if it fails again, tell your administrator."),
             code="pdf_failed")
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _period(f: q.Filters) -> str:
    return "-".join(d.isoformat() for d in (f.date_from, f.date_to) if d) or "all"


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


@blp.route(f"/reports/audits/<{ID}:audit_id>.pdf", methods=["GET"])
@blp.arguments(s.AuditPdfQuery, location="query")
@blp.response(200, s.PDF, content_type="application/pdf", description="The audit's PDF.")
@blp.errors(401, 403, 404)
def audit_pdf(args, audit_id):
    """One audit as a PDF (not for drafts): the score, sections, answers, comments and photos."""
    require_role(*READERS)
    audit = db.session.get(Audit, audit_id)
    if audit is None or audit.status == "draft" or not can_see_audit(current(), audit):
        not_found()
    return _pdf(lambda: pdf.audit_pdf(audit, _lang(args)), f"audit-{audit.id}.pdf")


@blp.route(f"/reports/employees/<{ID}:employee_id>.pdf", methods=["GET"])
@blp.arguments(s.PeriodQuery, location="query")
@blp.response(200, s.PDF, content_type="application/pdf", description="The employee's PDF for the period.")
@blp.errors(401, 403, 404)
def employee_pdf(args, employee_id):
    """An employee over a period as a PDF (default: the last 12 months)."""
    require_role(*READERS)
    person = _visible_employee(employee_id)
    f = _filters(args, fixed={"employee_id": person.id, "branch_id": None, "region": None})
    return _pdf(lambda: pdf.employee_pdf(person, f, _lang(args)), _safe(f"employee-{person.code}-{_period(f)}.pdf"))


@blp.route(f"/reports/branches/<{ID}:branch_id>.pdf", methods=["GET"])
@blp.arguments(s.PeriodQuery, location="query")
@blp.response(200, s.PDF, content_type="application/pdf", description="The branch's PDF for the period.")
@blp.errors(401, 403, 404)
def branch_pdf(args, branch_id):
    """A branch over a period as a PDF (default: the last 12 months)."""
    require_role(*READERS)
    place = _visible_branch(branch_id)
    f = _filters(args, fixed={"branch_id": place.id, "region": None, "employee_id": None})
    return _pdf(lambda: pdf.branch_pdf(place, f, _lang(args)), _safe(f"branch-{place.code}-{_period(f)}.pdf"))


@blp.route("/exports/<any(audits, answers):what>.<any(csv, xlsx):fmt>", methods=["GET"])
@blp.arguments(s.ExportQuery, location="query")
@blp.response(200, {"type": "string"}, content_type="text/csv", description=EXPORT_TEXT)
@blp.alt_response(200, schema=s.PDF, content_type=exports.MIMETYPES["xlsx"], success=True,
                  description=EXPORT_TEXT)
@blp.errors(401, 403, 404)
def export(args, what, fmt):
    """Audits or answers as CSV or XLSX, with the dashboards' filters (approved audits of the last 12
    months unless the filters say otherwise), streamed."""
    require_role(*READERS)
    f = _filters(args)
    body = stream_with_context(exports.export(what, fmt, f))
    response = Response(body, mimetype=exports.MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{_safe(exports.filename(what, fmt, f))}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
