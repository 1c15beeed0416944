"""The schemas of customer surveys (api/surveys.py)."""
import marshmallow as ma
from marshmallow import fields, validate

from api.common import MAX_ID, page_schema
from api.output import computed
from api.schemas import PageQuery, Strict, UTCDateTime
from core.i18n import LANGUAGES
from surveys import poster
from surveys.models import LINK_KINDS, RESOLVED, WAITS

Id = fields.Integer


class SurveyLinkSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(LINK_KINDS), metadata={
        "description": "branch (its poster), employee (their card) or single (one answer, then closed)."})
    token = fields.String(required=True, metadata={"description": "The random token in the URL."})
    url = computed(fields.String(required=True, metadata={
        "description": "The survey's page, to send to the customer."}), poster.survey_url)
    branch_id = fields.Integer(required=True)
    employee_id = fields.Integer(required=True, allow_none=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES), metadata={
        "description": "The page's language when the customer's browser names none."})
    created_at = UTCDateTime(required=True)
    revoked_at = UTCDateTime(required=True, allow_none=True)
    used_at = UTCDateTime(required=True, allow_none=True, metadata={
        "description": "A single-use link: when it was answered."})


class SurveyLinkIn(Strict):
    branch_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    employee_id = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                                 metadata={"description": "The employee who served the customer, of that branch."})
    language = fields.String(validate=validate.OneOf(LANGUAGES), metadata={
        "description": "The page's language when the customer's browser names none (default: the server's)."})


class SurveyResponseSchema(ma.Schema):
    id = fields.Integer(required=True)
    branch_id = fields.Integer(required=True)
    employee_id = fields.Integer(required=True, allow_none=True)
    link_kind = fields.String(required=True, allow_none=True, validate=validate.OneOf(LINK_KINDS),
                              attribute="link.kind", metadata={
                                  "description": "Through which kind of link it came (null once the link is gone)."})
    created_at = UTCDateTime(required=True)
    nps = fields.Integer(required=True, validate=validate.Range(min=0, max=10), metadata={
        "description": "How likely to recommend, 0-10 (9-10 promoter, 0-6 detractor)."})
    csat = fields.Integer(required=True, validate=validate.Range(min=1, max=5), metadata={
        "description": "How satisfied, 1-5."})
    resolved = fields.String(required=True, validate=validate.OneOf(RESOLVED))
    wait = fields.String(required=True, allow_none=True, validate=validate.OneOf(WAITS), metadata={
        "description": "How long they waited; null when not asked or not answered."})
    comment = computed(fields.String(required=True, allow_none=True, metadata={
        "description": "The comment; null when a manager hid it (kept, not shown)."}),
        lambda response: None if response.hidden_at is not None else response.comment)
    hidden = computed(fields.Boolean(required=True, metadata={"description": "Whether a manager hid the comment."}),
                      lambda response: response.hidden_at is not None)


SurveyResponsePage = page_schema(SurveyResponseSchema, "SurveyResponsePage")


class SurveyResponseQuery(PageQuery):
    branch_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={
        "description": "Only this branch (one of yours; another is 404)."})
    date_from = fields.Date(data_key="from", metadata={"description": "From this day (UTC), included."})
    date_to = fields.Date(data_key="to", metadata={"description": "Until this day (UTC), included."})


EXAMPLE_LINK = {"branch_id": 1, "language": "es"}
