"""Schemas of the impact preview (``POST /api/v1/scorecards/{slug}/preview``): kept apart from
api/schemas.py, which the other areas share."""
import marshmallow as ma
from marshmallow import fields, validate

from api.common import MAX_ID
from api.schemas import LAST_DAY, Strict

FIRST_DAY_NOTE = "Default: the last 90 days, today included."
SCORE = {"description": "A mean score, 0-100 with full precision; null without any scored audit."}
RATE = {"description": "Percent of the scored audits that pass; null without any."}


class PreviewIn(Strict):
    version = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), metadata={
        "description": "The draft version to replay under. Default: the scorecard's current draft."})
    date_from = fields.Date(data_key="from", validate=validate.Range(max=LAST_DAY), metadata={
        "description": "First day of the period (audits started on or after it, UTC). " + FIRST_DAY_NOTE})
    date_to = fields.Date(data_key="to", validate=validate.Range(max=LAST_DAY), metadata={
        "description": "Last day of the period, included. Default: today."})


class PreviewBranch(ma.Schema):
    branch_id = fields.Integer(required=True)
    name = fields.String(required=True)
    audits = fields.Integer(required=True)
    mean_before = fields.Float(allow_none=True, required=True, metadata=SCORE)
    mean_after = fields.Float(allow_none=True, required=True, metadata=SCORE)
    pass_rate_before = fields.Float(allow_none=True, required=True, metadata=RATE)
    pass_rate_after = fields.Float(allow_none=True, required=True, metadata=RATE)


class PreviewEmployee(ma.Schema):
    employee_id = fields.Integer(required=True)
    name = fields.String(required=True)
    mean_before = fields.Float(required=True, metadata=SCORE)
    mean_after = fields.Float(required=True, metadata=SCORE)


class PreviewCriterion(ma.Schema):
    key = fields.String(required=True)
    effect = fields.Float(required=True, metadata={
        "description": "How much the change of this criterion moves the mean score, in points."})


class PreviewSchema(ma.Schema):
    """What the draft would have done to the period's approved audits. Nothing is written."""

    version = fields.Integer(required=True, metadata={"description": "The draft version replayed under."})
    date_from = fields.Date(data_key="from", required=True)
    date_to = fields.Date(data_key="to", required=True)
    audits = fields.Integer(required=True, metadata={"description": "Approved audits replayed."})
    mean_before = fields.Float(allow_none=True, required=True, metadata=SCORE)
    mean_after = fields.Float(allow_none=True, required=True, metadata=SCORE)
    pass_rate_before = fields.Float(allow_none=True, required=True, metadata=RATE)
    pass_rate_after = fields.Float(allow_none=True, required=True, metadata=RATE)
    critical_before = fields.Integer(required=True, metadata={"description": "Audits with a critical failure now."})
    critical_after = fields.Integer(required=True, metadata={"description": "... under the draft."})
    critical_added = fields.Integer(required=True, metadata={
        "description": "Audits the draft would fail critically that do not now."})
    critical_removed = fields.Integer(required=True, metadata={
        "description": "Audits failing critically now that would not under the draft."})
    branches = fields.List(fields.Nested(PreviewBranch), required=True)
    employees_crossing = fields.List(fields.Nested(PreviewEmployee), required=True, metadata={
        "description": "Employees whose mean would cross the pass mark, up or down."})
    criteria = fields.List(fields.Nested(PreviewCriterion), required=True, metadata={
        "description": "Criteria whose change moves the mean, largest move first."})
    not_answered = fields.List(fields.String(), required=True, metadata={
        "description": "Required criteria of the draft some audits have no answer to (new ones): "
                       "counted as unanswered, never invented."})
    left_out = fields.List(fields.String(), required=True, metadata={
        "description": "Criteria whose old answers no longer fit the draft (type, scale, options, N/A): "
                       "those answers are left out."})


EXAMPLE_PREVIEW = {"version": 2, "from": "2026-01-01", "to": "2026-03-31"}
