"""Texts that exist in several languages, as stored in scorecards: a string or {lang: string}."""


def pick(value, lang: str | None) -> str:
    """The reader's language, else the first language given (the scorecard format's rule)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if lang and value.get(lang):
        return value[lang]
    for text in value.values():
        if text:
            return text
    return ""
