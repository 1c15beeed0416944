"""The schemas of disputes (api/disputes.py) and of their part in an audit's detail."""
import marshmallow as ma
from flask import url_for
from marshmallow import fields, validate

from accounts.permissions import hides_auditor
from api.common import page_schema
from api.output import StringOrEmpty, computed, viewer
from api.photos import PictureField
from api.schemas import ANY, AnswerValue, PageQuery, Strict, UserRef, UTCDateTime, not_blank
from disputes.models import DISPUTE_STATUSES, OUTCOMES


class EvidenceSchema(ma.Schema):
    """A photo the dispute's opener attached: a JPEG without metadata, at most 1600 pixels a side."""

    id = fields.Integer(required=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    size = fields.Integer(required=True, metadata={"description": "Bytes stored."})
    sha256 = fields.String(required=True, metadata={"description": "Hex SHA-256 of the stored bytes."})
    created_at = UTCDateTime(required=True)
    url = computed(fields.String(required=True, metadata={"description": "Where its bytes are (GET, same token)."}),
                   lambda evidence: url_for("disputes_api.get_dispute_evidence", dispute_id=evidence.dispute_id,
                                            evidence_id=evidence.id))


def _decider(dispute):
    """The audited employee never learns who audited them: openers and deciders are never the
    auditor, but an admin who audited and then decides would be."""
    if hides_auditor(viewer()) and dispute.decided_by_id == dispute.audit.auditor_id:
        return None
    return dispute.decided_by


class DisputeSchema(ma.Schema):
    """A dispute as JSON for the token's user (for the system, in a webhook: ``api.output.as_system``)."""

    id = fields.Integer(required=True)
    audit_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(DISPUTE_STATUSES), metadata={
        "description": "open, upheld (the score stands), overturned (answers changed) or withdrawn."})
    criteria = computed(fields.List(fields.String(), required=True, metadata={
        "description": "The disputed criterion keys; empty: the whole audit."}),
        lambda dispute: list(dispute.criteria or []))
    reason = fields.String(required=True)
    opened_by = fields.Nested(UserRef, required=True, allow_none=True)
    opened_at = UTCDateTime(required=True)
    auditor_comment = StringOrEmpty(required=True, metadata={"description": "The auditor's comment, if any."})
    auditor_commented_at = UTCDateTime(required=True, allow_none=True)
    decided_by = computed(fields.Nested(UserRef, required=True, allow_none=True), _decider)
    decided_at = UTCDateTime(required=True, allow_none=True)
    note = StringOrEmpty(required=True, metadata={"description": "The decider's note."})
    changes = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True, metadata=ANY)),
                          required=True, allow_none=True, metadata={
                              "description": "After an overturn: criterion key to [before, after]."})
    score_before = fields.Float(required=True, allow_none=True)
    score_after = fields.Float(required=True, allow_none=True)
    evidence = fields.List(fields.Nested(EvidenceSchema), required=True, metadata={
        "description": "Photos the opener attached (POST /disputes/{id}/evidence)."})


DisputePage = page_schema(DisputeSchema, "DisputePage")


class DisputeQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(DISPUTE_STATUSES), metadata={
        "description": "Only disputes in this state."})


class DisputeIn(Strict):
    criteria = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list,
                           validate=validate.Length(max=200), metadata={
                               "description": "Criterion keys disputed; empty or left out: the whole audit."})
    reason = fields.String(required=True, validate=[validate.Length(max=4000), not_blank],
                           metadata={"description": "Why (required)."})


class CommentIn(Strict):
    comment = fields.String(required=True, validate=[validate.Length(max=4000), not_blank])


class DecideIn(Strict):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    # Any key: whether it names a disputed criterion is the audit's (409), which OpenAPI cannot state.
    answers = fields.Dict(keys=fields.String(),
                          values=AnswerValue(), load_default=dict, metadata={
                              "description": "For an overturn: criterion key to its new answer (disputed "
                                             "criteria only)."})
    note = fields.String(load_default="", validate=validate.Length(max=4000))


EXAMPLE_DISPUTE = {"criteria": ["a_no"], "reason": "I did give my name: it is on my badge and I said it twice."}
EXAMPLE_DECIDE = {"outcome": "overturned", "answers": {"a_no": "yes"}, "note": "The recording confirms it."}


class EvidenceIn(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    file = PictureField(required=True, metadata={"description": "The picture (JPEG, PNG, WebP...)."})
