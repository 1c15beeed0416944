"""A closed calibration session as a PDF, with the reports' WeasyPrint set-up (reports/pdf.py:
A4, page numbers, only the app's own static files fetched, every typed text escaped)."""
from flask_babel import force_locale
from flask_babel import gettext as _

from calibration.display import answer_text, criterion_text
from reports.pdf import _language, render


def session_pdf(result: dict, lang: str | None = None) -> bytes:
    """The session's facts, each participant's score and deviation, and per criterion the agreement
    and everyone's answer, least agreement first (calibration/services.results)."""
    lang = _language(lang)
    with force_locale(lang):
        session = result["session"]
        title = _("Calibration: %(title)s", title=session.title)
        return render("calibration/pdf.html", lang, title, data={"described": []}, result=result,
                      session=session, criterion_text=criterion_text, answer_text=answer_text)
