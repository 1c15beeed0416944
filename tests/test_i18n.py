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
