"""An integrator's Python client, generated from the live /api/v1/openapi.json by
openapi-python-client as it is (no hand edits), lists branches, creates and submits an audit and
reads its score from a real server with the demo data.

The generator (and its own pins of ruff and pydantic) lives in tests/.venv-client, made by
scripts/bootstrap.sh --dev; without it the test is skipped, saying so. The client it writes needs
httpx, attrs and python-dateutil, which the app's virtualenv has: it is imported here.
"""
import importlib
import os
import subprocess  # nosec B404: runs the generator with fixed arguments
import sys
import uuid
from pathlib import Path

import pytest

from tests.support import live_server

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "tests" / ".venv-client" / "bin" / "openapi-python-client"
CONFIG = ROOT / "tests" / "client" / "config.yml"
AUDITOR = "auditor@veraz.example"

pytestmark = [
    pytest.mark.skipif(not GENERATOR.exists(),
                       reason="openapi-python-client is missing: run scripts/bootstrap.sh --dev"),
    # Its server has its own SQLite database: the suite's second run (on PostgreSQL) would only repeat it.
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="runs once, in the SQLite run"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server.demo_server(tmp_path_factory.mktemp("client"), [AUDITOR]) as (base, tokens):
        yield base, tokens[AUDITOR]


@pytest.fixture(scope="module")
def veraz_client(server, tmp_path_factory):
    """The package openapi-python-client generates from the served document, imported."""
    base, _token = server
    folder = tmp_path_factory.mktemp("generated")
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # its ruff
    run = subprocess.run([str(GENERATOR), "generate", "--url", f"{base}/api/v1/openapi.json", "--meta", "none",  # noqa: S603
                          "--output-path", str(folder / "veraz_client"), "--config", str(CONFIG)],
                         cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    # The generator says "Warning(s) encountered" for any part of the document it had to leave out.
    assert run.returncode == 0 and "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    # A body the generator could not model silently becomes Any: every body has its model.
    untyped = [path.name for path in (folder / "veraz_client" / "api").rglob("*.py") if "body: Any" in path.read_text()]
    assert not untyped, untyped
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("veraz_client")
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.split(".")[0] == "veraz_client"]:
            del sys.modules[name]


def answers_for(scorecard) -> dict:
    """A good answer to every criterion of a scorecard (the generated model adds `_` to `type`, `min` and `max`)."""
    answers = {}
    for section in scorecard.sections:
        for criterion in section.criteria:
            if criterion.type_ == "yes_no":
                answers[criterion.key] = "yes"
            elif criterion.type_ == "scale":
                answers[criterion.key] = criterion.max_
            elif criterion.type_ == "number":
                answers[criterion.key] = 2
            elif criterion.type_ == "choice":
                answers[criterion.key] = criterion.options[0].key
    return answers


def test_a_generated_client_lists_branches_and_creates_submits_and_scores_an_audit(server, veraz_client):
    from veraz_client import AuthenticatedClient
    from veraz_client.api.audits_api import create_audit, get_audit, submit_audit
    from veraz_client.api.branches_api import list_branches
    from veraz_client.api.scorecards_api import get_scorecard, list_scorecards
    from veraz_client.models import Audit, AuditInFromScorecard, AuditInFromScorecardAnswers

    base, token = server
    with AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True) as client:
        branches = list_branches.sync(client=client)
        assert branches.total >= 1 and all(branch.name for branch in branches.items)
        branch = next(branch for branch in branches.items if branch.active)
        summary = next(card for card in list_scorecards.sync(client=client).items
                       if card.published_version and not card.archived)
        scorecard = get_scorecard.sync(summary.slug, client=client)

        body = AuditInFromScorecard(client_id=str(uuid.uuid4()), scorecard=scorecard.slug, branch_id=branch.id,
                                    employee_name_given="Marta",
                                    answers=AuditInFromScorecardAnswers.from_dict(answers_for(scorecard)))
        created = create_audit.sync_detailed(client=client, body=body)
        assert created.status_code == 201, created.content
        assert isinstance(created.parsed, Audit) and created.parsed.status == "draft"

        submitted = submit_audit.sync(created.parsed.id, client=client)
        assert isinstance(submitted, Audit), submitted
        assert submitted.status == "submitted"
        read = get_audit.sync(created.parsed.id, client=client)
        # every answer is the best one: full marks, and the generated model reads the score as a float
        assert read.score == pytest.approx(100.0) and read.passed is True
        assert {section.key for section in read.sections} == {section.key for section in scorecard.sections}
