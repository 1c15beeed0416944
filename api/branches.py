"""Branches and employees: read by admins, managers (their branches) and HR; changed by admins.

The same rules as the web pages (branches/routes.py): queries and saving go through
branches/services.py, who may read which branch through accounts.permissions.branches_readable
(auditors read the active branches and their active employees while the admin allows unplanned
audits, as on the page where they start one).
"""
from flask_babel import gettext as _

from accounts.permissions import branches_readable, can_read_branch, can_read_employee
from api import schemas as s
from api.common import ID, current, fail, make_blueprint, not_found, paginate, require_role
from branches import services
from branches.models import Branch, Employee
from extensions import db

blp = make_blueprint("branches_api", "Branches and employees. Read: admin, manager (their branches), hr; "
                     "auditors the active ones while unplanned audits are allowed. Create and change: admin.")


def _reader():
    """The user, when they may read branches at all (else 403)."""
    user = current()
    if branches_readable(user) is None:
        fail(403, _("Your role does not allow this."), code="forbidden")
    return user


def _visible_branch(branch_id) -> Branch:
    user = _reader()
    branch = db.session.get(Branch, branch_id)
    if branch is None or not can_read_branch(user, branch):
        not_found()
    return branch


def _visible_employee(employee_id) -> Employee:
    user = _reader()
    employee = db.session.get(Employee, employee_id)
    if employee is None or not can_read_employee(user, employee):
        not_found()
    return employee


@blp.route("/branches", methods=["GET"])
@blp.arguments(s.BranchQuery, location="query", as_kwargs=True)
@blp.response(200, s.BranchPage)
@blp.errors(401, 403)
def list_branches(page, per_page, q="", active=None):
    """List the branches you may see (managers: their own; auditors: the active ones, to start an
    unplanned audit)."""
    query = services.branch_query(_reader(), q=q.strip(), active=active)
    return paginate(query, {"page": page, "per_page": per_page})


@blp.route("/branches", methods=["POST"])
@blp.arguments(s.BranchIn, example=s.EXAMPLE_BRANCH)
@blp.response(201, s.BranchSchema)
@blp.errors(401, 403, 409)
def create_branch(data):
    """Create a branch (admin)."""
    require_role("admin")
    branch = _save(services.save_branch, Branch(), data)
    return branch


@blp.route(f"/branches/<{ID}:branch_id>", methods=["GET"])
@blp.response(200, s.BranchSchema)
@blp.errors(401, 403, 404)
def get_branch(branch_id):
    """One branch."""
    return _visible_branch(branch_id)


@blp.route(f"/branches/<{ID}:branch_id>", methods=["PATCH"])
@blp.arguments(s.BranchIn(partial=True))
@blp.response(200, s.BranchSchema)
@blp.errors(401, 403, 404, 409)
def update_branch(data, branch_id):
    """Change a branch (admin); send only the fields to change."""
    branch = _visible_branch(branch_id)
    require_role("admin")
    _save(services.save_branch, branch, data)
    return branch


@blp.route("/employees", methods=["GET"])
@blp.arguments(s.EmployeeQuery, location="query", as_kwargs=True)
@blp.response(200, s.EmployeePage)
@blp.errors(401, 403)
def list_employees(page, per_page, q="", active=None, branch=None):
    """List the employees you may see; filter by branch."""
    query = services.employee_query(_reader(), q=q.strip(), branch_id=branch, active=active)
    return paginate(query, {"page": page, "per_page": per_page})


def _save(save, obj, data):
    """Save a branch or employee and commit; a code already in use is 409."""
    try:
        obj = save(obj, data)
    except services.DuplicateCode as exc:
        fail(409, str(exc), {"code": str(exc)}, "duplicate_code")
    db.session.commit()
    return obj


def _check_branch_for_employee(branch_id, changing=False):
    branch = db.session.get(Branch, branch_id)
    if branch is None:
        # A reference to nothing answers as a path to nothing does (404) when making something; when
        # changing the employee the path names, 404 would say the employee is gone: 409 (docs/api.md).
        fail(409 if changing else 404, _("There is no branch %(id)s.", id=branch_id),
             {"json": {"branch_id": ["No such branch."]}}, "not_found")


@blp.route("/employees", methods=["POST"])
@blp.arguments(s.EmployeeIn, example=s.EXAMPLE_EMPLOYEE)
@blp.response(201, s.EmployeeSchema)
@blp.errors(401, 403, 404, 409)
def create_employee(data):
    """Create an employee (admin)."""
    require_role("admin")
    _check_branch_for_employee(data["branch_id"])
    employee = _save(services.save_employee, Employee(), data)
    return employee


@blp.route(f"/employees/<{ID}:employee_id>", methods=["GET"])
@blp.response(200, s.EmployeeSchema)
@blp.errors(401, 403, 404)
def get_employee(employee_id):
    """One employee."""
    return _visible_employee(employee_id)


@blp.route(f"/employees/<{ID}:employee_id>", methods=["PATCH"])
@blp.arguments(s.EmployeeIn(partial=True))
@blp.response(200, s.EmployeeSchema)
@blp.errors(401, 403, 404, 409)
def update_employee(data, employee_id):
    """Change an employee (admin); send only the fields to change."""
    employee = _visible_employee(employee_id)
    require_role("admin")
    if "branch_id" in data:
        _check_branch_for_employee(data["branch_id"], changing=True)
    _save(services.save_employee, employee, data)
    return employee
