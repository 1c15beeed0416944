"""The security log's pages (admin), its retention settings, and an employee's data rights on the
web: the personal-data ZIP (admin, HR) and the erasure, asked twice (admin)."""
from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts.models import User
from accounts.permissions import roles_required
from branches.models import Employee
from core.models import all_settings, set_setting
from extensions import db
from security import archive, erasure, forms, log

bp = Blueprint("security", __name__)

PER_PAGE = 50


def register(app):
    app.register_blueprint(bp)


def _day(name: str, errors: dict) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("Use a date such as 2026-01-31.")
        return None


@bp.route("/security/events")
@roles_required("admin")
def events():
    errors = {}
    kind = request.args.get("type") or None
    if kind and kind not in log.TYPES:
        errors["type"] = _("Not a valid choice.")
        kind = None
    user_raw = request.args.get("user") or ""
    user_id = int(user_raw) if user_raw.isdigit() and int(user_raw) < 2**31 else None
    if user_raw and user_id is None:
        errors["user"] = _("Not a valid choice.")
    day_from, day_to = _day("from", errors), _day("to", errors)
    start = datetime.combine(day_from, time.min) if day_from else None
    end = datetime.combine(day_to + timedelta(days=1), time.min) if day_to else None  # the last day included
    query = log.event_query(type_=kind, user_id=user_id, date_from=start, date_to=end)
    page = request.args.get("page", "1")
    pagination = db.paginate(query, page=max(1, min(int(page), 100_000)) if page.isdigit() else 1,
                             per_page=PER_PAGE, error_out=False)
    users = db.session.execute(db.select(User.id, User.name).order_by(User.name)).all()
    args = {k: v for k, v in {"type": kind, "user": user_id, "from": day_from, "to": day_to}.items() if v}
    return render_template("security/events.html", pagination=pagination, types=log.TYPES, users=users,
                           args=args, errors=errors), (400 if errors else 200)


@bp.route("/security/settings", methods=["GET", "POST"])
@roles_required("admin")
def settings():
    form = forms.RetentionForm(data=all_settings())
    if form.validate_on_submit():
        before = all_settings()
        changes = {}
        for key in ("security_log_days", "audit_retention_months"):
            value = getattr(form, key).data
            if before[key] != value:
                set_setting(key, value)
                changes[key] = [before[key], value]
        if changes:
            log.record("settings_changed", details={"changes": changes})
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("security.settings"))
    return render_template("security/settings.html", form=form)


def _employee(employee_id: int) -> Employee:
    employee = db.session.get(Employee, employee_id)
    if employee is None:
        abort(404)
    return employee


@bp.route("/employees/<int:employee_id>/personal-data.zip")
@roles_required("admin", "hr")
def personal_data_zip(employee_id):
    employee = _employee(employee_id)
    data = archive.personal_data_zip(employee, request.args.get("lang") if request.args.get("lang") in ("es", "en")
                                     else (current_user.language or "es"))
    log.record("personal_data_exported", details={"employee_id": employee.id, "format": "zip"}, now=True)
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{archive.zip_name(employee)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/employees/<int:employee_id>/erase", methods=["GET", "POST"])
@roles_required("admin")
def erase(employee_id):
    employee = _employee(employee_id)
    done = erasure.erasure_of(employee)
    form = forms.EraseForm()
    if done is None and form.validate_on_submit():
        if form.confirm_code.data.strip() != employee.code:
            form.confirm_code.errors.append(_("This is not the employee's code."))
        else:
            erasure.erase(employee, current_user._get_current_object(), form.reason.data)
            db.session.commit()
            flash(_("The employee was erased: they are now %(pseudonym)s.", pseudonym=employee.name), "success")
            return redirect(url_for("branches.edit_employee", employee_id=employee.id))
    status = 400 if request.method == "POST" else 200
    return render_template("security/erase.html", form=form, employee=employee, done=done), status
