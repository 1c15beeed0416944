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
from sqlalchemy import Integer, false, func, literal_column, select, union_all

from audits.models import Audit
from core.memo import remembered
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


def sums(kind: str, f: Filters, by: tuple = (), *, start=..., end=..., only: tuple | None = None) -> dict:
    """{key: {measure: total}} of ``kind`` ("audit", "section" or "criterion") for the audits the
    filters cover, grouped by the roll-up dimensions ``by`` (key: a tuple of their values);
    ``start``/``end`` (datetimes, None for open) replace the filters' period; ``only`` (a
    dimension and its values, e.g. ("employee_id", [4, 7])) keeps those subjects alone. A key whose
    first measure (its rows) is zero is left out, as a GROUP BY over no row would."""
    out: dict = {}
    for part in parts(kind, f, by, start=start, end=end, only=only):
        _add(out, kind, db.session.execute(part).all())
    return _present(out, kind)


def sums_together(kind: str, by: tuple, requests: list) -> list[dict]:
    """Several :func:`sums` of one kind and grouping in one statement (one round trip): each
    request is (filters, {"start":, "end":, "only":}); returns their results in order, added up in
    Python part by part as :func:`sums` adds them, so the figures are the same to the last bit."""
    tagged = []
    for n, (f, options) in enumerate(requests):
        for k, part in enumerate(parts(kind, f, by, **options)):
            tagged.append(part.add_columns(literal_column(str(n * 1000 + k), Integer).label("sums_part")))
    rows: dict = {}
    if tagged:
        statement = tagged[0] if len(tagged) == 1 else union_all(*tagged)
        for row in db.session.execute(statement).all():
            rows.setdefault(row[-1], []).append(row[:-1])
    results = []
    for n in range(len(requests)):
        out: dict = {}
        for tag in sorted(t for t in rows if t // 1000 == n):  # the parts in the order sums() adds them
            _add(out, kind, rows[tag])
        results.append(_present(out, kind))
    return results


def sums_subquery(kind: str, f: Filters, by: tuple, **options):
    """:func:`sums` as a subquery (columns ``by``, then the measures, added up in SQL), for a
    query that orders or pages by the figures: only those measures the page shows are read
    back through :func:`sums` (so the last bit of each figure is the same everywhere)."""
    selects = parts(kind, f, by, **options)
    if len(selects) == 1:  # already grouped by ``by``: a second GROUP BY would only cost (and make numerics)
        return selects[0].subquery()
    union = union_all(*selects).subquery()
    keys = [union.c[k] for k in by]
    return (select(*keys, *[func.sum(union.c[m]).label(m) for m in KINDS[kind]["measures"]])
            .group_by(*keys).subquery())


def parts(kind: str, f: Filters, by: tuple = (), *, start=..., end=..., only: tuple | None = None) -> list:
    """The SELECTs whose rows :func:`sums` adds up: the whole months from the roll-ups, then the
    raw rows of the days before and after them (columns: ``by``, then the kind's measures)."""
    first, last = period(f)
    start = first if start is ... else start
    end = last if end is ... else end
    level = "employee" if f.employee_id is not None or "employee_id" in by or (only and only[0] == "employee_id") \
        else "company" if _company_wide(f, by, only) else "branch"
    if not served(f):
        return [_raw(kind, f, by, level, start, end, only)]
    months_from = None if start is None else (start if start == _month_start(start) else _next_month(start))
    months_to = None if end is None else _month_start(end)
    # A partial month whose other days hold no approved audit is its whole month: a period up to
    # today reads the current month from the roll-ups too (one probe of the audits' index).
    if start is not None and start < months_from and _none_approved(_month_start(start), start):
        months_from = _month_start(start)
    if end is not None and months_to < end and _none_approved(end, _next_month(months_to)):
        months_to = _next_month(months_to)
    if months_from is not None and months_to is not None and months_from >= months_to:
        return [_raw(kind, f, by, level, start, end, only)]
    out = [_rolled(kind, f, by, level, months_from, months_to, only)]
    if start is not None and start < months_from:
        out.append(_raw(kind, f, by, level, start, months_from, only))
    if end is not None and months_to < end:
        out.append(_raw(kind, f, by, level, months_to, end, only))
    return out


def _company_wide(f: Filters, by: tuple, only) -> bool:
    """Every branch, none told apart: the company level of the roll-ups can answer."""
    return f.scope is None and f.branch_id is None and not f.region and "branch_id" not in by and only is None


def _none_approved(start: datetime, end: datetime) -> bool:
    """No approved audit started in [start, end), whatever else the filters say. Asked once per
    transaction and period (a page's figures all ask the same question; core/memo.py)."""
    return remembered(("approved_between", start, end), lambda: db.session.scalar(
        select(Audit.id).where(Audit.status == "approved", Audit.started_at >= start, Audit.started_at < end)
        .limit(1)) is None)


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


def _raw(kind, f, by, level, start, end, only=None):
    from reports.queries import _planner_hint, audit_conditions  # queries reads its figures from here

    _planner_hint()
    conditions = audit_conditions(f, period=False)
    if only is not None:
        conditions.append(getattr(Audit, only[0]).in_(sorted(only[1])))
    if start is not None:
        conditions.append(Audit.started_at >= start)
    if end is not None:
        conditions.append(Audit.started_at < end)
    if level == "employee":
        conditions.append(Audit.employee_id.is_not(None))
    return raw_select(kind, by, conditions)


def _rolled(kind, f, by, level, months_from, months_to, only=None):
    from reports.queries import branch_ids

    table = TABLES[kind, level]
    conditions = []
    ids = branch_ids(f)
    if ids is not None:
        conditions.append(table.c.branch_id.in_(sorted(ids)) if ids else false())
    if f.employee_id is not None:
        conditions.append(table.c.employee_id == f.employee_id)
    if only is not None:
        conditions.append(table.c[only[0]].in_(sorted(only[1])))
    if f.scorecard_id is not None:
        conditions.append(table.c.scorecard_id == f.scorecard_id)
    if f.channel:
        conditions.append(table.c.channel == f.channel)
    if months_from is not None:
        conditions.append(table.c.month >= date(months_from.year, months_from.month, 1))
    if months_to is not None:
        conditions.append(table.c.month < date(months_to.year, months_to.month, 1))
    keys = [table.c[k] for k in by]
    query = select(*keys, *[func.sum(table.c[m]).label(m) for m in KINDS[kind]["measures"]]).where(*conditions)
    return query.group_by(*keys) if keys else query
