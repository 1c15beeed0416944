"""Recognition: for a period and the branches a reader sees (or one of them), the employees whose
approved audits reach the admin's bar, and those who improved most against the previous period.

The rule (docs/coaching.md): at least ``recognition_min_audits`` approved audits in the period, a
mean score at or above ``recognition_threshold`` and no critical failure, ranked by mean score
(ties by name); the most improved are those with the minimum of audits in both the period and the
previous period of the same length, ranked by the rise of their mean score (rises only), at most
``MOST_IMPROVED``. Every figure is the reports' employee ranking (reports/rankings.py over
reports/sums.py): the mean score here is the one on the employees' report pages, not a second
computation.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core.models import get_setting
from reports import rankings
from reports.filters import Filters

MOST_IMPROVED = 10
# A mean is a float division: 270 / 3 may come out a hair under 90. Equal to this is "at".
TOLERANCE = 1e-9


@dataclass
class Recognised:
    employee_id: int
    name: str
    code: str
    branch_id: int | None
    branch: str
    audits: int
    mean: float
    previous_audits: int | None = None
    previous_mean: float | None = None

    @property
    def employee(self) -> dict:
        return {"id": self.employee_id, "code": self.code, "name": self.name, "branch_id": self.branch_id,
                "branch": self.branch}

    @property
    def rise(self) -> float | None:
        return None if self.previous_mean is None else self.mean - self.previous_mean


def rule() -> tuple[int, float]:
    """(minimum approved audits, lowest mean score) from the admin's settings."""
    return int(get_setting("recognition_min_audits")), float(get_setting("recognition_threshold"))


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    """The period of the same number of days that ends the day before ``date_from``."""
    days = (date_to - date_from).days + 1
    end = date_from - timedelta(days=1)
    return end - timedelta(days=days - 1), end


def default_period(today: date) -> tuple[date, date]:
    """The last whole calendar month before ``today``'s."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def period_of(date_from: date | None, date_to: date | None, today: date) -> tuple[date, date]:
    """The period asked for, its missing ends filled the same way for the page and the API: neither
    given, last month; only ``to``, from the first day of its month; only ``from``, up to today
    (or that day, when it is later)."""
    if date_from is None and date_to is None:
        return default_period(today)
    if date_from is None:
        return date_to.replace(day=1), date_to
    if date_to is None:
        return date_from, max(date_from, today)
    return date_from, date_to


def _row(r: rankings.RankRow, previous: rankings.RankRow | None = None) -> Recognised:
    return Recognised(employee_id=r.id, name=r.name, code=r.code, branch_id=r.branch_id, branch=r.branch,
                      audits=r.audits, mean=r.mean, previous_audits=previous.audits if previous else None,
                      previous_mean=previous.mean if previous else None)


def recognition(user, date_from: date, date_to: date, branch_id: int | None = None) -> dict:
    """``top`` and ``most_improved`` (lists of Recognised) for the period, in the user's scope
    (and ``branch_id`` when given), with the rule and the periods used."""
    minimum, threshold = rule()
    if date_from > date_to:  # a period whose end comes before its start holds no day (as in reports)
        return {"from": date_from, "to": date_to, "previous_from": date_from, "previous_to": date_to,
                "branch_id": branch_id, "min_audits": minimum, "threshold": threshold,
                "top": [], "most_improved": []}
    f = Filters.for_user(user, date_from=date_from, date_to=date_to, branch_id=branch_id, status="approved")
    now = [r for r in rankings.employee_ranking(f) if r.mean is not None]  # by mean, best first
    top = [_row(r) for r in now
           if r.audits >= minimum and r.mean >= threshold - TOLERANCE and r.critical_failures == 0]
    prev_from, prev_to = previous_period(date_from, date_to)
    before = {r.id: r for r in rankings.employee_ranking(f.replace(date_from=prev_from, date_to=prev_to))
              if r.mean is not None}
    improved = [_row(r, before[r.id]) for r in now
                if r.audits >= minimum and r.id in before and before[r.id].audits >= minimum
                and r.mean - before[r.id].mean > TOLERANCE]
    improved.sort(key=lambda row: (-row.rise, row.name, row.employee_id))
    return {"from": date_from, "to": date_to, "previous_from": prev_from, "previous_to": prev_to,
            "branch_id": branch_id, "min_audits": minimum, "threshold": threshold,
            "top": top, "most_improved": improved[:MOST_IMPROVED]}


def recognised(user, employee_id: int, date_from: date, date_to: date, branch_id: int | None = None):
    """(kind, row) when the employee is recognised for the period ("top" first, else
    "most_improved"), else None: what a certificate may say."""
    found = recognition(user, date_from, date_to, branch_id)
    for kind in ("top", "most_improved"):
        for row in found[kind]:
            if row.employee_id == employee_id:
                return kind, row, found
    return None
