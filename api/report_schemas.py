"""Schemas of the report operations: the figures as JSON (what the report pages and PDFs show),
the PDFs' and exports' queries (the pages' filter schema, reports/filters.py).

Scores are percentages from 0 to 100 with full precision, null where nothing was scored.
"""
import marshmallow as ma
from marshmallow import fields, validate

from accounts.models import LANGUAGES
from api.action_schemas import ActionCountsSchema
from api.schemas import Query, Text
from reports.filters import FilterArgs, PeriodFilterArgs

PDF = {"type": "string", "format": "binary"}


class StrictFilters(FilterArgs):
    """The pages' filters, strict as the document says: the pages drop empty values (a filter form
    sends every field), the API refuses them (422), as any value the schema does not allow."""

    def _drop_empty(self, data, **kwargs):  # shadows FilterArgs' pre_load hook: not a hook here
        return data

    def _period_in_order(self, data, **kwargs):  # shadows FilterArgs' validates_schema hook
        """A period from a later day to an earlier one holds no day: its figures are those of no
        audit, not an error (the pages, whose form can say so next to the field, refuse it).
        OpenAPI cannot state "to is not before from", so the API does what the document says."""


class StrictPeriodFilters(StrictFilters):
    """The filters of one branch's or one employee's figures: the URL names the subject."""

    class Meta:
        unknown = ma.EXCLUDE
        exclude = PeriodFilterArgs.Meta.exclude


class PeriodQuery(StrictPeriodFilters):
    """The report pages' filters (reports/filters.py) of a branch's or an employee's PDF."""

    lang = fields.String(validate=validate.OneOf(LANGUAGES), metadata={
        "description": "The PDF's language; default: the token user's."})


class AuditPdfQuery(Query):
    lang = fields.String(validate=validate.OneOf(LANGUAGES), metadata={
        "description": "The PDF's language; default: the token user's."})


class ExportQuery(StrictFilters):
    """The dashboards' filters (reports/filters.py)."""


SCORE = {"description": "0-100, full precision; null where nothing was scored."}


def Score(attribute=None):  # noqa: N802  (a field factory, read like a field class)
    return fields.Float(allow_none=True, required=True, attribute=attribute, metadata=SCORE)


class MonthFigures(ma.Schema):
    month = fields.Date(required=True, metadata={"description": "The month's first day."})
    audits = fields.Integer(required=True)
    mean_score = Score("mean")
    pass_rate = Score()


class SectionFigures(ma.Schema):
    scorecard = fields.String(required=True, metadata={"description": "The scorecard's slug."})
    key = fields.String(required=True, metadata={"description": "The section's key in that scorecard."})
    title = Text(required=True)
    mean = Score()
    audits = fields.Integer(required=True)


class CriterionFigures(ma.Schema):
    scorecard = fields.String(required=True, attribute="scorecard_slug",
                              metadata={"description": "The scorecard's slug."})
    key = fields.String(required=True)
    rate = Score("full_rate")
    answered = fields.Integer(required=True)


class KpiFigures(ma.Schema):
    kpi = fields.String(required=True)
    rate = Score()
    answered = fields.Integer(required=True)
    mean_minutes = fields.Float(allow_none=True, required=True, metadata={
        "description": "Times (s, min, h, d) converted to minutes, then averaged; null for other units."})
    mean = fields.Float(allow_none=True, required=True, metadata={"description": "The mean number, in unit."})
    unit = fields.String(allow_none=True, required=True, metadata={
        "description": "min for times; any other unit is a row of its own, never mixed."})


class RankedFigures(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    code = fields.String(required=True)
    audits = fields.Integer(required=True)
    mean_score = Score("mean")
    pass_rate = Score()
    critical_failures = fields.Integer(required=True)


class Figures(ma.Schema):
    """The figures of a report page and its PDF: which audits count is the pages' rule."""

    date_from = fields.Date(data_key="from", allow_none=True, required=True)
    date_to = fields.Date(data_key="to", allow_none=True, required=True)
    audits = fields.Integer(required=True)
    mean_score = Score()
    pass_rate = Score()
    critical_failures = fields.Integer(required=True)
    months = fields.List(fields.Nested(MonthFigures), required=True)
    sections = fields.List(fields.Nested(SectionFigures), required=True,
                           metadata={"description": "One row per scorecard and section."})
    criteria = fields.List(fields.Nested(CriterionFigures), required=True)
    kpis = fields.List(fields.Nested(KpiFigures), required=True)
    # The customers' voice over the same period (surveys/figures.py; docs/surveys.md).
    nps = fields.Float(required=True, allow_none=True, validate=validate.Range(min=-100, max=100), metadata={
        "description": "Net Promoter Score: % promoters (9-10) minus % detractors (0-6) of the survey "
                       "responses; null under the minimum of responses (too few)."})
    csat = fields.Float(required=True, allow_none=True, validate=validate.Range(min=0, max=100), metadata={
        "description": "% of the responses rating satisfaction 4 or 5 (of 5); null under the minimum."})
    fcr = fields.Float(required=True, allow_none=True, validate=validate.Range(min=0, max=100), metadata={
        "description": "First-contact resolution: % answering yes to \"Was your query resolved?\"; null under "
                       "the minimum."})
    responses = fields.Integer(required=True, metadata={"description": "Survey responses in the period."})


class BranchFigures(Figures):
    employees = fields.List(fields.Nested(RankedFigures), required=True,
                            metadata={"description": "The branch's employees, best mean first."})
    actions = fields.Nested(ActionCountsSchema, required=True, metadata={
        "description": "The branch's corrective actions today: open, overdue, the overdue ones named."})


class EmployeeFigures(Figures):
    actions = fields.Nested(ActionCountsSchema, required=True, metadata={
        "description": "Corrective actions today on the employee's audits or owned by their login."})


class OverviewFigures(Figures):
    branches = fields.List(fields.Nested(RankedFigures), required=True,
                           metadata={"description": "Each branch in scope with audits, best mean first."})
    employees = fields.List(fields.Nested(RankedFigures), required=True)
