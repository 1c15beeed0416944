"""Schemas of the audit and assignment operations. The shared building blocks are in api/schemas.py."""

import marshmallow as ma
from flask import url_for
from marshmallow import fields, validate

from accounts.permissions import hides_auditor
from api.common import MAX_ID, page_schema
from api.output import StringOrEmpty, computed, viewer
from api.schemas import (
    ANSWERS,
    ANY,
    COMMENTS,
    LAST_DAY,
    AnswerValue,
    Bool,
    Id,
    PageQuery,
    Strict,
    Text,
    UserRef,
    UTCDateTime,
    not_blank,
)
from audits.flags import flags_of
from audits.models import AUDIT_STATUSES
from audits.queries import acknowledged_at, history
from disputes.services import disputes_of
from records.seal import latest_seal
from scorecards.models import CHANNELS

ASSIGNMENT_STATUSES = ("open", "in_progress", "done", "overdue")
HISTORY_ACTIONS = ("submitted", "returned", "resubmitted", "approved", "answer_changed", "acknowledged",
                   "dispute_opened", "dispute_upheld", "dispute_overturned", "dispute_withdrawn")
# ---- audits ---------------------------------------------------------------------------------------------

CLIENT_ID = {"description": "Made by the client, a UUID (8-64 letters, digits, - or _): sending the same one "
                            "again returns the first audit instead of making a second.",
             "pattern": "^[A-Za-z0-9_-]{8,64}$", "example": "3f6c2a4e-5b1d-4c8e-9a7f-2d0b6e1c9a53"}


class AuditDetails(Strict):
    employee_id = Id(allow_none=True, metadata={"description": "The employee who served (of the audit's branch)."})
    employee_name_given = fields.String(validate=validate.Length(max=120),
                                        metadata={"description": "The name the employee gave, when not on file."})
    channel = fields.String(validate=validate.OneOf(CHANNELS),
                            metadata={"description": "Defaults to the scorecard's channel."})
    started_at = UTCDateTime(allow_none=True, metadata={"description": "Defaults to now."})
    ended_at = UTCDateTime(allow_none=True)
    notes = fields.String(validate=validate.Length(max=4000))
    # Any key: whether it names a criterion is the scorecard's (409), which OpenAPI cannot state.
    answers = fields.Dict(keys=fields.String(),
                          values=AnswerValue(), metadata=ANSWERS)
    comments = fields.Dict(keys=fields.String(),
                           values=fields.String(allow_none=True, validate=validate.Length(max=4000)),
                           metadata=COMMENTS)


class AuditIn(AuditDetails):
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata=CLIENT_ID)
    assignment_id = Id(metadata={"description": "Make the audit of this assignment (you must be its auditor): "
                                                "branch, scorecard and employee come from it."})
    scorecard = fields.String(validate=validate.Length(min=1, max=80),
                              metadata={"description": "The scorecard's slug (required without assignment_id)."})
    version = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), strict=True, metadata={
        "description": "The version the answers were written for; new audits always use the latest published "
                       "version, so another number is refused (409)."})
    branch_id = Id(metadata={"description": "Required without assignment_id."})
    submit = Bool(load_default=False, metadata={
        "description": "true: check every answer, score and submit; false (default): keep a draft."})


class AuditPatch(AuditDetails):
    """Answers, comments and details of a draft or returned audit (its auditor only)."""


class ReviewIn(Strict):
    lock_version = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), strict=True, metadata={
        "description": "The audit's lock_version you saw: when it has changed since, 409."})


class ReturnIn(ReviewIn):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), not_blank],
                           metadata={"description": "Why it goes back to the auditor."})


def _unless_hidden(relation: str, **metadata):
    """The auditor (or their reviewer), or null for the audited employee: a mystery shopper stays
    anonymous."""
    return computed(fields.Nested(UserRef, required=True, allow_none=True, metadata=metadata),
                    lambda audit: None if hides_auditor(viewer()) else getattr(audit, relation))


def _scored_sections(audit):
    keys = {section.key for section in audit.version.sections}
    return [row for row in audit.section_scores if row.section_key in keys]


def _seal(audit):
    sealed = latest_seal(audit)
    return sealed.digest if sealed else None


def _sealed_at(audit):
    sealed = latest_seal(audit)
    return sealed.sealed_at if sealed else None


class SectionScoreSchema(ma.Schema):
    """An audit's SectionScore row, with its section's title and weight."""

    key = fields.String(required=True, attribute="section_key")
    title = Text(required=True, attribute="section.title")
    weight = fields.Float(required=True, attribute="section.weight")
    earned = fields.Float(required=True, metadata={"description": "Points earned (weights)."})
    possible = fields.Float(required=True, metadata={"description": "Points possible (weights)."})
    score = fields.Float(required=True, allow_none=True, metadata={
        "description": "Percentage 0-100, full precision; null when nothing was possible (left out of the total)."})


class HistoryEvent(ma.Schema):
    at = UTCDateTime(required=True)
    by = fields.Nested(UserRef, required=True, allow_none=True)
    action = fields.String(required=True, validate=validate.OneOf(
        HISTORY_ACTIONS + ("comment_changed", "details_changed", "photo_added", "photo_removed")), metadata={
        "description": "submitted, returned, resubmitted, approved, answer_changed, acknowledged (the audited "
                       "employee read it), the disputes' steps; also comment_changed, details_changed, "
                       "photo_added and photo_removed."})
    reason = fields.String(required=True, allow_none=True)
    criterion = fields.String(required=True, allow_none=True,
                              metadata={"description": "The criterion key, for answer and comment changes."})
    before = fields.Raw(required=True, allow_none=True, metadata=ANY)
    after = fields.Raw(required=True, allow_none=True, metadata=ANY)


class FlagSchema(ma.Schema):
    code = fields.String(required=True, validate=validate.OneOf(("far_checkin", "photo_after_submit", "short_audit")))
    message = fields.String(required=True)


class AuditSummary(ma.Schema):
    id = fields.Integer(required=True)
    client_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(AUDIT_STATUSES))
    scorecard = fields.String(required=True, attribute="version.scorecard.slug",
                              metadata={"description": "The scorecard's slug."})
    version = fields.Integer(required=True, attribute="version.number",
                             metadata={"description": "The scorecard version's number."})
    assignment_id = fields.Integer(required=True, allow_none=True)
    auditor = _unless_hidden("auditor", description="Who audited; null for the audited employee (a mystery "
                                                    "shopper stays anonymous).")
    branch_id = fields.Integer(required=True)
    employee_id = fields.Integer(required=True, allow_none=True)
    employee_name_given = StringOrEmpty(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    started_at = UTCDateTime(required=True, allow_none=True)
    ended_at = UTCDateTime(required=True, allow_none=True)
    submitted_at = UTCDateTime(required=True, allow_none=True)
    reviewed_at = UTCDateTime(required=True, allow_none=True)
    score = fields.Float(required=True, allow_none=True, metadata={
        "description": "Percentage 0-100, full precision; null before submission."})
    passed = fields.Boolean(required=True, allow_none=True)
    critical_failure = fields.Boolean(required=True, allow_none=True)
    lock_version = fields.Integer(required=True, metadata={"description": "Changes with every change."})


AuditPage = page_schema(AuditSummary, "AuditPage")


class PhotoSchema(ma.Schema):
    """A photo kept as evidence: a JPEG without metadata, at most 1600 pixels a side."""

    id = fields.Integer(required=True)
    criterion = fields.String(required=True, allow_none=True, attribute="criterion_key", metadata={
        "description": "The criterion key it illustrates; null for a photo of the whole audit."})
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    size = fields.Integer(required=True, metadata={"description": "Bytes stored."})
    sha256 = fields.String(required=True, allow_none=True, metadata={
        "description": "Hex SHA-256 of the stored bytes (null for photos kept before it was recorded)."})
    client_id = fields.String(required=True, allow_none=True)
    created_at = UTCDateTime(required=True)
    url = computed(fields.String(required=True, metadata={"description": "Where its bytes are (GET, same token)."}),
                   lambda photo: url_for("photos_api.get_photo", audit_id=photo.audit_id, photo_id=photo.id))


class AuditSchema(AuditSummary):
    notes = StringOrEmpty(required=True)
    return_reason = StringOrEmpty(required=True)
    reviewed_by = _unless_hidden("reviewed_by")
    sections = computed(fields.List(fields.Nested(SectionScoreSchema), required=True, metadata={
        "description": "Per section, once scored (empty for a draft)."}), _scored_sections)
    answers = computed(fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True, metadata=ANY),
                                   required=True),
                       lambda audit: {a.criterion_key: a.value for a in audit.answers if a.value is not None})
    comments = computed(fields.Dict(keys=fields.String(), values=fields.String(), required=True),
                        lambda audit: {a.criterion_key: a.comment for a in audit.answers if a.comment})
    # The history is plain data made for the pages and the API alike (audits/queries.py).
    history = computed(fields.List(fields.Nested(HistoryEvent), required=True, metadata={
        "description": "Every change after the first submission, oldest first."}),
        lambda audit: history(audit, viewer()))
    photos = fields.List(fields.Nested(PhotoSchema), required=True, metadata={
        "description": "Its photos, oldest first (GET /api/v1/audits/{id}/photos/{photo_id} for the bytes)."})
    acknowledged_at = computed(UTCDateTime(required=True, allow_none=True, metadata={
        "description": "When the audited employee confirmed reading it; null while they have not."}), acknowledged_at)
    # The flags are about the auditor's work: the audited employee does not see them.
    flags = computed(fields.List(fields.Nested(FlagSchema), required=True, metadata={
        "description": "Evidence flags for the reviewer: far_checkin (over 500 m from the branch), "
                       "photo_after_submit, short_audit (under a minute). Empty for the audited employee."}),
        lambda audit: [] if hides_auditor(viewer()) else flags_of(audit))
    seal = computed(fields.String(required=True, allow_none=True, metadata={
        "description": "The SHA-256 digest of the audit's latest seal (approved audits; flask verify-seals "
                       "checks it); null before approval."}), _seal)
    sealed_at = computed(UTCDateTime(required=True, allow_none=True), _sealed_at)
    # By name: api/dispute_schemas.py defines it (beside the disputes' operations).
    disputes = computed(fields.List(fields.Nested("DisputeSchema"), required=True, metadata={
        "description": "Its disputes, newest first."}), disputes_of)


class AuditReceipt(ma.Schema):
    """The short answer to a new audit when the request says ``Prefer: return=minimal``."""

    id = fields.Integer(required=True)
    client_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(AUDIT_STATUSES))
    score = fields.Float(required=True, allow_none=True, metadata={
        "description": "Percentage 0-100, full precision; null for a draft."})
    passed = fields.Boolean(required=True, allow_none=True)
    critical_failure = fields.Boolean(required=True, allow_none=True)
    lock_version = fields.Integer(required=True)


class AuditQuery(PageQuery):
    branch = Id(strict=False)
    auditor = Id(strict=False, metadata={"description": "Only audits by this auditor (a user id)."})
    employee = Id(strict=False)
    scorecard = fields.String(validate=validate.Length(min=1, max=80), metadata={"description": "A scorecard slug."})
    status = fields.String(validate=validate.OneOf(AUDIT_STATUSES))
    date_from = fields.Date(data_key="from", validate=validate.Range(max=LAST_DAY),
                            metadata={"description": "Started on or after this day (UTC)."})
    date_to = fields.Date(data_key="to", validate=validate.Range(max=LAST_DAY),
                          metadata={"description": "Started on or before this day (UTC)."})


# ---- assignments ----------------------------------------------------------------------------------------


class AuditRef(ma.Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(AUDIT_STATUSES))
    score = fields.Float(required=True, allow_none=True)


class AssignmentSchema(ma.Schema):
    id = fields.Integer(required=True)
    auditor = fields.Nested(UserRef, required=True)
    auditor_id = fields.Integer(required=True)
    branch_id = fields.Integer(required=True)
    scorecard = fields.String(required=True, attribute="scorecard.slug",
                              metadata={"description": "The scorecard's slug."})
    employee_id = fields.Integer(required=True, allow_none=True)
    due_date = fields.Date(required=True, allow_none=True)
    notes = StringOrEmpty(required=True)
    status = computed(fields.String(required=True, validate=validate.OneOf(ASSIGNMENT_STATUSES), metadata={
        "description": "open (no audit yet), in_progress (its audit is a draft or was returned; \"in progress\"), "
                       "done (its audit was submitted or approved), overdue (no audit and past its due date)."}),
        lambda assignment: assignment.status())
    audit = fields.Nested(AuditRef, required=True, allow_none=True,
                          metadata={"description": "The audit made from it, if any."})
    created_by = fields.Nested(UserRef, required=True, allow_none=True)
    created_at = UTCDateTime(required=True)


AssignmentPage = page_schema(AssignmentSchema, "AssignmentPage")


class AssignmentIn(Strict):
    auditor_id = Id(metadata={"description": "The auditor (or give auditor_email)."})
    auditor_email = fields.String(validate=validate.Length(min=3, max=254),
                                  metadata={"description": "The auditor's email (or give auditor_id)."})
    branch_id = Id(required=True)
    scorecard = fields.String(required=True, validate=validate.Length(min=1, max=80),
                              metadata={"description": "A published scorecard's slug."})
    employee_id = Id(allow_none=True, metadata={"description": "An employee of the branch, or null."})
    due_date = fields.Date(allow_none=True, validate=validate.Range(max=LAST_DAY))
    notes = fields.String(validate=validate.Length(max=4000))


class AssignmentQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(ASSIGNMENT_STATUSES + ("pending",)), metadata={
        "description": "open, in_progress, done, overdue, or pending (anything not done)."})
    auditor = Id(strict=False)
    branch = Id(strict=False)
    scorecard = fields.String(validate=validate.Length(min=1, max=80), metadata={"description": "A scorecard slug."})


# ---- examples in the document (the default branch-visit scorecard; ids of a small installation) -----

EXAMPLE_AUDIT = {
    "client_id": "3f6c2a4e-5b1d-4c8e-9a7f-2d0b6e1c9a53", "scorecard": "branch-visit", "branch_id": 1,
    "employee_id": 1, "started_at": "2026-03-02T10:15:00Z", "ended_at": "2026-03-02T10:40:00Z",
    "answers": {"greeted": "yes", "wait_minutes": 4, "wait_announced": "yes", "promised_wait_kept": "yes",
                "name_given": "no", "courtesy": 5, "empathy_listening": 4, "accurate_information": "yes",
                "product_knowledge": 4, "resolved_first_visit": "resolved", "commitments_kept": "na",
                "follow_up_offered": "yes", "farewell": "yes"},
    "comments": {"name_given": "No name badge either."},
    "submit": True,
}
EXAMPLE_PATCH = {"answers": {"name_given": "yes"}, "comments": {"name_given": "Gave her name at the end."}}
EXAMPLE_RETURN = {"reason": "The wait time is missing its photo of the queue."}
EXAMPLE_ASSIGNMENT = {"auditor_id": 4, "branch_id": 1, "scorecard": "branch-visit", "employee_id": 1,
                      "due_date": "2031-03-31", "notes": "Visit in the afternoon rush."}
