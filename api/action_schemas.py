"""The schemas of corrective actions (api/actions.py) and of the actions block of the reports."""
import marshmallow as ma
from marshmallow import fields, validate

from actions.models import ACTION_STATUSES, PRIORITIES, SCOPES
from actions.services import shown_person
from api.common import page_schema
from api.output import StringOrEmpty, computed, viewer
from api.schemas import Id, PageQuery, Strict, UserRef, UTCDateTime, not_blank

KEY = validate.Length(min=1, max=64)


def _person(relation: str, **metadata):
    """A person named on the action, or null for an employee's login where it is the auditor."""
    def shown(action):
        person, who = getattr(action, relation), viewer()
        return shown_person(who, action, person) if who is not None else person
    return computed(fields.Nested(UserRef, required=True, allow_none=True, metadata=metadata), shown)


class ActionSchema(ma.Schema):
    """An action as GET /actions/{id} gives it (and the ``action.overdue`` webhook sends it)."""

    id = fields.Integer(required=True)
    audit_id = fields.Integer(required=True)
    branch_id = fields.Integer(required=True)
    employee_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The audited employee of the audit the action follows, if any."})
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES), metadata={
        "description": "criterion (criterion_key), section (section_key) or the whole audit."})
    criterion_key = fields.String(required=True, allow_none=True)
    section_key = fields.String(required=True, allow_none=True)
    title = fields.String(required=True)
    description = StringOrEmpty(required=True)
    owner = _person("owner", description="Who must do it: a manager of the branch or an employee's login.")
    priority = fields.String(required=True, validate=validate.OneOf(PRIORITIES))
    due_date = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ACTION_STATUSES), metadata={
        "description": "open, in_progress, done, verified (by a manager other than the owner) or cancelled."})
    overdue = computed(fields.Boolean(required=True, metadata={
        "description": "Open or in progress, and past its due date."}), lambda action: action.is_overdue())
    automatic = computed(fields.Boolean(required=True, metadata={
        "description": "Opened by a critical failure on approval (setting actions_on_critical)."}),
        lambda action: bool(action.automatic))
    created_by = _person("created_by")
    created_at = UTCDateTime(required=True)
    started_at = UTCDateTime(required=True, allow_none=True)
    done_at = UTCDateTime(required=True, allow_none=True)
    done_by = _person("done_by")
    closing_note = StringOrEmpty(required=True)
    has_photo = computed(fields.Boolean(required=True, metadata={
        "description": "Whether photo evidence was added when it was done (shown on its page)."}),
        lambda action: bool(action.photo))
    verified_at = UTCDateTime(required=True, allow_none=True)
    verified_by = _person("verified_by")
    cancelled_at = UTCDateTime(required=True, allow_none=True)
    cancelled_by = _person("cancelled_by")
    cancel_reason = StringOrEmpty(required=True)


ActionPage = page_schema(ActionSchema, "ActionPage")


class ActionQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(ACTION_STATUSES), metadata={
        "description": "Only actions in this state."})
    branch_id = Id(strict=False, metadata={"description": "Only this branch's actions."})
    owner_id = Id(strict=False, metadata={"description": "Only actions this user owns."})
    audit_id = Id(strict=False, metadata={"description": "Only the actions of this audit."})
    criterion_key = fields.String(validate=KEY, metadata={"description": "Only actions on this criterion."})
    overdue = fields.Boolean(metadata={"description": "true: only actions open or in progress past their due date."})


class ActionIn(Strict):
    audit_id = Id(required=True, metadata={"description": "The approved audit the action follows."})
    title = fields.String(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    owner_id = Id(required=True, metadata={
        "description": "A manager of the audit's branch, or the login of one of its employees."})
    due_date = fields.Date(required=True)
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    criterion_key = fields.String(validate=KEY, allow_none=True, metadata={
        "description": "A criterion the audit failed (less than full points); or leave it out."})
    section_key = fields.String(validate=KEY, allow_none=True, metadata={
        "description": "A section of the audit's scorecard; leave both keys out for the whole audit."})


class ActionChange(Strict):
    status = fields.String(validate=validate.OneOf(ACTION_STATUSES), metadata={
        "description": "The new state: in_progress or done (the owner or a manager of the branch), "
                       "verified (a manager of the branch other than the owner), cancelled (a manager). "
                       "An impossible change is 409; a verifier who is the owner is 403."})
    closing_note = fields.String(validate=validate.Length(max=4000), metadata={
        "description": "Required with status done: what was done."})
    cancel_reason = fields.String(validate=validate.Length(max=4000), metadata={
        "description": "Required with status cancelled: why."})
    title = fields.String(validate=[validate.Length(min=1, max=200), not_blank])
    description = fields.String(validate=validate.Length(max=4000))
    owner_id = Id()
    due_date = fields.Date()
    priority = fields.String(validate=validate.OneOf(PRIORITIES))


class OverdueActionSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    due_date = fields.Date(required=True)
    days_overdue = fields.Integer(required=True)
    owner = fields.String(required=True, allow_none=True, metadata={"description": "The owner's name."})
    priority = fields.String(required=True, validate=validate.OneOf(PRIORITIES))


class ActionCountsSchema(ma.Schema):
    """The actions block of a branch or employee report: today's state, whatever the period."""

    open = fields.Integer(required=True, metadata={"description": "Open or in progress."})
    overdue = fields.Integer(required=True)
    overdue_items = fields.List(fields.Nested(OverdueActionSchema), required=True, metadata={
        "description": "The overdue ones, most overdue first (at most 10)."})


EXAMPLE_ACTION = {"audit_id": 1, "title": "Train the counter staff to give their name",
                  "description": "Ten minutes at Monday's briefing.", "owner_id": 2, "due_date": "2026-12-15",
                  "priority": "normal", "criterion_key": "name_given"}
EXAMPLE_CHANGE = {"status": "done", "closing_note": "Briefing held on Monday; all six attended."}
