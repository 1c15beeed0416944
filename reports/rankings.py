"""Who ranks where and what happened last: employees and branches ranked by mean score, the
latest audits, the audits awaiting review and the auditors' comments, with the filters and
definitions of reports/queries.py (lists are bounded by ``limit`` or a page).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Float, cast, false, func, or_, select

from accounts.models import User
from audits.models import Answer, Audit
from branches.models import Branch, Employee
from core.timeutil import minutes_between
from extensions import db
from reports.filters import Filters
from reports.queries import _rate, audit_conditions, branch_ids
from reports.sums import period, sums_subquery, sums_together
from scorecards.models import Criterion, Scorecard, ScorecardVersion, Section

EMPLOYEE_SORTS = ("name", "branch", "audits", "mean", "pass_rate", "trend")
TREND_STEP = 2.0  # percentage points between the two halves of a period that make an arrow

@dataclass
class RankRow:
    id: int
    name: str
    code: str
    branch_id: int | None
    branch: str  # the employee's branch; empty for a branch
    region: str
    audits: int
    mean: float | None
    pass_rate: float | None
    critical_failures: int
    trend: float | None = None  # mean of the period's second half minus its first half

    @property
    def arrow(self) -> str:
        """up, down or flat (or "" when there is nothing to compare)."""
        if self.trend is None:
            return ""
        if self.trend >= TREND_STEP:
            return "up"
        if self.trend <= -TREND_STEP:
            return "down"
        return "flat"


@dataclass
class Page:
    """One page of a list, shaped like Flask-SQLAlchemy's pagination for the pager macro."""

    items: list
    page: int
    per_page: int
    total: int
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def prev_num(self):
        return self.page - 1

    @property
    def next_num(self):
        return self.page + 1


def _ranking_figures(f: Filters, key: str, only=None) -> dict:
    """{subject id: (audits, mean, passed, critical, trend)} for ``key`` "employee_id" or
    "branch_id" (``only``: those ids alone): counts and sums from reports/sums.py, the period and
    its two halves in one statement; the trend is the mean of the period's second half minus its
    first half (when the period has both ends)."""
    options = {"only": (key, only) if only is not None else None}
    requests = [(f, options)]
    mid = f.midpoint
    if mid is not None:
        start, end = period(f)
        requests += [(f, {**options, "start": start, "end": mid}), (f, {**options, "start": mid, "end": end})]
    totals, *halves = sums_together("audit", (key,), requests)
    out = {}
    for (subject,), t in totals.items():
        if subject is None:
            continue
        trend = None
        if mid is not None:
            first, second = (h.get((subject,)) for h in halves)
            if first and second and first["scored"] and second["scored"]:
                trend = second["score_sum"] / second["scored"] - first["score_sum"] / first["scored"]
        mean = t["score_sum"] / t["scored"] if t["scored"] else None
        out[subject] = (int(t["audits"]), mean, int(t["passed"]), int(t["critical"]), trend)
    return out


def _rank_row(r, figures) -> RankRow:
    audits, mean, passed, critical, trend = figures or (0, None, 0, 0, None)
    m = r._mapping
    return RankRow(id=m["id"], name=m["name"], code=m["code"], branch_id=m["branch_id"], branch=m.get("branch", ""),
                   region=m["region"] or "", audits=audits, mean=mean, pass_rate=_rate(passed, audits),
                   critical_failures=critical, trend=trend)


def _ordered(rows: list, value, descending: bool) -> list:
    """``rows`` (already in their tie order) by ``value``, None last whichever the direction."""
    known = [r for r in rows if value(r) is not None]
    known.sort(key=value, reverse=descending)  # stable: ties keep their order
    return known + [r for r in rows if value(r) is None]


def employee_ranking(f: Filters, *, sort: str = "mean", descending: bool = True, page: int | None = None,
                     per_page: int = 50, limit: int | None = None, include_unaudited: bool = False):
    """Employees by mean score (or ``sort``: name, branch, audits, mean, pass_rate, trend).

    With ``page`` returns a Page, else a list (at most ``limit``). ``include_unaudited`` lists the
    employees in scope who have no audit in the period too (HR's list), after the others.
    The database ranks every employee (one statement over the roll-ups' months and the edge days,
    ordered and cut to the page or the limit: 10,000 employees cost one aggregate, not 10,000
    rows in Python); the figures of the rows kept are then read by ``_ranking_figures``, so a
    row shows the same numbers here as on its employee's page.
    """
    sort = sort if sort in EMPLOYEE_SORTS else "mean"
    if sort == "trend" and f.midpoint is None:
        sort = "mean"
    if page is None:
        return _employee_rows(f, sort, descending, include_unaudited, limit, 0)[0]
    page = max(1, page)
    rows, total = _employee_rows(f, sort, descending, include_unaudited, per_page, (page - 1) * per_page)
    pages = max(1, math.ceil(total / per_page))
    if page > pages:  # past the end: the last page
        page = pages
        rows, total = _employee_rows(f, sort, descending, include_unaudited, per_page, (page - 1) * per_page)
    return Page(items=rows, page=page, per_page=per_page, total=total)


# Above this many employees, read every employee's figures (rather than a long IN list).
IN_LIST_LIMIT = 1000


def _employee_rows(f: Filters, sort: str, descending: bool, include_unaudited: bool, limit: int | None,
                   offset: int) -> tuple[list[RankRow], int]:
    """(the rows of employees ranked ``offset`` to ``offset + limit``, how many there are)."""
    totals = sums_subquery("audit", f, ("employee_id",))
    audits = func.coalesce(totals.c.audits, 0)
    query = (select(Employee.id, Employee.name, Employee.code, Employee.branch_id, Branch.name.label("branch"),
                    Branch.region, func.count().over().label("total"))
             .join(Branch, Branch.id == Employee.branch_id))
    if include_unaudited:
        query = query.outerjoin(totals, totals.c.employee_id == Employee.id)
        ids = branch_ids(f)
        if ids is not None:
            query = query.where(Employee.branch_id.in_(sorted(ids)) if ids else false())
        if f.employee_id is not None:
            query = query.where(Employee.id == f.employee_id)
        query = query.where(or_(Employee.active.is_(True), audits != 0))
    else:
        query = query.join(totals, totals.c.employee_id == Employee.id).where(totals.c.audits != 0)
    query, value = _sort_value(query, f, sort, totals)
    # None last whichever the direction; ties by name, then id (as the pages always listed them).
    query = query.order_by(value.is_(None), value.desc() if descending else value.asc(), Employee.name, Employee.id)
    if limit:
        query = query.limit(limit).offset(offset)
    found = db.session.execute(query).all()
    if not found:
        total = 0 if not offset else db.session.scalar(select(func.count()).select_from(
            query.limit(None).offset(None).order_by(None).subquery()))
        return [], total
    ids = [r.id for r in found]
    figures = _ranking_figures(f, "employee_id", only=ids if len(ids) <= IN_LIST_LIMIT else None)
    return [_rank_row(r, figures.get(r.id)) for r in found], found[0].total


def _sort_value(query, f: Filters, sort: str, totals):
    """(the query, the SQL expression an employee ranking is sorted by; NULL: nothing to rank by)."""
    if sort == "name":
        return query, Employee.name
    if sort == "branch":
        return query, Branch.name
    if sort == "audits":
        return query, func.coalesce(totals.c.audits, 0)
    if sort == "pass_rate":
        return query, cast(totals.c.passed, Float) * 100.0 / func.nullif(totals.c.audits, 0)
    if sort == "mean":
        return query, cast(totals.c.score_sum, Float) / func.nullif(totals.c.scored, 0)
    # trend: the second half's mean minus the first's, each half read as a period of its own
    start, end = period(f)
    means = []
    for half in (sums_subquery("audit", f, ("employee_id",), start=start, end=f.midpoint),
                 sums_subquery("audit", f, ("employee_id",), start=f.midpoint, end=end)):
        query = query.outerjoin(half, half.c.employee_id == Employee.id)
        means.append(cast(half.c.score_sum, Float) / func.nullif(half.c.scored, 0))
    return query, means[1] - means[0]


def branch_ranking(f: Filters, limit: int | None = None) -> list[RankRow]:
    """Branches by mean score, best first."""
    figures = _ranking_figures(f, "branch_id")
    query = select(Branch.id, Branch.name, Branch.code, Branch.id.label("branch_id"), Branch.region)
    if len(figures) <= IN_LIST_LIMIT:
        query = query.where(Branch.id.in_(sorted(figures)) if figures else false())
    ranked = [_rank_row(r, figures[r.id]) for r in db.session.execute(query) if r.id in figures]
    ranked.sort(key=lambda r: r.name)
    ranked = _ordered(ranked, lambda r: r.mean, True)
    return ranked[:limit] if limit else ranked


@dataclass
class AuditRow:
    id: int
    started_at: datetime | None
    ended_at: datetime | None
    submitted_at: datetime | None
    status: str
    channel: str
    score: float | None
    passed: bool | None
    critical_failure: bool | None
    branch_id: int
    branch: str
    employee_id: int | None
    employee: str
    auditor: str
    scorecard: object
    version: int
    notes: str

    @property
    def minutes(self) -> int | None:
        return minutes_between(self.started_at, self.ended_at)


def _audit_rows_query():
    return (select(Audit.id, Audit.started_at, Audit.ended_at, Audit.submitted_at, Audit.status, Audit.channel,
                   Audit.score, Audit.passed, Audit.critical_failure, Audit.branch_id, Branch.name.label("branch"),
                   Audit.employee_id, func.coalesce(Employee.name, Audit.employee_name_given).label("employee"),
                   User.name.label("auditor"), Scorecard.name.label("scorecard"),
                   ScorecardVersion.number.label("version"), Audit.notes)
            .join(Branch, Branch.id == Audit.branch_id)
            .outerjoin(Employee, Employee.id == Audit.employee_id)
            .join(User, User.id == Audit.auditor_id)
            .join(ScorecardVersion, ScorecardVersion.id == Audit.version_id)
            .join(Scorecard, Scorecard.id == ScorecardVersion.scorecard_id))


def _audit_row(r) -> AuditRow:
    return AuditRow(**{k: r._mapping[k] for k in AuditRow.__dataclass_fields__})


def recent_audits(f: Filters, limit: int = 10) -> list[AuditRow]:
    """The latest audits (by visit or call time) matching the filters."""
    query = (_audit_rows_query().where(*audit_conditions(f))
             .order_by(Audit.started_at.desc(), Audit.id.desc()).limit(limit))
    return [_audit_row(r) for r in db.session.execute(query)]


def awaiting_review(f: Filters, limit: int = 10) -> tuple[int, list[AuditRow]]:
    """Submitted audits waiting for a manager (whatever the status filter says), oldest first:
    (how many in all, the first ``limit``). The period is ignored: old ones wait too."""
    conditions = [*audit_conditions(f, status=False, period=False), Audit.status == "submitted"]
    total = db.session.scalar(select(func.count(Audit.id)).where(*conditions))
    rows = db.session.execute(_audit_rows_query().where(*conditions)
                              .order_by(Audit.submitted_at.asc(), Audit.id.asc()).limit(limit))
    return total or 0, [_audit_row(r) for r in rows]


@dataclass
class Comment:
    audit_id: int
    started_at: datetime | None
    employee: str
    auditor: str
    criterion: object  # the criterion's text; None for the audit's general notes
    comment: str


def comments(f: Filters, limit: int = 20) -> list[Comment]:
    """The auditors' latest comments (on criteria and the audits' notes), newest first."""
    recent = (select(Audit.id).where(*audit_conditions(f))
              .order_by(Audit.started_at.desc(), Audit.id.desc()).limit(limit).subquery())
    who = func.coalesce(Employee.name, Audit.employee_name_given)
    on_answers = db.session.execute(
        select(Audit.id, Audit.started_at, who, User.name, Criterion.text, Answer.comment, Criterion.position,
               Section.position)
        .join(Audit, Audit.id == Answer.audit_id)
        .join(recent, recent.c.id == Audit.id)
        .join(Criterion, Criterion.id == Answer.criterion_id)
        .join(Section, Section.id == Criterion.section_id)
        .outerjoin(Employee, Employee.id == Audit.employee_id)
        .join(User, User.id == Audit.auditor_id)
        .where(Answer.comment != "")).all()
    notes = db.session.execute(
        select(Audit.id, Audit.started_at, who, User.name, Audit.notes)
        .join(recent, recent.c.id == Audit.id)
        .outerjoin(Employee, Employee.id == Audit.employee_id)
        .join(User, User.id == Audit.auditor_id)
        .where(Audit.notes != "")).all()
    out = [(r[1], r[0], -1, -1, Comment(r[0], r[1], r[2] or "", r[3], None, r[4])) for r in notes]
    out += [(r[1], r[0], r[7], r[6], Comment(r[0], r[1], r[2] or "", r[3], r[4], r[5])) for r in on_answers]
    out.sort(key=lambda t: (t[2], t[3]))  # within an audit: its notes, then scorecard order
    out.sort(key=lambda t: (t[0] or datetime.min, t[1]), reverse=True)  # newest audit first (stable)
    return [t[4] for t in out[:limit]]
