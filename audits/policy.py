"""Who may do what with an audit or an assignment: one place for the rules that pages, the API
and the services all ask. Seeing a branch's things is accounts/permissions.py's; nobody reviews
their own work."""
from flask_babel import gettext as _

from accounts.permissions import can_manage_branch, can_see_audit, can_see_branch
from audits.errors import AuditConflict, AuditForbidden, AuditNotFound
from audits.models import Assignment, Audit

EDITABLE_STATUSES = ("draft", "returned")


def can_edit(user, audit: Audit) -> bool:
    """Fill, save and submit: only the audit's own auditor, while it is a draft or returned."""
    return audit.auditor_id == user.id and audit.status in EDITABLE_STATUSES


def can_review(user, audit: Audit) -> bool:
    """Approve or return: admins, and managers of the audit's branch, while it is submitted, but
    never the audit's own auditor."""
    return (audit.status == "submitted" and can_manage_branch(user, audit.branch_id)
            and not is_own_work(user, audit))


def is_own_work(user, audit: Audit) -> bool:
    """Nobody reviews their own work: the audit's own auditor may not approve or return it."""
    return audit.auditor_id == user.id


def can_see_assignment(user, assignment: Assignment) -> bool:
    """Auditors their own; managers their branches'; admins and HR all."""
    if user.role == "auditor":
        return assignment.auditor_id == user.id
    return can_see_branch(user, assignment.branch_id)


def can_plan(user, branch_id: int | None = None) -> bool:
    """Admins plan for every branch, managers for their own (any of them when branch_id is None)."""
    if branch_id is None:
        return user.role == "admin" or (user.role == "manager" and bool(user.branch_ids))
    return can_manage_branch(user, branch_id)


def require_visible(user, audit: Audit) -> None:
    if not can_see_audit(user, audit):
        raise AuditNotFound(_("There is no such audit, or it is not yours to see."))


def require_editable(user, audit: Audit) -> None:
    require_visible(user, audit)
    if audit.auditor_id != user.id:
        raise AuditForbidden(_("Only the auditor who made this audit can change it."))
    if audit.status not in EDITABLE_STATUSES:
        raise AuditConflict(_("This audit is %(status)s and can no longer be changed.",
                              status=status_label(audit.status)),
                            details={"status": audit.status})


def status_label(status: str) -> str:
    return {"draft": _("a draft"), "submitted": _("submitted"), "returned": _("returned"),
            "approved": _("approved")}.get(status, status)
