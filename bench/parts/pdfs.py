"""PDFs: audit, employee and branch reports, against WeasyPrint rendering a plain document with
the same number of pages."""
from __future__ import annotations

import time

from bench.parts.common import bench_app, clear_report_cache, find_subjects, log_in, median, timed


def pdf_pages(data: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(data)).pages)


ENDPOINTS_PDF = {"audit": "reports.audit_pdf", "employee": "reports.employee_pdf", "branch": "reports.branch_pdf"}


def render_report(app, kind: str, subjects: dict):
    """One PDF from reports/pdf.py as the download route makes it; returns its bytes."""
    from flask import url_for

    endpoint = ENDPOINTS_PDF[kind]
    args = {"audit": {"audit_id": subjects["audit_id"]},
            "employee": {"employee_id": subjects["employee_id"]},
            "branch": {"branch_id": subjects["branch_id"]}}[kind]
    if endpoint not in app.view_functions:
        return None
    with app.test_request_context():
        path = url_for(endpoint, **args)
    since, today = subjects["since"].date(), subjects["today"].date()
    sep = "&" if "?" in path else "?"
    if kind != "audit":
        path += f"{sep}from={since.isoformat()}&to={today.isoformat()}"
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    log_in(client, subjects["admin"])
    response = client.get(path)
    if response.status_code != 200 or not response.get_data().startswith(b"%PDF"):
        raise RuntimeError(f"{path}: HTTP {response.status_code} {response.mimetype}")
    return response.get_data()


def job_pdf(job: dict) -> dict:
    app = bench_app()
    subjects = find_subjects(app)
    kind = job["kind"]
    if ENDPOINTS_PDF[kind] not in app.view_functions:
        return {"kind": kind, "missing": True}
    t = time.perf_counter()
    render_report(app, kind, subjects)
    first = time.perf_counter() - t  # a fresh process: fonts, templates and the first queries are cold

    def render():
        clear_report_cache()  # every figure computed again, as after new audits
        return render_report(app, kind, subjects)

    times, data = timed(render, job["repeat"], warmup=0)
    return {"kind": kind, "first_s": round(first, 3), "seconds": [round(t, 3) for t in times],
            "median_s": round(median(times), 3), "pages": pdf_pages(data), "bytes": len(data)}


PLAIN_PAGE = """<section><h1>Página {n}</h1>{paras}</section>"""
PLAIN_CSS = """@page { size: A4; margin: 2cm; @bottom-center { content: counter(page); font-family: DejaVu Sans; } }
body { font-family: DejaVu Sans, sans-serif; font-size: 10pt; } section { break-after: page; }"""


def job_plain_pdf(job: dict) -> dict:
    """The floor: WeasyPrint alone, a plain document of the same number of pages."""
    from weasyprint import HTML

    pages = max(1, int(job["pages"]))
    para = "<p>" + "Texto de relleno para una página de informe con cifras 12,5 % y nombres. " * 6 + "</p>"
    html = f"<html><head><style>{PLAIN_CSS}</style></head><body>" + "".join(
        PLAIN_PAGE.format(n=n + 1, paras=para * 4) for n in range(pages)) + "</body></html>"

    def render():
        return HTML(string=html).write_pdf()

    times, data = timed(render, job["repeat"], warmup=job.get("warmup", 1))
    return {"seconds": [round(t, 3) for t in times], "median_s": round(median(times), 3), "pages": pdf_pages(data)}
