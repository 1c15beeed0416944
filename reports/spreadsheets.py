"""Rows to spreadsheet bytes, streamed: CSV, and XLSX written as it goes (reports/exports.py
makes the rows).

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

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r", "\n")
SHEET_ROWS = 1_048_576
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def safe(value):
    """A cell value that no spreadsheet will run as a formula."""
    if isinstance(value, str) and value.startswith(DANGEROUS_FIRST):
        return "'" + value
    return value



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
