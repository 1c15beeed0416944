"""The benchmark works end to end, on a tiny data set (CI runs only this; the timed run is `make bench`).

One quick run of ``bench/run.py --scale tiny --quick`` generates the data, measures every part
(submit through gunicorn, dashboards, PDFs, the XLSX export, the phone page weight) and writes
its results to a temporary file, never to bench/results.md. Nothing here checks a timing: the
machines are shared, so figures are for ``make bench`` and the README.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture(scope="module")
def bench_database(tmp_path_factory):
    """A database of the benchmark's own: a SQLite file, or a PostgreSQL database made for it."""
    if not PG_URL:
        return "sqlite:///" + str(tmp_path_factory.mktemp("bench") / "bench.db")
    name = f"veraz_bench_{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="module")
def bench_run(bench_database, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench-out")
    results_md, results_json = out / "results.md", out / "results.json"
    before = (ROOT / "bench" / "results.md").read_bytes() if (ROOT / "bench" / "results.md").exists() else None
    env = {**os.environ, "DATABASE_URL": bench_database}
    proc = subprocess.run(
        [sys.executable, "bench/run.py", "--scale", "tiny", "--quick", "--output", str(results_md),
         "--json", str(results_json)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-6000:]
    after = (ROOT / "bench" / "results.md").read_bytes() if (ROOT / "bench" / "results.md").exists() else None
    return {"md": results_md.read_text(), "raw": json.loads(results_json.read_text()), "url": bench_database,
            "results_md_untouched": before == after, "log": proc.stderr}


def test_the_tiny_data_set_has_the_asked_size_and_realistic_spread(bench_run):
    data = bench_run["raw"]["dataset"]
    counts = data["counts"]
    assert counts["branches"] == 4 and counts["employees"] == 40 and counts["audit"] == 400
    # 25 answers per audit, as at the standard size (1,000,000 answers over 40,000 audits).
    assert 9_000 <= counts["answer"] <= 11_000
    assert counts["status_approved"] > 300 and counts["section_score"] > 2_000

    engine = create_engine(bench_run["url"])
    with engine.connect() as conn:
        # Some employees are better than others, some criteria are failed far more often.
        spread = conn.execute(text(
            "SELECT min(m), max(m) FROM (SELECT avg(score) AS m FROM audit WHERE status = 'approved' "
            "AND employee_id IS NOT NULL GROUP BY employee_id HAVING count(*) >= 5) t")).one()
        assert spread[1] - spread[0] > 10
        rates = conn.execute(text("SELECT avg(fraction) FROM answer WHERE fraction IS NOT NULL "
                                  "GROUP BY criterion_key HAVING count(*) >= 50")).scalars().all()
        assert min(rates) < 0.6 < max(rates)
        assert conn.execute(text("SELECT count(*) FROM audit WHERE critical_failure")).scalar() > 0
    engine.dispose()


def test_generated_scores_are_exactly_what_the_app_stores_on_submit(bench_run):
    """Every stored figure of a sample of audits equals what audits.answers.score_and_store makes."""
    from app import create_app
    from audits.answers import score_and_store
    from audits.models import Audit
    from extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": bench_run["url"], "TESTING": True, "SECRET_KEY": "x"})

    def figures(audit):
        return (audit.score, audit.passed, audit.critical_failure, audit.kpis,
                sorted((a.criterion_key, a.value, a.kpi, a.fraction, a.earned, a.possible, a.number_value)
                       for a in audit.answers),
                [(s.section_key, s.section_id, s.position, s.earned, s.possible, s.score)
                 for s in audit.section_scores])

    with app.app_context():
        audits = db.session.scalars(db.select(Audit).where(Audit.status != "draft").order_by(Audit.id).limit(60)).all()
        assert len(audits) == 60
        for audit in audits:
            stored = figures(audit)
            score_and_store(audit)
            assert figures(audit) == stored, f"audit {audit.id}"
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def test_every_measurement_ran_and_the_results_went_to_the_file_asked(bench_run):
    raw, md = bench_run["raw"], bench_run["md"]
    assert bench_run["results_md_untouched"], "the smoke test must not write bench/results.md"
    kind = "postgresql" if PG_URL else "sqlite"
    assert f"<!-- bench:{kind}:begin -->" in md and f"<!-- bench:{kind}:end -->" in md
    assert "CPUs" in md and "| measurement | median | floor (same run) | ratio | goal | met |" in md

    submit = raw["submit"]
    assert submit["hello_rps"] > 0 and submit["floor_rps"] > 0
    assert submit["submit_errors"] == 0 and submit["floor_errors"] == 0, bench_run["log"][-3000:]
    # The POSTs really submitted audits (then cleaned up); on a busy machine the few seconds of a
    # quick run may end before any of them is counted as done, so the database is the witness.
    assert submit["submitted_in_db"] > 0

    # Every part is built: one that reports itself missing (or failed) is a broken benchmark.
    parts = [*raw["dashboards"]["pages"], *raw["pdfs"].values(), raw["exports"], raw["impact"], raw["page"]]
    assert [p for p in parts if p.get("missing") or p.get("error")] == []
    for page in raw["dashboards"]["pages"]:
        assert "median_ms" in page and page["floor_rows"] >= 0, page
    for kind_ in ("audit", "employee", "branch"):
        pdf = raw["pdfs"][kind_]
        assert pdf.get("pages", 0) >= 1 and pdf["floor"]["pages"] == pdf["pages"], pdf
    assert raw["exports"]["bytes"] > 0, raw["exports"]
    assert raw["impact"]["audits"] == 10_000 and raw["impact"]["floor_median_s"] > 0, raw["impact"]
    page = raw["page"]
    assert page.get("transferred_kb", 0) > 0 and page["network_requests"] >= 2, page


def test_the_run_leaves_the_data_set_as_it_found_it(bench_run):
    engine = create_engine(bench_run["url"])
    with engine.connect() as conn:
        audits = conn.execute(text("SELECT count(*) FROM audit")).scalar()
        assert audits == bench_run["raw"]["dataset"]["counts"]["audit"]
        assert conn.execute(text("SELECT count(*) FROM api_token")).scalar() == 0
    engine.dispose()
