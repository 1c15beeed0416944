"""Disputes of approved audits: open, read, comment, decide, withdraw (disputes/services.py has
every rule; a refusal is an AuditError mapped by core/errors.py)."""
from accounts.permissions import hides_auditor
from api import dispute_schemas as s
from api.audits import visible_audit
from api.common import ID, current, make_blueprint, paginate
from disputes import services
from disputes.models import Dispute
from extensions import db

blp = make_blueprint("disputes_api", "Disputes: the audited employee (or a manager of the branch) disputes an "
                     "approved audit within the window; the auditor comments; an admin or another manager "
                     "decides.")


def _ref(user):
    return {"id": user.id, "name": user.name} if user is not None else None


def dump(dispute: Dispute, viewer=...) -> dict:
    """A dispute as JSON for ``viewer`` (the token's user by default; None: the system, for a
    webhook). The audited employee never learns who audited them: the auditor's comment is there,
    their name is not (openers and deciders are never the auditor)."""
    viewer = current() if viewer is ... else viewer
    return {"id": dispute.id, "audit_id": dispute.audit_id, "status": dispute.status,
            "criteria": list(dispute.criteria or []), "reason": dispute.reason,
            "opened_by": _ref(dispute.opened_by), "opened_at": dispute.opened_at,
            "auditor_comment": dispute.auditor_comment or "", "auditor_commented_at": dispute.auditor_commented_at,
            "decided_by": None if hides_auditor(viewer) and dispute.decided_by_id == dispute.audit.auditor_id
            else _ref(dispute.decided_by),
            "decided_at": dispute.decided_at, "note": dispute.note or "", "changes": dispute.changes,
            "score_before": dispute.score_before, "score_after": dispute.score_after}


def _visible(dispute_id) -> Dispute:
    from flask import abort

    dispute = db.session.get(Dispute, dispute_id)
    if dispute is None or not services.can_see_dispute(current(), dispute):
        abort(404)
    return dispute


@blp.route(f"/audits/<{ID}:audit_id>/disputes", methods=["POST"])
@blp.arguments(s.DisputeIn, example=s.EXAMPLE_DISPUTE)
@blp.response(201, s.DisputeSchema)
@blp.errors(401, 403, 404, 409, 422)
def open_dispute(data, audit_id):
    """Dispute an approved audit (the audited employee, or a manager of the branch on their behalf)
    within ``dispute_window_days`` of its approval: the whole audit (``criteria`` empty) or named
    criteria, with a reason. After the window: 409 naming the deadline; one open dispute per audit
    (409); a criterion key the audit's scorecard does not have: 404 naming it."""
    audit = visible_audit(audit_id)
    dispute = services.open_dispute(audit, current(), data.get("criteria") or [], data["reason"])
    db.session.commit()
    return dump(dispute)


@blp.route("/disputes", methods=["GET"])
@blp.arguments(s.DisputeQuery, location="query", as_kwargs=True)
@blp.response(200, s.DisputePage)
@blp.errors(401)
def list_disputes(page, per_page, status=None):
    """The disputes of the audits you may see, newest first (``status`` to filter)."""
    result = paginate(services.dispute_query(current(), status), {"page": page, "per_page": per_page})
    result["items"] = [dump(d) for d in result["items"]]
    return result


@blp.route(f"/disputes/<{ID}:dispute_id>", methods=["GET"])
@blp.response(200, s.DisputeSchema)
@blp.errors(401, 404)
def get_dispute(dispute_id):
    """One dispute."""
    return dump(_visible(dispute_id))


@blp.route(f"/disputes/<{ID}:dispute_id>/comment", methods=["POST"])
@blp.arguments(s.CommentIn)
@blp.response(200, s.DisputeSchema)
@blp.errors(401, 403, 404, 409, 422)
def comment_dispute(data, dispute_id):
    """The auditor's comment on an open dispute of their audit (sending it again replaces it)."""
    dispute = _visible(dispute_id)
    services.comment(dispute, current(), data["comment"])
    db.session.commit()
    return dump(dispute)


@blp.route(f"/disputes/<{ID}:dispute_id>/decide", methods=["POST"])
@blp.arguments(s.DecideIn, example=s.EXAMPLE_DECIDE)
@blp.response(200, s.DisputeSchema)
@blp.errors(401, 403, 404, 409, 422)
def decide_dispute(data, dispute_id):
    """Close an open dispute (an admin, or a manager of the branch who neither made the audit nor
    opened the dispute): ``upheld`` (the score stands) or ``overturned`` with the disputed answers'
    new values in ``answers``; the audit is rescored by the scoring engine and its history keeps
    each change, before and after."""
    dispute = _visible(dispute_id)
    services.decide(dispute, current(), data["outcome"], data.get("answers") or {}, data.get("note") or "")
    db.session.commit()
    return dump(dispute)


@blp.route(f"/disputes/<{ID}:dispute_id>/withdraw", methods=["POST"])
@blp.response(200, s.DisputeSchema)
@blp.errors(401, 403, 404, 409)
def withdraw_dispute(dispute_id):
    """Withdraw an open dispute (only whoever opened it)."""
    dispute = _visible(dispute_id)
    services.withdraw(dispute, current())
    db.session.commit()
    return dump(dispute)
