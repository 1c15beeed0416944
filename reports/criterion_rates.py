"""KPI rates and criterion failure rates (docs/reports.md): per tagged criterion and per scorecard
criterion, from the criteria's monthly sums (reports/sums.py), named from one look-up.

Split from reports/queries.py, whose filters and helpers these figures share."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from extensions import db
from reports.queries import Filters, _mean, _rate
from reports.sums import sums
from scorecards.models import KPI_TAGS, Criterion, Scorecard, ScorecardVersion, Section

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


CRITERION_BY = ("scorecard_id", "criterion_key", "criterion_id", "kpi")
KPI_MEASURES = ("answered", "full", "numbers", "number_sum")


def kpi_rates(f: Filters) -> list[KpiRate]:
    """Per KPI tag: answered tagged criteria, those with full points, their share, and the mean of
    the numbers given. Numbers in time units (s, min, h, d) are converted to minutes before they
    are averaged together; a number in any other unit is never mixed with another unit: it makes
    a row of its own (the KPI and that unit). Aggregated per criterion in SQL, combined here (as
    many rows as tagged criteria, whatever the audits)."""
    rows = _kpi_rows(sums("criterion", f, CRITERION_BY))
    return _kpis(rows, _criteria_info({r[1] for r in rows}))


def criterion_figures(f: Filters, limit: int | None = None) -> tuple[list[KpiRate], list[CriterionRate]]:
    """``kpi_rates(f)`` and ``criteria_rates(f, limit)`` from one read of the criteria's sums and one
    look-up of their names (what a report shows of both)."""
    totals = sums("criterion", f, CRITERION_BY)
    kpi_rows, criteria_rows = _kpi_rows(totals), _criteria_rows(totals, limit)
    info = _criteria_info({r[1] for r in kpi_rows} | {r[5] for r in criteria_rows})
    return _kpis(kpi_rows, info), _criteria(criteria_rows, info)


def _criteria_info(ids: set) -> dict:
    """{criterion id: (type, settings, text, section title, scorecard name, scorecard slug)}."""
    if not ids:
        return {}
    return {r[0]: tuple(r[1:]) for r in db.session.execute(
        select(Criterion.id, Criterion.type, Criterion.settings, Criterion.text, Section.title, Scorecard.name,
               Scorecard.slug)
        .join(Section, Section.id == Criterion.section_id)
        .join(ScorecardVersion, ScorecardVersion.id == Section.version_id)
        .join(Scorecard, Scorecard.id == ScorecardVersion.scorecard_id)
        .where(Criterion.id.in_(sorted(ids))))}


def _kpi_rows(totals: dict) -> list:
    """(kpi, criterion id, answered, full, numbers, mean of the numbers) per tagged criterion."""
    per_criterion: dict = {}
    for (_card, _key, criterion_id, kpi), t in totals.items():
        if not kpi:
            continue
        g = per_criterion.setdefault((kpi, criterion_id), dict.fromkeys(KPI_MEASURES, 0))
        for measure in g:
            g[measure] += t[measure]
    return [(kpi, criterion_id, t["answered"], t["full"], t["numbers"], _mean(t["number_sum"], t["numbers"]))
            for (kpi, criterion_id), t in per_criterion.items()]


def _kpis(rows: list, info: dict) -> list[KpiRate]:
    units = {cid: (i[1] or {}).get("unit") if i[0] == "number" else None for cid, i in info.items()}
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


def criteria_rates(f: Filters, limit: int | None = None) -> list[CriterionRate]:
    """Scored criteria (per scorecard and criterion key) by failure rate, the weakest first (ties:
    lower achievement first, then the key)."""
    rows = _criteria_rows(sums("criterion", f, CRITERION_BY), limit)
    return _criteria(rows, _criteria_info({r[5] for r in rows}))


def _criteria_rows(totals: dict, limit: int | None) -> list:
    """[key, answered, failed, earned, possible, the newest criterion's id] per scorecard and
    criterion key, the weakest first, at most ``limit``."""
    groups: dict = {}
    for (card, key, criterion_id, _kpi), t in totals.items():
        if not t["answered"]:
            continue
        g = groups.setdefault((card, key), [key, 0, 0, 0.0, 0.0, criterion_id])
        g[1] += t["answered"]
        g[2] += t["answered"] - t["full"]
        g[3] += t["earned"]
        g[4] += t["possible"]
        g[5] = max(g[5], criterion_id)
    # Ties (one key in two scorecards, equal rates) in scorecard order, whichever rows came first.
    rows = [g for _card, g in sorted(groups.items(), key=lambda item: (
        -item[1][2] / item[1][1], item[1][3] / item[1][4] if item[1][4] else float("inf"), item[1][0], item[0][0]))]
    return rows[:limit] if limit else rows


def _criteria(rows: list, info: dict) -> list[CriterionRate]:
    out = []
    for key, n, bad, earned, possible, criterion_id in rows:
        text, section, card, slug = info[criterion_id][2:] if criterion_id in info else (key, "", "", "")
        out.append(CriterionRate(key=key, text=text, section=section, scorecard=card, scorecard_slug=slug, answered=n,
                                 failed=int(bad or 0), failure_rate=_rate(int(bad or 0), n),
                                 achievement=_rate(earned or 0, possible) if possible else None))
    return out
