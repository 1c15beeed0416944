"""An employee's own page: their approved audits, scores, trend and KPIs, and their own PDF.

The figures are reports/figures.py's ``for_employee`` (through context.employee_report), the same
as a manager sees on the employee's report, without the auditors' names: a mystery shopper stays
anonymous to the person shopped. Only the ``employee`` role comes here (others: 403)."""
from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from accounts.permissions import roles_required
from branches.models import Employee
from core.models import get_setting
from core.web import error_response
from extensions import db
from reports import context, figures, pdf
from reports import queries as q
from reports.routes import _lang_arg, bp


def _own():
    """(employee or None, filters or None, errors) for the logged-in employee."""
    employee = db.session.get(Employee, current_user.employee_id) if current_user.employee_id else None
    if employee is None:
        return None, None, {}
    try:
        f = q.parse_filters(request.args, current_user)
    except q.FilterError as exc:
        return employee, None, {k: str(v) for k, v in exc.messages.items()}
    return employee, figures.own_filters(current_user, f), {}


def _refused(errors: dict):
    return error_response(400, _("Some filters are not valid: %(list)s",
                                 list="; ".join(f"{k}: {v}" for k, v in errors.items())), details=errors)


@bp.route("/me")
@roles_required("employee")
def mine():
    """The employee's start page: their figures and their approved audits."""
    employee, f, errors = _own()
    if errors:
        return _refused(errors)
    data = context.employee_report(employee, f, color=get_setting("brand_color"), anonymous=True) \
        if employee is not None else None
    return render_template("reports/mine.html", data=data, employee=employee,
                           audit_status_labels=context.AUDIT_STATUS_LABELS,
                           args={k: v for k, v in request.args.items() if k in ("from", "to")})


@bp.route("/me/report.pdf")
@roles_required("employee")
def mine_pdf():
    """The employee's own PDF report (the last 12 months unless ``from``/``to`` say otherwise)."""
    employee, f, errors = _own()
    if errors:
        return _refused(errors)
    if employee is None:
        return error_response(404, _("Your login is not linked to an employee."))
    return pdf.download(lambda: pdf.employee_pdf(employee, f, _lang_arg(), anonymous=True),
                        pdf.period_name("employee", employee.code, f))
