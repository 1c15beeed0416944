"""The three PDFs: their figures against the queries and the audits behind them, pages, languages,
and that WeasyPrint never fetches anything a user could have typed."""
import io
import re
import shutil
import subprocess
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader

from tests import factories
from tests.support.quarter import period_filters

Q1 = "?from=2025-01-01&to=2025-03-31"


pdf_text = factories.pdf_text


@pytest.fixture
def fetched(monkeypatch):
    """Every URL WeasyPrint asks the PDFs' fetcher for."""
    from reports import pdf

    asked = []

    class Recording(pdf.StaticFetcher):
        def fetch(self, url, headers=None):
            asked.append(url)
            return super().fetch(url, headers)

    monkeypatch.setattr(pdf, "StaticFetcher", Recording)
    return asked


def get_pdf(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(True)[:500]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


def set_language(app, world, who, lang):
    with app.app_context():
        from accounts.models import User
        from extensions import db

        db.session.get(User, world[who]["id"]).language = lang
        db.session.commit()


def test_audit_pdf_shows_the_audit_as_scored(login_as, world, quarter):
    data = get_pdf(login_as("manager_a"), f"/reports/audits/{quarter['a1']}.pdf")
    pages, text = pdf_text(data)
    assert len(pages) == 1 and "Page 1 of 1" in pages[0]
    assert "Audit " + str(quarter["a1"]) in text and "Worked example · version 1" in text
    assert "61.1%" in text and "Fail" in text  # (2 x 50 + 83.3) / 3, under the 80 % pass mark
    assert "Branch A (A-1)" in text and "Ana Employee" in text and "Visit" in text and "20 minutes" in text
    # each section with its score, each criterion with its answer and points
    assert re.search(r"Section A 2 1 / 2 50\.0%", text) and re.search(r"Section B 1 2\.5 / 3 83\.3%", text)
    assert re.search(r"Gave their name No 0 / 1", text) and re.search(r"Courtesy 4 / 5 1\.5 / 2", text)
    assert "Offer N/A" in text


def test_audit_pdf_in_spanish_with_critical_failure_and_comment(app, login_as, world, quarter):
    set_language(app, world, "hr", "es")
    data = get_pdf(login_as("hr"), f"/reports/audits/{quarter['a4']}.pdf")
    _pages, text = pdf_text(data)
    assert "Página 1 de 1" in text and "Auditoría" in text
    assert "0,0 %" in text and "Fallo crítico" in text and "la puntuación es 0" in text
    assert "Minutos de espera 8 min" in text
    data = get_pdf(login_as("hr"), f"/reports/audits/{quarter['a3']}.pdf")
    _pages, text = pdf_text(data)
    assert "66,7 %" in text and 'Rude at the till =HYPERLINK("http://evil.example")' in text
    english = pdf_text(get_pdf(login_as("hr"), f"/reports/audits/{quarter['a3']}.pdf?lang=en"))[1]
    assert "66.7%" in english and "Page 1 of 1" in english


def test_employee_pdf_figures_match_the_queries_and_the_audits(app, login_as, world, quarter):
    from extensions import db
    from reports import queries as q

    data = get_pdf(login_as("hr"), f"/reports/employees/{world['employee_a']}.pdf{Q1}")
    pages, text = pdf_text(data)
    with app.app_context():
        f = period_filters(employee_id=world["employee_a"])
        s = q.summary(f)
        from audits.models import Audit

        scores = [db.session.get(Audit, quarter[k]).score for k in ("a1", "a2", "a3", "a6")]
    assert s.audits == 4 and s.mean == pytest.approx(sum(scores) / 4)
    assert "Employee report: Ana Employee" in text
    assert "Period: Jan 1, 2025 to Mar 31, 2025" in text and "Audits counted: Approved audits only" in text
    assert re.search(r"Audits 4 Mean score 72\.2% Pass rate 25\.0% Critical failures 0", text)
    assert re.search(r"Section A 75\.0% 75\.0% 80\.0%", text)  # Ana, branch A, company
    assert re.search(r"Jan 25 2 80\.6% 50\.0%", text) and re.search(r"Feb 25 0 — —", text)
    assert "Courtesy" in text and "Rude at the till" in text and "Good visit overall" in text
    for n, page in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in page


def test_branch_pdf_in_spanish_ranks_employees_and_criteria(app, login_as, world, quarter):
    set_language(app, world, "manager_a", "es")
    data = get_pdf(login_as("manager_a"), f"/reports/branches/{world['branch_a']}.pdf{Q1}")
    pages, text = pdf_text(data)
    assert f"Página 1 de {len(pages)}" in pages[0] and f"Página {len(pages)} de {len(pages)}" in pages[-1]
    assert "Informe de sucursal: Branch A" in text and "Generado el" in text
    assert re.search(r"Auditorías 6 Puntuación media 64,8 % Tasa de aprobados 33,3 % Fallos críticos 1", text)
    assert re.search(r"1 Ana Employee 4 72,2 % 25,0 % 0 ▼ Empeora 2 Carla Employee 2 50,0 % 50,0 % 1 ▲ Mejora", text)
    assert re.search(r"Cortesía Sección B · Ejemplo 75,0 % 4 62,5 %", text)  # the weakest criterion first
    assert "Tiempo de espera 50,0 % 2 5,5 min" in text  # the Spanish decimal sign, never the English one
    assert "Bruno" not in text  # another branch's employee


def test_a_long_period_does_not_make_a_longer_pdf(app, login_as, world):
    """The length grows with employees and criteria, not with audits: 20 listed, the rest counted."""
    with app.app_context():
        from extensions import db

        version = factories.scorecard()
        start = datetime(2025, 1, 1, 9)
        for i in range(45):
            factories.audit(version, world["auditor"]["id"], world["branch_a"], employee_id=world["employee_a"],
                            started_at=start + timedelta(days=i * 2), comments={"b_yes": f"Comment number {i}"})
        db.session.commit()
    client = login_as("admin")
    short = pdf_text(get_pdf(client, f"/reports/employees/{world['employee_a']}.pdf?from=2025-01-01&to=2025-01-31"))
    long = pdf_text(get_pdf(client, f"/reports/employees/{world['employee_a']}.pdf?from=2025-01-01&to=2025-06-30"))
    assert "The latest 20 of 45 audits." in long[1]
    assert len(long[0]) <= len(short[0]) + 1  # six months instead of one: at most one more page
    assert "Comment number 44" in long[1] and "Comment number 5 " not in long[1]


HOSTILE = '<img src="file:///etc/passwd"> <link rel="stylesheet" href="http://evil.example/x.css"> http://evil.example/y.png'


def test_user_texts_are_escaped_and_never_fetched(app, login_as, world, fetched):
    asked = fetched
    with app.app_context():
        from extensions import db

        data = dict(factories.WORKED_EXAMPLE)
        data["sections"] = [dict(data["sections"][0], title={"en": HOSTILE, "es": HOSTILE})] + data["sections"][1:]
        version = factories.scorecard(data=data, slug="hostile")
        audit = factories.audit(version, world["auditor"]["id"], world["branch_a"], employee_id=world["employee_a"],
                                started_at=datetime(2025, 2, 2, 10), comments={"a_yes": HOSTILE}, notes=HOSTILE)
        db.session.commit()
        audit_id = audit.id
    client = login_as("admin")
    for url in (f"/reports/audits/{audit_id}.pdf", f"/reports/employees/{world['employee_a']}.pdf{Q1}",
                f"/reports/branches/{world['branch_a']}.pdf{Q1}"):
        _pages, text = pdf_text(get_pdf(client, url))
        assert '<img src="file:///etc/passwd">' in text  # shown as text, not taken as markup
    assert asked, "the stylesheet is read through the fetcher"
    assert all(u.startswith("file://") and "/static/" in u for u in asked), asked
    assert not any("passwd" in u or "evil" in u for u in asked)


def test_the_fetcher_serves_static_files_only(app):
    from pathlib import Path

    from reports.pdf import StaticFetcher

    root = Path(app.static_folder).resolve()
    fetcher = StaticFetcher(root)
    css = fetcher.fetch((root / "css" / "pdf.css").as_uri())
    assert b"@page" in css.read()
    for url in ("http://127.0.0.1/static/css/pdf.css", "https://evil.example/a.png", "file:///etc/passwd",
                (root / ".." / "app.py").as_uri(), root.as_uri() + "/../config.py", "data:text/css,body{}",
                "ftp://evil.example/x", "file://evil.example" + str(root / "css" / "pdf.css")):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 8


def test_a_failed_render_gives_an_error_page_not_a_broken_file(login_as, world, quarter, monkeypatch):
    import weasyprint

    def broken(self, *args, **kwargs):
        raise RuntimeError("cairo went away")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    response = login_as("admin").get(f"/reports/branches/{world['branch_a']}.pdf{Q1}")
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert b"%PDF" not in response.data and "The PDF could not be made" in response.get_data(True)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")
def test_each_pdf_renders_to_pictures(login_as, world, quarter, tmp_path):
    client = login_as("admin")
    for name, url in (("audit", f"/reports/audits/{quarter['a3']}.pdf"),
                      ("employee", f"/reports/employees/{world['employee_a']}.pdf{Q1}"),
                      ("branch", f"/reports/branches/{world['branch_a']}.pdf{Q1}")):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(get_pdf(client, url))
        subprocess.run(["pdftoppm", "-png", "-r", "30", str(path), str(tmp_path / name)], check=True)
        assert list(tmp_path.glob(f"{name}*.png"))
        info = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
        assert "DejaVu" in info and all(" yes " in line for line in info.splitlines()[2:])  # embedded


def test_audit_photos_are_embedded_from_the_upload_folder(app, login_as, world, quarter, fetched):
    from PIL import Image

    from reports import pdf

    asked = fetched
    with app.app_context():
        from audits.models import Photo
        from extensions import db

        folder = app.config["UPLOAD_FOLDER"]
        Image.new("RGB", (1600, 1200), (200, 40, 40)).save(f"{folder}/ph-one.jpg", "JPEG")
        Image.new("RGB", (800, 600), (40, 40, 200)).save(f"{folder}/ph-two.jpg", "JPEG")
        db.session.add_all([Photo(audit_id=quarter["a1"], criterion_key="a_yes", filename="ph-one.jpg"),
                            Photo(audit_id=quarter["a1"], criterion_key=None, filename="ph-two.jpg"),
                            Photo(audit_id=quarter["a1"], criterion_key=None, filename="gone.jpg")])
        db.session.commit()
    data = get_pdf(login_as("manager_a"), f"/reports/audits/{quarter['a1']}.pdf")
    images = [image for page in PdfReader(io.BytesIO(data)).pages for image in page.images]
    assert len(images) == 2  # the missing file is left out, not a broken picture
    assert max(image.image.size[0] for image in images) <= pdf.PHOTO_SIDE  # shrunk for the page
    assert len([u for u in asked if "veraz-photo" in u]) == 2
    assert "Photos" in pdf_text(data)[1]
