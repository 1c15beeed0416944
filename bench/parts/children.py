"""Each measurement that holds memory runs in a child process of its own (``bench/run.py --child``)
and prints one JSON line, with its peak resident memory."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from bench.parts import dashboards, exports, impact, pdfs, submit
from bench.parts.common import ROOT, peak_rss_mb, reset_peak_rss

RUN = ROOT / "bench" / "run.py"


def run_child(job: dict, url: str, timeout: int = 1800) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(RUN), "--child", json.dumps(job)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"child {job['job']} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")


def child_main(job: dict) -> None:
    import warnings

    warnings.filterwarnings("ignore")
    result = _guarded(job)
    result["peak_rss_mb"] = round(peak_rss_mb() or 0, 1)
    print(json.dumps(result, default=str))


def _guarded(job: dict) -> dict:
    """A measurement that fails (a page answering 500, say) is reported, and the run goes on."""
    import traceback

    try:
        return CHILD_JOBS[job["job"]](job)
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        return {"error": f"{exc.__class__.__name__}: {str(exc)[:300]}", "kind": job.get("kind")}


def job_batch(job: dict) -> dict:
    """Several jobs in one process (the quick mode: one start-up instead of many); each job's peak
    memory is measured from a reset of the high-water mark, so it includes what earlier jobs left."""
    results = []
    for item in job["jobs"]:
        if item["job"] == "plain_pdf":
            if results[-1].get("missing") or results[-1].get("error"):
                results.append({"missing": True})
                continue
            item = {**item, "pages": results[-1]["pages"]}
        reset_peak_rss()
        result = _guarded(item)
        result["peak_rss_mb"] = round(peak_rss_mb() or 0, 1)
        results.append(result)
    return {"results": results}


CHILD_JOBS = {"dashboards": dashboards.job_dashboards, "pdf": pdfs.job_pdf, "plain_pdf": pdfs.job_plain_pdf,
              "export": exports.job_export, "impact": impact.job_impact, "prepare": submit.job_prepare,
              "batch": job_batch}
