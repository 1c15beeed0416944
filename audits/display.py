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


def audit_sections(audit) -> list[dict]:
    """Each section of an audit with its stored score and a row per criterion (answer as read,
    comment, points, photos): what the audit page and the audit PDF both show."""
    answers = audit.answers_by_key()
    stored = {s.section_key: s for s in audit.section_scores}
    photos_by_key = {}
    for item in audit.photos:
        photos_by_key.setdefault(item.criterion_key, []).append(item)
    sections = []
    for section in audit.version.sections:
        rows = []
        for c in section.criteria:
            answer = answers.get(c.key)
            rows.append({"criterion": c, "text": pick(c.text, lang()),
                         "value": display_value(c, answer.value if answer else None),
                         "comment": answer.comment if answer else "",
                         "fraction": answer.fraction if answer else None,
                         "earned": answer.earned if answer else None,
                         "possible": answer.possible if answer else None,
                         "failed_critical": bool(c.critical and answer is not None and answer.fraction == 0),
                         "photos": photos_by_key.get(c.key, [])})
        score = stored.get(section.key)  # none before the audit was first scored
        sections.append({"section": section, "title": pick(section.title, lang()), "rows": rows,
                         "stored": score is not None, "score": score.score if score else None,
                         "earned": score.earned if score else None,
                         "possible": score.possible if score else None})
    return sections


def loose_photos(audit) -> list:
    """Photos of the whole audit rather than of one of its criteria."""
    keys = {c.key for c in audit.version.criteria}
    return [p for p in audit.photos if p.criterion_key not in keys]
