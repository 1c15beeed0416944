"""Who may see and change what (../shared/PRODUCT.md, "People and what each may do").

Every route calls these; the rules live here once, for the web pages and the API alike.
"""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

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


def can_manage_branch(user, branch_id: int) -> bool:
    """Plan, review and approve: admins everywhere, managers in their own branches."""
    if user.role == "admin":
        return True
    return user.role == "manager" and branch_id in user.branch_ids


def can_see_audit(user, audit) -> bool:
    if user.role == "auditor":
        return audit.auditor_id == user.id
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
