"""NPS, CSAT and first-contact resolution: the one place they are computed, for the report pages,
their PDFs and the JSON of the API alike (reports/figures.py calls ``for_subject``).

- NPS = % promoters (9-10) − % detractors (0-6) of the responses, from -100 to 100;
- CSAT = % of the answers that are 4 or 5;
- FCR (first-contact resolution) = % of "yes" to "Was your query resolved?";
- under the admin's minimum of responses the three are None ("too few responses"); the number of
  responses is always given beside them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select

from extensions import db
from surveys.models import SurveyResponse, survey_settings

NEWEST_COMMENTS = 10


@dataclass(frozen=True)
class SurveyFigures:
    responses: int = 0
    promoters: int = 0
    detractors: int = 0
    satisfied: int = 0
    resolved: int = 0
    minimum: int = 10

    @property
    def enough(self) -> bool:
        return self.responses > 0 and self.responses >= self.minimum

    def _share(self, count: int) -> float | None:
        return 100.0 * count / self.responses if self.enough else None

    @property
    def nps(self) -> float | None:
        return None if not self.enough else 100.0 * (self.promoters - self.detractors) / self.responses

    @property
    def csat(self) -> float | None:
        return self._share(self.satisfied)

    @property
    def fcr(self) -> float | None:
        return self._share(self.resolved)

    def as_json(self) -> dict:
        return {"nps": self.nps, "csat": self.csat, "fcr": self.fcr, "responses": self.responses}


@dataclass(frozen=True)
class CommentRow:
    id: int
    created_at: datetime
    comment: str
    nps: int
    csat: int
    branch_id: int
    branch: str
    employee: str | None
    hidden: bool = False


@dataclass
class SurveySummary:
    """What a report shows of its subject's customers: the figures, by month, the newest comments."""

    total: SurveyFigures
    months: list = field(default_factory=list)  # [(first day of month, SurveyFigures)]
    comments: list = field(default_factory=list)


def _counts():
    r = SurveyResponse
    return (func.count(r.id), func.sum(case((r.nps >= 9, 1), else_=0)), func.sum(case((r.nps <= 6, 1), else_=0)),
            func.sum(case((r.csat >= 4, 1), else_=0)), func.sum(case((r.resolved == "yes", 1), else_=0)))


def _figures(row, minimum: int) -> SurveyFigures:
    n, promoters, detractors, satisfied, resolved = (int(v or 0) for v in row)
    return SurveyFigures(n, promoters, detractors, satisfied, resolved, minimum)


def conditions(branch_ids=None, employee_id: int | None = None, date_from: date | None = None,
               date_to: date | None = None) -> list:
    """``branch_ids`` None: every branch; the dates are days, both included."""
    r, out = SurveyResponse, []
    if branch_ids is not None:
        out.append(r.branch_id.in_(sorted(branch_ids)))
    if employee_id is not None:
        out.append(r.employee_id == employee_id)
    if date_from is not None:
        out.append(r.created_at >= datetime.combine(date_from, datetime.min.time()))
    if date_to is not None:
        out.append(r.created_at < datetime.combine(date_to + timedelta(days=1), datetime.min.time()))
    return out


def minimum() -> int:
    return max(1, int(survey_settings().min_responses or 10))


def totals(where: list, least: int | None = None) -> SurveyFigures:
    least = minimum() if least is None else least
    return _figures(db.session.execute(select(*_counts()).where(*where)).one(), least)


def by_month(where: list, least: int | None = None) -> list[tuple[date, SurveyFigures]]:
    least = minimum() if least is None else least
    rows = db.session.execute(select(SurveyResponse.month, *_counts()).where(*where)
                              .group_by(SurveyResponse.month).order_by(SurveyResponse.month)).all()
    return [(row[0], _figures(row[1:], least)) for row in rows]


def by_branch(where: list, least: int | None = None) -> dict[int, SurveyFigures]:
    least = minimum() if least is None else least
    rows = db.session.execute(select(SurveyResponse.branch_id, *_counts()).where(*where)
                              .group_by(SurveyResponse.branch_id)).all()
    return {row[0]: _figures(row[1:], least) for row in rows}


def newest_comments(where: list, limit: int = NEWEST_COMMENTS, include_hidden: bool = False) -> list[CommentRow]:
    """The newest comments, newest first; hidden ones only for whoever may see who hid them."""
    from branches.models import Branch, Employee

    r = SurveyResponse
    query = (select(r.id, r.created_at, r.comment, r.nps, r.csat, r.branch_id, Branch.name, Employee.name,
                    r.hidden_at)
             .join(Branch, Branch.id == r.branch_id).outerjoin(Employee, Employee.id == r.employee_id)
             .where(*where, r.comment != "").order_by(r.created_at.desc(), r.id.desc()).limit(limit))
    if not include_hidden:
        query = query.where(r.hidden_at.is_(None))
    return [CommentRow(*row[:8], hidden=row[8] is not None) for row in db.session.execute(query)]


def for_subject(branch_ids=None, employee_id: int | None = None, date_from: date | None = None,
                date_to: date | None = None) -> SurveySummary:
    """A report's subject (branches in scope, a branch, an employee) over its period: the one call
    of the page, the PDF and the JSON."""
    where = conditions(branch_ids, employee_id, date_from, date_to)
    least = minimum()
    return SurveySummary(totals(where, least), by_month(where, least), newest_comments(where))
