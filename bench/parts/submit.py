"""Submit: audits submitted per second through gunicorn on loopback with 16 concurrent clients
(wrk, or Python threads where wrk is missing), against the same-work floor (bench/floor.py: a plain
Flask endpoint that checks the token, scores the answers and writes the same rows with the
driver) and a hello-world Flask route, both under the same gunicorn settings; and the set-up both
server measurements need (tokens, bodies, a draft audit).

The app is asked for the short answer (``Prefer: return=minimal``): an app submitting many audits
needs the receipt, not the whole audit; the floor answers as short."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid

from bench.parts.common import CONCURRENCY, bench_app, log, median
from bench.parts.server import Gunicorn


def job_prepare_submit(job: dict) -> dict:
    """API tokens for 16 auditors, and request bodies: valid answers to the long visit card."""
    import random

    from sqlalchemy import text

    from accounts.models import ApiToken, User
    from bench import cards
    from bench.dataset.answers import make_answers
    from bench.dataset.people import card_infos
    from extensions import db

    app = bench_app()
    rng = random.Random(7)
    with app.app_context():
        auditors = db.session.scalars(db.select(User).where(User.role == "auditor").order_by(User.id)
                                      .limit(CONCURRENCY)).all()
        tokens = [ApiToken.issue(user, "bench")[1] for user in auditors]
        db.session.commit()
        info = next(v[-1] for v in card_infos() if v[-1].channel == "visit" and len(v) > 1)
        slug = db.session.execute(text("SELECT slug FROM scorecard WHERE id = :i"), {"i": info.scorecard_id}).scalar()
        staff = db.session.execute(text("SELECT e.id, e.branch_id FROM employee e JOIN branch b ON b.id = e.branch_id "
                                        "WHERE e.active AND b.name NOT LIKE 'Centro de contacto%' "
                                        "ORDER BY e.id")).all()
        bodies = []
        for _ in range(50):
            employee_id, branch_id = rng.choice(staff)
            values, notes = make_answers(info, rng.gauss(0.3, 0.5), rng, cards.DIFFICULTY, cards.DEFAULT_DIFFICULTY,
                                         cards.COMMENTS_FAILED, cards.OBSERVATIONS)
            bodies.append(json.dumps({"client_id": "@CLIENT_ID@", "scorecard": slug, "branch_id": branch_id,
                                      "employee_id": employee_id, "answers": values, "comments": notes,
                                      "submit": True}, ensure_ascii=False))
    return {"tokens": tokens, "bodies": bodies}


def cleanup_submit(url: str, prefix: str) -> dict:
    """Remove what the submit and page measurements made, so a later run starts from the same data
    (plain SQL from this process: no app to start)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    counts, status = {}, {}
    try:
        with engine.begin() as conn:
            for like in (prefix, "bench-", "benchfill-"):  # also what an interrupted run left
                params = {"p": like + "%"}
                ids = "SELECT id FROM audit WHERE client_id LIKE :p"
                notes = f"DELETE FROM notification WHERE subject_type = 'audit' AND subject_id IN ({ids})"
                counts["notification"] = counts.get("notification", 0) + conn.execute(text(notes), params).rowcount
                for table in ("answer", "section_score", "audit_event", "photo"):
                    deleted = conn.execute(text(f"DELETE FROM {table} WHERE audit_id IN ({ids})"), params).rowcount
                    counts[table] = counts.get(table, 0) + deleted
                if like == prefix:
                    status = dict(conn.execute(text(
                        "SELECT status, count(*) FROM audit WHERE client_id LIKE :p GROUP BY status"), params).all())
                counts["audit"] = counts.get("audit", 0) + conn.execute(
                    text("DELETE FROM audit WHERE client_id LIKE :p"), params).rowcount
            conn.execute(text("DELETE FROM api_token WHERE name = 'bench'"))
    finally:
        engine.dispose()
    return {"deleted": counts, "status": status}


def job_prepare_fill(job: dict) -> dict:
    """A draft audit of the long visit card for an auditor, for the page-weight measurement."""
    from accounts.models import User
    from audits import services
    from extensions import db

    app = bench_app()
    from branches.models import Branch
    from scorecards.services import get_by_slug

    with app.app_context():
        user = db.session.scalars(db.select(User).where(User.role == "auditor").order_by(User.id)).first()
        card = get_by_slug("bench-branch-visit")
        branch = db.session.scalars(db.select(Branch).order_by(Branch.id)).first()
        audit = services.create_audit(user, scorecard=card, branch=branch, client_id=f"benchfill-{uuid.uuid4().hex}")
        db.session.commit()
        return {"audit_id": audit.id, "email": user.email}


def job_prepare(job: dict) -> dict:
    return {**job_prepare_submit(job), **job_prepare_fill(job), "prepared": True}


WRK_SCRIPT = r"""
local counter = 0
local tokens = {%(tokens)s}
local bodies = {%(bodies)s}
local prefix = "%(prefix)s"
local method = "%(method)s"
local path = "%(path)s"
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
end

function request()
  counter = counter + 1
  if method == "GET" then
    return wrk.format("GET", path)
  end
  local n = tid * 100000000 + counter
  local body = string.gsub(bodies[(n %% #bodies) + 1], "@CLIENT_ID@", prefix .. tid .. "-" .. counter)
  local headers = {["Content-Type"] = "application/json", ["Prefer"] = "return=minimal",
                   ["Authorization"] = "Bearer " .. tokens[(n %% #tokens) + 1]}
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %%d, "duration_us": %%d, "errors": %%d, "status_errors": %%d, ' ..
    '"timeouts": %%d, "p50_ms": %%.2f, "p95_ms": %%.2f, "p99_ms": %%.2f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def _lua_string(s: str) -> str:
    return "[==[" + s + "]==]"


def wrk_load(base: str, seconds: float, *, method="GET", path="/", tokens=(), bodies=(), prefix="") -> dict:
    script = WRK_SCRIPT % {"tokens": ", ".join(_lua_string(t) for t in tokens) or '""',
                           "bodies": ", ".join(_lua_string(b) for b in bodies) or '""',
                           "prefix": prefix, "method": method, "path": path}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        lua = handle.name
    try:
        proc = subprocess.run(["wrk", "-t", "2", "-c", str(CONCURRENCY), "-d", f"{max(1, int(seconds))}s",
                               "--timeout", "30s", "-s", lua, base + path],
                              capture_output=True, text=True, timeout=seconds + 60)
    finally:
        os.unlink(lua)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    data = json.loads(line.removeprefix("WRKJSON "))
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    data["client"] = "wrk"
    return data


def python_load(base: str, seconds: float, *, method="GET", path="/", tokens=(), bodies=(), prefix="") -> dict:
    """The same load from Python threads (http.client, keep-alive) where wrk is not installed."""
    import http.client
    import threading
    from urllib.parse import urlsplit

    host = urlsplit(base)
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(tid: int):
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        counter = 0
        local, bad = [], 0
        while time.monotonic() < deadline:
            counter += 1
            headers, body = {}, None
            if method == "POST":
                n = tid * 100000000 + counter
                body = bodies[n % len(bodies)].replace("@CLIENT_ID@", f"{prefix}{tid}-{counter}").encode()
                headers = {"Content-Type": "application/json", "Prefer": "return=minimal",
                           "Authorization": f"Bearer {tokens[n % len(tokens)]}"}
            t = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    bad += 1
            except OSError:
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
            local.append(time.perf_counter() - t)
        conn.close()
        with lock:
            latencies.extend(local)
            errors[0] += bad

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i + 1,)) for i in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - started
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 2) if latencies else None

    return {"requests": len(latencies), "rps": len(latencies) / duration, "errors": 0, "status_errors": errors[0],
            "timeouts": 0, "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99), "client": "python threads"}


def measure_submit(url: str, args, prep: dict, page_weight=None) -> dict:
    """Rounds of (hello world, same-work floor, submit), alternating so a noisy neighbour hurts
    all alike; each server is warmed up first (``--warmup`` seconds of the same load: a worker's first
    requests load translations, templates and compiled statements, which long-lived workers in
    production have done long ago). ``page_weight(server)`` runs on the last
    app server. The ratio is submit / floor; hello world is context (the cost of gunicorn + Flask)."""
    load = wrk_load if shutil.which("wrk") and not args.python_client else python_load
    prefix = prep["prefix"]
    rounds, seconds = args.rounds, args.seconds
    hello_runs, floor_runs, submit_runs = [], [], []
    hello_mb, floor_mb, app_mb = [], [], []
    submit_args = {"method": "POST", "path": "/api/v1/audits", "tokens": prep["tokens"], "bodies": prep["bodies"]}
    page = None
    for r in range(rounds):
        with Gunicorn("bench.hello:app", url, args.workers) as hello:
            load(hello.base, args.warmup)
            hello_runs.append(load(hello.base, seconds))
        hello_mb.extend(hello.worker_mb)
        with Gunicorn("bench.floor:app", url, args.workers, ready_path="/api/v1/audits") as floor:
            load(floor.base, args.warmup, **submit_args, prefix=f"{prefix}fw{r}-")
            floor_runs.append(load(floor.base, seconds, **submit_args, prefix=f"{prefix}f{r}-"))
        floor_mb.extend(floor.worker_mb)
        with Gunicorn("app:create_app()", url, args.workers, ready_path="/healthz") as server:
            load(server.base, args.warmup, **submit_args, prefix=f"{prefix}w{r}-")
            submit_runs.append(load(server.base, seconds, **submit_args, prefix=f"{prefix}{r}-"))
            if page_weight is not None and r == rounds - 1:
                page = page_weight(server)
        app_mb.extend(server.worker_mb)
        log(f"  round {r + 1}: hello {hello_runs[-1]['rps']:.0f}/s, floor {floor_runs[-1]['rps']:.0f}/s "
            f"(p95 {floor_runs[-1]['p95_ms']} ms), submit {submit_runs[-1]['rps']:.1f}/s "
            f"(p95 {submit_runs[-1]['p95_ms']} ms, "
            f"errors {submit_runs[-1]['errors'] + submit_runs[-1]['status_errors']})")
    ratios = [x["rps"] / f["rps"] for x, f in zip(submit_runs, floor_runs, strict=True)]
    hello_ratios = [x["rps"] / h["rps"] for x, h in zip(submit_runs, hello_runs, strict=True)]
    return {
        "client": submit_runs[0]["client"], "workers": args.workers, "seconds": seconds, "rounds": rounds,
        "submit_rps": round(median([x["rps"] for x in submit_runs]), 1),
        "submit_p50_ms": median([x["p50_ms"] for x in submit_runs]),
        "submit_p95_ms": median([x["p95_ms"] for x in submit_runs]),
        "submit_errors": sum(x["errors"] + x["status_errors"] for x in submit_runs),
        "floor_rps": round(median([f["rps"] for f in floor_runs]), 1),
        "floor_p50_ms": median([f["p50_ms"] for f in floor_runs]),
        "floor_p95_ms": median([f["p95_ms"] for f in floor_runs]),
        "floor_errors": sum(f["errors"] + f["status_errors"] for f in floor_runs),
        "hello_rps": round(median([h["rps"] for h in hello_runs]), 1),
        "hello_p50_ms": median([h["p50_ms"] for h in hello_runs]),
        "hello_p95_ms": median([h["p95_ms"] for h in hello_runs]),
        "ratio": round(median(ratios), 3), "ratios": [round(x, 3) for x in ratios],
        "hello_ratio": round(median(hello_ratios), 4),
        "requests": sum(x["requests"] for x in submit_runs),
        "floor_requests": sum(f["requests"] for f in floor_runs),
        "app_worker_peak_mb": round(max(app_mb), 1) if app_mb else None,
        "floor_worker_peak_mb": round(max(floor_mb), 1) if floor_mb else None,
        "hello_worker_peak_mb": round(max(hello_mb), 1) if hello_mb else None,
    }, page
