"""Branches and employees: read by admins, managers (their branches) and HR; changed by admins.

The same rules as the web pages (branches/routes.py): queries and saving go through
branches/services.py, visibility through accounts/permissions.py.
"""
from flask_babel import gettext as _

from accounts.permissions import can_see_branch
from api import schemas as s
from api.common import ID, current, fail, make_blueprint, not_found, paginate, require_role
from branches import services
from branches.models import Branch, Employee
from extensions import db

blp = make_blueprint("branches_api", "Branches and employees. Read: admin, manager (their branches), hr. "
                     "Create and change: admin.")

READERS = ("admin", "manager", "hr")


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


@blp.route("/branches", methods=["GET"])
@blp.arguments(s.BranchQuery, location="query", as_kwargs=True)
@blp.response(200, s.BranchPage)
@blp.errors(401, 403)
def list_branches(page, per_page, q="", active=None):
    """List the branches you may see (managers: their own)."""
    require_role(*READERS)
    query = services.branch_query(current(), q=q.strip(), active=active)
    return paginate(query, {"page": page, "per_page": per_page})


@blp.route("/branches", methods=["POST"])
@blp.arguments(s.BranchIn, example=s.EXAMPLE_BRANCH)
@blp.response(201, s.BranchSchema)
@blp.errors(401, 403, 409)
def create_branch(data):
    """Create a branch (admin)."""
    require_role("admin")
    try:
        branch = services.save_branch(Branch(), data)
    except services.DuplicateCode as exc:
        fail(409, str(exc), {"code": str(exc)}, "duplicate_code")
    db.session.commit()
    return branch


@blp.route(f"/branches/<{ID}:branch_id>", methods=["GET"])
@blp.response(200, s.BranchSchema)
@blp.errors(401, 403, 404)
def get_branch(branch_id):
    """One branch."""
    require_role(*READERS)
    return _visible_branch(branch_id)


@blp.route(f"/branches/<{ID}:branch_id>", methods=["PATCH"])
@blp.arguments(s.BranchIn(partial=True))
@blp.response(200, s.BranchSchema)
@blp.errors(401, 403, 404, 409)
def update_branch(data, branch_id):
    """Change a branch (admin); send only the fields to change."""
    require_role(*READERS)
    branch = _visible_branch(branch_id)
    require_role("admin")
    try:
        services.save_branch(branch, data)
    except services.DuplicateCode as exc:
        fail(409, str(exc), {"code": str(exc)}, "duplicate_code")
    db.session.commit()
    return branch


@blp.route("/employees", methods=["GET"])
@blp.arguments(s.EmployeeQuery, location="query", as_kwargs=True)
@blp.response(200, s.EmployeePage)
@blp.errors(401, 403)
def list_employees(page, per_page, q="", active=None, branch=None):
    """List the employees you may see; filter by branch."""
    require_role(*READERS)
    query = services.employee_query(current(), q=q.strip(), branch_id=branch, active=active)
    return paginate(query, {"page": page, "per_page": per_page})


def _check_branch_for_employee(branch_id):
    branch = db.session.get(Branch, branch_id)
    if branch is None:
        fail(422, _("There is no branch %(id)s.", id=branch_id), {"json": {"branch_id": ["No such branch."]}})


@blp.route("/employees", methods=["POST"])
@blp.arguments(s.EmployeeIn, example=s.EXAMPLE_EMPLOYEE)
@blp.response(201, s.EmployeeSchema)
@blp.errors(401, 403, 409)
def create_employee(data):
    """Create an employee (admin)."""
    require_role("admin")
    _check_branch_for_employee(data["branch_id"])
    try:
        employee = services.save_employee(Employee(), data)
    except services.DuplicateCode as exc:
        fail(409, str(exc), {"code": str(exc)}, "duplicate_code")
    db.session.commit()
    return employee


@blp.route(f"/employees/<{ID}:employee_id>", methods=["GET"])
@blp.response(200, s.EmployeeSchema)
@blp.errors(401, 403, 404)
def get_employee(employee_id):
    """One employee."""
    require_role(*READERS)
    return _visible_employee(employee_id)


@blp.route(f"/employees/<{ID}:employee_id>", methods=["PATCH"])
@blp.arguments(s.EmployeeIn(partial=True))
@blp.response(200, s.EmployeeSchema)
@blp.errors(401, 403, 404, 409)
def update_employee(data, employee_id):
    """Change an employee (admin); send only the fields to change."""
    require_role(*READERS)
    employee = _visible_employee(employee_id)
    require_role("admin")
    if "branch_id" in data:
        _check_branch_for_employee(data["branch_id"])
    try:
        services.save_employee(employee, data)
    except services.DuplicateCode as exc:
        fail(409, str(exc), {"code": str(exc)}, "duplicate_code")
    db.session.commit()
    return employee
