"""The registry of the personal-data document's sections (security/personal_data.py makes the
document and erases a person). It sits in core so that every package that keeps something about a
person (actions, coaching, surveys...) registers its own section without importing the security
package above it.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Section:
    name: str
    collect: Callable
    erase: Callable | None = None


SECTIONS: dict[str, Section] = {}


def register_section(name: str, collect: Callable, erase: Callable | None = None) -> None:
    """Add (or replace: every test app registers again) a section of the document."""
    SECTIONS[name] = Section(name, collect, erase)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value is not None else None
