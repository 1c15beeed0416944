"""The recognition certificate: one A4 page in the reader's language (or ``lang``), made by the
reports' PDF renderer (reports/pdf.py: only the app's static files are fetched)."""
from flask_babel import force_locale
from flask_babel import gettext as _

from reports.pdf import _language, render


def certificate(employee, kind: str, row, data: dict, lang: str | None = None) -> bytes:
    """``kind`` "top" or "most_improved"; ``row`` the employee's Recognised figures; ``data`` the
    period's recognition (coaching/recognition.py)."""
    lang = _language(lang)
    with force_locale(lang):
        title = _("Certificate of recognition")
        return render("coaching/certificate.html", lang, title, employee=employee, kind=kind, row=row, data=data)
