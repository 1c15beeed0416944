"""Compiled translations at start-up.

The ``.mo`` files are build products (gitignored, made by ``scripts/bootstrap.sh``). Without them
Flask-Babel silently falls back to English under ``<html lang="es">``, so a deployment that skipped
the bootstrap step would look fine and speak the wrong language. The factory therefore compiles any
catalogue whose ``.mo`` is missing or older than its ``.po``, and refuses to start, naming the
command, when it cannot write it.
"""
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


class TranslationsProblem(RuntimeError):
    """The catalogues cannot be compiled where the app reads them."""


def stale_catalogues(directories: str) -> list[Path]:
    """The ``.po`` files (under ``<lang>/LC_MESSAGES/``) whose ``.mo`` is missing or older."""
    stale = []
    for directory in filter(None, directories.split(";")):  # Flask-Babel's separator
        for po in sorted(Path(directory).glob("*/LC_MESSAGES/*.po")):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                stale.append(po)
    return stale


def compile_catalogue(po: Path) -> Path:
    """Compile one catalogue as ``pybabel compile`` does (fuzzy entries left out)."""
    mo = po.with_suffix(".mo")
    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name)
    # Written beside and renamed, so that gunicorn workers starting together never read half a file.
    fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=mo.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.replace(tmp, mo)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return mo


def ensure_compiled(directories: str) -> list[Path]:
    """Compile what is stale; returns the ``.mo`` files written. Raises ``TranslationsProblem``."""
    written = []
    for po in stale_catalogues(directories):
        try:
            written.append(compile_catalogue(po))
        except OSError as exc:
            directory = po.parent.parent.parent
            raise TranslationsProblem(
                f"The translations in {directory} are not compiled and cannot be compiled here ({exc}). "
                f"Run: pybabel compile -d {directory}  (scripts/bootstrap.sh does it)") from None
    return written
