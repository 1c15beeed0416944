"""Report pages, PDF downloads and exports.

Who may see what (docs/roles.md): admins everything; HR every branch, read-only; managers
only their branches (another branch, its employees or audits: 404); auditors no reports at all
(403, also for the PDF of their own audit: they see it on the audit's page). Anonymous users are
sent to the login page.

Filters come from the query string (GET) and go through ``filters.parse_filters`` (the API's schema); a bad value
gives the page again with the filter form and a message, status 400, never a 500.
"""
from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts.permissions import can_download_audit_pdf, get_visible_or_404, hides_auditor, roles_required
from audits.models import Audit
from branches.models import Branch, Employee
from core.models import get_setting
from core.web import error_response
from extensions import db
from reports import context, exports, figures, pdf, rankings
from reports import queries as q

bp = Blueprint("reports", __name__)

REPORT_ROLES = ("admin", "manager", "hr")
PER_PAGE = 25


def register(app):
    from reports import (  # blueprints of their own
        batch_routes,
        impact_routes,
        mine,  # noqa: F401  (an employee's own page joins the blueprint)
    )

    app.register_blueprint(bp)
    impact_routes.register(app)
    app.register_blueprint(batch_routes.bp)

    @app.context_processor
    def report_helpers():
        return {"kpi_label": context.kpi_label, "kpi_row_label": context.kpi_row_label,
                "kpi_mean": context.kpi_mean, "has_endpoint": lambda name: name in app.view_functions}


def _reviewer() -> bool:
    return current_user.role in ("admin", "manager")


def _color() -> str:
    return get_setting("brand_color")


@bp.errorhandler(pdf.PdfError)
def pdf_failed(exc):
    return error_response(500, _("The PDF could not be made. Please try again; if it fails again, "
                                 "tell your administrator."))


def _visible_branch(branch_id: int) -> Branch:
    return get_visible_or_404(Branch, branch_id, figures.sees_branch)


def _visible_employee(employee_id: int) -> Employee:
    return get_visible_or_404(Employee, employee_id, figures.sees_employee)


def read_filters(fixed=None):
    """(Filters, {}) from the query string, or (None, {parameter: message}) for bad values.

    A branch or employee the user may not see is a 404, as if it did not exist."""
    try:
        f = q.parse_filters(request.args, current_user, fixed=fixed)
    except q.FilterError as exc:
        return None, {k: str(v) for k, v in exc.messages.items()}
    if f.branch_id is not None:
        _visible_branch(f.branch_id)
    if f.employee_id is not None:
        _visible_employee(f.employee_id)
    return f, {}


def _form_context(errors, fixed=(), f=None):
    """What the filter form needs: the choices this user may pick and the values in force."""
    values = dict(request.args) if f is None else {k: str(v) for k, v in f.as_args().items()}
    if f is not None:
        values.setdefault("status", "approved")
    return {"choices": q.filter_choices(current_user), "errors": errors, "fixed": set(fixed), "values": values,
            "channel_labels": context.CHANNEL_LABELS, "status_labels": context.STATUS_LABELS,
            "audit_status_labels": context.AUDIT_STATUS_LABELS}


def _bad_filters(template, errors, fixed=(), **kw):
    return render_template(template, data=None, **_form_context(errors, fixed), **kw), 400


@bp.route("/reports")
@roles_required(*REPORT_ROLES)
def overview():
    f, errors = read_filters()
    if errors:
        return _bad_filters("reports/overview.html", errors)
    data = context.overview(f, reviewer=_reviewer(), color=_color())
    ids = q.branch_ids(f)
    only = f.branch_id if f.branch_id else (next(iter(ids)) if ids is not None and len(ids) == 1 else None)
    branch = db.session.get(Branch, only) if only else None  # a manager of one branch: that branch
    return render_template("reports/overview.html", data=data, branch=branch, args=f.as_args(),
                           period_args=_period_args(f), **_form_context({}, f=f))


def _sort_args():
    sort = request.args.get("sort") or "mean"
    order = request.args.get("order") or ("asc" if sort in ("name", "branch") else "desc")
    errors = {}
    if sort not in rankings.EMPLOYEE_SORTS:
        errors["sort"] = _("Not a valid choice.")
    if order not in ("asc", "desc"):
        errors["order"] = _("Not a valid choice.")
    return sort, order, errors


def _page() -> int:
    raw = request.args.get("page", "1")
    return max(1, min(int(raw), 100_000)) if raw.isdigit() else 1


@bp.route("/reports/employees")
@roles_required(*REPORT_ROLES)
def employees():
    f, errors = read_filters()
    sort, order, sort_errors = _sort_args()
    errors.update(sort_errors)
    if errors:
        return _bad_filters("reports/employees.html", errors, sort_labels=context.SORT_LABELS, sort=sort,
                            order=order)
    page = rankings.employee_ranking(f, sort=sort, descending=order == "desc", page=_page(), per_page=PER_PAGE,
                              include_unaudited=True)
    args = f.as_args()
    return render_template("reports/employees.html", data={"filters": f, "described": context.describe_filters(f)},
                           pagination=page, args=args, sort=sort, order=order, sort_labels=context.SORT_LABELS,
                           **_form_context({}, f=f))


@bp.route("/reports/employees/<int:employee_id>")
@roles_required(*REPORT_ROLES)
def employee(employee_id):
    person = _visible_employee(employee_id)
    fixed = ("branch", "region", "employee")
    f, errors = read_filters(fixed={"employee_id": person.id, "branch_id": None, "region": None})
    if errors:
        return _bad_filters("reports/employee.html", errors, fixed, employee=person)
    data = context.employee_report(person, f, color=_color())
    return render_template("reports/employee.html", data=data, employee=person, args=_period_args(f),
                           **_form_context({}, fixed, f=f))


@bp.route("/reports/branches/<int:branch_id>")
@roles_required(*REPORT_ROLES)
def branch(branch_id):
    place = _visible_branch(branch_id)
    fixed = ("branch", "region", "employee")
    f, errors = read_filters(fixed={"branch_id": place.id, "region": None, "employee_id": None})
    if errors:
        return _bad_filters("reports/branch.html", errors, fixed, branch=place)
    data = context.branch_report(place, f, color=_color(), reviewer=_reviewer())
    return render_template("reports/branch.html", data=data, branch=place, args=_period_args(f),
                           **_form_context({}, fixed, f=f))


def _period_args(f: q.Filters) -> dict:
    """The filters to carry to another subject's page (not who the report is about)."""
    args = f.as_args()
    for key in ("branch", "region", "employee"):
        args.pop(key, None)
    return args


# --- PDFs ----------------------------------------------------------------------------------------

def _lang_arg() -> str:
    """The reader's language, or ?lang=es|en to get the other one."""
    from core.i18n import lang

    wanted = request.args.get("lang")
    return wanted if wanted in ("es", "en") else lang()


@bp.route("/reports/audits/<int:audit_id>.pdf")
@login_required
def audit_pdf(audit_id):
    audit = get_visible_or_404(Audit, audit_id, can_download_audit_pdf)
    return pdf.download(lambda: pdf.audit_pdf(audit, _lang_arg(), anonymous=hides_auditor(current_user)),
                        f"audit-{audit.id}.pdf")


@bp.route("/reports/employees/<int:employee_id>.pdf")
@roles_required(*REPORT_ROLES)
def employee_pdf(employee_id):
    person = _visible_employee(employee_id)
    f, errors = read_filters(fixed={"employee_id": person.id, "branch_id": None, "region": None})
    if errors:
        return _filter_error(errors)
    return pdf.download(lambda: pdf.employee_pdf(person, f, _lang_arg()),
                        pdf.period_name("employee", person.code, f))


@bp.route("/reports/branches/<int:branch_id>.pdf")
@roles_required(*REPORT_ROLES)
def branch_pdf(branch_id):
    place = _visible_branch(branch_id)
    f, errors = read_filters(fixed={"branch_id": place.id, "region": None, "employee_id": None})
    if errors:
        return _filter_error(errors)
    return pdf.download(lambda: pdf.branch_pdf(place, f, _lang_arg()),
                        pdf.period_name("branch", place.code, f))


def _filter_error(errors: dict):
    message = _("Some filters are not valid: %(list)s", list="; ".join(f"{k}: {v}" for k, v in errors.items()))
    return error_response(400, message, details=errors)


# --- exports -------------------------------------------------------------------------------------

@bp.route("/reports/exports/<what>.<fmt>")
@roles_required(*REPORT_ROLES)
def export(what, fmt):
    if what not in exports.EXPORTS or fmt not in exports.MIMETYPES:
        abort(404)
    f, errors = read_filters()
    if errors:
        return _filter_error(errors)
    return exports.download(what, fmt, f)
