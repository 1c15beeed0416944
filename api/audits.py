"""Audits: create (idempotent on client_id), read, fill, submit, approve, return.

Every rule is the audits package's (services, policy, answers): who may start, fill, submit and
review an audit, what an answer may be, what is recorded in the history. This module only turns
JSON into calls; a refusal (AuditError) becomes the API's error body in the app's error handler
(core/errors.py).
"""
from flask import jsonify, request
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from accounts.permissions import can_see_audit, get_visible_or_404
from api import audit_schemas as s
from api.common import ID, current, fail, make_blueprint, paginate
from audits import acknowledgements, services, submission
from audits.models import Audit
from audits.queries import audit_query
from extensions import db
from scorecards import services as scorecard_services
from scorecards.models import ScorecardVersion

blp = make_blueprint("audits_api", "Audits: auditors fill and submit their own; managers (their branches) and "
                     "admins approve or return; hr reads.")

DETAILS = ("employee_id", "employee_name_given", "channel", "started_at", "ended_at", "notes")


def visible_audit(audit_id) -> Audit:
    return get_visible_or_404(Audit, audit_id, can_see_audit)


@blp.route("/audits", methods=["GET"])
@blp.arguments(s.AuditQuery, location="query", as_kwargs=True)
@blp.response(200, s.AuditPage)
@blp.errors(401)
def list_audits(page, per_page, branch=None, auditor=None, employee=None, scorecard=None, status=None, date_from=None,
                date_to=None):
    """The audits you may see (auditors: their own; managers: their branches), newest first."""
    scorecard_id = None
    if scorecard:
        card = scorecard_services.get_by_slug(scorecard)
        if card is None:
            return {"items": [], "page": page, "per_page": per_page, "total": 0, "pages": 0}
        scorecard_id = card.id
    query = audit_query(current(), status=status, branch_id=branch, auditor_id=auditor, employee_id=employee,
                                 scorecard_id=scorecard_id, date_from=date_from, date_to=date_to)
    query = query.options(selectinload(Audit.auditor),
                          selectinload(Audit.version).selectinload(ScorecardVersion.scorecard))
    return paginate(query, {"page": page, "per_page": per_page})


# Any text: RFC 7240 has a server ignore the preferences it does not know, so no value is refused.
PREFER = {"in": "header", "name": "Prefer", "required": False, "example": "return=minimal",
          "schema": {"type": "string"},
          "description": "return=minimal: a new audit (201) is answered with its id, status and score only "
                         "(AuditReceipt; the response then says Preference-Applied: return=minimal). "
                         "Other preferences are ignored. Default: the whole audit."}


def wants_minimal() -> bool:
    """RFC 7240's ``Prefer: return=minimal`` (among other preferences, any case)."""
    return any(p.split(";")[0].strip().lower() == "return=minimal"
               for p in request.headers.get("Prefer", "").split(","))


def commit_answering(audit: Audit):
    """Commit; then the new audit as the request prefers: its receipt (made before the commit,
    which expires what the session holds: no SELECT to read it back), or None for the whole."""
    body = None
    if wants_minimal():
        body = s.AuditReceipt().dump(audit)
    db.session.commit()
    if body is None:
        return None
    response = jsonify(body)
    response.status_code = 201
    response.headers["Preference-Applied"] = "return=minimal"
    return response


@blp.route("/audits", methods=["POST"])
@blp.arguments(s.AuditIn, example=s.EXAMPLE_AUDIT)
@blp.response(201, s.AuditSchema, description="A new audit (a draft, or submitted and scored); with "
              "Prefer: return=minimal, only its id, status and score (AuditReceipt).")
@blp.alt_response(200, schema=s.AuditSchema, success=True,
                  description="The audit made earlier with the same client_id, unchanged.")
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(parameters=[PREFER], responses={201: {"content": {"application/json": {
    "schema": {"anyOf": [s.AuditSchema, s.AuditReceipt]}}}}})
def create_audit(data):
    """Start an audit, optionally with answers, and optionally submit it at once (``submit: true``).

    With ``assignment_id`` the branch, scorecard and employee come from the assignment. Without it,
    ``scorecard`` (slug) and ``branch_id`` are needed, and auditors may do this only while the
    admin allows unplanned audits (else 403). A second audit for one assignment is 409, unless it
    is the same ``client_id``, which returns the first audit (200) rather than making another.
    An answer that is not text, a number or null is 422; answers that do not fit the scorecard's
    version (a key it lacks, a value outside a scale) are 409 naming each criterion; nothing is
    saved then.

    The new audit (201) is answered whole, or, with ``Prefer: return=minimal``, with its id,
    client_id, status, score, passed, critical_failure and lock_version only (an app submitting
    many audits needs no more; GET /api/v1/audits/{audit_id} reads the rest).
    """
    user = current()
    card = None
    if data.get("scorecard") and data.get("assignment_id") is None:
        card = scorecard_services.get_by_slug(data["scorecard"])
        if card is None or (services.latest_published(card) is None and user.role != "admin"):
            fail(404, _("There is no scorecard %(slug)s.", slug=data["scorecard"]),  # names nothing: 404
                 {"problems": [{"criterion": "scorecard", "message": _("No such scorecard.")}]})
    details = dict(scorecard=card, branch=data.get("branch_id"), employee=data.get("employee_id"),
                   employee_name_given=data.get("employee_name_given", ""), assignment=data.get("assignment_id"),
                   channel=data.get("channel"), client_id=data["client_id"], started_at=data.get("started_at"),
                   ended_at=data.get("ended_at"), notes=data.get("notes", ""))
    if data.get("submit"):  # checked, scored and written once (audits/submission.py)
        audit = submission.create_submitted(user, answers=data.get("answers"), comments=data.get("comments"),
                                            before_check=lambda new: _check_version(data, new), **details)
        if not audit.created_now:
            return audit, 200
        return commit_answering(audit) or (audit, 201)
    audit = services.create_audit(user, **details)
    if not getattr(audit, "created_now", True):
        return audit, 200
    _check_version(data, audit)
    if data.get("answers") or data.get("comments"):
        services.save_draft(audit, user, data.get("answers") or {}, data.get("comments") or {})
    return commit_answering(audit) or (audit, 201)


def _check_version(data, audit):
    if data.get("version") is not None and data["version"] != audit.version.number:
        fail(409, _("New audits use version %(current)d of this scorecard, not %(asked)d.",
                    current=audit.version.number, asked=data["version"]),
             {"version": audit.version.number}, "version_mismatch")


@blp.route(f"/audits/<{ID}:audit_id>", methods=["GET"])
@blp.response(200, s.AuditSchema)
@blp.errors(401, 404)
def get_audit(audit_id):
    """One audit: its answers, comments, score per section and its history."""
    return visible_audit(audit_id)


@blp.route(f"/audits/<{ID}:audit_id>", methods=["PATCH"])
@blp.arguments(s.AuditPatch, example=s.EXAMPLE_PATCH)
@blp.response(200, s.AuditSchema)
@blp.errors(401, 403, 404, 409)
def update_audit(data, audit_id):
    """Save answers, comments or details of a draft or returned audit (its auditor only).

    Only the keys sent change; an answer of null removes it. After a return, each change is kept in
    the history."""
    audit = visible_audit(audit_id)
    details = {key: data[key] for key in DETAILS if key in data}
    services.save_draft(audit, current(), data.get("answers") or {}, data.get("comments") or {}, **details)
    db.session.commit()
    return audit


@blp.route(f"/audits/<{ID}:audit_id>/submit", methods=["POST"])
@blp.response(200, s.AuditSchema)
@blp.errors(401, 403, 404, 409)
def submit_audit(audit_id):
    """Check every answer, score and submit (its auditor). 422 names each missing or invalid answer.
    Submitting an audit already submitted changes nothing."""
    audit = visible_audit(audit_id)
    services.submit(audit, current())
    db.session.commit()
    return audit


def _review(audit_id, action, **kwargs):
    audit = visible_audit(audit_id)
    try:
        action(audit, current(), **kwargs)
        db.session.commit()
    except StaleDataError:  # two reviewers at once: say who won, not only "conflict"
        db.session.rollback()
        audit = db.session.get(Audit, audit_id)
        fail(409, services.conflict_message(audit), {"status": audit.status}, "conflict")
    return audit


@blp.route(f"/audits/<{ID}:audit_id>/approve", methods=["POST"])
@blp.arguments(s.ReviewIn, required=False)
@blp.response(200, s.AuditSchema)
@blp.errors(401, 403, 404, 409)
def approve_audit(data, audit_id):
    """Approve a submitted audit (admins; managers of its branch): it now counts in reports."""
    return _review(audit_id, services.approve, expected_version=data.get("lock_version"))


@blp.route(f"/audits/<{ID}:audit_id>/return", methods=["POST"])
@blp.arguments(s.ReturnIn, example=s.EXAMPLE_RETURN)
@blp.response(200, s.AuditSchema)
@blp.errors(401, 403, 404, 409)
def return_audit(data, audit_id):
    """Return a submitted audit to its auditor with a reason, to fix and submit again."""
    return _review(audit_id, services.return_audit, reason=data["reason"],
                   expected_version=data.get("lock_version"))


@blp.route(f"/audits/<{ID}:audit_id>/acknowledge", methods=["POST"])
@blp.response(200, s.AuditSchema)
@blp.errors(401, 403, 404)
def acknowledge_audit(audit_id):
    """Confirm you have read an approved audit about you (the audited employee only); kept, with the
    time, in its history. Acknowledging again changes nothing."""
    audit = visible_audit(audit_id)
    acknowledgements.acknowledge(audit, current())
    db.session.commit()
    return audit
