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

CODE_RE = r"^[A-Za-z0-9._-]+$"
# The last day a date filter may name: the day after it must still be a date.
LAST_DAY = date(9998, 12, 31)

TEXT = {"description": "A text: a plain string, or an object of language code to string.",
        "oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]}
# No "type" (so any value, null included): OpenAPI 3.0 forbids "nullable" without a type.
ANY = {"description": "Any JSON value, or null."}
# An answer as a body sends it: text (yes, no, na, an option key, a number as text...), a number, or
# null. Which of them fits a criterion is its scorecard's (409); numbers stay within what every
# column can store (the API refuses larger ones everywhere: docs/api.md, Errors).
# null sits in the string branch: OpenAPI 3.0's "nullable" means nothing beside anyOf without "type"
ANSWER_VALUE = {"description": "Text, a number, or null.",
                "anyOf": [{"type": "string", "nullable": True},
                          {"type": "number", "minimum": -2**53, "maximum": 2**53}]}


class AnswerValue(fields.Raw):
    """One answer as ANSWER_VALUE states it: text, a number within ±2**53, or null; anything else
    (true, an object, a list) is refused where the body is read (422), before any rule of the
    scorecard, so that a repeated client_id never hides a malformed body."""

    def __init__(self, **kw):
        super().__init__(allow_none=True, metadata=ANSWER_VALUE, **kw)

    def _deserialize(self, value, attr, data, **kw):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) \
                or not isinstance(value, str) and abs(value) > 2**53:
            raise ma.ValidationError("Text, a number, or null.")
        return value


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



class UserRef(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


# Answers and comments as an audit and a calibration take them.
ANSWERS = {"description": "Criterion key to value, as in the scorecard format: \"yes\", \"no\" or \"na\" for "
                          "yes/no; a whole number for a scale; an option key for a choice; a number; a text. "
                          "null removes an answer.",
           "example": {"greeted": "yes", "courtesy": 4, "wait_minutes": 3, "offer": "partial"}}
COMMENTS = {"description": "Criterion key to the auditor's comment.", "example": {"courtesy": "Very friendly."}}


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
                                metadata={"description": "Any colour as #rrggbb (either case; stored in lower case). "
                                                         "The pages write white text on it, or near-black when "
                                                         "white would not reach WCAG's 4.5:1."})
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



# ---- examples in the document (ids of a small installation) ---------------------------------------

EXAMPLE_BRANCH = {"code": "MAD-02", "name": "Madrid Chamberí", "city": "Madrid", "region": "Centro",
                  "address": "Calle de Fuencarral 120"}
EXAMPLE_EMPLOYEE = {"code": "E-0420", "name": "Lucía Romero", "branch_id": 1, "position": "Asesora"}
