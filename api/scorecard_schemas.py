"""Schemas of the scorecard operations: versions, criteria, the scorecard file (docs/scorecard-format.md).
The shared building blocks are in api/schemas.py."""

import marshmallow as ma
from marshmallow import fields, validate

from api.common import MAX_ID, page_schema
from api.output import computed, viewer
from api.schemas import TEXT, PageQuery, Query, Text, UTCDateTime
from scorecards.models import CHANNELS
from scorecards.services import versions_seen

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
    published_version = computed(fields.Integer(allow_none=True, required=True, metadata={
        "description": "The latest published version's number."}),
        lambda card: card.latest_published.number if card.latest_published is not None else None)
    versions = computed(fields.List(fields.Nested(VersionRef), required=True),
                        lambda card: versions_seen(viewer(), card))


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


EXAMPLE_SCORECARD_FILE = {
    "slug": "quick-visit", "name": {"es": "Visita rápida", "en": "Quick visit"}, "channel": "visit",
    "sections": [{"key": "welcome", "title": {"es": "Bienvenida", "en": "Welcome"}, "weight": 2, "criteria": [
        {"key": "greeted", "type": "yes_no", "kpi": "greeting",
         "text": {"es": "¿Le saludaron al llegar?", "en": "Were you greeted on arrival?"}},
        {"key": "courtesy", "type": "scale", "min": 1, "max": 5, "weight": 2, "kpi": "courtesy",
         "text": {"es": "Cortesía", "en": "Courtesy"}}]}],
}
