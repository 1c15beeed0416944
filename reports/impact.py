"""Preview the impact of a draft scorecard version: load the approved audits of its scorecard in a
period and in the viewer's scope, and replay them under the draft (scorecards/replay.py).

The audits are read a chunk at a time (the audits, then their answers) and replayed as they come,
so memory stays flat over any period; nothing is written, so the published audits keep their
scores. The builder's page (reports/impact_routes.py) and the API
(``POST /api/v1/scorecards/{slug}/preview``) both call ``preview``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from accounts.permissions import branch_ids_in_scope
from audits.models import Answer, Audit
from branches.models import Branch, Employee
from extensions import db
from scorecards.models import ScorecardVersion
from scorecards.replay import Impact, PastAudit, replay
from scorecards.services import spec_for_version

DEFAULT_DAYS = 90


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last 90 days, today included."""
    today = today or date.today()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def resolve_period(date_from: date | None, date_to: date | None, today: date | None = None) -> tuple[date, date]:
    """The period asked, its missing ends filled: 90 days up to ``to``, or from ``from`` to today.
    Raises ValueError when it ends before it starts."""
    default_from, default_to = default_period(today)
    if date_from is None:
        date_from = default_from if date_to is None else date_to - (default_to - default_from)
    date_to = date_to or max(default_to, date_from)
    if date_from > date_to:
        raise ValueError("the period ends before it starts")
    return date_from, date_to


@dataclass(frozen=True)
class Preview:
    version: ScorecardVersion
    date_from: date
    date_to: date
    impact: Impact
    branch_names: dict
    employee_names: dict

    def as_dict(self) -> dict:
        """The API's answer (api/impact_schemas.py dumps the dates as "from" and "to")."""
        i = self.impact
        return {
            "version": self.version.number, "date_from": self.date_from, "date_to": self.date_to,
            "audits": i.audits, "mean_before": i.mean_before, "mean_after": i.mean_after,
            "pass_rate_before": i.pass_rate_before, "pass_rate_after": i.pass_rate_after,
            "critical_before": i.critical_before, "critical_after": i.critical_after,
            "critical_added": i.critical_added, "critical_removed": i.critical_removed,
            "branches": [{"branch_id": g.id, "name": self.branch_names.get(g.id, ""), "audits": g.audits,
                          "mean_before": g.mean_before, "mean_after": g.mean_after,
                          "pass_rate_before": g.pass_rate_before, "pass_rate_after": g.pass_rate_after}
                         for g in i.branches],
            "employees_crossing": [{"employee_id": g.id, "name": self.employee_names.get(g.id, ""),
                                    "mean_before": g.mean_before, "mean_after": g.mean_after}
                                   for g in i.employees_crossing],
            "criteria": [{"key": key, "effect": effect} for key, effect in i.criteria],
            "not_answered": [key for key, _n in i.not_answered],
            "left_out": [key for key, _n in i.left_out],
        }


# Audits read (with their answers) at a time: a period of two years at ten times the standard data
# holds some 300,000 audits and 7 million answers, which read at once would take gigabytes.
CHUNK = 5000


def iter_past_audits(scorecard_id: int, date_from: date, date_to: date, user, chunk: int = CHUNK):
    """The approved audits of the scorecard started in the period, in the user's scope, by id,
    ``chunk`` at a time (two queries each: the audits, then their answers), so that memory stays
    flat whatever the period."""
    start = datetime(date_from.year, date_from.month, date_from.day)
    end = datetime(date_to.year, date_to.month, date_to.day) + timedelta(days=1)
    conditions = [Audit.status == "approved", Audit.started_at >= start, Audit.started_at < end,
                  Audit.version_id.in_(select(ScorecardVersion.id)
                                       .where(ScorecardVersion.scorecard_id == scorecard_id))]
    scope = branch_ids_in_scope(user)
    if scope is not None:
        conditions.append(Audit.branch_id.in_(sorted(scope)))
    after = 0
    while True:
        rows = db.session.execute(
            select(Audit.id, Audit.branch_id, Audit.employee_id, Audit.version_id, Audit.score, Audit.passed,
                   Audit.critical_failure).where(*conditions, Audit.id > after).order_by(Audit.id).limit(chunk)).all()
        if not rows:
            return
        answers: dict[int, dict] = {row.id: {} for row in rows}
        # The chunk's answers: the same conditions over the chunk's range of ids (no list of ids)
        for audit_id, key, value in db.session.execute(
                select(Answer.audit_id, Answer.criterion_key, Answer.value).join(Audit, Audit.id == Answer.audit_id)
                .where(*conditions, Audit.id > after, Audit.id <= rows[-1].id)):
            if value is not None:
                answers[audit_id][key] = value
        yield from (PastAudit(row.id, row.branch_id, row.employee_id, row.version_id, answers[row.id], row.score,
                              bool(row.passed), bool(row.critical_failure)) for row in rows)
        if len(rows) < chunk:
            return
        after = rows[-1].id


def past_audits(scorecard_id: int, date_from: date, date_to: date, user) -> list[PastAudit]:
    """:func:`iter_past_audits` as a list (to replay one set several times)."""
    return list(iter_past_audits(scorecard_id, date_from, date_to, user))


def preview(version: ScorecardVersion, date_from: date, date_to: date, user) -> Preview:
    """Replay the period's audits under ``version`` (a draft); nothing is written."""
    card = version.scorecard
    audits = iter_past_audits(card.id, date_from, date_to, user)
    specs = {v.id: spec_for_version(v) for v in card.versions if v.is_published}
    published = card.latest_published
    impact = replay(spec_for_version(version), audits, specs,
                    before_pass_mark=published.pass_mark if published is not None else None)
    branch_ids = [g.id for g in impact.branches]
    employee_ids = [g.id for g in impact.employees_crossing]
    branches = dict(db.session.execute(select(Branch.id, Branch.name).where(Branch.id.in_(branch_ids))).all()) \
        if branch_ids else {}
    employees = dict(db.session.execute(select(Employee.id, Employee.name).where(Employee.id.in_(employee_ids)))
                     .all()) if employee_ids else {}
    return Preview(version, date_from, date_to, impact, branches, employees)
