"""Veraz benchmarks: one command generates the data set and measures what users feel.

    make bench                                    # = .venv/bin/python bench/run.py (standard size, SQLite)
    DATABASE_URL=postgresql+psycopg://... make bench   # the same on PostgreSQL (the database is emptied!)
    .venv/bin/python bench/run.py --scale tiny --quick --output /tmp/r.md     # the CI smoke test
    .venv/bin/python bench/run.py --reuse --only dashboards,pdfs              # keep the data, some parts

Every figure is the median of several runs and stands beside a floor measured in the same run on
the same machine (these machines are shared and noisy: a ratio holds where an absolute time
drifts):

- submit: audits submitted per second through gunicorn on loopback with 16 concurrent clients
  (wrk, or Python threads where wrk is missing), each ``POST /api/v1/audits`` with ``submit: true``
  and ``Prefer: return=minimal``, against the same-work floor under the same gunicorn settings
  (bench/floor.py: the token checked, the answers scored with scorecards/scoring.py, the same rows
  written with the driver in one transaction), with p95 latencies; a hello-world Flask route is
  measured too, as context;
- dashboards: server time of the branch overview, HR's employees list and an employee page,
  against the single SQL query that reads the same rows;
- PDFs: audit, employee and branch reports, against WeasyPrint rendering a plain document with
  the same number of pages; with peak memory;
- exports: the XLSX of all answers: time, rows and peak memory;
- impact: the replay of 10,000 approved audits under a draft (the builder's impact preview),
  against scoring the same answers with their published version;
- phone page weight: bytes a phone transfers for the fill page and everything it loads (Chromium).

Each measurement that holds memory runs in a child process of its own, which reports its peak
resident memory (VmHWM). Results go to bench/results.md (the block of this database kind is
replaced; the rest of the file is kept) unless --output names another file.

The parts live in bench/parts/: submit.py (its floors: bench/floor.py and bench/hello.py),
dashboards.py, pdfs.py, exports.py, phone.py (with server.py, gunicorn for the last two),
children.py (the child processes), report.py (results.md) and common.py; this module runs them in
order.
"""
from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from bench.parts.children import child_main, run_child  # noqa: E402
from bench.parts.common import db_kind, log, machine  # noqa: E402
from bench.parts.phone import measure_page_weight  # noqa: E402
from bench.parts.report import render, write_results  # noqa: E402
from bench.parts.server import Gunicorn  # noqa: E402
from bench.parts.submit import cleanup_submit, measure_submit  # noqa: E402

RESULTS = ROOT / "bench" / "results.md"
SIZE_STAMP = "bench-dataset.json"


def dataset(url: str, args) -> dict:
    size = generate.size_from_args(args)
    stamp = (Path(url.removeprefix("sqlite:///")).parent if url.startswith("sqlite:///") else ROOT / "bench" / "data")
    stamp = stamp / (SIZE_STAMP if url.startswith("sqlite") else f"pg-{SIZE_STAMP}")
    wanted = {"size": vars(size)}
    if args.reuse and stamp.exists():
        saved = json.loads(stamp.read_text())
        if saved.get("size") == wanted["size"] and saved.get("url") == generate.safe_url(url):
            log(f"reusing the data set generated {saved['when']}")
            saved["reused"] = True
            return saved
    log(f"generating {size} ...")
    report = generate.generate(size, url, force=args.force, quiet=True)
    out = {**wanted, **report.as_dict(), "when": datetime.now().isoformat(timespec="seconds")}
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(out))
    log(f"generated in {report.seconds:.1f} s: {dict(report.counts)}")
    return out


def measurement_jobs(args) -> list[dict]:
    only = args.only_set
    quick = args.quick
    repeat = args.repeat or (1 if quick else 5)
    pdf_repeat = args.repeat or (1 if quick else 3)
    jobs = []
    if "dashboards" in only:
        jobs.append({"job": "dashboards", "repeat": repeat})
    if "pdfs" in only:
        for kind in ("audit", "employee", "branch"):
            jobs.append({"job": "pdf", "kind": kind, "repeat": pdf_repeat})
            jobs.append({"job": "plain_pdf", "pages": None, "repeat": pdf_repeat, "warmup": 0 if quick else 1})
    if "exports" in only:
        jobs.append({"job": "export", "endpoint": args.export_endpoint, "args": json.loads(args.export_args),
                     "repeat": args.repeat or (1 if quick else 2)})
    if "impact" in only:  # after the exports: run() reads the results back in this order
        jobs.append({"job": "impact", "repeat": repeat})
    return jobs


def run_measurements(url: str, args) -> list[dict]:
    """Quick: every job in one child. Otherwise a child per job, so each peak memory is its own."""
    jobs = measurement_jobs(args)
    if args.quick:
        if args.only_set & {"submit", "page"}:
            jobs.append({"job": "prepare"})  # the server measurements' set-up, in the same process
        return run_child({"job": "batch", "jobs": jobs}, url, timeout=3600)["results"] if jobs else []
    results = []
    for job in jobs:
        if job["job"] == "plain_pdf":
            if results[-1].get("missing") or results[-1].get("error"):
                results.append({"missing": True})
                continue
            job = {**job, "pages": results[-1]["pages"]}
        log(f"  {job['job']} {job.get('kind', '')}")
        results.append(run_child(job, url, timeout=3600))
    return results


def run(args) -> dict:
    url = generate.database_url(args.database_url)
    args.only_set = (set(args.only.split(",")) if args.only
                     else {"submit", "dashboards", "pdfs", "exports", "impact", "page"})
    started = datetime.now(UTC)
    results = {"machine": machine(), "when": started.isoformat(timespec="seconds"), "db": db_kind(url),
               "url": generate.safe_url(url), "scale": args.scale, "quick": args.quick,
               "command": " ".join(["bench/run.py", *sys.argv[1:]])}
    results["dataset"] = dataset(url, args)

    log("dashboards, PDFs, exports ...")
    measured = run_measurements(url, args)
    prep = None
    if measured and measured[-1].get("prepared"):
        prep = measured.pop()
    measured = iter(measured)
    if "dashboards" in args.only_set:
        results["dashboards"] = next(measured)
    if "pdfs" in args.only_set:
        results["pdfs"] = {}
        for kind in ("audit", "employee", "branch"):
            pdf, floor = next(measured), next(measured)
            if not pdf.get("missing") and not pdf.get("error"):
                pdf["floor"] = floor
                pdf["ratio"] = round(pdf["median_s"] / floor["median_s"], 2)
            results["pdfs"][kind] = pdf
    if "exports" in args.only_set:
        results["exports"] = next(measured)
    if "impact" in args.only_set:
        results["impact"] = next(measured)

    if args.only_set & {"submit", "page"}:
        prep = prep or run_child({"job": "prepare"}, url)
        prep["prefix"] = f"bench-{uuid.uuid4().hex[:8]}-"
        try:
            if "submit" in args.only_set:
                log("submit ...")
                page_weight = (lambda server: measure_page_weight(server, prep)) if "page" in args.only_set else None
                results["submit"], page = measure_submit(url, args, prep, page_weight)
                if page is not None:
                    results["page"] = page
            else:
                with Gunicorn("app:create_app()", url, 2, ready_path="/healthz") as server:
                    results["page"] = measure_page_weight(server, prep)
        finally:
            cleanup = cleanup_submit(url, prep["prefix"])
        if "submit" in results:
            results["submit"]["submitted_in_db"] = cleanup["status"].get("submitted", 0)
    results["seconds"] = round((datetime.now(UTC) - started).total_seconds())
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    generate.add_size_arguments(parser)
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else bench/data/bench.db (emptied!)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and shorter loads (smoke test)")
    parser.add_argument("--reuse", action="store_true", help="keep the data set of an earlier run of the same size")
    parser.add_argument("--force", action="store_true", help="empty the database even if it holds other data")
    parser.add_argument("--only", help="comma-separated: submit,dashboards,pdfs,exports,impact,page")
    parser.add_argument("--repeat", type=int, help="repetitions per measurement")
    parser.add_argument("--rounds", type=int, help="submit: rounds of (hello, floor, submit)")
    parser.add_argument("--seconds", type=float, help="submit: seconds of load per round")
    parser.add_argument("--warmup", type=float, help="submit: seconds of load before each server's round (default 3; "
                                                      "quick: 1)")
    parser.add_argument("--workers", type=int, help="gunicorn workers for both apps (default 4; quick: 2)")
    parser.add_argument("--python-client", action="store_true", help="load from Python threads even if wrk exists")
    parser.add_argument("--export-endpoint", default="reports.export")
    parser.add_argument("--export-args", default='{"what": "answers", "fmt": "xlsx", "from": "2000-01-01", '
                                                  '"status": "scored"}')
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--json", type=Path, help="also write the raw results as JSON here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(json.loads(args.child))
        return 0
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.workers = args.workers or (2 if args.quick else 4)
    args.seconds = args.seconds or (2 if args.quick else 10)
    args.warmup = args.warmup or (1 if args.quick else 3)
    results = run(args)
    write_results(args.output, results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
