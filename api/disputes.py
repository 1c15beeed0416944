"""Disputes of approved audits: open, read, comment, decide, withdraw (disputes/services.py has
every rule; a refusal is an AuditError mapped by core/errors.py)."""
from flask import current_app

from accounts.permissions import get_visible_or_404
from api import dispute_schemas as s
from api.audits import visible_audit
from api.common import ID, ApiBlueprint, current, make_blueprint, not_found, paginate
from api.photos import JPEG
from api.photos import parser as multipart_parser
from audits import photos as photo_files
from core import storage
from disputes import evidence as evidence_service
from disputes import services
from disputes.models import Dispute
from extensions import db

blp = make_blueprint("disputes_api", "Disputes: the audited employee (or a manager of the branch) disputes an "
                     "approved audit within the window; the auditor comments; an admin or another manager "
                     "decides.")


blp.ARGUMENTS_PARSER = multipart_parser  # JSON bodies, and the evidence upload's multipart form
blp.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**ApiBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "form_and_files": "multipart/form-data"}


def _visible(dispute_id) -> Dispute:
    return get_visible_or_404(Dispute, dispute_id, services.can_see_dispute)


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
    return dispute


@blp.route("/disputes", methods=["GET"])
@blp.arguments(s.DisputeQuery, location="query", as_kwargs=True)
@blp.response(200, s.DisputePage)
@blp.errors(401)
def list_disputes(page, per_page, status=None):
    """The disputes of the audits you may see, newest first (``status`` to filter)."""
    return paginate(services.dispute_query(current(), status), {"page": page, "per_page": per_page})


@blp.route(f"/disputes/<{ID}:dispute_id>", methods=["GET"])
@blp.response(200, s.DisputeSchema)
@blp.errors(401, 404)
def get_dispute(dispute_id):
    """One dispute."""
    return _visible(dispute_id)


@blp.route(f"/disputes/<{ID}:dispute_id>/comment", methods=["POST"])
@blp.arguments(s.CommentIn)
@blp.response(200, s.DisputeSchema)
@blp.errors(401, 403, 404, 409, 422)
def comment_dispute(data, dispute_id):
    """The auditor's comment on an open dispute of their audit (sending it again replaces it)."""
    dispute = _visible(dispute_id)
    services.comment(dispute, current(), data["comment"])
    db.session.commit()
    return dispute


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
    return dispute


@blp.route(f"/disputes/<{ID}:dispute_id>/withdraw", methods=["POST"])
@blp.response(200, s.DisputeSchema)
@blp.errors(401, 403, 404, 409)
def withdraw_dispute(dispute_id):
    """Withdraw an open dispute (only whoever opened it)."""
    dispute = _visible(dispute_id)
    services.withdraw(dispute, current())
    db.session.commit()
    return dispute


@blp.route(f"/disputes/<{ID}:dispute_id>/evidence", methods=["POST"])
@blp.arguments(s.EvidenceIn, location="form_and_files")
@blp.response(201, s.EvidenceSchema, description="The photo as stored: its size after cleaning and its SHA-256.")
@blp.errors(401, 403, 404, 409, 413, 422)
def add_dispute_evidence(data, dispute_id):
    """Attach a photo to an open dispute (multipart/form-data: ``file``; whoever opened it, at most
    five). Checked and cleaned as an audit's photos are: not a picture 422 (whether bytes decode as a
    picture is more than OpenAPI can state of a file: any bytes fit ``format: binary``), too large
    413."""
    dispute = _visible(dispute_id)
    evidence = evidence_service.add_evidence(dispute, current(), data["file"].stream,
                                             max_bytes=current_app.config["PHOTO_MAX_BYTES"])
    try:
        db.session.commit()
    except Exception:
        photo_files.remove(evidence.filename)  # nothing refers to the stored file
        raise
    return evidence


@blp.route(f"/disputes/<{ID}:dispute_id>/evidence/<{ID}:evidence_id>", methods=["GET"])
@blp.response(200, JPEG, content_type="image/jpeg", description="The JPEG as stored.")
@blp.alt_response(302, success=True, description="With STORAGE_SERVE=redirect and object storage: a URL to the "
                  "bucket that works for STORAGE_URL_SECONDS only (60 by default).")
@blp.errors(401, 404)
def get_dispute_evidence(dispute_id, evidence_id):
    """A photo attached to a dispute (whoever may see the dispute)."""
    evidence = evidence_service.evidence_of(_visible(dispute_id), evidence_id)
    if evidence is None:
        not_found()
    return storage.send(evidence.filename, "image/jpeg", "private, max-age=3600")
