"""Every figure the reports show, computed by SQL aggregates over the stored scores.

Filters: reports/filters.py; the cache: reports/cache.py; rankings and latest audits:
reports/rankings.py; one subject's set of figures: reports/figures.py.

Read-only: nothing here changes the database. The web pages, the PDFs, the exports and the API all
call these functions with a ``Filters`` value, so a figure is computed in one place and means the
same everywhere. No function loads all the audits of a period into Python to add them up: each
figure is one aggregate query (GROUP BY), and lists are bounded by ``limit`` or a page.

Definitions (docs/reports.md):
- Reports count **approved** audits unless the filters say otherwise (``status``).
- mean score: the mean of the audits' stored scores (audits without any scored answer are left out);
  pass rate: audits that passed over all audits counted; critical failures: audits flagged.
- section mean: the mean of the audits' section scores, per scorecard and section key (a key that
  several scorecards use is one row for each).
- KPI rate: the share of answered (scored) criteria carrying the tag that earned full points, and
  the mean of the numbers given: times (s, min, h, d) in minutes, any other unit a row of its own.
- criterion failure rate: the share of answered criteria that did not earn full points;
  achievement: points earned over points possible.
- The company means of a comparison are company-wide aggregates (no single audit is shown).

Dates are stored as naive UTC; a period ``date_from``..``date_to`` includes both days.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from flask import current_app, has_app_context
from sqlalchemy import Float, case, cast, extract, false, func, select, text

from accounts.permissions import branch_ids_in_scope
from audits.models import Answer, Audit, SectionScore
from branches.models import Branch
from extensions import db
from reports.cache import cached, clear_cache  # noqa: F401  (clear_cache: the benchmark's and tests' handle)
from reports.filters import (  # noqa: F401  (re-exported: callers read every report name from queries)
    STATUS_CHOICES,
    FilterError,
    Filters,
    default_period,
    parse_filters,
)
from reports.filters import day_end as _end
from reports.filters import day_start as _start
from scorecards.models import CHANNELS, KPI_TAGS, Criterion, Scorecard, ScorecardVersion, Section

SCORED_STATUSES = ("submitted", "returned", "approved")
FULL = 1 - 1e-9  # a fraction at or above this earned full points
MAX_TREND_MONTHS = 60


# --- the WHERE clause, the same for every figure -------------------------------------------------

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
    scorecard: str  # the scorecard's slug: a section belongs to one scorecard
    key: str
    title: object  # {lang: text} or text: show with pick()
    audits: int
    mean: float | None
    scorecard_name: object = ""  # {lang: text} or text


@cached
def section_means(f: Filters) -> list[SectionMean]:
    """Mean section score per scorecard and section key, in scorecard then section order. Sections
    of different scorecards that share a key (``closing``) are different rows: each is asked by
    other criteria."""
    _planner_hint()
    rows = db.session.execute(
        select(ScorecardVersion.scorecard_id, SectionScore.section_key, func.count(SectionScore.score),
               func.avg(SectionScore.score), func.max(SectionScore.section_id), func.min(SectionScore.position))
        .join(Audit, Audit.id == SectionScore.audit_id)
        .join(ScorecardVersion, ScorecardVersion.id == Audit.version_id)
        .where(*audit_conditions(f))
        .group_by(ScorecardVersion.scorecard_id, SectionScore.section_key)).all()
    if not rows:
        return []
    titles = dict(db.session.execute(
        select(Section.id, Section.title).where(Section.id.in_([r[4] for r in rows]))).all())
    cards = {r[0]: (r[1], r[2]) for r in db.session.execute(
        select(Scorecard.id, Scorecard.slug, Scorecard.name).where(Scorecard.id.in_({r[0] for r in rows})))}
    rows.sort(key=lambda r: (cards[r[0]][0], r[5], r[1]))
    return [SectionMean(scorecard=cards[r[0]][0], key=r[1], title=titles.get(r[4], r[1]), audits=r[2],
                        mean=_num(r[3]), scorecard_name=cards[r[0]][1]) for r in rows]


@dataclass
class SectionComparison:
    scorecard: str
    key: str
    title: object
    mean: float | None  # the subject: an employee, or a branch
    branch: float | None  # the employee's branch (employee reports only)
    company: float | None
    audits: int = 0
    scorecard_name: object = ""


def section_comparison(f: Filters, *, branch_id: int | None = None) -> list[SectionComparison]:
    """Section means of the filtered subject against its branch (when ``branch_id`` is given: an
    employee's report) and the whole company, same period, scorecard, channel and status."""
    def means(filters):
        return {(s.scorecard, s.key): s.mean for s in section_means(filters)}

    company = means(f.replace(scope=None, branch_id=None, region=None, employee_id=None))
    branch = means(f.replace(branch_id=branch_id, region=None, employee_id=None)) if branch_id is not None else {}
    return [SectionComparison(scorecard=s.scorecard, key=s.key, title=s.title, mean=s.mean, audits=s.audits,
                              branch=branch.get((s.scorecard, s.key)), company=company.get((s.scorecard, s.key)),
                              scorecard_name=s.scorecard_name)
            for s in section_means(f)]


# Time units a number criterion may carry, in minutes: a KPI mean converts them before mixing.
MINUTES_PER_UNIT = {"s": 1 / 60, "min": 1.0, "h": 60.0, "d": 1440.0}


@dataclass
class KpiRate:
    kpi: str
    answered: int
    full: int
    rate: float | None
    mean: float | None = None  # the mean of the numbers given, in ``unit``
    unit: str | None = None  # "min" for time units (converted); another unit has its own row

    @property
    def mean_minutes(self) -> float | None:
        return self.mean if self.unit == "min" else None


@cached
def kpi_rates(f: Filters) -> list[KpiRate]:
    """Per KPI tag: answered tagged criteria, those with full points, their share, and the mean of
    the numbers given. Numbers in time units (s, min, h, d) are converted to minutes before they
    are averaged together; a number in any other unit is never mixed with another unit: it makes
    a row of its own (the KPI and that unit). Aggregated per criterion in SQL, combined here (as
    many rows as tagged criteria, whatever the audits)."""
    _planner_hint()
    rows = db.session.execute(
        select(Answer.kpi, Answer.criterion_id, func.count(Answer.fraction), _count_if(Answer.fraction >= FULL),
               func.count(Answer.number_value), func.avg(Answer.number_value))
        .join(Audit, Audit.id == Answer.audit_id)
        .where(*audit_conditions(f), Answer.kpi.is_not(None))
        .group_by(Answer.kpi, Answer.criterion_id)).all()
    units = {}
    if rows:
        units = {cid: (settings or {}).get("unit") if kind == "number" else None
                 for cid, kind, settings in db.session.execute(
                     select(Criterion.id, Criterion.type, Criterion.settings)
                     .where(Criterion.id.in_({r[1] for r in rows})))}
    groups: dict = {}
    for kpi, criterion_id, answered, full, numbers, mean in rows:
        unit = units.get(criterion_id)
        unit = str(unit).strip() if unit is not None else None
        factor = MINUTES_PER_UNIT.get(unit) if unit is not None else None
        shown = "min" if factor is not None else unit  # None: no number to average
        group = groups.setdefault((kpi, shown if shown != "min" and unit is not None else None),
                                  {"answered": 0, "full": 0, "numbers": 0, "total": 0.0, "unit": None})
        group["answered"] += answered
        group["full"] += int(full or 0)
        if numbers and mean is not None and unit is not None:
            group["numbers"] += numbers
            group["total"] += float(mean) * numbers * (factor if factor is not None else 1.0)
            group["unit"] = shown
    order = {tag: i for i, tag in enumerate(KPI_TAGS)}
    out = [KpiRate(kpi=kpi, answered=g["answered"], full=g["full"], rate=_rate(g["full"], g["answered"]),
                   mean=g["total"] / g["numbers"] if g["numbers"] else None, unit=g["unit"])
           for (kpi, _unit), g in groups.items() if g["answered"] or g["numbers"]]
    out.sort(key=lambda k: (order.get(k.kpi, 99), k.kpi, k.unit != "min", k.unit or ""))
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
    scorecard_slug: str = ""

    @property
    def full_rate(self) -> float | None:
        """The share of answers that earned full points, %."""
        return None if self.failure_rate is None else 100.0 - self.failure_rate


@cached
def criteria_rates(f: Filters, limit: int | None = None) -> list[CriterionRate]:
    """Scored criteria (per scorecard and criterion key) by failure rate, the weakest first (ties:
    lower achievement first)."""
    _planner_hint()
    failed = _count_if(Answer.fraction < FULL)
    answered = func.count(Answer.fraction)
    failure_rate = cast(failed, Float) / answered
    query = (select(Answer.criterion_key, answered, failed, func.sum(Answer.earned), func.sum(Answer.possible),
                    func.max(Answer.criterion_id))
             .join(Audit, Audit.id == Answer.audit_id)
             .join(ScorecardVersion, ScorecardVersion.id == Audit.version_id)
             .where(*audit_conditions(f), Answer.fraction.is_not(None))
             .group_by(ScorecardVersion.scorecard_id, Answer.criterion_key)
             .order_by(failure_rate.desc(), (func.sum(Answer.earned) / func.nullif(func.sum(Answer.possible), 0)).asc(),
                       Answer.criterion_key))
    if limit:
        query = query.limit(limit)
    rows = db.session.execute(query).all()
    names = {}
    if rows:
        names = {r[0]: r[1:] for r in db.session.execute(
            select(Criterion.id, Criterion.text, Section.title, Scorecard.name, Scorecard.slug)
            .join(Section, Section.id == Criterion.section_id)
            .join(ScorecardVersion, ScorecardVersion.id == Section.version_id)
            .join(Scorecard, Scorecard.id == ScorecardVersion.scorecard_id)
            .where(Criterion.id.in_([r[5] for r in rows])))}
    out = []
    for key, n, bad, earned, possible, criterion_id in rows:
        text, section, card, slug = names.get(criterion_id, (key, "", "", ""))
        out.append(CriterionRate(key=key, text=text, section=section, scorecard=card, scorecard_slug=slug, answered=n,
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
