"""Corrective actions: list, create, read, and change one (its details or its state); every rule
is in actions/services.py, and a refusal is an AuditError mapped by core/errors.py."""

from accounts.permissions import get_visible_or_404
from actions import services
from actions.models import Action
from actions.queries import ActionFilters, action_query
from api import action_schemas as s
from api.audits import visible_audit
from api.common import ID, current, make_blueprint, paginate, require_role
from extensions import db

blp = make_blueprint("actions_api", "Corrective actions: a manager of the branch (or an admin) opens one on an "
                     "approved audit, a failed criterion or a section; its owner does it; another manager "
                     "verifies it. A critical failure opens one by itself (setting actions_on_critical).")

DETAIL_FIELDS = ("title", "description", "owner_id", "due_date", "priority")


def _visible(action_id) -> Action:
    return get_visible_or_404(Action, action_id, services.can_see_action)


@blp.route("/actions", methods=["GET"])
@blp.arguments(s.ActionQuery, location="query", as_kwargs=True)
@blp.response(200, s.ActionPage)
@blp.errors(401)
def list_actions(page, per_page, status=None, branch_id=None, owner_id=None, audit_id=None, criterion_key=None,
                 overdue=False):
    """The actions you may see, due soonest first.

    Managers see their branches' actions, HR and admins every branch's, owners their own, an
    employee's login also the actions on their audits. ``overdue=true``: only those open or in
    progress past their due date."""
    filters = ActionFilters(status=status, branch_id=branch_id, owner_id=owner_id, audit_id=audit_id,
                            criterion_key=criterion_key, overdue=bool(overdue))
    return paginate(action_query(current(), filters), {"page": page, "per_page": per_page})


@blp.route("/actions", methods=["POST"])
@blp.arguments(s.ActionIn, example=s.EXAMPLE_ACTION)
@blp.response(201, s.ActionSchema)
@blp.errors(401, 403, 404, 409, 422)
def create_action(data):
    """Open an action on an approved audit (a manager of its branch, or an admin).

    On a criterion the audit failed (``criterion_key``), a section (``section_key``) or the whole
    audit (neither); the owner is a manager of the branch or one of its employees' logins, who is
    told. An audit not approved yet: 409."""
    require_role("admin", "manager")
    audit = visible_audit(data["audit_id"])
    action = services.create_action(audit, current(), title=data["title"], owner_id=data["owner_id"],
                                    due_date=data["due_date"], description=data.get("description") or "",
                                    priority=data.get("priority") or "normal",
                                    criterion_key=data.get("criterion_key"), section_key=data.get("section_key"))
    db.session.commit()
    return action


@blp.route(f"/actions/<{ID}:action_id>", methods=["GET"])
@blp.response(200, s.ActionSchema)
@blp.errors(401, 404)
def get_action(action_id):
    """One action."""
    return _visible(action_id)


@blp.route(f"/actions/<{ID}:action_id>", methods=["PATCH"])
@blp.arguments(s.ActionChange(partial=True), example=s.EXAMPLE_CHANGE)
@blp.response(200, s.ActionSchema)
@blp.errors(401, 403, 404, 409, 422)
def update_action(data, action_id):
    """Change an action's details or its state.

    Details (title, description, owner_id, due_date, priority): a manager of the branch, while it
    is open or in progress. ``status``: in_progress, or done with a ``closing_note`` (its owner or
    a manager of the branch); verified (a manager of the branch who is not the owner: 403 for the
    owner); cancelled with a ``cancel_reason`` (a manager). An impossible change is 409."""
    action = _visible(action_id)
    details = {key: data[key] for key in DETAIL_FIELDS if key in data}
    if details:
        services.update_action(action, current(), **details)
    if "status" in data:
        services.change_status(action, current(), data["status"], closing_note=data.get("closing_note") or "",
                               cancel_reason=data.get("cancel_reason") or "")
    db.session.commit()
    return action
