"""CSV and XLSX exports: rows and headers, filters and scope, formula injection, streaming."""
import csv
import io
from datetime import datetime

from openpyxl import load_workbook

from reports import exports
from tests import factories

Q1 = "from=2025-01-01&to=2025-03-31"


def read_csv(response):
    assert response.status_code == 200
    assert response.is_streamed and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")  # so that Excel reads the accents
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response):
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == exports.MIMETYPES["xlsx"]
    book = load_workbook(io.BytesIO(response.get_data()))
    return book, [[c.value for c in row] for row in book.worksheets[0].iter_rows()]


def test_audits_csv_has_one_row_per_approved_audit_of_the_period(login_as, world, quarter):
    rows = read_csv(login_as("manager_a").get(f"/reports/exports/audits.csv?{Q1}"))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["Audit", "Date", "Minutes", "Branch code", "Branch"]
    assert [int(r[0]) for r in body] == [quarter[k] for k in ("a1", "a2", "a4", "a5", "a3", "a6")]  # by date
    a1 = dict(zip(header, body[0], strict=True))
    assert a1["Date"] == "2025-01-10 10:00" and a1["Minutes"] == "20" and a1["Branch"] == "Branch A"
    assert a1["Employee"] == "Ana Employee" and a1["Scorecard"] == "Worked example" and a1["Status"] == "Approved"
    assert float(a1["Score (%)"]) == round((2 * 50 + 250 / 3) / 3, 4) and a1["Passed"] == "No"
    assert dict(zip(header, body[2], strict=True))["Critical failure"] == "Yes"


def test_answers_xlsx_has_one_row_per_answer(login_as, world, quarter):
    book, rows = read_xlsx(login_as("hr").get(f"/reports/exports/answers.xlsx?{Q1}&branch={world['branch_a']}"))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Audit", "Date", "Branch code", "Branch"] and "Comment" in header
    assert len(body) == 4 * 5 + 2 * 2  # four worked-example audits of 5 answers, two counter audits of 2
    first = dict(zip(header, body[0], strict=True))
    assert first["Audit"] == quarter["a1"] and first["Date"] == datetime(2025, 1, 10, 10)
    assert first["Criterion key"] == "a_yes" and first["Criterion"] == "Greeting" and first["Answer"] == "Yes"
    assert first["KPI"] == "Greeting" and first["Points earned"] == 1 and first["Points possible"] == 1
    wait = [dict(zip(header, r, strict=True)) for r in body if r[header.index("Criterion key")] == "wait"]
    assert [(w["Answer"], w["Number"], w["Points earned"]) for w in wait] == [("8 min", 8, 0), ("3 min", 3, 1)]
    assert book.worksheets[0].freeze_panes == "A2"


def test_spanish_exports(app, login_as, world, quarter):
    with app.app_context():
        from accounts.models import User
        from extensions import db

        db.session.get(User, world["hr"]["id"]).language = "es"
        db.session.commit()
    rows = read_csv(login_as("hr").get(f"/reports/exports/answers.csv?{Q1}&branch={world['branch_a']}"))
    assert rows[0][:2] == ["Auditoría", "Fecha"] and rows[1][rows[0].index("Respuesta")] == "Sí"


def test_filters_and_scope_apply_to_exports(login_as, world, quarter):
    client = login_as("manager_b")
    assert [r[0] for r in read_csv(client.get(f"/reports/exports/audits.csv?{Q1}"))[1:]] == [str(quarter["b1"])]
    client = login_as("admin")
    assert len(read_csv(client.get(f"/reports/exports/audits.csv?{Q1}&channel=call"))) == 1  # the header only
    assert len(read_csv(client.get(f"/reports/exports/audits.csv?{Q1}&status=submitted"))) == 2
    assert len(read_csv(client.get(f"/reports/exports/audits.csv?{Q1}"))) == 8  # 7 audits
    _book, rows = read_xlsx(client.get(f"/reports/exports/audits.xlsx?{Q1}&employee={world['employee_a']}"))
    assert len(rows) == 5


def test_formulas_typed_by_users_are_neutralised(app, login_as, world):
    with app.app_context():
        from extensions import db

        version = factories.scorecard()
        factories.audit(version, world["auditor"]["id"], world["branch_a"], employee_id=world["employee_a"],
                        started_at=datetime(2025, 2, 3, 10), notes="=cmd|' /C calc'!A0",
                        comments={"a_yes": "+1 555 0100", "a_no": "-2+3", "b_yes": "@SUM(A1:A9)",
                                  "b_scale": "\t=1+1"})
        db.session.commit()
    client = login_as("admin")
    audits = read_csv(client.get(f"/reports/exports/audits.csv?{Q1}"))
    assert audits[1][audits[0].index("Notes")] == "'=cmd|' /C calc'!A0"
    rows = read_csv(client.get(f"/reports/exports/answers.csv?{Q1}"))
    comments = {r[rows[0].index("Criterion key")]: r[rows[0].index("Comment")] for r in rows[1:]}
    assert comments == {"a_yes": "'+1 555 0100", "a_no": "'-2+3", "a_na": "", "b_scale": "'\t=1+1",
                        "b_yes": "'@SUM(A1:A9)"}
    book, rows = read_xlsx(client.get(f"/reports/exports/answers.xlsx?{Q1}"))
    cells = [c for row in book.worksheets[0].iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c for c in cells if c.data_type == "f" or c.value.startswith(("=", "+", "-", "@", "\t"))]
    assert "'@SUM(A1:A9)" in [c.value for c in cells]
    assert exports.safe(-5) == -5 and exports.safe("5-3") == "5-3" and exports.safe("\r=1") == "'\r=1"


def test_xlsx_streams_while_rows_are_still_being_read():
    read = []

    def rows():
        yield ["n", "text"]
        for i in range(20_000):
            read.append(i)
            yield [i, f"row {i}"]

    stream = exports.xlsx_stream(rows(), batch=500)
    first = next(stream)
    assert first.startswith(b"PK") and len(read) < 2_000  # bytes leave long before the last row is read
    data = first + b"".join(stream)
    book = load_workbook(io.BytesIO(data), read_only=True)
    values = list(book.worksheets[0].values)
    assert values[0] == ("n", "text") and values[-1] == (19_999, "row 19999") and len(values) == 20_001


def test_rows_past_a_sheet_continue_on_the_next_sheet_with_the_header():
    rows = [["n"]] + [[i] for i in range(7)]
    book = load_workbook(io.BytesIO(b"".join(exports.xlsx_stream(iter(rows), sheet_name="Answers", sheet_rows=3))))
    assert book.sheetnames == ["Answers", "Answers 2", "Answers 3", "Answers 4"]
    assert [[c.value for c in r] for r in book["Answers 2"].iter_rows()] == [["n"], [2], [3]]
    assert sum(ws.max_row - 1 for ws in book.worksheets) == 7


def test_csv_streams_in_batches():
    chunks = list(exports.csv_stream(iter([["a"]] + [[i] for i in range(1200)]), batch=500))
    assert len(chunks) == 1 + 3 and chunks[0] == "\ufeff".encode()
