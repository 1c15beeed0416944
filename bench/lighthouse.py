"""Lighthouse (mobile mode, Debian's Chromium) over the pages shoppers and HR use most.

    .venv/bin/python bench/lighthouse.py [--out bench/results.md] [--runs 3] [--cpu-slowdown 4] [--keep DIR]
                                         [--only fill]

Starts Veraz under gunicorn on loopback with a fresh SQLite database and the demo data, logs in as
the demo users, runs Lighthouse on each page with that session (three loads, the median one kept)
and writes the performance, accessibility and best-practices scores to the Lighthouse block of
bench/results.md (only that block). Each page's costly audits are printed, so a low score says why.

The CPU slowdown is calibrated to the machine unless given (see calibrated_slowdown and lighthouse()):
on a slow or busy host Lighthouse's default 4x emulates a phone several times slower than the one it
names. The score at the default 4x, from the same load, is written beside it.
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess  # nosec B404: runs our own server, npm and lighthouse with fixed arguments
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
LH_DIR = ROOT / "bench" / "lighthouse"
LIGHTHOUSE = LH_DIR / "node_modules" / ".bin" / "lighthouse"
PASSWORD = "veraz-demo-2026"
CATEGORIES = ("performance", "accessibility", "best-practices")
BEGIN, END = "<!-- lighthouse:begin -->", "<!-- lighthouse:end -->"
LOW_TIER_PHONE_INDEX = 264  # Chrome DevTools' CPU calibration: a low-tier phone's BenchmarkIndex


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workdir: Path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'veraz.db'}", "FLASK_APP": "app",
           "UPLOAD_FOLDER": str(workdir / "uploads"), "SECRET_KEY": "lighthouse-run"}
    env.pop("FLASK_RUN_FROM_CLI", None)
    flask = str(ROOT / ".venv/bin/flask")
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([flask, "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--no-control-socket", "-w", "2", "-b",  # noqa: S603
                               f"127.0.0.1:{port}", "app:create_app()"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if requests.get(base + "/healthz", timeout=5).ok:
                return server, base
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def session_for(base: str, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    response = session.post(base + "/login", data={"email": email, "password": PASSWORD,
                                                   "csrf_token": token.group(1) if token else ""})
    response.raise_for_status()
    return session


def first_link(session, base, start, pattern):
    html = session.get(base + start).text
    match = re.search(r'href="(' + pattern + r')"', html)
    return match.group(1) if match else None


def pages(base: str):
    """(label, url, session or None) for each page measured."""
    auditor = session_for(base, "auditor@veraz.example")
    hr = session_for(base, "hr@veraz.example")
    found = [("Login", "/login", None), ("My assignments", "/my/assignments", auditor)]
    fill = first_link(auditor, base, "/my/assignments", r"/audits/[^\"]*fill[^\"]*") or \
        first_link(auditor, base, "/audits", r"/audits/[^\"]*fill[^\"]*")
    if fill:
        found.append(("Fill page", fill, auditor))
    audit = first_link(auditor, base, "/audits", r"/audits/\d+")
    if audit:
        found.append(("Audit page", audit, auditor))
    found.append(("HR employees list", "/reports/employees", hr))
    return found


def lighthouse(url: str, cookie: str | None, out: Path, cpu: float | None = None) -> tuple[dict, dict]:
    """Lighthouse's JSON report of one page in its mobile mode, and the same trace at its default 4x.

    The page is loaded once (Lighthouse's gather mode, -G); its simulated throttling then runs twice
    on the same trace (audit mode, -A): at the CPU slowdown given, or calibrated to the speed this
    machine showed during that very load (calibrated_slowdown), and at Lighthouse's default 4x. In
    its default "simulate" mode Lighthouse loads the page unthrottled and applies the slowdown only
    when simulating, so the gathered artifacts hold no slowdown of their own.
    """
    flags = ["--quiet", "--only-categories=" + ",".join(CATEGORIES), "--form-factor=mobile",
             "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking "
             "--disable-component-update --disable-sync --no-first-run"]
    if cookie:
        flags.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": shutil.which("chromium") or "chromium"}
    with tempfile.TemporaryDirectory() as gathered:
        subprocess.run([str(LIGHTHOUSE), url, f"-G={gathered}", *flags], check=True, capture_output=True,  # noqa: S603
                       timeout=240, env=env)
        artifacts_file = Path(gathered) / "artifacts.json"
        artifacts = json.loads(artifacts_file.read_text())
        reports = []
        for slowdown in (cpu or calibrated_slowdown(artifacts["BenchmarkIndex"]), 4.0):
            artifacts["settings"]["throttling"]["cpuSlowdownMultiplier"] = slowdown
            artifacts_file.write_text(json.dumps(artifacts))
            target = out if not reports else out.with_suffix(".4x.json")
            subprocess.run([str(LIGHTHOUSE), f"-A={gathered}", "--output=json", f"--output-path={target}",  # noqa: S603
                            f"--throttling.cpuSlowdownMultiplier={slowdown:g}", *flags],
                           check=True, capture_output=True, timeout=240, env=env)
            reports.append(json.loads(target.read_text()))
    return reports[0], reports[1]


def median_run(runs: list[tuple[dict, dict]]) -> tuple[dict, dict]:
    """The run in the middle by performance score (then by total blocking time): one load's figures,
    reported together, rather than a mix of several loads'."""
    def key(run):
        report = run[0]
        return (scores_of(report)["performance"], -report["audits"]["total-blocking-time"]["numericValue"])
    return sorted(runs, key=key)[len(runs) // 2]


def scores_of(report: dict) -> dict:
    return {c: round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES}


def calibrated_slowdown(benchmark_index: float) -> float:
    """The CPU slowdown that makes this machine as fast as the phone Lighthouse emulates.

    Lighthouse's default 4x assumes a host with a BenchmarkIndex of about 1000 or more, and warns
    below that ("The tested device appears to have a slower CPU than Lighthouse expects ...
    calibrating an appropriate CPU slowdown multiplier"). Chrome DevTools' CPU calibration puts the
    low-tier phone (a Moto G Power, Lighthouse's mobile device) at an index of 264, so a slower
    host, such as a shared 2-core machine under load, gets index / 264, never less than 1x nor
    more than Lighthouse's 4x.
    """
    return round(min(4.0, max(1.0, benchmark_index / LOW_TIER_PHONE_INDEX)), 1)


def weak_audits(report: dict) -> list[str]:
    """The audits that cost points, so that a low score says why."""
    weights = {ref["id"]: ref.get("weight", 0) for c in CATEGORIES for ref in report["categories"][c]["auditRefs"]}
    weak = []
    for audit_id, audit in report["audits"].items():
        score = audit.get("score")
        metric = audit.get("details", {}).get("type") == "opportunity" or weights.get(audit_id, 0) > 0
        if score is not None and score < 0.9 and metric:
            weak.append(f"{audit_id}: {audit.get('displayValue') or ''} (score {score})".replace(" ()", ""))
    return sorted(weak)


def write_results(rows, out: Path, cpu: float | None, runs: int):
    how = (f"CPU slowdown {cpu:g}x" if cpu else
           "CPU slowdown calibrated to the machine's speed during each page's own load: its BenchmarkIndex "
           f"/ {LOW_TIER_PHONE_INDEX} (the low-tier phone Lighthouse emulates, as Chrome DevTools calibrates it), "
           "at most Lighthouse's default 4x, which assumes a host of index 1000 or more; the last column is the "
           "same load simulated at 4x")
    lines = [BEGIN, "## Lighthouse (mobile)", "",
             f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `.venv/bin/python bench/lighthouse.py`: "
             "Lighthouse 13, mobile mode (simulated slow 4G), Debian Chromium, a fresh profile per load; "
             f"{runs} loads per page, the median one (by performance score) shown; "
             f"gunicorn, 2 workers, SQLite, demo data, logged in as the demo users; {how}. "
             "Goal: at least 95 in each category.", "",
             "| page | performance | accessibility | best practices | FCP | LCP | TBT | CLS | host index | "
             "CPU slowdown | performance at 4x |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for label, path, scores, metrics, index, slowdown, at_4x in rows:
        lines.append(f"| {label} (`{path}`) | {scores['performance']} | {scores['accessibility']} | "
                     f"{scores['best-practices']} | " + " | ".join(metrics) +
                     f" | {index:.0f} | {slowdown:g}x | {at_4x} |")
    lines.append(END)
    block = "\n".join(lines)
    text = out.read_text() if out.exists() else "# Benchmark results\n"
    if BEGIN in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    out.write_text(text)


METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift")


def metrics_of(report: dict) -> list[str]:
    return [(report["audits"][m].get("displayValue") or "").replace("\u00a0", " ") for m in METRICS]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.md"))
    parser.add_argument("--keep", help="a folder to keep each page's Lighthouse JSON report in")
    parser.add_argument("--only", help="measure only the pages whose label contains this text (nothing written)")
    parser.add_argument("--runs", type=int, default=3,
                        help="loads per page; the median run is reported, as Lighthouse's documentation advises "
                             "for a variable host (default 3)")
    parser.add_argument("--cpu-slowdown", type=float,
                        help="Lighthouse's CPU slowdown multiplier (default: calibrated to this machine, see "
                             "calibrated_slowdown)")
    args = parser.parse_args()
    keep = Path(args.keep) if args.keep else None
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
    if not LIGHTHOUSE.exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=LH_DIR, check=True)  # noqa: S603, S607
    with tempfile.TemporaryDirectory() as tmp:
        server, base = start_server(Path(tmp))
        try:
            rows = []
            for label, path, session in pages(base):
                if args.only and args.only.lower() not in label.lower():
                    continue
                cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items()) if session else None
                out = (keep or Path(tmp)) / (re.sub(r"\W+", "-", label.lower()) + ".json")
                runs = [lighthouse(base + path, cookie, out.with_suffix(f".{n}.json"), args.cpu_slowdown)
                        for n in range(1, max(1, args.runs) + 1)]
                report, at_4x = median_run(runs)
                scores, metrics = scores_of(report), metrics_of(report)
                index = report["environment"]["benchmarkIndex"]
                slowdown = report["configSettings"]["throttling"]["cpuSlowdownMultiplier"]
                every = ", ".join(str(scores_of(r)["performance"]) for r, _ in runs)
                print(f"{label:<18} {path:<22} {scores} FCP/LCP/TBT/CLS {metrics} "
                      f"index {index:.0f}, slowdown {slowdown:g}x; at 4x: {scores_of(at_4x)['performance']}; "
                      f"performance of each run: {every}")
                for problem in weak_audits(report):
                    print("    " + problem)
                rows.append((label, path, scores, metrics, index, slowdown, scores_of(at_4x)["performance"]))
        finally:
            server.terminate()
            server.wait(timeout=10)
    if not args.only:
        write_results(rows, Path(args.out), args.cpu_slowdown, max(1, args.runs))
    low = [row[0] for row in rows if min(row[2].values()) < 95]
    sys.exit(1 if low else 0)


if __name__ == "__main__":
    main()
