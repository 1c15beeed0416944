"""Keep the Spanish and English catalogues complete.

    python scripts/i18n.py update            extract strings, update both catalogues, English = source,
                                             Spanish from translations/source/es-*.json
    python scripts/i18n.py missing           list what the Spanish catalogue still lacks (exit 1 if any)

English is the source language, so its catalogue is filled with the msgids themselves; the test
suite fails when either catalogue lacks a string that the code or templates use.
"""
import json
import subprocess  # nosec B404: runs pybabel with fixed arguments
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
LANGS = ("es", "en")


def po_path(lang):
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def pybabel(*args):
    # Fixed arguments from this script, not user input.
    subprocess.run([str(ROOT / ".venv/bin/pybabel"), *args], check=True, cwd=ROOT, capture_output=True)  # noqa: S603  # nosec B603


def extract():
    pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(POT),
            "--no-location", "--omit-header", "--sort-output", "--ignore-dirs=.venv bench tests", ".")


def load(path):
    with open(path, "rb") as handle:
        return read_po(handle)


def save(catalog, path):
    catalog.fuzzy = False
    with open(path, "wb") as handle:
        write_po(handle, catalog, no_location=True, sort_output=True, width=100)


def update():
    extract()
    template = load(POT)
    for lang in LANGS:
        path = po_path(lang)
        if path.exists():
            catalog = load(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        save(catalog, path)
    english = load(po_path("en"))
    for message in english:
        if message.id:
            message.string = message.id
    save(english, po_path("en"))
    for source in sorted((TRANSLATIONS / "source").glob("es-*.json")):
        merge(source)


def merge(file):
    spanish = load(po_path("es"))
    spanish.locale = "es"  # the catalogue then knows (and writes) Spanish's three plural forms
    table = json.loads(Path(file).read_text(encoding="utf-8"))
    for message in spanish:
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in table:
            value = table[key]
            plural = isinstance(message.id, tuple)
            message.string = plural_forms(value, get_plural("es").num_plurals) if plural else value
            message.flags.discard("fuzzy")
    save(spanish, po_path("es"))


def plural_forms(value, count: int) -> tuple:
    """All ``count`` plural forms of a translation: Babel gives Spanish three (one, many, other;
    "many" is for exact millions), and ``pybabel compile`` picks the form by that rule. A source
    file that lists two (one, other) means "other" for "many" too. A form left empty would make
    gettext answer in English."""
    forms = [value] if isinstance(value, str) else list(value)
    return tuple(forms + [forms[-1]] * (count - len(forms)))


def missing(lang="es"):
    catalog = load(po_path(lang))
    pot = load(POT)
    have = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    lacking = []
    for message in pot:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        found = have.get(key)
        strings = found.string if found is not None else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if found is None or not all(strings) or "fuzzy" in found.flags or (
                isinstance(message.id, tuple) and len(strings) < get_plural(lang).num_plurals):
            lacking.append(key)
    return lacking


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "update"
    if command == "update":
        update()
        print("\n".join(missing()) or "Spanish catalogue complete")
    elif command == "missing":
        lacking = missing()
        print("\n".join(lacking))
        sys.exit(1 if lacking else 0)
