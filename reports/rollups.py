"""Keeping the monthly roll-ups (reports/models.py) equal to the approved audits they add up.

One rule for every path that changes what an audit counts: call :func:`apply` with ``sign=+1``
once the audit counts (approved) and with ``sign=-1`` while it still counts as before, in the same
transaction as the change, or wrap the change in :func:`changing`, which does both when the audit
is approved before and after. Today an approval is the only such path (``audits/events.
audit_approved``, connected in :func:`connect`); an overturned dispute or a reassigned audit
calls ``changing`` the same way. Bulk loads (demo data, the benchmark's generator) call
:func:`rebuild`, as does ``flask --app app rollups rebuild``.

The audits side never imports this package: it sends its signal and the receiver runs inside the
service call, in the request's transaction, so a failed request leaves the roll-ups as they were.

Each roll-up row is computed from the raw rows by :func:`raw_select`, the same SQL that rebuilds
the tables and that reports/sums.py runs for the days of a period that are not whole months.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import Date, case, cast, func, select, type_coerce
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from audits import events
from audits.models import Answer, Audit, SectionScore
from extensions import db
from reports.models import KINDS, TABLES, dims
from scorecards.models import ScorecardVersion

FULL = 1 - 1e-9  # a fraction at or above this earned full points
NO_MONTH = date(1900, 1, 1)  # the month of an audit without a start time


def count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def month_of(column, session=None):
    """The first day of ``column``'s month, as a date (NO_MONTH when null), in either database."""
    if (session or db.session).get_bind().dialect.name == "postgresql":
        first = cast(func.date_trunc("month", column), Date)
    else:
        first = func.date(column, "start of month")
    return type_coerce(func.coalesce(first, type_coerce(NO_MONTH, Date)), Date)


def _dimension(key: str, session=None):
    return {"month": lambda: month_of(Audit.started_at, session), "branch_id": lambda: Audit.branch_id,
            "employee_id": lambda: Audit.employee_id, "scorecard_id": lambda: ScorecardVersion.scorecard_id,
            "channel": lambda: Audit.channel, "section_id": lambda: SectionScore.section_id,
            "section_key": lambda: SectionScore.section_key, "position": lambda: SectionScore.position,
            "criterion_id": lambda: Answer.criterion_id, "criterion_key": lambda: Answer.criterion_key,
            "kpi": lambda: func.coalesce(Answer.kpi, "")}[key]()


def _measures(kind: str) -> dict:
    def total(column):
        return func.coalesce(func.sum(column), 0.0)

    scored_answer = Answer.fraction.is_not(None)
    return {
        "audit": {"audits": func.count(Audit.id), "scored": func.count(Audit.score), "score_sum": total(Audit.score),
                  "passed": count_if(Audit.passed.is_(True)), "critical": count_if(Audit.critical_failure.is_(True))},
        "section": {"rows": func.count(SectionScore.id), "scored": func.count(SectionScore.score),
                    "score_sum": total(SectionScore.score)},
        "criterion": {"answers": func.count(Answer.id), "answered": func.count(Answer.fraction),
                      "full": count_if(Answer.fraction >= FULL),
                      "earned": total(case((scored_answer, Answer.earned))),
                      "possible": total(case((scored_answer, Answer.possible))),
                      "numbers": func.count(Answer.number_value), "number_sum": total(Answer.number_value)},
    }[kind]


def raw_select(kind: str, by, conditions=(), session=None):
    """The roll-up rows of ``kind`` computed from the raw rows that meet ``conditions`` (on
    ``audit``, ``scorecard_version`` and the kind's own table), grouped by the dimensions ``by``;
    the columns are named as the roll-up's."""
    keys = [_dimension(k, session).label(k) for k in by]
    measures = [expr.label(name) for name, expr in _measures(kind).items()]
    query = select(*keys, *measures)
    if kind == "section":
        query = query.select_from(SectionScore).join(Audit, Audit.id == SectionScore.audit_id)
    elif kind == "criterion":
        query = query.select_from(Answer).join(Audit, Audit.id == Answer.audit_id)
    else:
        query = query.select_from(Audit)
    query = query.join(ScorecardVersion, ScorecardVersion.id == Audit.version_id).where(*conditions)
    return query.group_by(*keys) if keys else query


def _upsert(kind: str, level: str, rows: list, sign: int) -> None:
    if not rows:
        return
    table, keys, measures = TABLES[kind, level], dims(kind, level), KINDS[kind]["measures"]
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={m: table.c[m] + stmt.excluded[m] for m in measures})
    values = [{**{k: r[k] for k in keys}, **{m: sign * (r[m] or 0) for m in measures}} for r in rows]
    # One order for every transaction: two approvals touching the same rows cannot deadlock.
    values.sort(key=lambda v: tuple(str(v[k]) for k in keys))
    db.session.execute(stmt, values)


def apply(audit: Audit, sign: int = 1) -> None:
    """Add (+1) or take away (-1) ``audit`` as the database holds it now, in every roll-up.

    Call it with -1 before changing anything an approved audit counts (its score, answers,
    sections, branch, employee, scorecard, channel, start time or status), and with +1 once it is
    approved with its new figures; :func:`changing` does both."""
    if sign not in (1, -1):
        raise ValueError("sign is +1 or -1")
    db.session.flush()
    for kind in KINDS:
        rows = db.session.execute(raw_select(kind, dims(kind, "employee"), [Audit.id == audit.id])).mappings().all()
        _upsert(kind, "branch", rows, sign)
        _upsert(kind, "employee", [r for r in rows if r["employee_id"] is not None], sign)
        _upsert(kind, "company", rows, sign)  # one audit: its rows are the company's rows too


@contextmanager
def changing(audit: Audit):
    """Around a change to an audit that may change what it counts (a dispute overturned, its
    employee or branch corrected, its approval withdrawn): enter before changing anything."""
    counted = audit.status == "approved"
    if counted:
        apply(audit, -1)
    yield audit
    db.session.flush()
    if audit.status == "approved":
        apply(audit, 1)


def rebuild(session=None, levels=None) -> dict:
    """Empty the roll-ups and add up every approved audit again (flushes; the caller commits).
    Returns the rows written per table. ``session``: the migration's, else Flask-SQLAlchemy's;
    ``levels``: those alone (a migration fills the tables it creates), else every level."""
    session = session or db.session
    written = {}
    for (kind, level), table in TABLES.items():  # the branch level before the company's
        if levels is not None and level not in levels:
            continue
        session.execute(table.delete())
        keys = dims(kind, level)
        if level == "company":
            session.execute(table.insert().from_select([*keys, *KINDS[kind]["measures"]], company_select(kind)))
            written[table.name] = session.scalar(select(func.count()).select_from(table))
            continue
        conditions = [Audit.status == "approved"]
        if level == "employee":
            conditions.append(Audit.employee_id.is_not(None))
        query = raw_select(kind, keys, conditions, session)
        session.execute(table.insert().from_select([*keys, *KINDS[kind]["measures"]], query))
        written[table.name] = session.scalar(select(func.count()).select_from(table))
    return written


def company_select(kind: str):
    """The company level of ``kind`` added up from its branch level (the same audits, a row per
    month, scorecard and channel instead of one per branch too)."""
    branch = TABLES[kind, "branch"]
    keys = [branch.c[k] for k in dims(kind, "company")]
    return select(*keys, *[func.sum(branch.c[m]) for m in KINDS[kind]["measures"]]).group_by(*keys)


def on_audit_approved(audit, **_):
    apply(audit, 1)


def connect() -> None:
    """Idempotent (every test app calls it): blinker keeps one connection per receiver."""
    events.audit_approved.connect(on_audit_approved, weak=False)


def init_app(app) -> None:
    """Keep the roll-ups current as audits are approved (the factory calls it: reports sit above audits)."""
    connect()


rollups_cli = AppGroup("rollups", help="The reports' monthly roll-ups.")


@rollups_cli.command("rebuild")
def rebuild_command():
    """Recompute every roll-up from the approved audits (after a bulk load or a restore)."""
    written = rebuild()
    db.session.commit()
    for name, rows in written.items():
        click.echo(f"{name}: {rows} rows")
