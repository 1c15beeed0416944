"""The schemas of coaching sessions, their effect and recognition (api/coaching.py,
api/recognition.py)."""
import marshmallow as ma
from marshmallow import fields, validate

from api.common import page_schema
from api.output import StringOrEmpty, computed
from api.schemas import Bool, Id, PageQuery, Query, Strict, Text, UserRef, UTCDateTime, not_blank
from coaching.effect import TOO_FEW
from coaching.services import MAX_CRITERIA, MAX_TEXT
from reports.filters import DAY_PATTERN, FIRST_DAY, LAST_DAY

DAY = {"pattern": DAY_PATTERN}


def Day(description: str, **kw):  # noqa: N802  (a field factory, read like a field class)
    """A day between 2000 and 2100 (as the reports' filters)."""
    return fields.Date(validate=validate.Range(min=FIRST_DAY, max=LAST_DAY), metadata={**DAY,
                       "description": description}, **kw)


class EmployeeRef(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    branch_id = fields.Integer(required=True)


class CoachingSessionSchema(ma.Schema):
    id = fields.Integer(required=True)
    employee = fields.Nested(EmployeeRef, required=True)
    coach = fields.Nested(UserRef, required=True, allow_none=True, metadata={
        "description": "Who recorded the session (a manager or an admin)."})
    held_on = fields.Date(required=True, metadata={"description": "The day of the session."})
    criteria = computed(fields.List(fields.String(), required=True, metadata={
        "description": "The criterion keys worked on (from any scorecard)."}),
        lambda session: list(session.criteria or []))
    notes = StringOrEmpty(required=True)
    goals = StringOrEmpty(required=True, metadata={"description": "The goals agreed."})
    follow_up_on = fields.Date(required=True, allow_none=True, metadata={"description": "The follow-up day."})
    acknowledged_at = UTCDateTime(required=True, allow_none=True, metadata={
        "description": "When the employee acknowledged it; null until then."})
    created_at = UTCDateTime(required=True)
    updated_at = UTCDateTime(required=True)


CoachingSessionPage = page_schema(CoachingSessionSchema, "CoachingSessionPage")


class CoachingQuery(PageQuery):
    employee_id = Id(strict=False, metadata={"description": "Only this employee's sessions."})
    acknowledged = fields.Boolean(metadata={"description": "true: only acknowledged sessions; false: only "
                                                           "those waiting for the employee."})


def _criteria(**kw):
    return fields.List(fields.String(validate=[validate.Length(min=1, max=64), not_blank]),
                       validate=validate.Length(min=1, max=MAX_CRITERIA), metadata={
                           "description": "Criterion keys worked on: each must be a scored criterion of some "
                                          "scorecard."}, **kw)


class CoachingIn(Strict):
    employee_id = Id(required=True, metadata={"description": "The employee coached."})
    held_on = Day("The day of the session.", required=True)
    criteria = _criteria(required=True)
    notes = fields.String(load_default="", validate=validate.Length(max=MAX_TEXT))
    goals = fields.String(load_default="", validate=validate.Length(max=MAX_TEXT),
                          metadata={"description": "The goals agreed."})
    follow_up_on = Day("The follow-up day (not before the session).", load_default=None, allow_none=True)


class CoachingPatch(Strict):
    held_on = Day("The day of the session.")
    criteria = _criteria()
    notes = fields.String(validate=validate.Length(max=MAX_TEXT))
    goals = fields.String(validate=validate.Length(max=MAX_TEXT))
    follow_up_on = Day("The follow-up day (not before the session).", allow_none=True)
    acknowledged = Bool(validate=validate.Equal(True), metadata={
        "enum": [True], "description": "The employee's own login: true acknowledges the session (once; 409 after)."})


class EffectSide(ma.Schema):
    date_from = fields.Date(data_key="from", required=True, allow_none=True, metadata={
        "description": "The period's first day; null when there is no period yet (a session held today)."})
    date_to = fields.Date(data_key="to", required=True, allow_none=True, metadata={
        "description": "The period's last day."})
    audits = fields.Integer(required=True, metadata={
        "description": "Approved audits of the employee in the period that scored the criterion."})
    full = fields.Integer(required=True, metadata={"description": "Of those, audits where it earned full points."})
    rate = fields.Float(required=True, allow_none=True, metadata={
        "description": "full / audits, 0-100; null with fewer than three audits."})
    reason = fields.String(required=True, allow_none=True, validate=validate.OneOf([TOO_FEW]), metadata={
        "description": "Why rate is null: too_few_audits."})


class CriterionEffectSchema(ma.Schema):
    criterion = fields.String(required=True, metadata={"description": "The criterion key."})
    text = Text(required=True, allow_none=True)
    before = fields.Nested(EffectSide, required=True)
    after = fields.Nested(EffectSide, required=True)
    change = fields.Float(required=True, allow_none=True, metadata={
        "description": "after.rate - before.rate in percentage points; null when either is null."})


class CoachingEffectSchema(ma.Schema):
    session_id = fields.Integer(required=True)
    employee_id = fields.Integer(required=True)
    held_on = fields.Date(required=True)
    min_audits = fields.Integer(required=True, metadata={"description": "Audits a side needs for a rate (3)."})
    criteria = fields.List(fields.Nested(CriterionEffectSchema), required=True)


class RecognitionQuery(Query):
    date_from = Day("The period's first day (default: the first day of last month).", data_key="from")
    date_to = Day("The period's last day, included (default: the last day of last month).", data_key="to")
    branch_id = Id(strict=False, metadata={"description": "Only this branch (else every branch you see)."})
    # A ``to`` before ``from`` is a period that holds no day: nobody is recognised (as in reports).


class RecognisedEmployee(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    branch_id = fields.Integer(required=True, allow_none=True)
    branch = fields.String(required=True)


class RecognisedSchema(ma.Schema):
    employee = fields.Nested(RecognisedEmployee, required=True)
    audits = fields.Integer(required=True, metadata={"description": "Approved audits in the period."})
    mean_score = fields.Float(required=True, attribute="mean", metadata={"description": "0-100."})
    previous_audits = fields.Integer(required=True, allow_none=True, metadata={
        "description": "Approved audits in the previous period (most improved only)."})
    previous_mean = fields.Float(required=True, allow_none=True, metadata={
        "description": "The mean score in the previous period (most improved only)."})
    rise = fields.Float(required=True, allow_none=True, metadata={
        "description": "mean_score - previous_mean, percentage points (most improved only)."})


class RecognitionSchema(ma.Schema):
    date_from = fields.Date(data_key="from", required=True)
    date_to = fields.Date(data_key="to", required=True)
    previous_from = fields.Date(required=True, metadata={"description": "The previous period of the same length."})
    previous_to = fields.Date(required=True)
    branch_id = fields.Integer(required=True, allow_none=True)
    min_audits = fields.Integer(required=True, metadata={"description": "The admin's minimum of approved audits."})
    threshold = fields.Float(required=True, metadata={"description": "The admin's lowest mean score."})
    top = fields.List(fields.Nested(RecognisedSchema), required=True, metadata={
        "description": "At least min_audits approved audits, mean at or above threshold, no critical failure; "
                       "best mean first."})
    most_improved = fields.List(fields.Nested(RecognisedSchema), required=True, metadata={
        "description": "The largest rises of mean score against the previous period (min_audits in both), "
                       "at most 10."})


EXAMPLE_COACHING = {"employee_id": 1, "held_on": "2026-03-02", "criteria": ["a_no"],
                    "notes": "We listened to two calls together.", "goals": "Give your name in every greeting.",
                    "follow_up_on": "2026-04-02"}
