"""A real server for the tests that talk HTTP to the API as an outside client would: gunicorn on a
free loopback port, on its own SQLite database holding the demo data (``flask demo``).

The demo database is made once per test process and copied for each server, so that one test's
changes never reach another's and the second server costs only its start.
"""
import os
import shutil
import socket
import sqlite3
import subprocess  # nosec B404: runs our own server and commands with fixed arguments
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent
_pristine = {}  # the folder of the demo database made by this process: {"path": Path}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(folder: Path) -> dict:
    """The server's settings. With the suite's Redis (TEST_REDIS_URL, started by scripts/test.sh)
    jobs go to a queue of this server's own that no worker reads, as they would wait for a worker
    in production: a report batch then costs its request, not the dozens of PDFs it asks for (made
    inline without Redis, which makes a schemathesis run many times longer)."""
    redis = os.environ.get("TEST_REDIS_URL", "")
    return {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/veraz.db", "SECRET_KEY": "live-server",
            "UPLOAD_FOLDER": str(folder / "uploads"), "RATELIMIT_ENABLED": "0", "REDIS_URL": redis,
            "JOB_QUEUE": f"live-server-{uuid.uuid4().hex}", "MAIL_SERVER": "", "FLASK_DEBUG": "0"}


def flask(env, *args) -> str:
    run = subprocess.run([str(VENV / "flask"), "--app", "app", *args], cwd=ROOT, env=env, check=True,  # noqa: S603
                         capture_output=True, text=True, timeout=300)
    return run.stdout.strip()


def _demo_database(folder: Path) -> None:
    """``folder``/veraz.db with the demo data (migrated and loaded once per process, then copied)."""
    if "path" not in _pristine:
        pristine = folder.parent / "demo-pristine"
        pristine.mkdir(exist_ok=True)
        env = environment(pristine)
        flask(env, "db", "upgrade")
        flask(env, "demo")
        _pristine["path"] = pristine
    # SQLite's backup, not a file copy: the demo's last writes may still be in its write-ahead log.
    with sqlite3.connect(_pristine["path"] / "veraz.db") as source, sqlite3.connect(folder / "veraz.db") as copy:
        source.backup(copy)
    if (_pristine["path"] / "uploads").exists():  # the demo's photos
        shutil.copytree(_pristine["path"] / "uploads", folder / "uploads", dirs_exist_ok=True)


@contextmanager
def demo_server(folder: Path, emails=()):
    """Yields (base URL, {email: token}) for a server on the demo data in ``folder``."""
    _demo_database(folder)
    env = environment(folder)
    tokens = {email: flask(env, "create-token", email).splitlines()[-1] for email in emails}
    with serve(env) as base:
        yield base, tokens


@contextmanager
def serve(env: dict, workers: int = 2):
    """Yields the base URL of gunicorn serving the app with ``env`` (its DATABASE_URL names the
    database), on a free loopback port, until the block ends."""
    port = free_port()
    # --timeout: a PDF on two busy cores may take longer than gunicorn's 30 s before it kills the worker.
    # --limit-request-line 0: a query string of any length reaches the app, which answers what it
    # cannot read with its own 422 (in production the proxy in front sets the limit, as `make run`'s
    # server does at 64 KB); gunicorn's own 414 at 4 KB is an HTML page no API document describes.
    server = subprocess.Popen([str(VENV / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",  # noqa: S603
                               "--timeout", "120", "--limit-request-line", "0", "--log-level", "warning",
                               "app:create_app()"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()  # noqa: S310 (loopback)
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
