"""Both catalogues hold every string the code and templates use."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_string_is_left_untranslated(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import i18n

    pot = tmp_path / "messages.pot"
    subprocess.run([str(ROOT / ".venv/bin/pybabel"), "extract", "-F", "babel.cfg", "-k", "_l", "-k",
                    "lazy_gettext", "-o", str(pot), "--no-location", "--omit-header",
                    "--ignore-dirs=.venv bench tests", "."], check=True, cwd=ROOT, capture_output=True)
    i18n.POT = pot
    for lang in ("es", "en"):
        assert i18n.missing(lang) == [], f"untranslated in {lang}: run `make translations` " \
                                         f"and add them to translations/source/es-*.json"


def test_every_plural_message_reads_in_spanish_for_any_number(app):
    """A plural form missing from the compiled Spanish catalogue makes gettext answer in English
    ("Duración 3 minutes" in a Spanish PDF): every plural message is rendered for several numbers."""
    from babel.messages.pofile import read_po
    from flask_babel import force_locale, ngettext

    with open(ROOT / "translations/es/LC_MESSAGES/messages.po", "rb") as handle:
        plurals = [m.id for m in read_po(handle) if isinstance(m.id, tuple)]
    assert plurals
    english = []
    with app.test_request_context(), force_locale("es"):
        for singular, plural in plurals:
            for number in (1, 2, 5, 1_000_000):
                said = ngettext(singular, plural, number)
                if said in (singular % {"num": number}, plural % {"num": number}):
                    english.append(f"{plural} ({number}): {said}")
    assert english == []
