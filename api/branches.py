"""Branches and employees: read by admins, managers (their branches) and HR; changed by admins.

The same rules as the web pages (branches/routes.py): queries and saving go through
branches/services.py, visibility through accounts/permissions.py. Auditors, like on the web page
where they start an unplanned audit (audits/routes.py), may read the active branches and their
active employees while the admin allows unplanned audits (audits.services.may_start_unplanned).
"""
from types import SimpleNamespace

from flask_babel import gettext as _

from accounts.permissions import can_see_branch
from api import schemas as s
from api.common import ID, current, fail, make_blueprint, not_found, paginate, require_role
from audits.services import may_start_unplanned
from branches import services
from branches.models import Branch, Employee
from extensions import db

blp = make_blueprint("branches_api", "Branches and employees. Read: admin, manager (their branches), hr; "
                     "auditors the active ones while unplanned audits are allowed. Create and change: admin.")

READERS = ("admin", "manager", "hr")
# Whom an auditor's branch list is made for: every branch (branch_ids_in_scope gives None).
EVERY_BRANCH = SimpleNamespace(role="admin", branch_ids=set())


def _reader():
    """The user, or for an auditor who may start unplanned audits a reader of every active branch
    (None when the user may not read branches at all: 403)."""
    user = current()
    if user.role in READERS:
        return user, None
    if user.role == "auditor" and may_start_unplanned(user):
        return EVERY_BRANCH, True
    fail(403, _("Your role does not allow this."), code="forbidden")


def _visible_branch(branch_id) -> Branch:
    reader, active_only = _reader()
    branch = db.session.get(Branch, branch_id)
    if branch is None or not can_see_branch(reader, branch.id) or (active_only and not branch.active):
        not_found()
    return branch


def _visible_employee(employee_id) -> Employee:
    reader, active_only = _reader()
    employee = db.session.get(Employee, employee_id)
    if employee is None or not can_see_branch(reader, employee.branch_id) \
            or (active_only and not (employee.active and employee.branch.active)):
        not_found()
    return employee


@blp.route("/branches", methods=["GET"])
@blp.arguments(s.BranchQuery, location="query", as_kwargs=True)
@blp.response(200, s.BranchPage)
@blp.errors(401, 403)
def list_branches(page, per_page, q="", active=None):
    """List the branches you may see (managers: their own; auditors: the active ones, to start an
    unplanned audit)."""
    reader, active_only = _reader()
    query = services.branch_query(reader, q=q.strip(), active=True if active_only else active)
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
    reader, active_only = _reader()
    query = services.employee_query(reader, q=q.strip(), branch_id=branch, active=True if active_only else active)
    if active_only:
        query = query.where(Branch.active.is_(True))
    return paginate(query, {"page": page, "per_page": per_page})


def _save(save, obj, data):
    """Save a branch or employee and commit; a code already in use is 409."""
    try:
        obj = save(obj, data)
    except services.DuplicateCode as exc:
        fail(409, str(exc), {"code": str(exc)}, "duplicate_code")
    db.session.commit()
    return obj


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
        _check_branch_for_employee(data["branch_id"])
    _save(services.save_employee, employee, data)
    return employee
