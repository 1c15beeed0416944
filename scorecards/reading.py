"""A scorecard file's text: read strictly as JSON (a key twice in one object, NaN or Infinity are
refused, which Python's json module would let through), written canonically, and the error that
lists every problem of a file (scorecards/formats.py checks the rules of the format).
"""
from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l


class Problem:
    """One broken rule: where (a path into the file) and what (a translatable message)."""

    def __init__(self, path: str, message):
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else str(self.message)

    def __repr__(self) -> str:
        return f"Problem({str(self)!r})"


class ScorecardFileError(ValueError):
    """A scorecard file that breaks the format; ``problems`` lists every broken rule."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))

    @property
    def messages(self) -> list[str]:
        return [str(p) for p in self.problems]


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


class _DuplicateKey(ValueError):
    def __init__(self, key):
        super().__init__(key)
        self.key = key


def _refuse_constant(name):
    raise ValueError(name)


def decode(raw) -> object:
    """JSON bytes or text to Python; a dict (or list) passes through. Raises ScorecardFileError."""
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = bytes(raw).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ScorecardFileError([Problem("", _l("the file is not UTF-8 text"))]) from None
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except _DuplicateKey as exc:
        raise ScorecardFileError([Problem("", _l("the key %(key)s appears twice in one object",
                                                 key=json.dumps(exc.key)))]) from None
    except json.JSONDecodeError as exc:
        raise ScorecardFileError([Problem("", _l("not valid JSON: %(error)s (line %(line)d, column %(column)d)",
                                              error=exc.msg, line=exc.lineno, column=exc.colno))]) from None
    except (ValueError, RecursionError):
        raise ScorecardFileError([Problem("", _l("not valid JSON: NaN and Infinity are not numbers"))]) from None


def dumps(data: dict) -> str:
    """The canonical text of a scorecard file: UTF-8, indented, keys in the format's order."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
