"""Who ranks where and what happened last: employees and branches ranked by mean score, the
latest audits, the audits awaiting review and the auditors' comments, with the filters and
definitions of reports/queries.py (lists are bounded by ``limit`` or a page).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import false, func, select

from accounts.models import User
from audits.models import Answer, Audit
from branches.models import Branch, Employee
from core.timeutil import minutes_between
from extensions import db
from reports.filters import Filters
from reports.queries import _rate, audit_conditions, branch_ids
from reports.sums import period, sums
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


def _ranking_figures(f: Filters, key: str) -> dict:
    """{subject id: (audits, mean, passed, critical, trend)} for ``key`` "employee_id" or
    "branch_id": counts and sums from reports/sums.py; the trend is the mean of the period's
    second half minus its first half (when the period has both ends)."""
    totals = sums("audit", f, (key,))
    halves = [{}, {}]
    mid = f.midpoint
    if mid is not None:
        start, end = period(f)
        halves = [sums("audit", f, (key,), start=start, end=mid), sums("audit", f, (key,), start=mid, end=end)]
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
    employees in scope who have no audit in the period too (HR's list), after the others. One
    aggregate gives every employee's row (as many rows as employees, whatever the audits); a
    page is cut from it, so the count and the page cost one query.
    """
    if page is None:
        return _employee_rows(f, sort, descending, include_unaudited, limit)
    rows = _employee_rows(f, sort, descending, include_unaudited, None)
    pages = max(1, math.ceil(len(rows) / per_page))
    page = max(1, min(page, pages))
    return Page(items=rows[(page - 1) * per_page: page * per_page], page=page, per_page=per_page, total=len(rows))


# Above this many employees, read them all and keep those ranked (rather than a long IN list).
IN_LIST_LIMIT = 1000


def _employee_rows(f: Filters, sort: str, descending: bool, include_unaudited: bool, limit: int | None):
    figures = _ranking_figures(f, "employee_id")
    query = (select(Employee.id, Employee.name, Employee.code, Employee.branch_id, Branch.name.label("branch"),
                    Branch.region, Employee.active)
             .join(Branch, Branch.id == Employee.branch_id))
    if include_unaudited:
        ids = branch_ids(f)
        if ids is not None:
            query = query.where(Employee.branch_id.in_(sorted(ids)) if ids else false())
        if f.employee_id is not None:
            query = query.where(Employee.id == f.employee_id)
    elif len(figures) <= IN_LIST_LIMIT:
        query = query.where(Employee.id.in_(sorted(figures)) if figures else false())
    rows = [(r, figures.get(r.id)) for r in db.session.execute(query)]
    if include_unaudited:
        rows = [(r, fig) for r, fig in rows if r.active or fig]
    else:
        rows = [(r, fig) for r, fig in rows if fig]
    ranked = [_rank_row(r, fig) for r, fig in rows]
    sort = sort if sort in EMPLOYEE_SORTS else "mean"
    has_trend = f.midpoint is not None
    if sort == "trend" and not has_trend:
        sort = "mean"
    value = {"name": lambda r: r.name, "branch": lambda r: r.branch, "audits": lambda r: r.audits,
             "mean": lambda r: r.mean, "pass_rate": lambda r: r.pass_rate, "trend": lambda r: r.trend}[sort]
    ranked.sort(key=lambda r: (r.name, r.id))
    ranked = _ordered(ranked, value, descending)
    return ranked[:limit] if limit else ranked


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
