from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts.permissions import branch_ids_in_scope, can_see_branch, roles_required
from branches import services
from branches.forms import BranchForm, EmployeeForm
from branches.models import Branch, Employee
from extensions import db

bp = Blueprint("branches", __name__)

PAGE_SIZE = 50


def register(app):
    app.register_blueprint(bp)


def _page() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))


@bp.route("/branches")
@roles_required("admin", "manager", "hr")
def list_branches():
    q = (request.args.get("q") or "").strip()[:100]
    show = request.args.get("show", "active")
    query = services.branch_query(current_user, q=q, active=None if show == "all" else True)
    pagination = db.paginate(query, page=_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("branches/branches.html", pagination=pagination, q=q, show=show)


def _form_page(form, obj, save, template, list_endpoint, created, saved, **context):
    """Create or edit a branch or employee: the admin saves, others read; one flow for both."""
    if request.method == "POST":
        if current_user.role != "admin":
            abort(403)
        if form.validate_on_submit():
            is_new = obj.id is None
            try:
                save(obj, form.data)
            except services.DuplicateCode as exc:
                form.code.errors.append(str(exc))
            else:
                db.session.commit()
                flash((created if is_new else saved) % {"name": obj.name}, "success")
                return redirect(url_for(list_endpoint))
    return render_template(template, form=form, read_only=current_user.role != "admin", **context)


def _branch_page(branch):
    return _form_page(BranchForm(obj=branch), branch or Branch(), services.save_branch,
                      "branches/branch_form.html", "branches.list_branches",
                      _("Branch %(name)s was created."), _("Branch %(name)s was saved."), branch=branch)


@bp.route("/branches/new", methods=["GET", "POST"])
@roles_required("admin")
def create_branch():
    return _branch_page(None)


@bp.route("/branches/<int:branch_id>", methods=["GET", "POST"])
@roles_required("admin", "manager", "hr")
def edit_branch(branch_id):
    branch = db.session.get(Branch, branch_id)
    if branch is None or not can_see_branch(current_user, branch.id):
        abort(404)
    return _branch_page(branch)


@bp.route("/employees")
@roles_required("admin", "manager", "hr")
def list_employees():
    q = (request.args.get("q") or "").strip()[:100]
    show = request.args.get("show", "active")
    branch_id = request.args.get("branch", type=int)
    query = services.employee_query(current_user, q=q, branch_id=branch_id,
                                    active=None if show == "all" else True)
    pagination = db.paginate(query, page=_page(), per_page=PAGE_SIZE, error_out=False)
    branches = db.session.scalars(services.branch_query(current_user)).all()
    return render_template("branches/employees.html", pagination=pagination, q=q, show=show,
                           branches=branches, branch_id=branch_id)


def _employee_form(employee=None):
    form = EmployeeForm(obj=employee)
    scope = branch_ids_in_scope(current_user)
    query = db.select(Branch).order_by(Branch.name)
    if scope is not None:
        query = query.where(Branch.id.in_(scope))
    form.branch_id.choices = [(b.id, f"{b.code} · {b.name}") for b in db.session.scalars(query)]
    return form


def _employee_page(employee):
    return _form_page(_employee_form(employee), employee or Employee(), services.save_employee,
                      "branches/employee_form.html", "branches.list_employees",
                      _("Employee %(name)s was created."), _("Employee %(name)s was saved."), employee=employee)


@bp.route("/employees/new", methods=["GET", "POST"])
@roles_required("admin")
def create_employee():
    return _employee_page(None)


@bp.route("/employees/<int:employee_id>", methods=["GET", "POST"])
@roles_required("admin", "manager", "hr")
def edit_employee(employee_id):
    employee = db.session.get(Employee, employee_id)
    if employee is None or not can_see_branch(current_user, employee.branch_id):
        abort(404)
    return _employee_page(employee)
