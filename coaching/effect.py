"""Did the coaching work: for each coached criterion, the rate of full points in the employee's
approved audits before the session and after it, over periods of the same length.

The periods (docs/coaching.md): the session's day belongs to neither side (the audit may have come
before or after the talk). "After" runs from the day after the session to today, L days;
"before" is the L days that end the day before the session. A side with fewer than
``MIN_AUDITS`` audits that scored the criterion has no rate ("too few audits"), and then there is
no change to show.

The counts are the reports' own (reports/sums.py over the monthly roll-ups, the same as an
employee report's criteria rates): audits of the employee wherever they were made, approved,
an N/A or unanswered criterion not counted, a key that several scorecards share counted together.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from coaching.models import CoachingSession
from core.timeutil import utcnow
from reports.filters import Filters
from reports.sums import sums

MIN_AUDITS = 3
TOO_FEW = "too_few_audits"


@dataclass
class Side:
    date_from: date | None
    date_to: date | None
    audits: int  # approved audits of the employee that scored the criterion in the period
    full: int  # of those, the ones where it earned full points

    @property
    def rate(self) -> float | None:
        return 100.0 * self.full / self.audits if self.audits >= MIN_AUDITS else None

    @property
    def reason(self) -> str | None:
        return TOO_FEW if self.audits < MIN_AUDITS else None

    def as_dict(self) -> dict:
        return {"date_from": self.date_from, "date_to": self.date_to, "audits": self.audits, "full": self.full,
                "rate": self.rate, "reason": self.reason}


@dataclass
class CriterionEffect:
    criterion: str
    before: Side
    after: Side

    @property
    def change(self) -> float | None:
        """Percentage points from before to after (None when either side has too few audits)."""
        if self.before.rate is None or self.after.rate is None:
            return None
        return self.after.rate - self.before.rate


def periods(held_on: date, today: date | None = None):
    """((before from, before to), (after from, after to)); None dates when there is no "after" yet
    (a session held today or in the future)."""
    today = today or utcnow().date()
    days = (today - held_on).days
    if days < 1:
        return (None, None), (None, None)
    return ((held_on - timedelta(days=days), held_on - timedelta(days=1)),
            (held_on + timedelta(days=1), today))


def _counts(employee_id: int, start: date | None, end: date | None) -> dict:
    if start is None:
        return {}
    f = Filters(scope=None, employee_id=employee_id, date_from=start, date_to=end, status="approved")
    return {key: (int(t["answered"]), int(t["full"])) for (key,), t in sums("criterion", f, ("criterion_key",)).items()}


def effect(session: CoachingSession, today: date | None = None) -> list[CriterionEffect]:
    """Per coached criterion (in the session's order), before and after."""
    (b_from, b_to), (a_from, a_to) = periods(session.held_on, today)
    before = _counts(session.employee_id, b_from, b_to)
    after = _counts(session.employee_id, a_from, a_to)
    return [CriterionEffect(criterion=key, before=Side(b_from, b_to, *before.get(key, (0, 0))),
                            after=Side(a_from, a_to, *after.get(key, (0, 0))))
            for key in session.criteria or []]
