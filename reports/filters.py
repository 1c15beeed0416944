"""What a report covers: one filter schema for the report pages, the PDFs, the exports and the API.

``FilterArgs`` reads the query string (from, to, branch, region, employee, scorecard, channel,
status); the web pages call ``parse_filters(request.args, user)``, and the API declares the same
schema with ``@blp.arguments`` and hands the loaded values to ``filters_for`` -- the function
``parse_filters`` ends in. So a value means the same, and is refused with the same message,
whoever asks. A ``Filters`` value is always scoped to its reader (see docs on report figures).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from accounts.permissions import branch_ids_in_scope
from extensions import db
from scorecards.models import CHANNELS, Scorecard

# "scored" counts every audit that has a score: submitted, returned or approved.
STATUS_CHOICES = ("approved", "submitted", "returned", "scored")
MAX_ID = 2**31 - 1
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


class FilterError(ValueError):
    """Bad filter values; ``messages`` maps each parameter to a message for the reader."""

    def __init__(self, messages: dict):
        super().__init__("; ".join(f"{k}: {v}" for k, v in messages.items()))
        self.messages = messages


@dataclass(frozen=True, kw_only=True)
class Filters:
    """What a report covers. ``scope`` is required: the branch ids the reader may see (None = all).

    Build it with ``Filters.for_user(user, ...)`` or ``parse_filters(args, user)`` so a report can
    never forget whose it is.
    """

    scope: frozenset | None
    date_from: date | None = None
    date_to: date | None = None
    branch_id: int | None = None
    region: str | None = None
    employee_id: int | None = None
    scorecard_id: int | None = None
    channel: str | None = None
    status: str = "approved"

    def __post_init__(self):
        if self.scope is not None and not isinstance(self.scope, frozenset):
            object.__setattr__(self, "scope", frozenset(self.scope))
        if self.status not in STATUS_CHOICES:
            raise FilterError({"status": _l("Unknown status.")})

    @classmethod
    def for_user(cls, user, **values) -> Filters:
        scope = branch_ids_in_scope(user)
        return cls(scope=None if scope is None else frozenset(scope), **values)

    def replace(self, **values) -> Filters:
        return replace(self, **values)

    def as_args(self) -> dict:
        """The query-string arguments that give these filters back through ``parse_filters``."""
        args = {"from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None,
                "branch": self.branch_id, "region": self.region, "employee": self.employee_id,
                "scorecard": self.scorecard_id, "channel": self.channel,
                "status": self.status if self.status != "approved" else None}
        return {k: v for k, v in args.items() if v not in (None, "")}

    @property
    def midpoint(self) -> datetime | None:
        if self.date_from is None or self.date_to is None:
            return None
        start, end = day_start(self.date_from), day_end(self.date_to)
        return start + (end - start) / 2


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def day_end(day: date) -> datetime:
    """The first instant after ``day``."""
    return day_start(day) + timedelta(days=1)


def default_period(today: date | None = None, months: int = 12) -> tuple[date, date]:
    """The last ``months`` calendar months up to today (the current month included)."""
    today = today or date.today()
    year, month = today.year, today.month - (months - 1)
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, 1), today


CHOICE = _l("Not a valid choice.")
# FIRST_DAY..LAST_DAY as the API's document says it (a date format alone allows year 0104).
DAY_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


def _day(key: str, description: str):
    between = _l("Use a date between 2000 and 2100.")
    return fields.Date(data_key=key, validate=validate.Range(min=FIRST_DAY, max=LAST_DAY, error=between),
                       error_messages={"invalid": _l("Use a date like 2025-01-31.")},
                       metadata={"description": description, "pattern": DAY_PATTERN})


def _id(description: str):
    return fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID, error=CHOICE),
                          error_messages={"invalid": CHOICE}, metadata={"description": description})


class FilterArgs(ma.Schema):
    """The query string of every report (web and API). Empty values are absent values (a filter
    form sends every field)."""

    class Meta:
        unknown = ma.EXCLUDE

    date_from = _day("from", "First day (2000-2100). Without from and to: the last 12 months.")
    date_to = _day("to", "Last day, included.")
    branch = _id("A branch's id.")
    region = fields.String(validate=validate.Length(min=1, max=80))
    employee = _id("An employee's id.")
    scorecard = fields.String(validate=validate.Length(min=1, max=80),
                              metadata={"description": "A scorecard's slug (or its id)."})
    channel = fields.String(validate=validate.OneOf(CHANNELS, error=CHOICE))
    status = fields.String(validate=validate.OneOf(STATUS_CHOICES, error=CHOICE), metadata={
        "description": "Which audits count: approved (default), submitted, returned, or scored (all three)."})

    @ma.pre_load
    def _drop_empty(self, data, **kwargs):
        names = [f.data_key or name for name, f in self.fields.items()]
        values = {name: data.get(name) for name in names}
        texts = {k: str(v).strip() for k, v in values.items() if v is not None and v is not ma.missing}
        return {k: v for k, v in texts.items() if v}

    @ma.validates_schema
    def _period_in_order(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ma.ValidationError(_l("The end of the period comes before its start."), "to")


class PeriodFilterArgs(FilterArgs):
    """The filters of one branch's or one employee's report: the URL names the subject."""

    class Meta:
        unknown = ma.EXCLUDE
        exclude = ("branch", "region", "employee")


def _first_messages(messages: dict) -> dict:
    return {key: value[0] if isinstance(value, list) and value else value for key, value in messages.items()}


def parse_filters(args: Mapping, user, *, today: date | None = None, months: int = 12,
                  fixed: Mapping | None = None) -> Filters:
    """Filters from query-string arguments, scoped to ``user``; raises FilterError naming each bad
    parameter. See ``filters_for`` for the defaults and ``fixed``."""
    try:
        values = FilterArgs().load(args)
    except ma.ValidationError as exc:
        raise FilterError(_first_messages(exc.normalized_messages())) from exc
    return filters_for(values, user, today=today, months=months, fixed=fixed)


def filters_for(values: Mapping, user, *, today: date | None = None, months: int = 12,
                fixed: Mapping | None = None) -> Filters:
    """Filters from ``FilterArgs``'s loaded values, scoped to ``user``. Missing dates default to
    the last ``months`` months (only ``to`` given: everything until then; only ``from``: from then).

    ``fixed`` pins values that the URL decides (``{"branch_id": 3}`` on a branch's page). A branch
    or employee outside the user's scope is not an error here: it gives no rows (the routes answer
    404 for it). An unknown scorecard is a FilterError.
    """
    date_from, date_to = values.get("date_from"), values.get("date_to")
    if date_from is None and date_to is None:
        date_from, date_to = default_period(today, months)
    scorecard_id = None
    if values.get("scorecard"):
        scorecard_id = _scorecard_id(values["scorecard"])
    chosen = {"date_from": date_from, "date_to": date_to, "branch_id": values.get("branch"),
              "region": values.get("region"), "employee_id": values.get("employee"),
              "scorecard_id": scorecard_id, "channel": values.get("channel"),
              "status": values.get("status") or "approved"}
    chosen.update(fixed or {})
    return Filters.for_user(user, **chosen)


def _scorecard_id(ref: str) -> int:
    """A scorecard named by its id (the pages' form) or its slug (the API)."""
    column = Scorecard.id if ref.isdigit() and int(ref) <= MAX_ID else Scorecard.slug
    found = db.session.scalar(db.select(Scorecard.id).where(column == (int(ref) if column is Scorecard.id else ref)))
    if found is None:
        raise FilterError({"scorecard": CHOICE})
    return found
