"""Veraz benchmarks: one command generates the data set and measures what users feel.

    make bench                                    # = .venv/bin/python bench/run.py (standard size, SQLite)
    DATABASE_URL=postgresql+psycopg://... make bench   # the same on PostgreSQL (the database is emptied!)
    .venv/bin/python bench/run.py --scale tiny --quick --output /tmp/r.md     # the CI smoke test
    .venv/bin/python bench/run.py --reuse --only dashboards,pdfs              # keep the data, some parts

Every figure is the median of several runs and stands beside a floor measured in the same run on
the same machine (these machines are shared and noisy: a ratio holds where an absolute time
drifts):

- submit: audits submitted per second through gunicorn on loopback with 16 concurrent clients
  (wrk, or Python threads where wrk is missing), against a hello-world Flask route under the same
  gunicorn settings;
- dashboards: server time of the branch overview, HR's employees list and an employee page,
  against the single SQL query that reads the same rows;
- PDFs: audit, employee and branch reports, against WeasyPrint rendering a plain document with
  the same number of pages; with peak memory;
- exports: the XLSX of all answers: time, rows and peak memory;
- phone page weight: bytes a phone transfers for the fill page and everything it loads (Chromium).

Each measurement that holds memory runs in a child process of its own, which reports its peak
resident memory (VmHWM). Results go to bench/results.md (the block of this database kind is
replaced; the rest of the file is kept) unless --output names another file.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402

RESULTS = ROOT / "bench" / "results.md"
SIZE_STAMP = "bench-dataset.json"
CONCURRENCY = 16

GOALS = {
    "generate_s": 120, "submit_ratio": 0.3, "dashboard_ms": 150, "audit_pdf_s": 1.0, "employee_pdf_s": 2.0,
    "branch_pdf_s": 3.0, "pdf_mb": 300, "export_mb": 200, "page_kb": 60,
}


# ------------------------------------------------------------------------------------------------
# Small helpers

def median(values):
    return statistics.median(values) if values else None


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """The process's peak resident memory (VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal:"))
    except (OSError, StopIteration):
        mem_kb = 0
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "load_before": round(os.getloadavg()[0], 2), "python": platform.python_version(),
            "kernel": platform.release()}


def db_kind(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
# Children: each measurement that holds memory runs in its own process and prints one JSON line.

def run_child(job: dict, url: str, timeout: int = 1800) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(job)],
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


_APP = []


def _guarded(job: dict) -> dict:
    """A measurement that fails (a page answering 500, say) is reported, and the run goes on."""
    import traceback

    try:
        return CHILD_JOBS[job["job"]](job)
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        return {"error": f"{exc.__class__.__name__}: {str(exc)[:300]}", "kind": job.get("kind")}


def _app():
    """The app, made once per child process."""
    if not _APP:
        _APP.append(generate.make_app(os.environ["DATABASE_URL"], TESTING=False, WTF_CSRF_ENABLED=True))
    return _APP[0]


def reset_peak_rss() -> bool:
    """Start a new peak-memory measurement in this process (Linux: clear_refs 5 resets VmHWM)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


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


def _timed(fn, repeat: int, warmup: int = 1) -> tuple[list[float], object]:
    out = None
    for _ in range(warmup):
        out = fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def _subjects(app) -> dict:
    """Who and what the measurements look at: the busiest branch, employee and a full audit."""
    from sqlalchemy import text

    from extensions import db

    with app.app_context():
        one = db.session.execute
        today = datetime.now(UTC).replace(tzinfo=None)
        since = today - timedelta(days=365)
        try:  # the reports' default period: the last 12 calendar months
            from reports.queries import default_period

            since = datetime.combine(default_period(today.date())[0], datetime.min.time())
        except ImportError:
            pass
        branch_id = one(text("SELECT branch_id FROM audit WHERE status='approved' AND started_at >= :s "
                             "GROUP BY branch_id ORDER BY count(*) DESC LIMIT 1"), {"s": since}).scalar()
        employee_id = one(text("SELECT employee_id FROM audit WHERE status='approved' AND employee_id IS NOT NULL "
                               "AND started_at >= :s GROUP BY employee_id ORDER BY count(*) DESC LIMIT 1"),
                          {"s": since}).scalar()
        audit_id = one(text("SELECT a.id FROM audit a JOIN answer n ON n.audit_id = a.id WHERE a.status='approved' "
                            "AND a.branch_id = :b GROUP BY a.id ORDER BY count(*) DESC, a.id DESC LIMIT 1"),
                       {"b": branch_id}).scalar()
        manager = one(text("SELECT u.id, u.session_token FROM \"user\" u JOIN manager_branches m ON m.user_id = u.id "
                           "WHERE m.branch_id = :b AND u.role = 'manager' ORDER BY u.id LIMIT 1"),
                      {"b": branch_id}).first()
        manager_branches = one(text("SELECT branch_id FROM manager_branches WHERE user_id = :u"),
                               {"u": manager[0]}).scalars().all()
        hr = one(text("SELECT id, session_token FROM \"user\" WHERE role='hr' ORDER BY id LIMIT 1")).first()
        admin = one(text("SELECT id, session_token FROM \"user\" WHERE role='admin' ORDER BY id LIMIT 1")).first()
        return {"branch_id": branch_id, "employee_id": employee_id, "audit_id": audit_id,
                "manager": tuple(manager), "manager_branches": manager_branches, "hr": tuple(hr), "admin": tuple(admin),
                "since": since, "today": today}


def clear_report_cache() -> None:
    """The reports keep aggregates for a couple of minutes; a cold figure starts without them."""
    try:
        from reports.queries import clear_cache
    except ImportError:
        return
    clear_cache()


def _login(client, user) -> None:
    """A logged-in session without the password check (argon2 is slow on purpose)."""
    with client.session_transaction() as session:
        session["_user_id"] = f"{user[0]}:{user[1]}"
        session["_fresh"] = True


# -- dashboards -----------------------------------------------------------------------------------

_CRITERIA_FLOOR = ("SELECT n.criterion_key, count(*), avg(n.fraction) FROM answer n JOIN audit a ON a.id = n.audit_id "
                   "WHERE {where} AND a.status = 'approved' AND a.started_at >= :since GROUP BY n.criterion_key")
DASHBOARDS = [
    # name, endpoint, who, url arguments (from the subjects), floor: one SQL query over the same rows
    ("branch overview (manager)", "reports.overview", "manager", {},
     _CRITERIA_FLOOR.format(where="a.branch_id IN ({manager_branches})")),
    ("branch page", "reports.branch", "manager", {"branch_id": "branch_id"},
     _CRITERIA_FLOOR.format(where="a.branch_id = :branch_id")),
    ("HR employees list", "reports.employees", "hr", {},
     "SELECT a.employee_id, count(*), avg(a.score), sum(CASE WHEN a.passed THEN 1 ELSE 0 END) FROM audit a "
     "WHERE a.status = 'approved' AND a.started_at >= :since AND a.employee_id IS NOT NULL "
     "GROUP BY a.employee_id"),
    ("employee page", "reports.employee", "hr", {"employee_id": "employee_id"},
     _CRITERIA_FLOOR.format(where="a.employee_id = :employee_id")),
]


def job_dashboards(job: dict) -> dict:
    from flask import url_for
    from sqlalchemy import text

    from extensions import db

    app = _app()
    subjects = _subjects(app)
    repeat = job["repeat"]
    out = {"pages": []}
    for name, endpoint, who, args, floor_sql in DASHBOARDS:
        row = {"name": name, "endpoint": endpoint}
        if endpoint not in app.view_functions:
            row["missing"] = True
            out["pages"].append(row)
            continue
        with app.test_request_context():
            path = url_for(endpoint, **{k: subjects[v] for k, v in args.items()})
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
        _login(client, subjects[who])

        def get(client=client, path=path):
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code}")
            return len(response.get_data())

        def cold(get=get):
            clear_report_cache()
            return get()

        try:
            times, size = _timed(cold, repeat)
            warm_times, _ = _timed(get, repeat)
        except RuntimeError as exc:
            row["error"] = str(exc)
            out["pages"].append(row)
            continue
        params = {"branch_id": subjects["branch_id"], "employee_id": subjects["employee_id"],
                  "since": subjects["since"]}

        sql_text = floor_sql.replace("{manager_branches}", ",".join(str(int(b)) for b in subjects["manager_branches"]))

        def floor(sql=sql_text, params=params):
            with app.app_context():
                rows = db.session.execute(text(sql), params).all()
                db.session.remove()
                return len(rows)

        floor_times, floor_rows = _timed(floor, repeat)
        row.update(path=path, ms=[round(t * 1000, 1) for t in times], median_ms=round(median(times) * 1000, 1),
                   warm_median_ms=round(median(warm_times) * 1000, 1),
                   bytes=size, floor_ms=round(median(floor_times) * 1000, 2), floor_rows=floor_rows)
        out["pages"].append(row)
    return out


# -- PDFs -----------------------------------------------------------------------------------------

def _pdf_pages(data: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(data)).pages)


ENDPOINTS_PDF = {"audit": "reports.audit_pdf", "employee": "reports.employee_pdf", "branch": "reports.branch_pdf"}


def _render_report(app, kind: str, subjects: dict):
    """One PDF from reports/pdf.py as the download route makes it; returns its bytes."""
    from flask import url_for

    endpoint = ENDPOINTS_PDF[kind]
    args = {"audit": {"audit_id": subjects["audit_id"]},
            "employee": {"employee_id": subjects["employee_id"]},
            "branch": {"branch_id": subjects["branch_id"]}}[kind]
    if endpoint not in app.view_functions:
        return None
    with app.test_request_context():
        path = url_for(endpoint, **args)
    since, today = subjects["since"].date(), subjects["today"].date()
    sep = "&" if "?" in path else "?"
    if kind != "audit":
        path += f"{sep}from={since.isoformat()}&to={today.isoformat()}"
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    _login(client, subjects["admin"])
    response = client.get(path)
    if response.status_code != 200 or not response.get_data().startswith(b"%PDF"):
        raise RuntimeError(f"{path}: HTTP {response.status_code} {response.mimetype}")
    return response.get_data()


def job_pdf(job: dict) -> dict:
    app = _app()
    subjects = _subjects(app)
    kind = job["kind"]
    if ENDPOINTS_PDF[kind] not in app.view_functions:
        return {"kind": kind, "missing": True}
    t = time.perf_counter()
    _render_report(app, kind, subjects)
    first = time.perf_counter() - t  # a fresh process: fonts, templates and the first queries are cold

    def render():
        clear_report_cache()  # every figure computed again, as after new audits
        return _render_report(app, kind, subjects)

    times, data = _timed(render, job["repeat"], warmup=0)
    return {"kind": kind, "first_s": round(first, 3), "seconds": [round(t, 3) for t in times],
            "median_s": round(median(times), 3), "pages": _pdf_pages(data), "bytes": len(data)}


PLAIN_PAGE = """<section><h1>Página {n}</h1>{paras}</section>"""
PLAIN_CSS = """@page { size: A4; margin: 2cm; @bottom-center { content: counter(page); font-family: DejaVu Sans; } }
body { font-family: DejaVu Sans, sans-serif; font-size: 10pt; } section { break-after: page; }"""


def job_plain_pdf(job: dict) -> dict:
    """The floor: WeasyPrint alone, a plain document of the same number of pages."""
    from weasyprint import HTML

    pages = max(1, int(job["pages"]))
    para = "<p>" + "Texto de relleno para una página de informe con cifras 12,5 % y nombres. " * 6 + "</p>"
    html = f"<html><head><style>{PLAIN_CSS}</style></head><body>" + "".join(
        PLAIN_PAGE.format(n=n + 1, paras=para * 4) for n in range(pages)) + "</body></html>"

    def render():
        return HTML(string=html).write_pdf()

    times, data = _timed(render, job["repeat"], warmup=job.get("warmup", 1))
    return {"seconds": [round(t, 3) for t in times], "median_s": round(median(times), 3), "pages": _pdf_pages(data)}


# -- exports --------------------------------------------------------------------------------------

def job_export(job: dict) -> dict:
    app = _app()
    subjects = _subjects(app)
    endpoint = job.get("endpoint", "reports.export")
    if endpoint not in app.view_functions:
        return {"missing": True}
    from flask import url_for

    with app.test_request_context():
        path = url_for(endpoint, **job.get("args", {}))
    client = app.test_client()
    _login(client, subjects["admin"])
    times, sizes = [], []
    for _ in range(job["repeat"]):
        t = time.perf_counter()
        response = client.get(path, buffered=False)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
        size = 0
        with tempfile.TemporaryFile() as sink:
            for chunk in response.response:
                sink.write(chunk)
                size += len(chunk)
        response.close()
        times.append(time.perf_counter() - t)
        sizes.append(size)
    from sqlalchemy import text

    from extensions import db

    with app.app_context():
        rows = db.session.execute(text("SELECT count(*) FROM answer n JOIN audit a ON a.id = n.audit_id "
                                       "WHERE a.status IN ('submitted', 'returned', 'approved')")).scalar()
    return {"path": path, "rows": rows, "seconds": [round(t, 2) for t in times], "median_s": round(median(times), 2),
            "bytes": sizes[-1]}


# -- set-up for the server measurements ----------------------------------------------------------

def job_prepare_submit(job: dict) -> dict:
    """API tokens for 16 auditors, and request bodies: valid answers to the long visit card."""
    import random

    from sqlalchemy import text

    from accounts.models import ApiToken, User
    from bench import cards
    from bench.generate import card_infos, make_answers
    from extensions import db

    app = _app()
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

    app = _app()
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


CHILD_JOBS = {"dashboards": job_dashboards, "pdf": job_pdf, "plain_pdf": job_plain_pdf, "export": job_export,
              "prepare": job_prepare, "batch": job_batch}


# ------------------------------------------------------------------------------------------------
# Servers and load

class Gunicorn:
    """gunicorn on a free loopback port; on exit, the workers' peak memory is kept in ``worker_mb``."""

    def __init__(self, app_spec: str, url: str, workers: int, ready_path: str = "/"):
        self.app_spec, self.url, self.workers, self.ready_path = app_spec, url, workers, ready_path
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.worker_mb: list[float] = []

    def __enter__(self):
        env = {**os.environ, "DATABASE_URL": self.url, "SECRET_KEY": "bench-secret-key", "PYTHONPATH": str(ROOT),
               "RATELIMIT_ENABLED": "1"}
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--no-control-socket", "-w", str(self.workers),
             "-b", f"127.0.0.1:{self.port}", "--timeout", "120", "--log-level", "warning", self.app_spec],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        import http.client

        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"gunicorn {self.app_spec} exited:\n{self.log.read().decode()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", self.ready_path)
                conn.getresponse().read()
                conn.close()
                # Every worker booted: gunicorn starts them at once; give the last a moment.
                time.sleep(0.5)
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn {self.app_spec} did not answer within 60 s")

    def workers_pids(self) -> list[int]:
        try:
            return [int(p) for p in Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()]
        except OSError:
            return []

    def __exit__(self, *exc):
        self.worker_mb = [m for m in (peak_rss_mb(p) for p in self.workers_pids()) if m]
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


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
  local headers = {["Content-Type"] = "application/json",
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
                headers = {"Content-Type": "application/json", "Authorization": f"Bearer {tokens[n % len(tokens)]}"}
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
    """Rounds of (hello world, submit), alternating so a noisy neighbour hurts both alike; each
    server gets a warm-up second first. ``page_weight(server)`` runs on the last app server."""
    load = wrk_load if shutil.which("wrk") and not args.python_client else python_load
    prefix = prep["prefix"]
    rounds, seconds = args.rounds, args.seconds
    hello_runs, submit_runs = [], []
    hello_mb, app_mb = [], []
    submit_args = {"method": "POST", "path": "/api/v1/audits", "tokens": prep["tokens"], "bodies": prep["bodies"]}
    page = None
    for r in range(rounds):
        with Gunicorn("bench.hello:app", url, args.workers) as hello:
            load(hello.base, 1)
            hello_runs.append(load(hello.base, seconds))
        hello_mb.extend(hello.worker_mb)
        with Gunicorn("app:create_app()", url, args.workers, ready_path="/healthz") as server:
            load(server.base, 1, **submit_args, prefix=f"{prefix}w{r}-")
            submit_runs.append(load(server.base, seconds, **submit_args, prefix=f"{prefix}{r}-"))
            if page_weight is not None and r == rounds - 1:
                page = page_weight(server)
        app_mb.extend(server.worker_mb)
        log(f"  round {r + 1}: hello {hello_runs[-1]['rps']:.0f}/s, submit {submit_runs[-1]['rps']:.1f}/s "
            f"(p95 {submit_runs[-1]['p95_ms']} ms, "
            f"errors {submit_runs[-1]['errors'] + submit_runs[-1]['status_errors']})")
    ratios = [x["rps"] / h["rps"] for x, h in zip(submit_runs, hello_runs, strict=True)]
    return {
        "client": submit_runs[0]["client"], "workers": args.workers, "seconds": seconds, "rounds": rounds,
        "submit_rps": round(median([x["rps"] for x in submit_runs]), 1),
        "submit_p50_ms": median([x["p50_ms"] for x in submit_runs]),
        "submit_p95_ms": median([x["p95_ms"] for x in submit_runs]),
        "submit_errors": sum(x["errors"] + x["status_errors"] for x in submit_runs),
        "hello_rps": round(median([h["rps"] for h in hello_runs]), 1),
        "hello_p50_ms": median([h["p50_ms"] for h in hello_runs]),
        "hello_p95_ms": median([h["p95_ms"] for h in hello_runs]),
        "ratio": round(median(ratios), 3), "ratios": [round(x, 3) for x in ratios],
        "requests": sum(x["requests"] for x in submit_runs),
        "app_worker_peak_mb": round(max(app_mb), 1) if app_mb else None,
        "hello_worker_peak_mb": round(max(hello_mb), 1) if hello_mb else None,
    }, page


# ------------------------------------------------------------------------------------------------
# Phone page weight (the fill page in a real Chromium)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "es-ES"}


def measure_page_weight(server: Gunicorn, prep: dict) -> dict:
    """Log in, then open the fill page of a draft audit with a cold cache; every request the page
    and its service worker make is counted with its bytes on the wire (headers and body)."""
    import gzip
    import re

    executable = shutil.which("chromium")
    if executable is None:
        return {"missing": "chromium is not installed (scripts/bootstrap.sh --dev)"}
    from playwright.sync_api import sync_playwright

    resources = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(**PHONE)
        context.set_default_timeout(30_000)
        # Log in through the form with the context's request API (cookies go to the browser), so
        # that the fill page is the first page the browser loads: a cold cache.
        login = context.request.get(server.base + "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login.text())
        form = {"email": prep["email"], "password": generate.PASSWORD}
        if token:
            form["csrf_token"] = token.group(1)
        done = context.request.post(server.base + "/login", form=form, max_redirects=0)
        if done.status not in (302, 303):
            raise RuntimeError(f"login failed: HTTP {done.status}")

        def finished(request):
            try:
                response = request.response()
                sizes = request.sizes()
                body = response.body() if response is not None else b""
            except Exception:  # noqa: BLE001  a request the page dropped (the service worker may cancel one)
                return
            encoding = (response.headers.get("content-encoding") or "") if response else ""
            resources.append({
                "url": request.url.replace(server.base, ""), "type": request.resource_type,
                "status": response.status if response else None, "encoding": encoding or "none",
                "transferred": sizes["responseBodySize"] + sizes["responseHeadersSize"],
                "body": sizes["responseBodySize"], "decoded": len(body),
                "gzip": len(gzip.compress(body, 6)) if body else 0,
                "by_service_worker": request.service_worker is not None,
                "from_service_worker": bool(response and response.from_service_worker),
            })

        context.on("requestfinished", finished)
        page = context.new_page()
        page.goto(f"{server.base}/audits/{prep['audit_id']}/fill", wait_until="networkidle")
        page.wait_for_timeout(1500)  # the service worker installs and may precache
        title = page.title()
        context.close()
        browser.close()
    network = [r for r in resources if r["transferred"] > 0]
    total = sum(r["transferred"] for r in network)
    gz = sum(min(r["gzip"], r["body"]) if r["encoding"] == "none" else r["body"] for r in network)
    return {"audit_id": prep["audit_id"], "title": title, "resources": network,
            "requests": len(resources), "network_requests": len(network),
            "transferred_kb": round(total / 1024, 1), "gzip_proxy_kb": round(gz / 1024, 1),
            "uncompressed": [r["url"] for r in network if r["encoding"] == "none" and r["gzip"] < r["body"] * 0.8],
            "app_compresses": any(r["encoding"] != "none" for r in network)}


# ------------------------------------------------------------------------------------------------
# The run

def dataset(url: str, args) -> dict:
    size = generate.size_from_args(args)
    stamp = (Path(url.removeprefix("sqlite:///")).parent if url.startswith("sqlite:///") else ROOT / "bench" / "data")
    stamp = stamp / (SIZE_STAMP if url.startswith("sqlite") else f"pg-{SIZE_STAMP}")
    wanted = {"size": vars(size)}
    if args.reuse and stamp.exists():
        saved = json.loads(stamp.read_text())
        if saved.get("size") == wanted["size"] and saved.get("url") == generate._safe_url(url):
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
    args.only_set = set(args.only.split(",")) if args.only else {"submit", "dashboards", "pdfs", "exports", "page"}
    started = datetime.now(UTC)
    results = {"machine": machine(), "when": started.isoformat(timespec="seconds"), "db": db_kind(url),
               "url": generate._safe_url(url), "scale": args.scale, "quick": args.quick,
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


# ------------------------------------------------------------------------------------------------
# The report

def _fmt(value, unit="", digits=1):
    if value is None:
        return "—"
    if isinstance(value, float):
        value = f"{value:,.{digits}f}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value}{unit}"


def _met(ok) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def render(results: dict) -> str:
    m, d = results["machine"], results["dataset"]
    counts = d.get("counts", {})
    lines = [
        f"### {results['db']} — {results['when'][:16].replace('T', ' ')} UTC"
        + (" (quick)" if results.get("quick") else ""),
        "",
        f"- Command: `{results['command']}` on {results['url']}",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB memory, Linux {m['kernel']}, "
        f"Python {m['python']}; load average {m['load_before']} at the start (the machine is shared)",
        f"- Data set ({results['scale']}): {_fmt(counts.get('branches'))} branches, "
        f"{_fmt(counts.get('employees'))} employees, {_fmt(counts.get('audit'))} audits, "
        f"{_fmt(counts.get('answer'))} answers, {_fmt(counts.get('section_score'))} section scores; "
        + (f"generated in {d['seconds']} s (goal < {GOALS['generate_s']} s; {d.get('cpu_seconds')} s of CPU in "
           "the generator itself)" if not d.get("reused")
           else f"reused (generated {d.get('when')} in {d['seconds']} s)"),
        "",
        "| measurement | median | floor (same run) | ratio | goal | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    notes = []
    s = results.get("submit")
    if s:
        lines.append(f"| submit: audits per second ({CONCURRENCY} clients, {s['workers']} gunicorn workers) | "
                     f"{_fmt(s['submit_rps'])}/s, p50 {_fmt(s['submit_p50_ms'])} ms, "
                     f"p95 {_fmt(s['submit_p95_ms'])} ms, "
                     f"{s['submit_errors']} errors | hello world {_fmt(s['hello_rps'], '/s', 0)}, p50 "
                     f"{_fmt(s['hello_p50_ms'])} ms | {s['ratio']} | ≥ {GOALS['submit_ratio']} | "
                     f"{_met(s['ratio'] >= GOALS['submit_ratio'] and s['submit_errors'] == 0)} |")
        notes.append(f"Submit: {s['rounds']} rounds of {s['seconds']} s each side, alternating, client {s['client']}; "
                     f"ratios per round {s['ratios']}; {s['requests']:,} POST /api/v1/audits with submit=true, "
                     f"{s.get('submitted_in_db', 0):,} found submitted in the database afterwards (then deleted); "
                     f"largest worker peak memory {s['app_worker_peak_mb']} MB (hello {s['hello_worker_peak_mb']} MB).")
    dash = results.get("dashboards")
    if dash:
        for p in dash["pages"]:
            if p.get("missing") or p.get("error"):
                what = f"error: {p['error']}" if p.get("error") else "not built yet"
                lines.append(f"| dashboard: {p['name']} (`{p['endpoint']}`) | {what} | | | < 150 ms | — |")
                continue
            lines.append(f"| dashboard: {p['name']} | {_fmt(p['median_ms'])} ms (cached figures: "
                         f"{_fmt(p.get('warm_median_ms'))} ms) | one SQL query "
                         f"{_fmt(p['floor_ms'], digits=2)} ms ({p['floor_rows']} rows) | "
                         f"{round(p['median_ms'] / max(p['floor_ms'], 0.01), 1)} | < {GOALS['dashboard_ms']} ms | "
                         f"{_met(p['median_ms'] < GOALS['dashboard_ms'])} |")
        notes.append("Dashboards: server time through the Flask test client (routing, permissions, queries, "
                     "templates), logged in, over the last 12 months, with the reports' aggregate cache emptied "
                     "before each run (in brackets: served from that cache, as within 2 minutes of a first view); "
                     "runs "
                     + "; ".join(f"{p['name']} {p.get('ms')}" for p in dash["pages"] if p.get("ms"))
                     + f"; peak memory {dash.get('peak_rss_mb')} MB.")
    pdfs = results.get("pdfs") or {}
    for kind, goal in (("audit", "audit_pdf_s"), ("employee", "employee_pdf_s"), ("branch", "branch_pdf_s")):
        p = pdfs.get(kind)
        if not p:
            continue
        if p.get("missing") or p.get("error"):
            what = f"error: {p['error']}" if p.get("error") else "not built yet"
            lines.append(f"| {kind} PDF | {what} | | | < {GOALS[goal]} s | — |")
            continue
        over = "" if kind == "audit" else " over a year"
        lines.append(f"| {kind} PDF{over} ({p['pages']} pages) | {_fmt(p['median_s'], ' s', 2)} "
                     f"(first in a fresh process {_fmt(p.get('first_s'), ' s', 2)}), peak "
                     f"{_fmt(p['peak_rss_mb'], ' MB', 0)} | plain {p['floor']['pages']}-page WeasyPrint "
                     f"{_fmt(p['floor']['median_s'], ' s', 2)} | {p['ratio']} | < {GOALS[goal]} s, "
                     f"< {GOALS['pdf_mb']} MB | "
                     f"{_met(p['median_s'] < GOALS[goal] and p['peak_rss_mb'] < GOALS['pdf_mb'])} |")
    e = results.get("exports")
    if e:
        if e.get("missing") or e.get("error"):
            what = f"error: {e['error']}" if e.get("error") else "not built yet"
            lines.append(f"| XLSX of all answers | {what} | | | < {GOALS['export_mb']} MB | — |")
        else:
            lines.append(f"| XLSX of all answers of scored audits ({_fmt(e.get('rows'))} rows) | "
                         f"{_fmt(e['median_s'], ' s')}, "
                         f"{_fmt(e['bytes'] / 1e6, ' MB')} file, peak {_fmt(e['peak_rss_mb'], ' MB', 0)} | | | "
                         f"flat memory, < {GOALS['export_mb']} MB | {_met(e['peak_rss_mb'] < GOALS['export_mb'])} |")
    pg = results.get("page")
    if pg:
        if pg.get("missing"):
            lines.append(f"| phone: fill page weight | {pg['missing']} | | | < {GOALS['page_kb']} KB | — |")
        else:
            figure = pg["transferred_kb"]
            lines.append(f"| phone: fill page and all it loads ({pg['network_requests']} requests over the network) | "
                         f"{_fmt(figure)} KB transferred | bodies gzipped, without headers: "
                         f"{_fmt(pg['gzip_proxy_kb'])} KB | | "
                         f"< {GOALS['page_kb']} KB | {_met(figure < GOALS['page_kb'])} |")
            how = ("the app compresses pages" if pg["app_compresses"] else "the app compresses nothing")
            if pg["uncompressed"]:
                how += "; sent uncompressed although gzip would shrink them: " + ", ".join(
                    f"`{u}`" for u in pg["uncompressed"])
            notes.append(f"Fill page ({how}). Bytes on the wire incl. headers / decoded body / encoding: "
                         + "; ".join(f"`{r['url'][:60]}`{' (service worker)' if r['by_service_worker'] else ''} "
                                     f"{r['transferred']:,} / {r['decoded']:,} / {r['encoding']}"
                                     for r in pg["resources"])
                         + f"; {pg['requests'] - pg['network_requests']} more requests came from the cache or "
                           "the service worker (0 bytes).")
    lines.append("")
    lines.extend(f"- {n}" for n in notes)
    lines.append(f"- Whole run: {results['seconds']} s.")
    return "\n".join(lines) + "\n"


HEADER = """# Benchmark results

Written by `bench/run.py` (see the README, "Performance"). Each block is the latest run on that
database; every figure is a median of several runs, beside a floor measured in the same run.

"""


def write_results(path: Path, results: dict) -> None:
    begin, end = f"<!-- bench:{results['db']}:begin -->", f"<!-- bench:{results['db']}:end -->"
    block = f"{begin}\n{render(results)}{end}\n"
    text = path.read_text() if path.exists() else HEADER
    if begin in text and end in text:
        before, rest = text.split(begin, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        text = before + block + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    generate.add_size_arguments(parser)
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else bench/data/bench.db (emptied!)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and shorter loads (smoke test)")
    parser.add_argument("--reuse", action="store_true", help="keep the data set of an earlier run of the same size")
    parser.add_argument("--force", action="store_true", help="empty the database even if it holds other data")
    parser.add_argument("--only", help="comma-separated: submit,dashboards,pdfs,exports,page")
    parser.add_argument("--repeat", type=int, help="repetitions per measurement")
    parser.add_argument("--rounds", type=int, help="submit: rounds of (hello, submit)")
    parser.add_argument("--seconds", type=float, help="submit: seconds of load per round")
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
    results = run(args)
    write_results(args.output, results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
