"""Every figure the reports show, computed by SQL aggregates over the stored scores.

Read-only: nothing here changes the database. The web pages, the PDFs, the exports and the API all
call these functions with a ``Filters`` value, so a figure is computed in one place and means the
same everywhere. No function loads all the audits of a period into Python to add them up: each
figure is one aggregate query (GROUP BY), and lists are bounded by ``limit`` or a page.

Definitions (docs/reports.md):
- Reports count **approved** audits unless the filters say otherwise (``status``).
- mean score: the mean of the audits' stored scores (audits without any scored answer are left out);
  pass rate: audits that passed over all audits counted; critical failures: audits flagged.
- section mean: the mean of the audits' section scores, by section key.
- KPI rate: the share of answered (scored) criteria carrying the tag that earned full points; for
  ``wait_time`` also the mean of the numbers given.
- criterion failure rate: the share of answered criteria that did not earn full points;
  achievement: points earned over points possible.
- The company means of a comparison are company-wide aggregates (no single audit is shown).

Dates are stored as naive UTC; a period ``date_from``..``date_to`` includes both days.
"""
from __future__ import annotations

import copy
import functools
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta

from flask import current_app, g, has_app_context, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, case, cast, extract, false, func, nulls_last, or_, select, text

from accounts.models import User
from accounts.permissions import branch_ids_in_scope
from audits.models import AUDIT_STATUSES, Answer, Audit, SectionScore
from branches.models import Branch, Employee
from extensions import db
from scorecards.models import CHANNELS, KPI_TAGS, Criterion, Scorecard, ScorecardVersion, Section

# "scored" counts every audit that has a score: submitted, returned or approved.
STATUS_CHOICES = ("approved", "submitted", "returned", "scored")
SCORED_STATUSES = ("submitted", "returned", "approved")
EMPLOYEE_SORTS = ("name", "branch", "audits", "mean", "pass_rate", "trend")
TREND_STEP = 2.0  # percentage points between the two halves of a period that make an arrow
FULL = 1 - 1e-9  # a fraction at or above this earned full points
MAX_TREND_MONTHS = 60


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
        start, end = _start(self.date_from), _end(self.date_to)
        return start + (end - start) / 2


def default_period(today: date | None = None, months: int = 12) -> tuple[date, date]:
    """The last ``months`` calendar months up to today (the current month included)."""
    today = today or date.today()
    year, month = today.year, today.month - (months - 1)
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, 1), today


def parse_filters(args: Mapping, user, *, today: date | None = None, months: int = 12,
                  fixed: Mapping | None = None) -> Filters:
    """Filters from query-string arguments (from, to, branch, region, employee, scorecard, channel,
    status), scoped to ``user``. Missing dates default to the last ``months`` months.

    ``fixed`` pins values that the URL decides (``{"branch_id": 3}`` on a branch's page).
    Raises FilterError naming each bad parameter; a branch or employee outside the user's scope is
    not an error here: it gives no rows (the routes answer 404 for it).
    """
    errors: dict = {}
    values: dict = {}

    def text(name, limit=80):
        value = str(args.get(name) or "").strip()
        return value[:limit] or None

    def number(name):
        raw = text(name, 20)
        if raw is None:
            return None
        if not raw.isdigit() or int(raw) < 1 or int(raw) > 2**31:
            errors[name] = _l("Not a valid choice.")
            return None
        return int(raw)

    def day(name):
        raw = text(name, 20)
        if raw is None:
            return None
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            errors[name] = _l("Use a date like 2025-01-31.")
            return None
        if not 2000 <= value.year <= 2100:
            errors[name] = _l("Use a date between 2000 and 2100.")
            return None
        return value

    default_from, default_to = default_period(today, months)
    values["date_from"] = day("from")
    values["date_to"] = day("to")
    if "from" not in errors and values["date_from"] is None:
        values["date_from"] = default_from if values["date_to"] is None else None
    if "to" not in errors and values["date_to"] is None:
        values["date_to"] = default_to if text("from") is None else None
    if values["date_from"] and values["date_to"] and values["date_from"] > values["date_to"]:
        errors["to"] = _l("The end of the period comes before its start.")
    values["branch_id"] = number("branch")
    values["employee_id"] = number("employee")
    values["scorecard_id"] = number("scorecard")
    values["region"] = text("region")
    channel = text("channel", 16)
    if channel is not None and channel not in CHANNELS:
        errors["channel"] = _l("Not a valid choice.")
        channel = None
    values["channel"] = channel
    status = text("status", 16) or "approved"
    if status not in STATUS_CHOICES:
        errors["status"] = _l("Not a valid choice.")
        status = "approved"
    values["status"] = status
    if errors:
        raise FilterError(errors)
    values.update(fixed or {})
    return Filters.for_user(user, **values)


# --- the WHERE clause, the same for every figure -------------------------------------------------

def _start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def _end(day: date) -> datetime:
    """The first instant after ``day``."""
    return _start(day) + timedelta(days=1)


def branch_ids(f: Filters) -> set | None:
    """The branches a report covers: scope, branch and region together (None = every branch)."""
    ids = None if f.scope is None else set(f.scope)
    if f.branch_id is not None:
        ids = {f.branch_id} if ids is None else ids & {f.branch_id}
    if f.region:
        in_region = set(db.session.scalars(select(Branch.id).where(Branch.region == f.region)))
        ids = in_region if ids is None else ids & in_region
    return ids


def _statuses(f: Filters) -> tuple:
    return SCORED_STATUSES if f.status == "scored" else (f.status,)


def audit_conditions(f: Filters, *, status: bool = True, period: bool = True) -> list:
    """The WHERE conditions on ``audit`` for these filters (usable by exports and the API)."""
    conditions = []
    ids = branch_ids(f)
    if ids is not None:
        conditions.append(Audit.branch_id.in_(sorted(ids)) if ids else false())
    if status:
        statuses = _statuses(f)
        conditions.append(Audit.status == statuses[0] if len(statuses) == 1 else Audit.status.in_(statuses))
    if period and f.date_from is not None:
        conditions.append(Audit.started_at >= _start(f.date_from))
    if period and f.date_to is not None:
        conditions.append(Audit.started_at < _end(f.date_to))
    if f.employee_id is not None:
        conditions.append(Audit.employee_id == f.employee_id)
    if f.scorecard_id is not None:
        conditions.append(Audit.version_id.in_(
            select(ScorecardVersion.id).where(ScorecardVersion.scorecard_id == f.scorecard_id)))
    if f.channel:
        conditions.append(Audit.channel == f.channel)
    return conditions


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def _rate(part, whole) -> float | None:
    return 100.0 * part / whole if whole else None


def _num(value) -> float | None:
    return None if value is None else float(value)


# --- a short-lived cache for the aggregates ----------------------------------------------------
# Company-wide figures aggregate up to a million answers (a second on SQLite). They are kept per
# process for REPORTS_CACHE_SECONDS (default 120, off under TESTING; 0 turns it off), dropped when
# the data stamp changes: audits per status, the newest audit, answer and employee ids. So a new,
# submitted, returned or approved audit shows at the next request. Results are copied out, so a
# caller may change what it gets.

_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()
CACHE_ENTRIES = 256


def _stamp():
    """What changes when anything a report counts changes (memoised for one request)."""
    if has_request_context() and "reports_stamp" in g:
        return g.reports_stamp
    statuses = tuple(tuple(r) for r in db.session.execute(
        select(Audit.status, func.count()).group_by(Audit.status).order_by(Audit.status)))
    newest = tuple(db.session.execute(select(
        select(func.max(Audit.id)).scalar_subquery(), select(func.max(Answer.id)).scalar_subquery(),
        select(func.max(Employee.id)).scalar_subquery(), select(func.count(Employee.id)).scalar_subquery())).one())
    stamp = (statuses, newest)
    if has_request_context():
        g.reports_stamp = stamp
    return stamp


def _planner_hint() -> None:
    """On PostgreSQL, price random reads as on an SSD for this transaction (SET LOCAL).

    With the default random_page_cost of 4 the planner reads every answer (a parallel sequential
    scan and a hash join) to aggregate one branch's few hundred audits; priced at 1.1 it walks the
    answers' (audit_id, ...) index instead: 330 ms become 80 ms on the benchmark's data, while a
    company-wide report still gets its hash join. REPORTS_PG_RANDOM_PAGE_COST sets it (None: off).
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    value = current_app.config.get("REPORTS_PG_RANDOM_PAGE_COST", 1.1) if has_app_context() else 1.1
    if value is not None:
        db.session.execute(text(f"SET LOCAL random_page_cost = {float(value)}"))


def _cache_seconds() -> float:
    """REPORTS_CACHE_SECONDS; by default 120, and off under TESTING (tests empty and refill one
    PostgreSQL database, where two tests' data can share a stamp) unless a test turns it on."""
    if not has_app_context():
        return 0
    config = current_app.config
    return config.get("REPORTS_CACHE_SECONDS", 0 if config.get("TESTING") else 120) or 0


def cached(fn):
    """Memoise an aggregate by (function, arguments, database, data stamp) for a short while."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        seconds = _cache_seconds()
        if not seconds:
            return fn(*args, **kwargs)
        key = (fn.__name__, args, tuple(sorted(kwargs.items())), str(db.engine.url), _stamp())
        now = time.monotonic()
        with _cache_lock:
            hit = _cache.get(key)
            if hit is not None and hit[0] > now:
                _cache.move_to_end(key)
                return copy.deepcopy(hit[1])
        value = fn(*args, **kwargs)
        with _cache_lock:
            _cache[key] = (now + seconds, copy.deepcopy(value))
            while len(_cache) > CACHE_ENTRIES:
                _cache.popitem(last=False)
        return value
    wrapper.uncached = fn
    return wrapper


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


# --- the figures ------------------------------------------------------------------------------

@dataclass
class Summary:
    audits: int
    scored: int
    mean: float | None
    passed: int
    pass_rate: float | None
    critical_failures: int

    def as_dict(self) -> dict:
        return asdict(self)


@cached
def summary(f: Filters) -> Summary:
    """Number of audits, mean score, pass rate and critical failures."""
    _planner_hint()
    row = db.session.execute(
        select(func.count(Audit.id), func.count(Audit.score), func.avg(Audit.score),
               _count_if(Audit.passed.is_(True)), _count_if(Audit.critical_failure.is_(True)))
        .where(*audit_conditions(f))).one()
    audits, scored, mean, passed, critical = row
    passed, critical = int(passed or 0), int(critical or 0)
    return Summary(audits=audits, scored=scored, mean=_num(mean), passed=passed,
                   pass_rate=_rate(passed, audits), critical_failures=critical)


@dataclass
class SectionMean:
    key: str
    title: object  # {lang: text} or text: show with pick()
    audits: int
    mean: float | None


@cached
def section_means(f: Filters) -> list[SectionMean]:
    """Mean section score by section key, in scorecard order."""
    _planner_hint()
    rows = db.session.execute(
        select(SectionScore.section_key, func.count(SectionScore.score), func.avg(SectionScore.score),
               func.max(SectionScore.section_id), func.min(SectionScore.position))
        .join(Audit, Audit.id == SectionScore.audit_id)
        .where(*audit_conditions(f))
        .group_by(SectionScore.section_key)).all()
    titles = dict(db.session.execute(
        select(Section.id, Section.title).where(Section.id.in_([r[3] for r in rows]))).all()) if rows else {}
    rows.sort(key=lambda r: (r[4], r[0]))
    return [SectionMean(key=r[0], title=titles.get(r[3], r[0]), audits=r[1], mean=_num(r[2])) for r in rows]


@dataclass
class SectionComparison:
    key: str
    title: object
    mean: float | None  # the subject: an employee, or a branch
    branch: float | None  # the employee's branch (employee reports only)
    company: float | None


def section_comparison(f: Filters, *, branch_id: int | None = None) -> list[SectionComparison]:
    """Section means of the filtered subject against its branch (when ``branch_id`` is given: an
    employee's report) and the whole company, same period, scorecard, channel and status."""
    mine = section_means(f)
    company = {s.key: s for s in section_means(f.replace(scope=None, branch_id=None, region=None,
                                                           employee_id=None))}
    branch = {}
    if branch_id is not None:
        branch = {s.key: s for s in section_means(f.replace(branch_id=branch_id, region=None,
                                                              employee_id=None))}
    out = []
    for s in mine:
        out.append(SectionComparison(key=s.key, title=s.title, mean=s.mean,
                                     branch=branch[s.key].mean if s.key in branch else None,
                                     company=company[s.key].mean if s.key in company else None))
    return out


@dataclass
class KpiRate:
    kpi: str
    answered: int
    full: int
    rate: float | None
    mean: float | None = None  # wait_time: the mean of the numbers given


@cached
def kpi_rates(f: Filters) -> list[KpiRate]:
    """Per KPI tag: answered tagged criteria, those with full points, their share; wait_time's mean."""
    _planner_hint()
    rows = db.session.execute(
        select(Answer.kpi, func.count(Answer.fraction), _count_if(Answer.fraction >= FULL),
               func.avg(case((Answer.kpi == "wait_time", Answer.number_value))))
        .join(Audit, Audit.id == Answer.audit_id)
        .where(*audit_conditions(f), Answer.kpi.is_not(None))
        .group_by(Answer.kpi)).all()
    order = {tag: i for i, tag in enumerate(KPI_TAGS)}
    out = [KpiRate(kpi=kpi, answered=answered, full=int(full or 0), rate=_rate(int(full or 0), answered),
                   mean=_num(mean))
           for kpi, answered, full, mean in rows if answered or mean is not None]
    out.sort(key=lambda k: order.get(k.kpi, 99))
    return out


@dataclass
class CriterionRate:
    key: str
    text: object
    section: object
    scorecard: object
    answered: int
    failed: int  # did not earn full points
    failure_rate: float | None
    achievement: float | None  # points earned over points possible, %


@cached
def criteria_rates(f: Filters, limit: int | None = None) -> list[CriterionRate]:
    """Scored criteria by failure rate, the weakest first (ties: lower achievement first)."""
    _planner_hint()
    failed = _count_if(Answer.fraction < FULL)
    answered = func.count(Answer.fraction)
    failure_rate = cast(failed, Float) / answered
    query = (select(Answer.criterion_key, answered, failed, func.sum(Answer.earned), func.sum(Answer.possible),
                    func.max(Answer.criterion_id))
             .join(Audit, Audit.id == Answer.audit_id)
             .where(*audit_conditions(f), Answer.fraction.is_not(None))
             .group_by(Answer.criterion_key)
             .order_by(failure_rate.desc(), (func.sum(Answer.earned) / func.nullif(func.sum(Answer.possible), 0)).asc(),
                       Answer.criterion_key))
    if limit:
        query = query.limit(limit)
    rows = db.session.execute(query).all()
    names = {}
    if rows:
        names = {r[0]: r[1:] for r in db.session.execute(
            select(Criterion.id, Criterion.text, Section.title, Scorecard.name)
            .join(Section, Section.id == Criterion.section_id)
            .join(ScorecardVersion, ScorecardVersion.id == Section.version_id)
            .join(Scorecard, Scorecard.id == ScorecardVersion.scorecard_id)
            .where(Criterion.id.in_([r[5] for r in rows])))}
    out = []
    for key, n, bad, earned, possible, criterion_id in rows:
        text, section, card = names.get(criterion_id, (key, "", ""))
        out.append(CriterionRate(key=key, text=text, section=section, scorecard=card, answered=n,
                                 failed=int(bad or 0), failure_rate=_rate(int(bad or 0), n),
                                 achievement=_rate(earned or 0, possible) if possible else None))
    return out


@dataclass
class MonthPoint:
    month: date  # the first day of the month
    audits: int
    mean: float | None
    pass_rate: float | None


@cached
def trend_by_month(f: Filters) -> list[MonthPoint]:
    """Audits, mean score and pass rate by calendar month of the visit or call; months of the
    period without audits are included with no mean, so a chart shows the gap."""
    _planner_hint()
    year = extract("year", Audit.started_at)
    month = extract("month", Audit.started_at)
    rows = db.session.execute(
        select(year, month, func.count(Audit.id), func.avg(Audit.score), _count_if(Audit.passed.is_(True)))
        .where(*audit_conditions(f), Audit.started_at.is_not(None))
        .group_by(year, month)).all()
    found = {(int(y), int(m)): (n, mean, passed) for y, m, n, mean, passed in rows}
    if not found and (f.date_from is None or f.date_to is None):
        return []
    keys = sorted(found)
    first = (f.date_from.year, f.date_from.month) if f.date_from else keys[0]
    last = (f.date_to.year, f.date_to.month) if f.date_to else keys[-1]
    if keys:
        first, last = min(first, keys[0]), max(last, keys[-1])
    out = []
    y, m = first
    while (y, m) <= last and len(out) < MAX_TREND_MONTHS:
        n, mean, passed = found.get((y, m), (0, None, 0))
        out.append(MonthPoint(month=date(y, m, 1), audits=n, mean=_num(mean), pass_rate=_rate(int(passed or 0), n)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    if len(out) == MAX_TREND_MONTHS and (y, m) <= last:
        out = out[-MAX_TREND_MONTHS:]
    return out


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
        if self.started_at and self.ended_at and self.ended_at >= self.started_at:
            return round((self.ended_at - self.started_at).total_seconds() / 60)
        return None


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


def audit_count(f: Filters) -> int:
    return db.session.scalar(select(func.count(Audit.id)).where(*audit_conditions(f))) or 0


def filter_choices(user) -> dict:
    """What the filter form may offer this user: branches, regions, scorecards, channels, statuses."""
    scope = branch_ids_in_scope(user)
    query = select(Branch.id, Branch.name, Branch.region).order_by(Branch.name)
    if scope is not None:
        query = query.where(Branch.id.in_(sorted(scope)) if scope else false())
    branches = db.session.execute(query).all()
    regions = sorted({r[2] for r in branches if r[2]})
    scorecards = db.session.execute(select(Scorecard.id, Scorecard.name).order_by(Scorecard.slug)).all()
    return {"branches": branches, "regions": regions, "scorecards": scorecards, "channels": CHANNELS,
            "statuses": STATUS_CHOICES}


__all__ = [
    "AUDIT_STATUSES", "AuditRow", "Comment", "CriterionRate", "FilterError", "Filters", "KpiRate", "MonthPoint",
    "Page", "RankRow", "STATUS_CHOICES", "SectionComparison", "SectionMean", "Summary", "audit_conditions",
    "audit_count", "awaiting_review", "branch_ids", "branch_ranking", "comments", "criteria_rates",
    "default_period", "employee_ranking", "filter_choices", "kpi_rates",
    "parse_filters", "recent_audits", "section_comparison", "section_means", "summary",
    "trend_by_month",
]
