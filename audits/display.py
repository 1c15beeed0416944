"""Answers as people read and type them, in the reader's language (no HTTP here).

One place for the audit page, the fill page and the reports, so that "3,8 min" in Spanish and
"3.8 min" in English are the same everywhere (issue 9: numbers follow the language)."""
from flask_babel import gettext as _

from core.i18n import lang, number, typed_number
from core.texts import pick


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def field_text(value) -> str:
    """A stored answer as it goes back into a form field. Numbers get the language's decimal sign
    and no grouping, so what the field shows reads back through coerce_value unchanged."""
    if value is None:
        return ""
    return typed_number(value) if _is_number(value) else str(value)


def display_value(criterion, value) -> str:
    """An answer as the reader reads it: Yes, No, N/A, 4 / 5, an option's label, 8 min, a text."""
    if value is None or value == "":
        return "—"
    if value == "na":
        return _("N/A")
    settings = criterion.settings or {}
    if criterion.type == "yes_no":
        return _("Yes") if value == "yes" else _("No") if value == "no" else str(value)
    if criterion.type == "choice":
        for option in settings.get("options", []):
            if option.get("key") == value:
                return pick(option.get("label") or option["key"], lang())
        return str(value)
    if criterion.type == "scale":
        return f"{value} / {settings.get('max', 5)}"
    if criterion.type == "number" and _is_number(value):
        return f"{number(value)} {settings.get('unit') or ''}".strip()
    return str(value)
