"""The questions' wording in each language: the admin's text where set, else the default below
(translated like every other string)."""
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from core.i18n import LANGUAGES
from surveys.models import survey_settings

DEFAULTS = {
    "nps": _l("How likely are you to recommend us to a friend or colleague?"),
    "csat": _l("How satisfied were you?"),
    "resolved": _l("Was your query resolved?"),
    "wait": _l("How long did you wait?"),
    "comment": _l("Anything you would like to tell us?"),
}


def defaults(lang: str) -> dict:
    with force_locale(lang):
        return {key: str(text) for key, text in DEFAULTS.items()}


def questions(lang: str) -> dict:
    """{question key: text} in ``lang``."""
    own = (survey_settings().wording or {}).get(lang if lang in LANGUAGES else "es") or {}
    return {key: own.get(key) or text for key, text in defaults(lang).items()}
