"""Marshmallow schemas of the API: they parse and check requests, shape responses, and are the
source of the OpenAPI document (no hand-written JSON).

Scores are percentages from 0 to 100 with full precision; ``earned`` and ``possible`` are points
(criterion weights). Datetimes are ISO 8601 in UTC.
"""
from datetime import UTC, date

import marshmallow as ma
from marshmallow import fields, validate

from accounts.models import LANGUAGES, ROLES
from api.common import MAX_ID, page_schema
from audits.models import AUDIT_STATUSES
from scorecards.models import CHANNELS

CODE_RE = r"^[A-Za-z0-9._-]+$"
ASSIGNMENT_STATUSES = ("open", "in_progress", "done", "overdue")
# The last day a date filter may name: the day after it must still be a date.
LAST_DAY = date(9998, 12, 31)
HISTORY_ACTIONS = ("submitted", "returned", "resubmitted", "approved", "answer_changed", "acknowledged",
                   "dispute_opened", "dispute_upheld", "dispute_overturned", "dispute_withdrawn")

TEXT = {"description": "A text: a plain string, or an object of language code to string.",
        "oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]}
# No "type" (so any value, null included): OpenAPI 3.0 forbids "nullable" without a type.
ANY = {"description": "Any JSON value, or null."}


class Strict(ma.Schema):
    """Request bodies: unknown keys are refused with a message naming them."""

    class Meta:
        unknown = ma.RAISE


class Query(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class PageQuery(Query):
    """Every list's pagination; the lists' query schemas inherit it."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000),
                          metadata={"description": "Page number, from 1."})
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200),
                              metadata={"description": "Items per page (1-200, default 50)."})


class UTCDateTime(fields.DateTime):
    """Naive UTC in the database, ISO 8601 with an offset on the wire; input without an offset is UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if result.tzinfo is not None:
            try:
                result = result.astimezone(UTC).replace(tzinfo=None)
            except (OverflowError, ValueError):
                raise self.make_error("invalid", input=value, obj_type="datetime") from None
        return result


class StrictBoolean(fields.Boolean):
    """true or false in a JSON body: not "yes", 1 or "on"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def Bool(**kw):  # noqa: N802
    return StrictBoolean(**kw)


def Id(strict=True, **kw):  # noqa: N802  (a field factory, read like a field class)
    """An id: 1 to 2^31-1. Strict in bodies (a JSON number), not in query strings."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), strict=strict, **kw)


def Text(**kw):  # noqa: N802
    metadata = dict(TEXT)
    metadata.update(kw.pop("metadata", {}))
    return fields.Raw(metadata=metadata, **kw)


# White space as Python's str.strip() and re's \s know it, spelled out: ECMAScript's \s (which
# clients and schemathesis read a document's patterns with) leaves out \x1c-\x1f and \x85, so a
# pattern saying \S would allow "\x1c", which strip() removes.
WHITESPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = f"[^{WHITESPACE}]"  # some character that is not white space, in either reading


def not_blank(value):
    if not value or not value.strip():
        raise ma.ValidationError("Must not be blank.")


# ---- errors ---------------------------------------------------------------------------------------

class ErrorBody(ma.Schema):
    code = fields.String(required=True, metadata={"description": "A machine-readable code: bad_request, "
                         "unauthorized, invalid_token, user_inactive, forbidden, not_found, method_not_allowed, "
                         "conflict, invalid, unplanned_audits_off, ..."})
    message = fields.String(required=True, metadata={"description": "For people, in the user's language."})
    details = fields.Raw(required=True, metadata={
        "description": "What exactly is wrong: for 422, the fields or criteria by name "
                       "(e.g. {\"answers\": {\"courtesy\": \"expected a whole number from 1 to 5\"}}).",
        "oneOf": [{"type": "object"}, {"type": "array", "items": {}}]})


class ErrorSchema(ma.Schema):
    error = fields.Nested(ErrorBody, required=True)


# ---- users, settings --------------------------------------------------------------------------------

class BranchRef(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)


class UserSchema(ma.Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    language = fields.String(allow_none=True, validate=validate.OneOf(LANGUAGES))
    active = fields.Boolean(required=True)
    branches = fields.List(fields.Nested(BranchRef), required=True,
                           metadata={"description": "Branches managed (managers only; empty otherwise)."})
    employee_id = fields.Integer(required=True, allow_none=True,
                                 metadata={"description": "The employee whose login this is (employee logins only)."})


UserPage = page_schema(UserSchema, "UserPage")


class SettingsSchema(ma.Schema):
    allow_unplanned_audits = fields.Boolean(required=True, metadata={
        "description": "Whether auditors may start audits without an assignment."})
    company_name = fields.String(required=True)
    brand_color = fields.String(required=True, metadata={"description": "A dark colour as #rrggbb."})
    dispute_window_days = fields.Integer(required=True, metadata={
        "description": "Days after approval in which an audit may be disputed."})
    recognition_min_audits = fields.Integer(required=True, metadata={
        "description": "Approved audits an employee needs in a period to be recognised."})
    recognition_threshold = fields.Integer(required=True, metadata={
        "description": "The mean score (%) an employee needs in a period to be recognised."})
    require_2fa_for = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True, metadata={
        "description": "Roles that must use a second factor (an authenticator app) to log in on the web."})
    calibration_tolerance_points = fields.Float(required=True, metadata={
        "description": "How far (points of the 0-100 score) a calibration participant may be from the expert."})
    actions_on_critical = fields.Boolean(required=True, metadata={
        "description": "Whether a critical failure on approval opens a corrective action (default true)."})


class SettingsPatch(Strict):
    allow_unplanned_audits = Bool()
    actions_on_critical = Bool(metadata={"description": "Whether a critical failure on approval opens a "
                                                        "corrective action, due in 7 days."})
    dispute_window_days = fields.Integer(strict=True, validate=validate.Range(min=0, max=365), metadata={
        "description": "Days after approval in which the audited employee (or a manager) may dispute an audit."})
    recognition_min_audits = fields.Integer(strict=True, validate=validate.Range(min=1, max=1000), metadata={
        "description": "Approved audits an employee needs in a period to be recognised."})
    recognition_threshold = fields.Integer(strict=True, validate=validate.Range(min=0, max=100), metadata={
        "description": "The mean score (%) an employee needs in a period to be recognised."})
    company_name = fields.String(validate=[validate.Length(min=1, max=80), not_blank])
    calibration_tolerance_points = fields.Float(validate=validate.Range(min=0, max=100), metadata={
        "description": "How far (points of the 0-100 score) a calibration participant may be from the expert "
                       "before being flagged (default 5)."})
    brand_color = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$"),
                                metadata={"description": "A dark colour as #rrggbb, so that white text stays "
                                                         "readable."})
    require_2fa_for = fields.List(
        fields.String(validate=validate.OneOf(ROLES)), validate=validate.Length(max=len(ROLES)),
        metadata={"description": "Roles that must use a second factor (an authenticator app) to log in on the web; "
                                 "[] for none."})


# ---- branches and employees ----------------------------------------------------------------------

class BranchSchema(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    city = fields.String(required=True)
    region = fields.String(required=True)
    address = fields.String(required=True)
    active = fields.Boolean(required=True)
    latitude = fields.Float(required=True, allow_none=True)
    longitude = fields.Float(required=True, allow_none=True)


BranchPage = page_schema(BranchSchema, "BranchPage")


class BranchIn(Strict):
    code = fields.String(required=True, validate=[validate.Length(min=1, max=32), validate.Regexp(CODE_RE)],
                         metadata={"description": "Unique; letters, digits, '.', '-' or '_'."})
    name = fields.String(required=True, validate=[validate.Length(min=1, max=120), not_blank])
    city = fields.String(validate=validate.Length(max=80))
    region = fields.String(validate=validate.Length(max=80))
    address = fields.String(validate=validate.Length(max=255))
    active = Bool()
    latitude = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=-90, max=90), metadata={
        "description": "Where the branch is (optional): a check-in more than 500 m away is flagged."})
    longitude = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=-180, max=180))


class BranchQuery(PageQuery):
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "Search code, name, city, region."})
    active = fields.Boolean(metadata={"description": "true: active only; false: inactive only; absent: all."})


class EmployeeSchema(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    branch_id = fields.Integer(required=True)
    position = fields.String(required=True)
    active = fields.Boolean(required=True)


EmployeePage = page_schema(EmployeeSchema, "EmployeePage")


class EmployeeIn(Strict):
    code = fields.String(required=True, validate=[validate.Length(min=1, max=32), validate.Regexp(CODE_RE)])
    name = fields.String(required=True, validate=[validate.Length(min=1, max=120), not_blank])
    branch_id = Id(required=True)
    position = fields.String(validate=validate.Length(max=80))
    active = Bool()


class EmployeeQuery(BranchQuery):
    branch = Id(strict=False, metadata={"description": "Only employees of this branch."})


# ---- scorecards ---------------------------------------------------------------------------------------

class VersionRef(ma.Schema):
    number = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("draft", "published")))
    created_at = UTCDateTime(required=True)
    published_at = UTCDateTime(allow_none=True, required=True)


class OptionSchema(ma.Schema):
    key = fields.String(required=True)
    score = fields.Float(required=True)
    label = Text(required=True)


class TargetSchema(ma.Schema):
    op = fields.String(required=True, validate=validate.OneOf(("<=", ">=")))
    value = fields.Float(required=True)


class CriterionSchema(ma.Schema):
    key = fields.String(required=True)
    type = fields.String(required=True)
    text = Text(required=True)
    guidance = Text()
    weight = fields.Float(required=True)
    allow_na = fields.Boolean(required=True)
    critical = fields.Boolean(required=True)
    required = fields.Boolean(required=True)
    kpi = fields.String()
    min = fields.Integer()
    max = fields.Integer()
    options = fields.List(fields.Nested(OptionSchema))
    unit = fields.String()
    target = fields.Nested(TargetSchema)


class SectionSchema(ma.Schema):
    key = fields.String(required=True)
    title = Text(required=True)
    weight = fields.Float(required=True)
    criteria = fields.List(fields.Nested(CriterionSchema), required=True)


class ScorecardSummary(ma.Schema):
    slug = fields.String(required=True)
    name = Text(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    archived = fields.Boolean(required=True)
    published_version = fields.Integer(allow_none=True, required=True,
                                       metadata={"description": "The latest published version's number."})
    versions = fields.List(fields.Nested(VersionRef), required=True)


ScorecardPage = page_schema(ScorecardSummary, "ScorecardPage")


class ScorecardSchema(ma.Schema):
    """One version of a scorecard, in the scorecard file's form plus its version facts."""

    slug = fields.String(required=True)
    name = Text(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    pass_mark = fields.Float(required=True)
    critical_zeroes_score = fields.Boolean(required=True)
    sections = fields.List(fields.Nested(SectionSchema), required=True)
    version = fields.Integer(required=True, metadata={"description": "This version's number."})
    status = fields.String(required=True, validate=validate.OneOf(("draft", "published")))
    published_at = UTCDateTime(allow_none=True, required=True)
    versions = fields.List(fields.Nested(VersionRef), required=True)


class ScorecardQuery(Query):
    version = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={
        "description": "A version number; without it, the latest published version (admins: the latest "
                       "version, draft or not, when none is published)."})


class ScorecardListQuery(PageQuery):
    channel = fields.String(validate=validate.OneOf(CHANNELS))


SCORECARD_FILE = {
    "type": "object",
    "description": "A scorecard file as in scorecard-format.md: slug, name, channel, pass_mark, "
                   "critical_zeroes_score, sections[] with criteria[]. Every rule it breaks is listed "
                   "in the 422 answer by path.",
    "required": ["slug", "name", "channel", "sections"],
    "properties": {
        "slug": {"type": "string", "pattern": "^[a-z0-9_-]+$"},
        "name": TEXT,
        "channel": {"type": "string", "enum": list(CHANNELS)},
        "pass_mark": {"type": "number"},
        "critical_zeroes_score": {"type": "boolean"},
        "sections": {"type": "array", "items": {"type": "object"}},
    },
}


# ---- audits ---------------------------------------------------------------------------------------------

CLIENT_ID = {"description": "Made by the client, a UUID (8-64 letters, digits, - or _): sending the same one "
                            "again returns the first audit instead of making a second.",
             "pattern": "^[A-Za-z0-9_-]{8,64}$", "example": "3f6c2a4e-5b1d-4c8e-9a7f-2d0b6e1c9a53"}
ANSWERS = {"description": "Criterion key to value, as in the scorecard format: \"yes\", \"no\" or \"na\" for "
                          "yes/no; a whole number for a scale; an option key for a choice; a number; a text. "
                          "null removes an answer.",
           "example": {"greeted": "yes", "courtesy": 4, "wait_minutes": 3, "offer": "partial"}}
COMMENTS = {"description": "Criterion key to the auditor's comment.", "example": {"courtesy": "Very friendly."}}


class AuditDetails(Strict):
    employee_id = Id(allow_none=True, metadata={"description": "The employee who served (of the audit's branch)."})
    employee_name_given = fields.String(validate=validate.Length(max=120),
                                        metadata={"description": "The name the employee gave, when not on file."})
    channel = fields.String(validate=validate.OneOf(CHANNELS),
                            metadata={"description": "Defaults to the scorecard's channel."})
    started_at = UTCDateTime(allow_none=True, metadata={"description": "Defaults to now."})
    ended_at = UTCDateTime(allow_none=True)
    notes = fields.String(validate=validate.Length(max=4000))
    answers = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)),
                          values=fields.Raw(allow_none=True, metadata=ANY), metadata=ANSWERS)
    comments = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)),
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


class UserRef(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class SectionScoreSchema(ma.Schema):
    key = fields.String(required=True)
    title = Text(required=True)
    weight = fields.Float(required=True)
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
    scorecard = fields.String(required=True, metadata={"description": "The scorecard's slug."})
    version = fields.Integer(required=True, metadata={"description": "The scorecard version's number."})
    assignment_id = fields.Integer(required=True, allow_none=True)
    auditor = fields.Nested(UserRef, required=True, allow_none=True, metadata={
        "description": "Who audited; null for the audited employee (a mystery shopper stays anonymous)."})
    branch_id = fields.Integer(required=True)
    employee_id = fields.Integer(required=True, allow_none=True)
    employee_name_given = fields.String(required=True)
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
    criterion = fields.String(required=True, allow_none=True, metadata={
        "description": "The criterion key it illustrates; null for a photo of the whole audit."})
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    size = fields.Integer(required=True, metadata={"description": "Bytes stored."})
    sha256 = fields.String(required=True, allow_none=True, metadata={
        "description": "Hex SHA-256 of the stored bytes (null for photos kept before it was recorded)."})
    client_id = fields.String(required=True, allow_none=True)
    created_at = UTCDateTime(required=True)
    url = fields.String(required=True, metadata={"description": "Where its bytes are (GET, same token)."})


class AuditSchema(AuditSummary):
    notes = fields.String(required=True)
    return_reason = fields.String(required=True)
    reviewed_by = fields.Nested(UserRef, required=True, allow_none=True)
    sections = fields.List(fields.Nested(SectionScoreSchema), required=True,
                           metadata={"description": "Per section, once scored (empty for a draft)."})
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True, metadata=ANY), required=True)
    comments = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    history = fields.List(fields.Nested(HistoryEvent), required=True, metadata={
        "description": "Every change after the first submission, oldest first."})
    photos = fields.List(fields.Nested(PhotoSchema), required=True, metadata={
        "description": "Its photos, oldest first (GET /api/v1/audits/{id}/photos/{photo_id} for the bytes)."})
    acknowledged_at = UTCDateTime(required=True, allow_none=True, metadata={
        "description": "When the audited employee confirmed reading it; null while they have not."})
    flags = fields.List(fields.Nested(FlagSchema), required=True, metadata={
        "description": "Evidence flags for the reviewer: far_checkin (over 500 m from the branch), "
                       "photo_after_submit, short_audit (under a minute). Empty for the audited employee."})
    seal = fields.String(required=True, allow_none=True, metadata={
        "description": "The SHA-256 digest of the audit's latest seal (approved audits; flask verify-seals "
                       "checks it); null before approval."})
    sealed_at = UTCDateTime(required=True, allow_none=True)
    # By name: api/dispute_schemas.py defines it (beside the disputes' operations).
    disputes = fields.List(fields.Nested("DisputeSchema"), required=True, metadata={
        "description": "Its disputes, newest first."})


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
    scorecard = fields.String(required=True, metadata={"description": "The scorecard's slug."})
    employee_id = fields.Integer(required=True, allow_none=True)
    due_date = fields.Date(required=True, allow_none=True)
    notes = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ASSIGNMENT_STATUSES), metadata={
        "description": "open (no audit yet), in_progress (its audit is a draft or was returned; \"in progress\"), "
                       "done (its audit was submitted or approved), overdue (no audit and past its due date)."})
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
EXAMPLE_BRANCH = {"code": "MAD-02", "name": "Madrid Chamberí", "city": "Madrid", "region": "Centro",
                  "address": "Calle de Fuencarral 120"}
EXAMPLE_EMPLOYEE = {"code": "E-0420", "name": "Lucía Romero", "branch_id": 1, "position": "Asesora"}
EXAMPLE_SCORECARD_FILE = {
    "slug": "quick-visit", "name": {"es": "Visita rápida", "en": "Quick visit"}, "channel": "visit",
    "sections": [{"key": "welcome", "title": {"es": "Bienvenida", "en": "Welcome"}, "weight": 2, "criteria": [
        {"key": "greeted", "type": "yes_no", "kpi": "greeting",
         "text": {"es": "¿Le saludaron al llegar?", "en": "Were you greeted on arrival?"}},
        {"key": "courtesy", "type": "scale", "min": 1, "max": 5, "weight": 2, "kpi": "courtesy",
         "text": {"es": "Cortesía", "en": "Courtesy"}}]}],
}
