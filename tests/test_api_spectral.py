"""The OpenAPI document passes Spectral's standard OpenAPI ruleset (``spectral:oas``) with no
error and no warning: what client generators and integrators' linters check before they trust it.

Spectral comes from npm into tests/spectral/node_modules (scripts/bootstrap.sh --dev installs it);
without it (no Node on this machine) the test is skipped, saying how to install it.
"""
import json
import shutil
import subprocess  # nosec B404: runs the project's own Spectral with fixed arguments
from pathlib import Path

import pytest

SPECTRAL_DIR = Path(__file__).parent / "spectral"
SPECTRAL = SPECTRAL_DIR / "node_modules" / ".bin" / "spectral"


@pytest.fixture(scope="module")
def spectral():
    if not SPECTRAL.exists():
        if shutil.which("npm") is None:
            pytest.skip("Spectral needs Node and npm: run scripts/bootstrap.sh --dev")
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"],  # noqa: S603, S607
                       cwd=SPECTRAL_DIR, check=True, timeout=600)
    return SPECTRAL


def test_spectral_finds_nothing_wrong_with_the_document(client, spectral, tmp_path):
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(client.get("/api/v1/openapi.json").get_json()))
    run = subprocess.run([str(spectral), "lint", "--ruleset", str(SPECTRAL_DIR / ".spectral.yaml"),  # noqa: S603
                          "--format", "json", "--quiet", str(document)],
                         capture_output=True, text=True, timeout=300, cwd=SPECTRAL_DIR)
    findings = json.loads(run.stdout or "[]")
    severity = {0: "error", 1: "warning", 2: "info", 3: "hint"}
    problems = [f"{severity[f['severity']]} {f['code']} at {'.'.join(map(str, f['path']))}: {f['message']}"
                for f in findings if f["severity"] <= 1]
    assert not problems, "\n".join(problems)


def test_every_operation_has_a_unique_operation_id_a_summary_and_a_description(client):
    document = client.get("/api/v1/openapi.json").get_json()
    seen = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            where = f"{method.upper()} {path}"
            assert operation.get("summary") and operation.get("description"), where
            assert operation["operationId"] not in seen, f"{where} and {seen.get(operation['operationId'])}"
            seen[operation["operationId"]] = where
    assert seen["listAudits"] == "GET /api/v1/audits"
    assert seen["createAudit"] == "POST /api/v1/audits"
    assert seen["approveAudit"] == "POST /api/v1/audits/{audit_id}/approve"
