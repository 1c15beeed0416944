"""CSV and XLSX exports of audits (one row per audit) and answers (one row per answer).

Same filters and scope as the reports (``queries.audit_conditions``). Everything streams: rows
come from the database in chunks (``yield_per``, a server-side cursor on PostgreSQL) and leave as
bytes while the next chunk is read, so a million answers neither wait for the whole file nor fill
memory.

XLSX: openpyxl's write-only mode keeps memory flat but writes the whole sheet to a temporary file
and zips it only at the end, so the first byte would leave after the last row was read (minutes
for a million rows, past any proxy's timeout). This module writes the few XML parts of a workbook
itself into a zip that is sent as it grows: the sheet XML is compressed and sent chunk by chunk.
The result opens in Excel, LibreOffice and openpyxl (the tests read it back with openpyxl). A
sheet holds at most 1,048,576 rows (Excel's limit); more rows continue on a next sheet.

Spreadsheet formula injection: any text cell that begins with =, +, -, @, a tab, a carriage return
or a line feed gets a leading apostrophe, in CSV and XLSX alike, so no program runs it as a formula.
"""
from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime

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
from scorecards.models import Criterion, Scorecard, ScorecardVersion, Section

CHUNK = 2000  # rows read from the database at a time
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r", "\n")
SHEET_ROWS = 1_048_576
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

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


def safe(value):
    """A cell value that no spreadsheet will run as a formula."""
    if isinstance(value, str) and value.startswith(DANGEROUS_FIRST):
        return "'" + value
    return value


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


# --- CSV ------------------------------------------------------------------------------------------

def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value


def csv_stream(rows: Iterable[list], batch: int = 500) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so Excel reads accents), sent in batches of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff".encode()
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_value(v) for v in row])
        if n % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


# --- XLSX -----------------------------------------------------------------------------------------

class _Pipe(io.RawIOBase):
    """A write-only, unseekable file whose bytes are taken out as they come (zipfile streams to it)."""

    def __init__(self):
        super().__init__()
        self.chunks: list[bytes] = []
        self.size = 0

    def writable(self):
        return True

    def write(self, data):
        self.chunks.append(bytes(data))
        self.size += len(data)
        return len(data)

    def tell(self):
        return self.size

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


_EPOCH = datetime(1899, 12, 30)


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@functools.lru_cache(maxsize=16384)
def _xlsx_text(value: str) -> str:
    """A text cell (names, criteria and answers repeat on every row: escaped once)."""
    text = xml_escape(_ILLEGAL_XML.sub("", safe(value)))[:32767]
    return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _xlsx_cell(value) -> str:
    kind = type(value)
    if kind is str:
        return _xlsx_text(value) if value else "<c/>"
    if kind is int:
        return f"<c><v>{value}</v></c>"
    if value is None:
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f"<c><v>{value!r}</v></c>" if isinstance(value, float) else f"<c><v>{value}</v></c>"
    if isinstance(value, datetime):
        delta = value.replace(microsecond=0) - _EPOCH
        serial = delta.days + delta.seconds / 86400
        return f'<c s="2"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c s="3"><v>{(datetime(value.year, value.month, value.day) - _EPOCH).days}</v></c>'
    return _xlsx_text(str(value))


_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  '<Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/xl/workbook.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                  '<Override PartName="/xl/styles.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                  '{sheets}</Types>')
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" '
               'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" '
              'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
              'Target="xl/workbook.xml"/></Relationships>')
_STYLES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
           '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
           '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill>'
           '<fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
           '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
           '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           '</styleSheet>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
               'state="frozen"/></sheetView></sheetViews><sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"


def _workbook(names: list[str]) -> tuple[str, str]:
    sheets = "".join(f'<sheet name="{xml_escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                     for i, name in enumerate(names, 1))
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                f"<sheets>{sheets}</sheets></workbook>")
    rels = "".join(f'<Relationship Id="rId{i}" '
                   'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                   f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(names) + 1))
    rels += (f'<Relationship Id="rId{len(names) + 1}" '
             'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>')
    return workbook, ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                      f"{rels}</Relationships>")


def xlsx_stream(rows: Iterable[list], sheet_name: str = "Veraz", batch: int = 500,
                sheet_rows: int = SHEET_ROWS) -> Iterator[bytes]:
    """An XLSX workbook sent as it is written: the first row is the header (bold, frozen) and is
    repeated at the top of each further sheet when there are more rows than a sheet holds."""
    pipe = _Pipe()
    archive = zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=4)
    rows = iter(rows)
    header = next(rows, [])
    header_xml = '<row>' + "".join(_xlsx_cell(v).replace("<c ", '<c s="1" ', 1) if v not in (None, "")
                                   else "<c/>" for v in header) + "</row>"
    names: list[str] = []
    pending = next(rows, None)
    while True:
        names.append(sheet_name[:28] + (f" {len(names) + 1}" if names else ""))
        with archive.open(f"xl/worksheets/sheet{len(names)}.xml", mode="w") as sheet:
            sheet.write((_SHEET_HEAD + header_xml).encode())
            count, parts = 1, []
            while pending is not None and count < sheet_rows:
                parts.append("<row>" + "".join(_xlsx_cell(v) for v in pending) + "</row>")
                count += 1
                pending = next(rows, None)
                if len(parts) >= batch:
                    sheet.write("".join(parts).encode())
                    parts.clear()
                    if pipe.chunks:
                        yield pipe.take()
            if parts:
                sheet.write("".join(parts).encode())
            sheet.write(_SHEET_TAIL.encode())
        yield pipe.take()
        if pending is None:
            break
    workbook, rels = _workbook(names)
    archive.writestr("xl/workbook.xml", workbook)
    archive.writestr("xl/_rels/workbook.xml.rels", rels)
    archive.writestr("xl/styles.xml", _STYLES)
    archive.writestr("_rels/.rels", _ROOT_RELS)
    archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(
        sheets="".join(_SHEET_TYPE.format(n=i) for i in range(1, len(names) + 1))))
    archive.close()
    yield pipe.take()


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
