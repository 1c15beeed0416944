"""Imports run one way (docs/development.md, "The layers"): ``core`` imports no feature package,
and a feature package imports only the packages below it. Read with ``ast``, importing nothing,
so the whole check takes a fraction of a second."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_APP = {"tests", "migrations", "bench", "scripts"}

# The feature packages from the bottom up: each may import the ones before it. A new package
# takes its place here.
LAYERS = ["core", "accounts", "branches", "scorecards", "jobs", "audits", "records", "notifications", "surveys",
          "webhooks", "actions", "reports", "disputes", "calibration", "security", "coaching", "offline", "api"]
# Modules that tie the packages together (pages, commands, demo data, the jobs' schedule) stand at
# the top beside app.py, whichever package holds them: they may import any package.
TOP_MODULES = ("routes", "cli", "demo", "schedule", "monthly")
# Plumbing any package may use: queueing a job after the commit, sending a mail.
SHARED = ("jobs.queue", "jobs.mail")
# The imports that still run upward, each with its reason; the list may only shrink.
KNOWN_UPWARD = {
    # The surveys' agreement chart and the QR poster draw with the reports' chart and PDF tools,
    # which belong in a drawing package below both.
    ("surveys/agreement.py", "reports"),
    ("surveys/poster.py", "reports"),
}


def packages() -> set[str]:
    return {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in NOT_APP}


def imports(path: Path):
    """Every absolute import in the file, at module level or inside a function."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def upward_imports(package: str):
    rank = {name: i for i, name in enumerate(LAYERS)}
    for path in sorted((ROOT / package).rglob("*.py")):
        if any(part.startswith(TOP_MODULES) for part in path.relative_to(ROOT / package).with_suffix("").parts):
            continue
        for name in imports(path):
            top = name.split(".")[0]
            if top in rank and rank[top] > rank[package] and not name.startswith(SHARED):
                yield str(path.relative_to(ROOT)), top


def test_every_package_has_its_place_in_the_layers():
    assert packages() == set(LAYERS)


def test_core_imports_no_feature_package():
    features = packages() - {"core"}
    found = [(str(path.relative_to(ROOT)), name) for path in sorted((ROOT / "core").rglob("*.py"))
             for name in imports(path) if name.split(".")[0] in features]
    assert found == []


def test_feature_packages_import_only_the_packages_below_them():
    found = {pair for package in LAYERS for pair in upward_imports(package)}
    assert found - KNOWN_UPWARD == set(), "imports that run upward"
    assert KNOWN_UPWARD - found == set(), "fixed: take them off KNOWN_UPWARD"
