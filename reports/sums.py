"""The counts and sums every report figure is made of, read from the monthly roll-ups where they
can serve and from the raw rows where they cannot.

A period is cut into whole calendar months, read from the roll-ups (reports/models.py), and the
days before the first whole month and after the last one, added up from the raw rows by the same
SQL that builds the roll-ups (``rollups.raw_select``); a partial month whose other days hold no
approved audit (the current month, for a period up to today) is read whole from the roll-ups. So
a report costs its months plus at most two partial months of raw rows, however many audits the
period holds, and the figures are the same as the raw rows would give. The roll-ups hold approved
audits only: another status filter (submitted, returned, scored) reads the raw rows for the whole
period, as does a deployment with ``REPORTS_ROLLUPS = False`` (the tests' and the benchmark's way
to compare).
"""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app, has_app_context
from sqlalchemy import false, func, select

from audits.models import Audit
from extensions import db
from reports.filters import Filters, day_end, day_start
from reports.models import KINDS, TABLES
from reports.rollups import NO_MONTH, raw_select  # noqa: F401  (NO_MONTH: for the trend)


def _month_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, 1)


def _next_month(moment: datetime) -> datetime:
    return datetime(moment.year + moment.month // 12, moment.month % 12 + 1, 1)


def served(f: Filters) -> bool:
    """Whether the roll-ups can give these filters' figures (the approved audits)."""
    enabled = current_app.config.get("REPORTS_ROLLUPS", True) if has_app_context() else True
    return bool(enabled) and f.status == "approved"


def period(f: Filters) -> tuple[datetime | None, datetime | None]:
    return (day_start(f.date_from) if f.date_from else None, day_end(f.date_to) if f.date_to else None)


def sums(kind: str, f: Filters, by: tuple = (), *, start=..., end=...) -> dict:
    """{key: {measure: total}} of ``kind`` ("audit", "section" or "criterion") for the audits the
    filters cover, grouped by the roll-up dimensions ``by`` (key: a tuple of their values);
    ``start``/``end`` (datetimes, None for open) replace the filters' period. A key whose first
    measure (its rows) is zero is left out, as a GROUP BY over no row would."""
    first, last = period(f)
    start = first if start is ... else start
    end = last if end is ... else end
    level = "employee" if f.employee_id is not None or "employee_id" in by else "branch"
    out: dict = {}
    if not served(f):
        _add(out, kind, _raw(kind, f, by, level, start, end))
        return _present(out, kind)
    months_from = None if start is None else (start if start == _month_start(start) else _next_month(start))
    months_to = None if end is None else _month_start(end)
    # A partial month whose other days hold no approved audit is its whole month: a period up to
    # today reads the current month from the roll-ups too (one probe of the audits' index).
    if start is not None and start < months_from and _none_approved(_month_start(start), start):
        months_from = _month_start(start)
    if end is not None and months_to < end and _none_approved(end, _next_month(months_to)):
        months_to = _next_month(months_to)
    if months_from is not None and months_to is not None and months_from >= months_to:
        _add(out, kind, _raw(kind, f, by, level, start, end))
        return _present(out, kind)
    _add(out, kind, _rolled(kind, f, by, level, months_from, months_to))
    if start is not None and start < months_from:
        _add(out, kind, _raw(kind, f, by, level, start, months_from))
    if end is not None and months_to < end:
        _add(out, kind, _raw(kind, f, by, level, months_to, end))
    return _present(out, kind)


def _none_approved(start: datetime, end: datetime) -> bool:
    """No approved audit started in [start, end), whatever else the filters say."""
    return db.session.scalar(select(Audit.id).where(Audit.status == "approved", Audit.started_at >= start,
                                                    Audit.started_at < end).limit(1)) is None


def _add(out: dict, kind: str, rows) -> None:
    measures = KINDS[kind]["measures"]
    for row in rows:
        key = tuple(row[:-len(measures)])
        totals = out.setdefault(key, dict.fromkeys(measures, 0))
        for name, value in zip(measures, row[-len(measures):], strict=True):
            totals[name] += value or 0


def _present(out: dict, kind: str) -> dict:
    first = KINDS[kind]["measures"][0]
    return {key: totals for key, totals in out.items() if totals[first]}


def _raw(kind, f, by, level, start, end):
    from reports.queries import _planner_hint, audit_conditions  # queries reads its figures from here

    _planner_hint()
    conditions = audit_conditions(f, period=False)
    if start is not None:
        conditions.append(Audit.started_at >= start)
    if end is not None:
        conditions.append(Audit.started_at < end)
    if level == "employee":
        conditions.append(Audit.employee_id.is_not(None))
    return db.session.execute(raw_select(kind, by, conditions)).all()


def _rolled(kind, f, by, level, months_from, months_to):
    from reports.queries import branch_ids

    table = TABLES[kind, level]
    conditions = []
    ids = branch_ids(f)
    if ids is not None:
        conditions.append(table.c.branch_id.in_(sorted(ids)) if ids else false())
    if f.employee_id is not None:
        conditions.append(table.c.employee_id == f.employee_id)
    if f.scorecard_id is not None:
        conditions.append(table.c.scorecard_id == f.scorecard_id)
    if f.channel:
        conditions.append(table.c.channel == f.channel)
    if months_from is not None:
        conditions.append(table.c.month >= date(months_from.year, months_from.month, 1))
    if months_to is not None:
        conditions.append(table.c.month < date(months_to.year, months_to.month, 1))
    keys = [table.c[k] for k in by]
    query = select(*keys, *[func.sum(table.c[m]) for m in KINDS[kind]["measures"]]).where(*conditions)
    return db.session.execute(query.group_by(*keys) if keys else query).all()
