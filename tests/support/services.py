"""Real services for the tests of jobs, e-mail and shared limits: a Redis server and an SMTP
server that scripts/test.sh starts on loopback (TEST_REDIS_URL, TEST_SMTP_PORT, TEST_MAIL_DIR), and
real worker and gunicorn processes that the tests start themselves, each pointed at the test's own
database. Without those variables the tests that need them are skipped, saying why.

A test module takes the fixtures by name: ``redis_url, mail_dir = services.redis_url,
services.mail_dir`` (``from tests.support import services``), as tests/test_jobs.py does.
"""
import email
import email.policy
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
SMTP_PORT = os.environ.get("TEST_SMTP_PORT", "")
MAIL_DIR = os.environ.get("TEST_MAIL_DIR", "")
BASE_URL = "https://veraz.test.example"


def _xdist_index() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name[2:]) if name[2:].isdigit() else 0


@pytest.fixture(scope="session")
def redis_url():
    """The shared Redis server, one database number per xdist worker (emptied at the start)."""
    if not REDIS_URL:
        pytest.skip("needs a Redis server: TEST_REDIS_URL is not set (scripts/test.sh starts one)")
    from redis import Redis

    url = f"{REDIS_URL.rstrip('/')}/{1 + _xdist_index() % 15}"
    Redis.from_url(url).flushdb()
    return url


@pytest.fixture(scope="session")
def mail_dir():
    """The folder where the shared SMTP server saves each message it receives."""
    if not (SMTP_PORT and MAIL_DIR):
        pytest.skip("needs an SMTP server: TEST_SMTP_PORT and TEST_MAIL_DIR are not set (scripts/test.sh)")
    return Path(MAIL_DIR)


@pytest.fixture
def job_settings(redis_url, mail_dir):
    """What the app and its worker share in a test: Redis, a queue of the test's own, the mail server."""
    return {"REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": redis_url, "JOB_QUEUE": f"test-{uuid.uuid4().hex[:8]}",
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": int(SMTP_PORT), "BASE_URL": BASE_URL,
            "MAIL_DEFAULT_SENDER": "veraz@test.example"}


def server_env(app, settings, **extra) -> dict:
    """The environment of a real process (worker, gunicorn) of the test's app and database."""
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test-secret",
           "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "PYTHONPATH": str(ROOT)}
    env.update({"REDIS_URL": settings["REDIS_URL"], "JOB_QUEUE": settings["JOB_QUEUE"],
                "MAIL_SERVER": settings["MAIL_SERVER"], "MAIL_PORT": str(settings["MAIL_PORT"]),
                "BASE_URL": settings["BASE_URL"], "MAIL_DEFAULT_SENDER": settings["MAIL_DEFAULT_SENDER"]})
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture
def start_worker(tmp_path):
    """start_worker(app, settings) runs ``flask --app app worker`` for the test; stopped after it."""
    started = []

    def _start(app, settings, **extra):
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115  (closed at teardown)
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"], cwd=ROOT,
                                   env=server_env(app, settings, **extra), stdout=log, stderr=subprocess.STDOUT)
        started.append((process, log))
        return process

    yield _start
    for process, log in started:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def worker_log(tmp_path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("worker-*.log")))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def start_gunicorn(tmp_path):
    """start_gunicorn(app, settings, **env) serves the test's database on a free port; returns its URL."""
    started = []

    def _start(app, settings, **extra):
        port = free_port()
        log = open(tmp_path / f"gunicorn-{port}.log", "wb")  # noqa: SIM115  (closed at teardown)
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "app:create_app()"], cwd=ROOT, env=server_env(app, settings, **extra), stdout=log,
            stderr=subprocess.STDOUT)
        started.append((process, log))
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/healthz", timeout=10).status_code == 200:
                    return url
            except (requests.ConnectionError, requests.Timeout):
                pass
            if process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start: {(tmp_path / f'gunicorn-{port}.log').read_text()}")

    yield _start
    for process, log in started:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def messages_to(folder: Path, address: str, count: int = 1, timeout: float = 45) -> list:
    """The messages the SMTP server received for ``address`` (waits for ``count`` of them)."""
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for path in sorted(folder.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if address in str(message.get("To", "")):
                found.append(message)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.25)
