"""Fixtures in the flaskr style: app, client, runner, users of each role, a login helper.

The schema is built by the real migrations once per run (on SQLite a template file that each
test copies; on PostgreSQL one database per xdist worker, emptied between tests), so tests use
exactly the schema production uses.
"""
import os
import shutil

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

import accounts.models
from app import create_app
from extensions import db
from tests import factories
from tests.support import api as api_support
from tests.support import quarter as quarter_support
from tests.support import walk

PG_URL = os.environ.get("TEST_DATABASE_URL", "")

# Production hashes are costly on purpose; tests make hundreds of users, so they use the same
# algorithm (Argon2id) at the smallest cost. Verification reads the cost from each hash.
accounts.models._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """Migrate an empty database once; returns its URL (SQLite: the template file's)."""
    if PG_URL:
        name = f"veraz_test_{_worker()}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("template") / "template.db")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


def _empty_postgres():
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def fresh_database(database_url, tmp_path):
    """A URL of an empty, migrated database for this test."""
    if PG_URL:
        return database_url
    path = tmp_path / "veraz.db"
    shutil.copyfile(database_url.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def make_app(fresh_database, tmp_path):
    """make_app(RATELIMIT_ENABLED=True) for a test that needs other settings."""
    made = []

    def _make(**overrides):
        config = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": fresh_database,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "STORAGE_URL": None,  # the upload folder above, whatever this machine's environment says
        }
        config.update(overrides)
        app = create_app(config)
        if PG_URL and not made:
            with app.app_context():
                _empty_postgres()
        with app.app_context():
            # A new installation requires a second factor of admins and HR; the tests log them in
            # with a password, so it is off here, and tests/test_second_factor.py switches it on.
            from core.models import set_setting

            set_setting("require_2fa_for", [])
            db.session.commit()
        made.append(app)
        return app

    yield _make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    """A browser that prefers English, so assertions read in the source language."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app):
    """A small company: two branches with a manager each, an employee per branch, a user per role."""
    with app.app_context():
        w = factories.world()
        db.session.commit()
        return w


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email, password=factories.PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def login_as(client, world):
    """login_as("manager_a") logs the client in as that user of the world and returns the client."""
    def _login(name):
        client.post("/logout")
        response = client.post("/login", data={"email": world[name]["email"], "password": factories.PASSWORD})
        assert response.status_code == 302, f"login as {name} failed"
        return client
    return _login


@pytest.fixture
def cheap_password_hashing(monkeypatch):
    """Cheaper Argon2 for modules that make many users (``pytest.mark.usefixtures`` it first)."""
    api_support.cheap_hashes(monkeypatch)


@pytest.fixture
def api(app, client, world):
    """The API's world: a token for every user, audits and assignments of each branch
    (tests/support/api.py says what is in it)."""
    return api_support.api_world(app, client, world)


@pytest.fixture
def quarter(app, world):
    """A first quarter of audits with every figure computed by hand (tests/support/quarter.py)."""
    with app.app_context():
        return quarter_support.build_quarter(world)


@pytest.fixture
def objects(app, world):
    """What the access walk fills URLs with: branch A's things, owned by the first auditor."""
    return walk.access_objects(app, world, api_support.ROLES)
