"""A deployment that skipped compiling the translations still speaks Spanish, or refuses to start
saying which command to run."""
import os
import shutil

import pytest

from core import catalogues

TRANSLATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "translations")


@pytest.fixture
def uncompiled(tmp_path):
    """A copy of the translations as a fresh clone has them: catalogues, no .mo files."""
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy, ignore=shutil.ignore_patterns("*.mo"))
    assert not list(copy.rglob("*.mo"))
    return copy


def spanish_login_page(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    return client.get("/login").text


def test_the_app_compiles_missing_translations_at_start_up_and_serves_spanish(make_app, uncompiled):
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(uncompiled))
    assert (uncompiled / "es" / "LC_MESSAGES" / "messages.mo").exists()
    page = spanish_login_page(app)
    assert 'lang="es"' in page and "Iniciar sesión" in page


def test_a_catalogue_edited_after_compiling_is_compiled_again(make_app, uncompiled):
    make_app(BABEL_TRANSLATION_DIRECTORIES=str(uncompiled))
    po = uncompiled / "es" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    os.utime(mo, (1_000_000, 1_000_000))  # compiled long before the catalogue last changed
    assert catalogues.stale_catalogues(str(uncompiled)) == [po]
    make_app(BABEL_TRANSLATION_DIRECTORIES=str(uncompiled))
    assert mo.stat().st_mtime >= po.stat().st_mtime and catalogues.stale_catalogues(str(uncompiled)) == []


def test_up_to_date_catalogues_are_left_alone(uncompiled):
    catalogues.ensure_compiled(str(uncompiled))
    assert catalogues.ensure_compiled(str(uncompiled)) == []


def test_the_app_refuses_to_start_naming_the_command_when_it_cannot_compile(make_app, uncompiled, monkeypatch):
    def read_only(*_args, **_kwargs):
        raise PermissionError("Permission denied")

    monkeypatch.setattr(catalogues, "write_mo", read_only)  # as on a read-only file system
    with pytest.raises(catalogues.TranslationsProblem) as refused:
        make_app(BABEL_TRANSLATION_DIRECTORIES=str(uncompiled))
    assert f"pybabel compile -d {uncompiled}" in str(refused.value) and "Permission denied" in str(refused.value)
