"""The QR poster of a survey link: A4, the branch's name, a short invitation in the link's (the
branch's) language and a QR code made by segno (a maintained QR encoder, as SVG, so it prints
sharp at any size), drawn by WeasyPrint through reports/pdf.py's fetcher (nothing from outside)."""
import segno
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from reports import pdf


def survey_url(link) -> str:
    """The absolute URL of a link's page, as the QR code and the API give it."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/s/{link.token}"


def qr_svg(url: str) -> Markup:
    """segno's SVG, inline (WeasyPrint's fetcher takes no data: URLs); error correction M."""
    svg = segno.make(url, error="m", micro=False).svg_inline(scale=8, border=4, dark="#000", light="#fff",
                                                             omitsize=True)
    return Markup(svg)  # noqa: S704  # nosec B704  (segno's own markup of a URL we made)


def poster_pdf(link) -> bytes:
    lang = link.language if link.language in ("es", "en") else "es"
    url = survey_url(link)
    with force_locale(lang):
        title = _("Tell us how we did")
        return pdf.render("surveys/poster.html", lang, title, link=link, url=url, qr=qr_svg(url),
                          branch=link.branch, employee=link.employee)
