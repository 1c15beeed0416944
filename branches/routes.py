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


@bp.route("/branches/new", methods=["GET", "POST"])
@roles_required("admin")
def create_branch():
    form = BranchForm()
    if form.validate_on_submit():
        try:
            branch = services.save_branch(Branch(), form.data)
        except services.DuplicateCode as exc:
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Branch %(name)s was created.", name=branch.name), "success")
            return redirect(url_for("branches.list_branches"))
    return render_template("branches/branch_form.html", form=form, branch=None)


@bp.route("/branches/<int:branch_id>", methods=["GET", "POST"])
@roles_required("admin", "manager", "hr")
def edit_branch(branch_id):
    branch = db.session.get(Branch, branch_id)
    if branch is None or not can_see_branch(current_user, branch.id):
        abort(404)
    form = BranchForm(obj=branch)
    if request.method == "POST":
        if current_user.role != "admin":
            abort(403)
        if form.validate_on_submit():
            try:
                services.save_branch(branch, form.data)
            except services.DuplicateCode as exc:
                form.code.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("Branch %(name)s was saved.", name=branch.name), "success")
                return redirect(url_for("branches.list_branches"))
    return render_template("branches/branch_form.html", form=form, branch=branch,
                           read_only=current_user.role != "admin")


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


@bp.route("/employees/new", methods=["GET", "POST"])
@roles_required("admin")
def create_employee():
    form = _employee_form()
    if form.validate_on_submit():
        try:
            employee = services.save_employee(Employee(), form.data)
        except services.DuplicateCode as exc:
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Employee %(name)s was created.", name=employee.name), "success")
            return redirect(url_for("branches.list_employees"))
    return render_template("branches/employee_form.html", form=form, employee=None)


@bp.route("/employees/<int:employee_id>", methods=["GET", "POST"])
@roles_required("admin", "manager", "hr")
def edit_employee(employee_id):
    employee = db.session.get(Employee, employee_id)
    if employee is None or not can_see_branch(current_user, employee.branch_id):
        abort(404)
    form = _employee_form(employee)
    if request.method == "POST":
        if current_user.role != "admin":
            abort(403)
        if form.validate_on_submit():
            try:
                services.save_employee(employee, form.data)
            except services.DuplicateCode as exc:
                form.code.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("Employee %(name)s was saved.", name=employee.name), "success")
                return redirect(url_for("branches.list_employees"))
    return render_template("branches/employee_form.html", form=form, employee=employee,
                           read_only=current_user.role != "admin")
