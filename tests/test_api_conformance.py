"""schemathesis 4 against a real server with the demo data, as an admin, a manager and an auditor:
every operation, its default checks (no server error, responses as documented, schema-valid
requests accepted, schema-violating ones refused, a 405 that names the allowed methods...) and its
phases (examples, coverage, fuzzing, stateful). The API must do what its document says.

schemathesis 4 pins a Hypothesis the app's own test tools cannot share (tests/test_api_schemathesis.py
runs schemathesis 3 in-process), so it lives in its own virtualenv, tests/.venv-schemathesis, made
by scripts/bootstrap.sh --dev; without it the test is skipped, saying so. Its settings (and each
exception, with its reason) are in tests/schemathesis/schemathesis.toml.
"""
import os
import socket
import subprocess  # nosec B404: runs our own server and schemathesis with fixed arguments
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ST = ROOT / "tests" / ".venv-schemathesis" / "bin" / "st"
CONFIG = ROOT / "tests" / "schemathesis" / "schemathesis.toml"
VENV = Path(sys.executable).parent
# Examples per operation: the admin reaches every operation deep; the others mostly meet 403/404.
EXAMPLES = {"admin": int(os.environ.get("ST_EXAMPLES", "8")), "manager": 4, "auditor": 4}
# The coverage phase (every boundary of every parameter, a fixed few thousand requests, about four
# minutes on two busy cores) runs as the admin; the other roles, whose refusals come before any
# parsing of values, run the examples, fuzzing and stateful phases.
PHASES = {"admin": "examples,coverage,fuzzing,stateful", "manager": "examples,fuzzing,stateful",
          "auditor": "examples,fuzzing,stateful"}
EMAILS = {"admin": "admin@veraz.example", "manager": "manager@veraz.example", "auditor": "auditor@veraz.example"}

pytestmark = [
    pytest.mark.skipif(not ST.exists(), reason="schemathesis 4 is missing: run scripts/bootstrap.sh --dev"),
    # Its server has its own SQLite database: the suite's second run (on PostgreSQL) would only repeat it.
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="runs once, in the SQLite run"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flask(env, *args) -> str:
    run = subprocess.run([str(VENV / "flask"), "--app", "app", *args], cwd=ROOT, env=env, check=True,  # noqa: S603
                         capture_output=True, text=True, timeout=300)
    return run.stdout.strip()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """gunicorn on a free loopback port, on a fresh SQLite database with the demo data; the
    tokens of an admin, a manager and an auditor."""
    folder = tmp_path_factory.mktemp("conformance")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/veraz.db", "SECRET_KEY": "conformance",
           "UPLOAD_FOLDER": str(folder / "uploads"), "RATELIMIT_ENABLED": "0", "REDIS_URL": "",
           "MAIL_SERVER": "", "FLASK_DEBUG": "0"}
    _flask(env, "db", "upgrade")
    _flask(env, "demo")
    tokens = {role: _flask(env, "create-token", email).splitlines()[-1] for role, email in EMAILS.items()}
    port = _free_port()
    server = subprocess.Popen([str(VENV / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",  # noqa: S603
                               "--log-level", "warning", "app:create_app()"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()  # noqa: S310 (loopback)
                break
            except OSError:
                time.sleep(0.2)
        yield base, tokens
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("role", list(EXAMPLES))
def test_the_api_does_what_its_document_says(demo_server, role, tmp_path):
    base, tokens = demo_server
    run = subprocess.run(  # noqa: S603
        [str(ST), "--config-file", str(CONFIG), "run", f"{base}/api/v1/openapi.json", "--url", base,
         "-H", f"Authorization: Bearer {tokens[role]}", "--max-examples", str(EXAMPLES[role]),
         "--phases", PHASES[role],
         "--seed", "2026", "--report", "junit", "--report-dir", str(tmp_path), "--no-color"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, f"schemathesis as {role}:\n" + run.stdout[-12000:] + run.stderr[-2000:]
