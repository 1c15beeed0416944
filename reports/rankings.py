"""Who ranks where and what happened last: employees and branches ranked by mean score, the
latest audits, the audits awaiting review and the auditors' comments, with the filters and
definitions of reports/queries.py (lists are bounded by ``limit`` or a page).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Float, case, cast, false, func, nulls_last, or_, select

from accounts.models import User
from audits.models import Answer, Audit
from branches.models import Branch, Employee
from core.timeutil import minutes_between
from extensions import db
from reports.cache import cached
from reports.filters import Filters
from reports.queries import _count_if, _num, _planner_hint, _rate, audit_conditions, branch_ids
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


def _ranking_aggregate(f: Filters, key):
    columns = [key.label("subject_id"), func.count(Audit.id).label("audits"), func.avg(Audit.score).label("mean"),
               _count_if(Audit.passed.is_(True)).label("passed"),
               _count_if(Audit.critical_failure.is_(True)).label("critical")]
    mid = f.midpoint
    if mid is not None:
        columns.append((func.avg(case((Audit.started_at >= mid, Audit.score)))
                        - func.avg(case((Audit.started_at < mid, Audit.score)))).label("trend"))
    return select(*columns).where(*audit_conditions(f), key.is_not(None)).group_by(key).subquery()


def _rank_row(r) -> RankRow:
    m = r._mapping
    audits = int(m["audits"] or 0)
    return RankRow(id=m["id"], name=m["name"], code=m["code"], branch_id=m["branch_id"], branch=m.get("branch", ""),
                   region=m["region"] or "", audits=audits, mean=_num(m["mean"]),
                   pass_rate=_rate(int(m["passed"] or 0), audits), critical_failures=int(m["critical"] or 0),
                   trend=_num(m.get("trend")))


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


@cached
def _employee_rows(f: Filters, sort: str, descending: bool, include_unaudited: bool, limit: int | None):
    _planner_hint()
    agg = _ranking_aggregate(f, Audit.employee_id)
    has_trend = "trend" in agg.c
    columns = [Employee.id, Employee.name, Employee.code, Employee.branch_id, Branch.name.label("branch"),
               Branch.region, agg.c.audits, agg.c.mean, agg.c.passed, agg.c.critical]
    if has_trend:
        columns.append(agg.c.trend)
    query = select(*columns).join(Branch, Branch.id == Employee.branch_id)
    if include_unaudited:
        query = query.outerjoin(agg, agg.c.subject_id == Employee.id)
        ids = branch_ids(f)
        if ids is not None:
            query = query.where(Employee.branch_id.in_(sorted(ids)) if ids else false())
        if f.employee_id is not None:
            query = query.where(Employee.id == f.employee_id)
        query = query.where(or_(Employee.active.is_(True), agg.c.audits > 0))
    else:
        query = query.join(agg, agg.c.subject_id == Employee.id)
    sort = sort if sort in EMPLOYEE_SORTS else "mean"
    if sort == "trend" and not has_trend:
        sort = "mean"
    pass_rate = cast(agg.c.passed, Float) / agg.c.audits
    sort_column = {"name": Employee.name, "branch": Branch.name, "audits": func.coalesce(agg.c.audits, 0),
                   "mean": agg.c.mean, "pass_rate": pass_rate,
                   "trend": agg.c.trend if has_trend else agg.c.mean}[sort]
    order = sort_column.desc() if descending else sort_column.asc()
    query = query.order_by(nulls_last(order), Employee.name, Employee.id)
    if limit:
        query = query.limit(limit)
    return [_rank_row(r) for r in db.session.execute(query)]


@cached
def branch_ranking(f: Filters, limit: int | None = None) -> list[RankRow]:
    """Branches by mean score, best first."""
    _planner_hint()
    agg = _ranking_aggregate(f, Audit.branch_id)
    columns = [Branch.id, Branch.name, Branch.code, Branch.id.label("branch_id"), Branch.region, agg.c.audits,
               agg.c.mean, agg.c.passed, agg.c.critical]
    if "trend" in agg.c:
        columns.append(agg.c.trend)
    query = (select(*columns).join(agg, agg.c.subject_id == Branch.id)
             .order_by(nulls_last(agg.c.mean.desc()), Branch.name))
    if limit:
        query = query.limit(limit)
    return [_rank_row(r) for r in db.session.execute(query)]


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
