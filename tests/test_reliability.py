"""Faults, backups and the protections around every page (issue 7)."""
import sqlite3
import subprocess

import pytest
from sqlalchemy.exc import OperationalError

from app import create_app
from audits.models import Audit
from branches.models import Branch
from extensions import db
from tests import factories
from tests.conftest import PG_URL


def _seed_audits(app, world, n=3):
    with app.app_context():
        version = factories.scorecard()
        for _ in range(n):
            factories.audit(version, world["auditor"]["id"], world["branch_a"])
        db.session.commit()


def test_backup_copies_every_audit_and_restores(app, runner, world, tmp_path):
    _seed_audits(app, world, n=4)
    target = tmp_path / "backup.dump"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.exists() and target.stat().st_size > 0
    if PG_URL:
        restored = "veraz_restore_check"
        base = app.config["SQLALCHEMY_DATABASE_URI"].rsplit("/", 1)[0]
        plain = base.replace("postgresql+psycopg", "postgresql")
        subprocess.run(["psql", f"{plain}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{restored}"'], check=True)
        subprocess.run(["psql", f"{plain}/postgres", "-qc", f'CREATE DATABASE "{restored}"'], check=True)
        subprocess.run(["pg_restore", "--no-owner", "-d", f"{plain}/{restored}", str(target)], check=True)
        count = subprocess.run(["psql", f"{plain}/{restored}", "-tAc", "SELECT count(*) FROM audit"],
                               check=True, capture_output=True, text=True).stdout.strip()
        assert int(count) == 4
    else:
        with sqlite3.connect(target) as conn:
            assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] == 4
        restored_app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}",
                                   "UPLOAD_FOLDER": str(tmp_path / "u")})
        with restored_app.app_context():
            assert db.session.scalar(db.select(db.func.count(Audit.id))) == 4
            db.engine.dispose()


def test_server_refuses_to_start_on_a_schema_behind_the_migrations(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(SystemExit) as info:
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{empty}",
                    "UPLOAD_FOLDER": str(tmp_path / "u")})
    assert "behind the code" in str(info.value) and "db upgrade" in str(info.value)


def test_server_refuses_to_start_on_an_unreachable_database(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    with pytest.raises(SystemExit) as info:
        create_app({"SECRET_KEY": "x", "UPLOAD_FOLDER": str(tmp_path / "u"),
                    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"})
    assert "cannot reach its database" in str(info.value)


def test_health_check_reports_ok(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_database_going_away_mid_request_gives_a_clear_page_and_rolls_back(app, client, login_as, world,
                                                                            monkeypatch):
    login_as("admin")
    real_flush = db.session.flush

    def failing_flush(*args, **kwargs):
        real_flush(*args, **kwargs)  # the row reaches the database inside the transaction...
        raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(db.session, "flush", failing_flush, raising=False)
    response = client.post("/branches/new", data={"code": "GONE-1", "name": "Lost", "active": "y"})
    monkeypatch.undo()
    assert response.status_code == 503
    assert b"cannot be reached" in response.data and b"Traceback" not in response.data
    with app.app_context():  # ...and is rolled back with it
        assert db.session.scalar(db.select(Branch).where(Branch.code == "GONE-1")) is None


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_lax_and_secure_over_https(make_app, world):
    for secure in (False, True):
        app = make_app(SESSION_COOKIE_SECURE=secure)
        client = app.test_client()
        response = client.post("/login", data={"email": "hr@test.example", "password": factories.PASSWORD},
                               base_url="https://veraz.test" if secure else "http://localhost")
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure


def test_unknown_page_and_wrong_method_are_clear_4xx(client):
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/logout").status_code == 405
