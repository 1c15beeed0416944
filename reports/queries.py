"""Every figure the reports show, computed by SQL aggregates over the stored scores.

Filters: reports/filters.py; the counts and sums the figures are made of, from the monthly
roll-ups and the raw rows: reports/sums.py; rankings and latest audits: reports/rankings.py; one
subject's set of figures: reports/figures.py.

Read-only: nothing here changes the database. The web pages, the PDFs, the exports and the API all
call these functions with a ``Filters`` value, so a figure is computed in one place and means the
same everywhere. No function loads all the audits of a period into Python to add them up: each
figure adds up counts and sums (reports/sums.py: the roll-ups' months and raw edge days), as
many rows as months times subjects, and lists are bounded by ``limit`` or a page. Nothing is
cached: every figure includes the last approval.

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
from sqlalchemy import case, false, func, select, text

from accounts.permissions import branch_ids_in_scope
from audits.models import Audit
from branches.models import Branch
from extensions import db
from reports.filters import (  # noqa: F401  (re-exported: callers read every report name from queries)
    STATUS_CHOICES,
    FilterError,
    Filters,
    default_period,
    parse_filters,
)
from reports.filters import day_end as _end
from reports.filters import day_start as _start
from reports.rollups import FULL  # noqa: F401  (a fraction at or above this earned full points)
from reports.sums import NO_MONTH, sums, sums_together
from scorecards.models import CHANNELS, Scorecard, ScorecardVersion, Section

SCORED_STATUSES = ("submitted", "returned", "approved")
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
    transaction = db.session().get_transaction()
    if transaction is not None and db.session.info.get("random_page_cost_for") is transaction:
        return  # set already in this transaction (a page's figures run a few dozen queries)
    value = current_app.config.get("REPORTS_PG_RANDOM_PAGE_COST", 1.1) if has_app_context() else 1.1
    if value is not None:
        db.session.execute(text(f"SET LOCAL random_page_cost = {float(value)}"))
        db.session.info["random_page_cost_for"] = db.session().get_transaction()



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


def _mean(total, count) -> float | None:
    return float(total) / count if count else None


def summary(f: Filters) -> Summary:
    """Number of audits, mean score, pass rate and critical failures."""
    t = sums("audit", f).get((), {"audits": 0, "scored": 0, "score_sum": 0.0, "passed": 0, "critical": 0})
    audits, passed = int(t["audits"]), int(t["passed"])
    return Summary(audits=audits, scored=int(t["scored"]), mean=_mean(t["score_sum"], t["scored"]), passed=passed,
                   pass_rate=_rate(passed, audits), critical_failures=int(t["critical"]))


@dataclass
class SectionMean:
    scorecard: str  # the scorecard's slug: a section belongs to one scorecard
    key: str
    title: object  # {lang: text} or text: show with pick()
    audits: int
    mean: float | None
    scorecard_name: object = ""  # {lang: text} or text


SECTION_BY = ("scorecard_id", "section_key", "section_id", "position")


def section_means(f: Filters) -> list[SectionMean]:
    """Mean section score per scorecard and section key, in scorecard then section order. Sections
    of different scorecards that share a key (``closing``) are different rows: each is asked by
    other criteria."""
    return [named for _row, named in _named_sections(_section_rows(sums("section", f, SECTION_BY)))]


def _section_rows(totals: dict) -> list:
    """(scorecard, key, scored, mean, the newest section's id for its title, its first position)
    per scorecard and section key, from the section sums grouped by ``SECTION_BY``."""
    groups: dict = {}
    for (card, key, section_id, position), t in totals.items():
        g = groups.setdefault((card, key), [0, 0.0, section_id, position])
        g[0] += t["scored"]
        g[1] += t["score_sum"]
        g[2], g[3] = max(g[2], section_id), min(g[3], position)
    return [(card, key, n, _mean(total, n), section_id, position)
            for (card, key), (n, total, section_id, position) in groups.items()]


def _named_sections(rows: list) -> list[tuple]:
    """(row, SectionMean) for the rows of ``_section_rows``, with their titles and scorecards (one
    query), in scorecard then section order."""
    if not rows:
        return []
    names = db.session.execute(
        select(Section.id, Section.title, Scorecard.id, Scorecard.slug, Scorecard.name)
        .join(ScorecardVersion, ScorecardVersion.id == Section.version_id)
        .join(Scorecard, Scorecard.id == ScorecardVersion.scorecard_id)
        .where(Section.id.in_(sorted({r[4] for r in rows})))).all()
    titles = {n[0]: n[1] for n in names}
    cards = {n[2]: (n[3], n[4]) for n in names}
    rows = sorted(rows, key=lambda r: (cards[r[0]][0], r[5], r[1]))
    return [(r, SectionMean(scorecard=cards[r[0]][0], key=r[1], title=titles.get(r[4], r[1]), audits=r[2],
                            mean=_num(r[3]), scorecard_name=cards[r[0]][1])) for r in rows]


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
    employee's report) and the whole company, same period, scorecard, channel and status (the
    three read in one statement)."""
    requests = [(f, {}), (f.replace(scope=None, branch_id=None, region=None, employee_id=None), {})]
    if branch_id is not None:
        requests.append((f.replace(branch_id=branch_id, region=None, employee_id=None), {}))
    subject, company, *branch = [_section_rows(t) for t in sums_together("section", SECTION_BY, requests)]

    def means(rows):
        return {(r[0], r[1]): _num(r[3]) for r in rows}

    company, branch = means(company), means(branch[0]) if branch else {}
    return [SectionComparison(scorecard=s.scorecard, key=s.key, title=s.title, mean=s.mean, audits=s.audits,
                              branch=branch.get(row[:2]), company=company.get(row[:2]), scorecard_name=s.scorecard_name)
            for row, s in _named_sections(subject)]


@dataclass
class MonthPoint:
    month: date  # the first day of the month
    audits: int
    mean: float | None
    pass_rate: float | None


def trend_by_month(f: Filters) -> list[MonthPoint]:
    """Audits, mean score and pass rate by calendar month of the visit or call; months of the
    period without audits are included with no mean, so a chart shows the gap."""
    found = {(m.year, m.month): (int(t["audits"]), _mean(t["score_sum"], t["scored"]), t["passed"])
             for (m,), t in sums("audit", f, ("month",)).items() if m != NO_MONTH}
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
