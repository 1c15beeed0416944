"""Branches and employees: queries scoped to the user, and saving with the rules checked once."""
from flask_babel import gettext as _

from accounts.permissions import branches_readable
from branches.models import Branch, Employee
from extensions import db

BRANCH_FIELDS = ("code", "name", "city", "region", "address", "active", "latitude", "longitude")
EMPLOYEE_FIELDS = ("code", "name", "branch_id", "position", "active")


class DuplicateCode(ValueError):
    pass


def _readable(query, user, branch_column, active):
    """Narrow ``query`` to the branches the user may read (accounts.permissions.branches_readable):
    nothing, some, or every branch; where only active ones are readable, ``active`` is forced on."""
    reading = branches_readable(user)
    if reading is None:
        return query.where(db.false()), active
    if reading.ids is not None:
        query = query.where(branch_column.in_(reading.ids))
    if reading.active_only:
        query, active = query.where(Branch.active.is_(True)), True
    return query, active


def branch_query(user, q: str = "", active: bool | None = True):
    """The branches the user may read (accounts.permissions.branches_readable), with filters."""
    query, active = _readable(db.select(Branch).order_by(Branch.name), user, Branch.id, active)
    if active is not None:
        query = query.where(Branch.active.is_(active))
    if q:
        like = f"%{q}%"
        query = query.where(db.or_(Branch.name.ilike(like), Branch.code.ilike(like),
                                   Branch.city.ilike(like), Branch.region.ilike(like)))
    return query


def employee_query(user, q: str = "", branch_id: int | None = None, active: bool | None = True):
    query, active = _readable(db.select(Employee).join(Employee.branch).order_by(Employee.name), user,
                              Employee.branch_id, active)
    if branch_id:
        query = query.where(Employee.branch_id == branch_id)
    if active is not None:
        query = query.where(Employee.active.is_(active))
    if q:
        like = f"%{q}%"
        query = query.where(db.or_(Employee.name.ilike(like), Employee.code.ilike(like),
                                   Employee.position.ilike(like)))
    return query


def _save(model, obj, data: dict, fields, label):
    code = (data.get("code") or "").strip()
    clash = db.session.scalar(db.select(model.id).where(model.code == code, model.id != obj.id)) \
        if obj.id else db.session.scalar(db.select(model.id).where(model.code == code))
    if clash is not None:
        raise DuplicateCode(_("The code %(code)s is already used by another %(what)s.", code=code, what=label))
    for field in fields:
        if field in data:
            value = data[field]
            setattr(obj, field, value.strip() if isinstance(value, str) else value)
    if obj.id is None:
        db.session.add(obj)
    db.session.flush()
    return obj


def save_branch(branch: Branch, data: dict) -> Branch:
    return _save(Branch, branch, data, BRANCH_FIELDS, _("branch"))


def save_employee(employee: Employee, data: dict) -> Employee:
    return _save(Employee, employee, data, EMPLOYEE_FIELDS, _("employee"))
