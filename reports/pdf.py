"""PDF reports with WeasyPrint: one audit, an employee over a period, a branch over a period.

The figures come from reports/context.py, the same dicts the web pages render, so a PDF and its
page always agree. WeasyPrint fetches nothing on its own: ``StaticFetcher`` serves only files under
the app's static folder, read from disk (and the audit's own photos, handed over as bytes); every
other URL (http, https, file:// elsewhere, data:) is refused, so a text typed by a user can never
make the server fetch anything (and such texts are escaped by Jinja anyway).

A4, DejaVu Sans (embedded, subset), page numbers "Página 2 de 5" / "Page 2 of 5" in the @page
margin boxes, the period and filters and when it was made on the first page, in the reader's
language. A branch or employee report lists at most the latest N audits and comments, so its
length grows with its employees and criteria, not with its audits.
"""
from __future__ import annotations

import io
import logging
import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import Response, current_app, render_template
from flask_babel import force_locale, format_datetime, get_timezone
from flask_babel import gettext as _
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from core.models import get_setting
from core.timeutil import utcnow
from reports import context, signals
from reports import queries as q
from reports.exports import attachment

log = logging.getLogger(__name__)

PHOTO_SIDE = 640  # pixels: enough for A4 at the size photos are printed, and quick to embed
MAX_PHOTOS = 24
PDF_AUDITS = 20  # audits listed in a branch or employee PDF (the latest)


class PdfError(RuntimeError):
    """The PDF could not be made; the routes turn it into an error page, never a broken file."""


class StaticFetcher(URLFetcher):
    """Serves files under ``root`` from disk, and ``files`` (URL -> bytes); refuses the rest.

    ``asked`` lists every URL WeasyPrint asked for and ``refused`` those it did not get (tests)."""

    def __init__(self, root, files: dict | None = None):
        super().__init__(timeout=1, allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)
        self.root = Path(root).resolve()
        self.files = dict(files or {})
        self.asked: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        if url in self.files:
            data, mime = self.files[url]
            return URLFetcherResponse(url, data, {"Content-Type": mime})
        parts = urlsplit(url)
        if parts.scheme == "file" and parts.netloc in ("", "localhost") and not parts.query:
            path = Path(url2pathname(parts.path)).resolve()
            if path.is_relative_to(self.root) and path.is_file():
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})
        self.refused.append(url)
        raise ValueError(f"Veraz PDFs fetch only the app's static files, not {url[:200]}")


def download(make, name: str) -> Response:
    """A PDF download (web and API); ``make`` raises PdfError, which each caller's error handler
    turns into an error page or an API error, never a broken file."""
    signals.pdf_downloaded.send(None, details={"file": name})
    return attachment(Response(make(), mimetype="application/pdf"), name)


def period_name(kind: str, code: str, f: q.Filters) -> str:
    """employee-E01-2025-01-01-2025-03-31.pdf: whose report and which period."""
    period = "-".join(d.isoformat() for d in (f.date_from, f.date_to) if d) or "all"
    return f"{kind}-{code}-{period}.pdf"


def css_string(text: str) -> Markup:
    """A CSS string literal (for the page-number margin boxes)."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ").replace("<", "\\3c ")
    return Markup(f'"{escaped}"')  # noqa: S704  # nosec B704


def page_label() -> Markup:
    """'"Página " counter(page) " de " counter(pages)' in the current language."""
    text = _("Page %(page)s of %(pages)s", page="\x00page\x00", pages="\x00pages\x00")
    parts = []
    for i, piece in enumerate(text.split("\x00")):
        if i % 2:
            parts.append(f"counter({'pages' if piece == 'pages' else 'page'})")
        elif piece:
            parts.append(css_string(piece))
    return Markup(" ".join(parts))  # noqa: S704  # nosec B704


def _made() -> str:
    zone = get_timezone()
    return _("Made on %(when)s (%(zone)s)", when=format_datetime(utcnow(), "medium"), zone=str(zone))


def render(template: str, lang: str, title: str, files: dict | None = None, **values) -> bytes:
    """Render a PDF template (inside ``force_locale``) to bytes, fetching only static files."""
    fetcher = StaticFetcher(current_app.static_folder, files)
    html = render_template(template, title=title, lang=lang, page_label=page_label(), made=_made(),
                           company=get_setting("company_name"), **values)
    try:
        document = HTML(string=html, base_url=Path(current_app.static_folder).resolve().as_uri() + "/",
                        url_fetcher=fetcher)
        data = document.write_pdf()
    except Exception as exc:  # WeasyPrint raises many kinds; the caller shows one clear error
        log.exception("PDF rendering failed for %s", template)
        raise PdfError(str(exc)) from exc
    if fetcher.refused:
        log.warning("PDF %s: refused to fetch %s", template, fetcher.refused[:5])
    return data


def _language(lang: str | None) -> str:
    return lang if lang in ("es", "en") else current_app.config.get("BABEL_DEFAULT_LOCALE", "es")


def _thumbnail(path) -> bytes | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.draft("RGB", (PHOTO_SIDE, PHOTO_SIDE))
            image = image.convert("RGB")
            image.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=75, optimize=True)
            return out.getvalue()
    except (OSError, UnidentifiedImageError, ValueError):
        log.warning("photo %s could not be read for a PDF", path)
        return None


def _photo_files(photos) -> tuple[dict, dict]:
    """URL -> (bytes, mime) for the fetcher, and photo id -> URL for the template."""
    from core.storage import StorageError, storage

    store = storage()
    files, urls = {}, {}
    for photo in list(photos)[:MAX_PHOTOS]:
        try:  # from the disk or the bucket (core/storage.py); a missing one is left out
            stored = store.get(photo.filename)
        except (FileNotFoundError, StorageError):
            continue
        data = _thumbnail(io.BytesIO(stored))
        if data is not None:
            url = f"file:///veraz-photo/{photo.id}.jpg"
            files[url] = (data, "image/jpeg")
            urls[photo.id] = url
    return files, urls


def audit_pdf(audit, lang: str | None = None, anonymous: bool = False) -> bytes:
    """One audit: branch, employee, channel, auditor, date and duration, the score with pass or fail
    and any critical failure, each section and criterion with answer and comment, photos, version."""
    lang = _language(lang)
    with force_locale(lang):
        data = context.audit_report(audit, anonymous=anonymous)
        files, photo_urls = _photo_files(audit.photos)
        title = _("Audit %(number)d", number=audit.id)
        return render("reports/pdf/audit.html", lang, title, files=files, data=data, photo_urls=photo_urls,
                      channel_labels=context.CHANNEL_LABELS, status_labels=context.AUDIT_STATUS_LABELS)


def employee_pdf(employee, filters: q.Filters, lang: str | None = None, anonymous: bool = False) -> bytes:
    """An employee over a period (docs/reports.md, "The PDFs")."""
    lang = _language(lang)
    with force_locale(lang):
        data = context.employee_report(employee, filters, color=get_setting("brand_color"), audits=PDF_AUDITS,
                                       anonymous=anonymous)
        title = _("Employee report: %(name)s", name=employee.name)
        return render("reports/pdf/employee.html", lang, title, data=data,
                      status_labels=context.AUDIT_STATUS_LABELS)


def branch_pdf(branch, filters: q.Filters, lang: str | None = None) -> bytes:
    """A branch over a period (docs/reports.md, "The PDFs"): the employee report's contents for the
    branch, its employees ranked and its criteria by failure rate."""
    lang = _language(lang)
    with force_locale(lang):
        data = context.branch_report(branch, filters, color=get_setting("brand_color"), audits=PDF_AUDITS)
        title = _("Branch report: %(name)s", name=branch.name)
        return render("reports/pdf/branch.html", lang, title, data=data, status_labels=context.AUDIT_STATUS_LABELS)
