"""Lighthouse (mobile mode, Debian's Chromium) over the pages shoppers and HR use most.

    .venv/bin/python bench/lighthouse.py [--out bench/results.md]

Starts Veraz under gunicorn on loopback with a fresh SQLite database and the demo data, logs in as
the demo users, runs Lighthouse on each page with that session and writes the performance,
accessibility and best-practices scores to the Lighthouse block of bench/results.md.
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


def lighthouse(url: str, cookie: str | None, keep: Path | None = None, label: str = "page") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = (keep / (re.sub(r"\W+", "-", label.lower()) + ".json")) if keep else Path(tmp) / "report.json"
        cmd = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={out}", "--quiet",
               "--only-categories=" + ",".join(CATEGORIES), "--form-factor=mobile",
               "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking "
               "--disable-component-update --disable-sync --no-first-run"]
        if cookie:
            cmd.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
        subprocess.run(cmd, check=True, capture_output=True, timeout=180,  # noqa: S603
                       env={**os.environ, "CHROME_PATH": shutil.which("chromium") or "chromium"})
        report = json.loads(out.read_text())
    return {c: round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES}


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


def write_results(rows, out: Path):
    lines = [BEGIN, "## Lighthouse (mobile)", "",
             f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `.venv/bin/python bench/lighthouse.py`; "
             "gunicorn, 2 workers, SQLite, demo data; Debian Chromium; goal: at least 95 in each.", "",
             "| page | performance | accessibility | best practices |", "| --- | --- | --- | --- |"]
    for label, path, scores in rows:
        lines.append(f"| {label} (`{path}`) | {scores['performance']} | {scores['accessibility']} | "
                     f"{scores['best-practices']} |")
    lines.append(END)
    block = "\n".join(lines)
    text = out.read_text() if out.exists() else "# Benchmark results\n"
    if BEGIN in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    out.write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.md"))
    parser.add_argument("--keep", help="a folder to keep each page's Lighthouse JSON report in")
    parser.add_argument("--only", help="measure only the pages whose label contains this text (nothing written)")
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
                scores = lighthouse(base + path, cookie, keep, label)
                print(f"{label:<20} {path:<40} {scores}")
                if keep:
                    report = json.loads((keep / (re.sub(r"\W+", "-", label.lower()) + ".json")).read_text())
                    for problem in weak_audits(report):
                        print("    " + problem)
                rows.append((label, path, scores))
        finally:
            server.terminate()
            server.wait(timeout=10)
    if not args.only:
        write_results(rows, Path(args.out))
    low = [(label, s) for label, _p, s in rows if min(s.values()) < 95]
    sys.exit(1 if low else 0)


if __name__ == "__main__":
    main()
