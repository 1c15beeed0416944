"""Who may see and change what (docs/roles.md).

Every route calls these; the rules live here once, for the web pages and the API alike.
"""
from functools import wraps
from typing import NamedTuple

from flask import abort
from flask_login import current_user, login_required

from core.models import get_setting
from extensions import db


def roles_required(*roles):
    """Log in first; then 403 for a role that may not use this page at all."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def sees_all_branches(user) -> bool:
    return user.role in ("admin", "hr")


def branch_ids_in_scope(user):
    """None means every branch; else the set of branch ids the user may see."""
    if sees_all_branches(user):
        return None
    if user.role == "manager":
        return user.branch_ids
    return set()


def can_see_branch(user, branch_id: int) -> bool:
    scope = branch_ids_in_scope(user)
    return scope is None or branch_id in scope


def may_start_unplanned(user) -> bool:
    """Auditors start audits without an assignment only where the admin allows it; admins and
    managers always may (in their scope); HR and employees never do."""
    if user.role == "auditor":
        return bool(get_setting("allow_unplanned_audits"))
    return user.role in ("admin", "manager")


class BranchReading(NamedTuple):
    ids: set[int] | None  # None: every branch
    active_only: bool


def branches_readable(user) -> BranchReading | None:
    """Which branches (and their employees) the user may read, for the branch pages, the API and the
    unplanned-audit form: admins and HR every one, managers their own, and auditors every active one
    while they may start unplanned audits (they pick where they were and who served them).
    None: no branch at all (a 403 where a page or operation is about branches)."""
    if user.role in ("admin", "hr", "manager"):
        return BranchReading(branch_ids_in_scope(user), False)
    if user.role == "auditor" and may_start_unplanned(user):
        return BranchReading(None, True)
    return None


def can_read_branch(user, branch) -> bool:
    reading = branches_readable(user)
    return reading is not None and (reading.ids is None or branch.id in reading.ids) \
        and (branch.active or not reading.active_only)


def can_read_employee(user, employee) -> bool:
    return can_read_branch(user, employee.branch) and (employee.active or not branches_readable(user).active_only)


def can_manage_branch(user, branch_id: int) -> bool:
    """Plan, review and approve: admins everywhere, managers in their own branches."""
    if user.role == "admin":
        return True
    return user.role == "manager" and branch_id in user.branch_ids


def is_own_employee(user, employee_id) -> bool:
    """An employee's login and its own Employee record (the person the audits are about)."""
    return user.role == "employee" and user.employee_id is not None and employee_id == user.employee_id


def hides_auditor(user) -> bool:
    """A mystery shopper stays anonymous to the person shopped: an employee's login never learns
    who audited them (pages, PDFs, JSON and history alike). No user (a webhook's payload, made
    outside a request) is the system, which hides nothing."""
    return user is not None and user.role == "employee"


def can_see_audit(user, audit) -> bool:
    if user.role == "auditor":
        return audit.auditor_id == user.id
    if user.role == "employee":  # their own approved audits only: never a draft or one under review
        return audit.status == "approved" and is_own_employee(user, audit.employee_id)
    return can_see_branch(user, audit.branch_id)


def can_download_audit_pdf(user, audit) -> bool:
    """An audit's PDF: whoever may see the audit (its own auditor included, for their records),
    once it is submitted; a draft has no PDF."""
    return audit.status != "draft" and can_see_audit(user, audit)


def get_visible_or_404(model, ident, check):
    """Load a row and hide it (404) from anyone ``check(user, row)`` refuses: the one "visible or
    not found" path of pages and API alike (no hint that the row exists)."""
    row = db.session.get(model, ident)
    if row is None or not check(current_user, row):
        abort(404)
    return row
