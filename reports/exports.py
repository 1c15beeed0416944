"""CSV and XLSX exports of audits (one row per audit) and answers (one row per answer).

Same filters and scope as the reports (``queries.audit_conditions``). Everything streams: rows
come from the database in chunks (``yield_per``, a server-side cursor on PostgreSQL) and leave as
bytes while the next chunk is read, so a million answers neither wait for the whole file nor fill
memory. The rows are made here; reports/spreadsheets.py turns them into CSV or XLSX bytes and
keeps any text cell from being run as a formula.
"""
from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from accounts.models import User
from audits.display import display_value
from audits.models import Answer, Audit
from branches.models import Branch, Employee
from core.texts import pick
from extensions import db
from reports import context, signals
from reports import queries as q
from reports.spreadsheets import csv_stream, safe, xlsx_stream
from scorecards.models import Criterion, Scorecard, ScorecardVersion, Section

CHUNK = 2000  # rows read from the database at a time

AUDIT_COLUMNS = [
    ("audit", _l("Audit")), ("date", _l("Date")), ("minutes", _l("Minutes")), ("branch_code", _l("Branch code")),
    ("branch", _l("Branch")), ("region", _l("Region")), ("employee_code", _l("Employee code")),
    ("employee", _l("Employee")), ("name_given", _l("Name given")), ("auditor", _l("Auditor")),
    ("scorecard", _l("Scorecard")), ("version", _l("Version")), ("channel", _l("Channel")),
    ("status", _l("Status")), ("score", _l("Score (%)")), ("passed", _l("Passed")),
    ("critical_failure", _l("Critical failure")), ("submitted", _l("Submitted")), ("reviewed", _l("Reviewed")),
    ("notes", _l("Notes")),
]
ANSWER_COLUMNS = [
    ("audit", _l("Audit")), ("date", _l("Date")), ("branch_code", _l("Branch code")), ("branch", _l("Branch")),
    ("employee_code", _l("Employee code")), ("employee", _l("Employee")), ("scorecard", _l("Scorecard")),
    ("version", _l("Version")), ("status", _l("Status")), ("section", _l("Section")),
    ("criterion_key", _l("Criterion key")), ("criterion", _l("Criterion")), ("kpi", _l("KPI")),
    ("answer", _l("Answer")), ("number", _l("Number")), ("earned", _l("Points earned")),
    ("possible", _l("Points possible")), ("comment", _l("Comment")),
]


def _round(value, digits=4):
    return None if value is None else round(float(value), digits)


def _stream(query) -> Iterator:
    """Rows in chunks: a server-side cursor on PostgreSQL, incremental fetches on SQLite."""
    result = db.session.execute(query.execution_options(yield_per=CHUNK, stream_results=True))
    try:
        for partition in result.partitions():
            yield from partition
    finally:
        result.close()


def audit_rows(f: q.Filters) -> Iterator[list]:
    """The header, then one row per audit matching the filters, oldest first."""
    lang = context.lang()
    yield [str(label) for _key, label in AUDIT_COLUMNS]
    query = (select(Audit.id, Audit.started_at, Audit.ended_at, Branch.code, Branch.name, Branch.region,
                    Employee.code, Employee.name, Audit.employee_name_given, User.name, Scorecard.name,
                    ScorecardVersion.number, Audit.channel, Audit.status, Audit.score, Audit.passed,
                    Audit.critical_failure, Audit.submitted_at, Audit.reviewed_at, Audit.notes)
             .join(Branch, Branch.id == Audit.branch_id)
             .outerjoin(Employee, Employee.id == Audit.employee_id)
             .join(User, User.id == Audit.auditor_id)
             .join(ScorecardVersion, ScorecardVersion.id == Audit.version_id)
             .join(Scorecard, Scorecard.id == ScorecardVersion.scorecard_id)
             .where(*q.audit_conditions(f))
             .order_by(Audit.started_at, Audit.id))
    channels = {k: str(v) for k, v in context.CHANNEL_LABELS.items()}  # translated once, not per row
    statuses = {k: str(v) for k, v in context.AUDIT_STATUS_LABELS.items()}
    yes_no = {True: _("Yes"), False: _("No"), None: ""}
    for (audit_id, started, ended, b_code, b_name, region, e_code, e_name, given, auditor, card, version, channel,
         status, score, passed, critical, submitted, reviewed, notes) in _stream(query):
        minutes = round((ended - started).total_seconds() / 60) if started and ended and ended >= started else None
        yield [audit_id, started, minutes, safe(b_code), safe(b_name), safe(region), safe(e_code or ""),
               safe(e_name or ""), safe(given or ""), safe(auditor), safe(pick(card, lang)), version,
               channels.get(channel, channel), statuses.get(status, status), _round(score),
               yes_no[passed], yes_no[critical], submitted, reviewed, safe(notes or "")]


class _CriterionInfo:
    __slots__ = ("type", "settings", "key", "text", "section", "order")

    def __init__(self, type_, settings, key, text, section, order):
        self.type, self.settings, self.key, self.text, self.section = type_, settings, key, text, section
        self.order = order


def _criteria(lang) -> dict:
    """Every criterion's type, settings, texts and place in its scorecard, by id (a few thousand)."""
    rows = db.session.execute(select(Criterion.id, Criterion.type, Criterion.settings, Criterion.key, Criterion.text,
                                     Section.title, Section.position, Criterion.position)
                              .join(Section, Section.id == Criterion.section_id))
    return {r[0]: _CriterionInfo(r[1], r[2] or {}, r[3], pick(r[4], lang), pick(r[5], lang), (r[6], r[7]))
            for r in rows}


def _by_audit(rows, order_key) -> Iterator:
    """Rows that come grouped by audit, each audit's rows put in scorecard order (a few at a time)."""
    group, current = [], None
    for row in rows:
        if row[0] != current and group:
            group.sort(key=order_key)
            yield from group
            group = []
        current = row[0]
        group.append(row)
    group.sort(key=order_key)
    yield from group


def answer_rows(f: q.Filters) -> Iterator[list]:
    """The header, then one row per answer of the audits matching the filters."""
    lang = context.lang()
    yield [str(label) for _key, label in ANSWER_COLUMNS]
    criteria = _criteria(lang)
    cards = {i: pick(name, lang) for i, name in db.session.execute(select(Scorecard.id, Scorecard.name))}
    query = (select(Audit.id, Audit.started_at, Branch.code, Branch.name, Employee.code,
                    func.coalesce(Employee.name, Audit.employee_name_given), ScorecardVersion.scorecard_id,
                    ScorecardVersion.number, Audit.status, Answer.criterion_id, Answer.criterion_key, Answer.kpi,
                    Answer.value, Answer.number_value, Answer.earned, Answer.possible, Answer.comment)
             .join(Audit, Audit.id == Answer.audit_id)
             .join(Branch, Branch.id == Audit.branch_id)
             .outerjoin(Employee, Employee.id == Audit.employee_id)
             .join(ScorecardVersion, ScorecardVersion.id == Audit.version_id)
             .where(*q.audit_conditions(f))
             .order_by(Audit.started_at, Audit.id))  # the audits' index order: no sort of all the answers
    statuses = {k: str(v) for k, v in context.AUDIT_STATUS_LABELS.items()}  # translated once, not per row
    kpis = {k: str(v) for k, v in context.KPI_LABELS.items()}
    shown_values: dict = {}  # (criterion, value) -> the answer as shown: values repeat (yes, no, 1-5)
    unknown = (99999, 99999)

    def order(row):
        info = criteria.get(row[9])
        return info.order if info is not None else unknown

    for (audit_id, started, b_code, b_name, e_code, e_name, card_id, version, status, criterion_id, key, kpi, value,
         number, earned, possible, comment) in _by_audit(_stream(query), order):
        info = criteria.get(criterion_id)
        memo = (criterion_id, value) if isinstance(value, (str, int, float)) else None
        shown = shown_values.get(memo) if memo is not None else None
        if shown is None:
            shown = safe(display_value(info, value) if info is not None and value is not None else (
                "" if value is None else str(value)))
            if memo is not None and len(shown_values) < 100_000:
                shown_values[memo] = shown
        yield [audit_id, started, safe(b_code), safe(b_name), safe(e_code or ""), safe(e_name or ""),
               safe(cards.get(card_id, "")), version, statuses.get(status, status),
               safe(info.section if info else ""), safe(key), safe(info.text if info else key),
               kpis.get(kpi, kpi or ""), shown, _round(number), _round(earned), _round(possible),
               safe(comment or "")]


EXPORTS = {"audits": audit_rows, "answers": answer_rows}
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def export(what: str, fmt: str, f: q.Filters) -> Iterator[bytes]:
    """The bytes of an export ("audits" or "answers", "csv" or "xlsx"), as a generator."""
    rows = EXPORTS[what](f)
    if fmt == "csv":
        return csv_stream(rows)
    return xlsx_stream(rows, sheet_name=str(_("Audits") if what == "audits" else _("Answers")))


def filename(what: str, fmt: str, f: q.Filters) -> str:
    period = "-".join(d.isoformat() for d in (f.date_from, f.date_to) if d)
    return f"veraz-{what}{'-' + period if period else ''}.{fmt}"


def download(what: str, fmt: str, f: q.Filters) -> Response:
    """The export as a streamed download (the web route and the API)."""
    signals.export_downloaded.send(None, details={"what": what, "format": fmt, "filters": f.as_args()})
    response = attachment(Response(stream_with_context(export(what, fmt, f)), mimetype=MIMETYPES[fmt]),
                          filename(what, fmt, f))
    response.headers["X-Accel-Buffering"] = "no"  # let nginx pass the stream on as it comes
    return response


def attachment(response: Response, name: str) -> Response:
    """A private download named ``name`` (only letters, digits, - _ . kept)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
