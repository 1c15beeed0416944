"""How the interface chooses its language, and locale-aware formatting of scores."""
import copy
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_decimal as babel_decimal
from flask import current_app, has_request_context, request, session
from flask_babel import format_decimal, get_locale, ngettext
from flask_login import current_user

# The interface's languages; a user's preference is one of them (accounts.models reads it here).
LANGUAGES = ("es", "en")


def select_locale():
    """The user's preference, else the session's switch, else the browser's, else Spanish."""
    if not has_request_context():  # CLI commands speak the configured default
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "es")
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    best = request.accept_languages.best_match(LANGUAGES)
    if best:
        return best
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "es")


def select_timezone():
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC")


def lang() -> str:
    return str(get_locale() or "es")


# A report page shows hundreds of scores, and Babel applies a number pattern in ~0.1 ms (a copy of
# the pattern, a Decimal quantize): the texts are kept per (language, rounded value), which on a
# page of percentages from 0.0 to 100.0 are a few hundred distinct ones. Rounding first keeps the
# cache small and is what the formats do anyway.
@lru_cache(maxsize=16384)
def _formatted(locale_id: str, value, pattern: str) -> str:
    return babel_decimal(value, format=pattern, locale=locale_id)


@lru_cache(maxsize=16384)
def _percent(locale_id: str, value, digits: int) -> str:
    locale = Locale.parse(locale_id)
    # The language's own percent pattern (where the sign goes, with or without a space), with
    # exactly ``digits`` decimals; rounded first as ``decimal`` rounds, so both show the same digits.
    pattern = copy.copy(locale.percent_formats[None])
    pattern.frac_prec = (digits, digits)
    return pattern.apply(Decimal(str(value)) / 100, locale)


def number(value, digits: int = 3) -> str:
    """A number for reading, without needless zeros: 1.234,5 in Spanish, 1,234.5 in English."""
    if value is None:
        return "—"
    return _formatted(lang(), round(value, digits), "#,##0." + "#" * digits)


def typed_number(value) -> str:
    """A number as it goes back into a form field: the language's decimal sign, no grouping, so
    that what the field shows reads back unchanged (fields accept either sign)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return format_decimal(value, format="0.##########")


def decimal(value, digits: int = 1) -> str:
    """3,8 in Spanish, 3.8 in English, with that many decimals; an em dash where there is none."""
    if value is None:
        return "—"
    return _formatted(lang(), round(value, digits), "#,##0." + "0" * digits)


def percent(value, digits: int = 1) -> str:
    """61,1 % in Spanish, 61.1% in English; an em dash where there is no score."""
    if value is None:
        return "—"
    return _percent(lang(), round(value, digits), digits)


def duration(minutes: int | None) -> str:
    """"3 minutos" / "3 minutes" (from ``core.timeutil.minutes_between``); an em dash for none."""
    if minutes is None:
        return "—"
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)
