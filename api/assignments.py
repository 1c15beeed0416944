"""Assignments: planned audits. Admins plan for every branch, managers for their own; auditors
list their own; HR reads. The rules are audits/assignments.py's (plan_assignment,
update_assignment, delete_assignment, assignment_query) and audits/policy.py's
(can_see_assignment); a refusal (AuditError) becomes the API's error body in the app's error
handler (core/errors.py).
"""
from flask_babel import gettext as _

from accounts.permissions import get_visible_or_404
from api import audit_schemas as s
from api.common import ID, current, fail, make_blueprint, paginate
from audits import assignments
from audits.models import Assignment
from audits.policy import can_see_assignment
from extensions import db
from scorecards import services as scorecard_services

blp = make_blueprint("assignments_api", "Assignments (planned audits). Plan: admin, manager (their branches). "
                     "Read: auditors their own, managers their branches, admin and hr all.")

FIELDS = {"branch_id": "branch", "scorecard": "scorecard", "employee_id": "employee", "due_date": "due_date",
          "notes": "notes"}


def visible_assignment(assignment_id) -> Assignment:
    return get_visible_or_404(Assignment, assignment_id, can_see_assignment)


def _values(data: dict) -> dict:
    """The service's keyword arguments from the JSON body (only the keys sent)."""
    if "auditor_id" in data and "auditor_email" in data:
        fail(422, _("Give auditor_id or auditor_email, not both."),
             {"json": {"auditor_email": [_("Give auditor_id or auditor_email, not both.")]}})
    values = {}
    if "auditor_id" in data:
        values["auditor"] = data["auditor_id"]
    elif "auditor_email" in data:
        values["auditor"] = data["auditor_email"].strip().lower()
    for key, name in FIELDS.items():
        if key in data:
            values[name] = data[key]
    return values


@blp.route("/assignments", methods=["GET"])
@blp.arguments(s.AssignmentQuery, location="query", as_kwargs=True)
@blp.response(200, s.AssignmentPage)
@blp.errors(401)
def list_assignments(page, per_page, status=None, auditor=None, branch=None, scorecard=None):
    """The assignments you may see, soonest due first: auditors their own, managers their branches'."""
    scorecard_id = None
    if scorecard:
        card = scorecard_services.get_by_slug(scorecard)
        if card is None:
            return {"items": [], "page": page, "per_page": per_page, "total": 0, "pages": 0}
        scorecard_id = card.id
    query = assignments.assignment_query(current(), status=status, auditor_id=auditor, branch_id=branch,
                                         scorecard_id=scorecard_id)
    return paginate(query, {"page": page, "per_page": per_page})


@blp.route("/assignments", methods=["POST"])
@blp.arguments(s.AssignmentIn, example=s.EXAMPLE_ASSIGNMENT)
@blp.response(201, s.AssignmentSchema)
@blp.errors(401, 403, 404, 409)
def create_assignment(data):
    """Plan an audit (admin; manager for their branches): who audits which branch with which scorecard,
    maybe one employee, by when."""
    values = _values(data)
    if "auditor" not in values:
        fail(422, _("Give auditor_id or auditor_email."),
             {"json": {"auditor_id": [_("Give auditor_id or auditor_email.")]}})
    assignment = assignments.plan_assignment(current(), **values)
    db.session.commit()
    return assignment


@blp.route(f"/assignments/<{ID}:assignment_id>", methods=["GET"])
@blp.response(200, s.AssignmentSchema)
@blp.errors(401, 404)
def get_assignment(assignment_id):
    """One assignment, with its status and the audit made from it."""
    return visible_assignment(assignment_id)


@blp.route(f"/assignments/<{ID}:assignment_id>", methods=["PATCH"])
@blp.arguments(s.AssignmentIn(partial=True))
@blp.response(200, s.AssignmentSchema)
@blp.errors(401, 403, 404, 409)
def update_assignment(data, assignment_id):
    """Change an assignment (admin; manager of its branch). Once its audit exists only due_date and notes
    may change (409)."""
    assignment = visible_assignment(assignment_id)
    assignments.update_assignment(assignment, current(), **_values(data))
    db.session.commit()
    return assignment


@blp.route(f"/assignments/<{ID}:assignment_id>", methods=["DELETE"])
@blp.response(204)
@blp.errors(401, 403, 404, 409)
def delete_assignment(assignment_id):
    """Delete an assignment (admin; manager of its branch); one with an audit cannot be deleted (409)."""
    assignment = visible_assignment(assignment_id)
    assignments.delete_assignment(assignment, current())
    db.session.commit()
    return None
