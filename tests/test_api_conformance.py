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
import subprocess  # nosec B404: runs schemathesis with fixed arguments
from pathlib import Path

import pytest

from tests.support import live_server

ROOT = Path(__file__).resolve().parent.parent
ST = ROOT / "tests" / ".venv-schemathesis" / "bin" / "st"
CONFIG = ROOT / "tests" / "schemathesis" / "schemathesis.toml"
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


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """gunicorn on a free loopback port, on a fresh SQLite database with the demo data; the
    tokens of an admin, a manager and an auditor."""
    with live_server.demo_server(tmp_path_factory.mktemp("conformance"), EMAILS.values()) as (base, tokens):
        yield base, {role: tokens[email] for role, email in EMAILS.items()}


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
