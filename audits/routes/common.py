"""What the audit pages share: the blueprint, paging, and the "visible or not found" loaders."""
import uuid

from flask import Blueprint, request

from accounts.permissions import can_see_audit, get_visible_or_404
from audits.models import Assignment, Audit
from audits.policy import can_see_assignment

bp = Blueprint("audits", __name__)

PAGE_SIZE = 30
ANSWERABLE = ("yes_no", "scale", "choice", "number", "text")


def page_arg() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))


def visible_audit(audit_id) -> Audit:
    """The audit, or 404 for anyone who may not see it (someone else's audit does not exist)."""
    return get_visible_or_404(Audit, audit_id, can_see_audit)


def visible_assignment(assignment_id) -> Assignment:
    return get_visible_or_404(Assignment, assignment_id, can_see_assignment)


def new_client_id() -> str:
    return str(uuid.uuid4())
