"""How calibration figures read on the pages and in the PDF: criterion texts, answers, and the
reason a statistic is missing, in the reader's language."""
from flask_babel import lazy_gettext as _l

from audits.display import display_value
from core.i18n import lang
from core.texts import pick

REASON_TEXTS = {
    "no_ratings": _l("Nobody answered."),
    "no_pairs": _l("No session has two answers to compare."),
    "one_value": _l("Every answer is the same, so agreement beyond chance cannot be measured."),
    "no_expert": _l("No expert answered: nothing to compare with."),
}
LEVEL_TEXTS = {"nominal": _l("nominal"), "ordinal": _l("ordinal"), "interval": _l("interval")}


def criterion_text(criterion) -> str:
    return pick(criterion.text, lang())


def answer_text(criterion, value) -> str:
    return display_value(criterion, value)


def reason_text(code) -> str:
    return str(REASON_TEXTS.get(code, "")) if code else ""
