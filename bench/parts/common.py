"""What every part of the benchmark uses: the machine, peak memory, the app of a child process,
timing, the subjects the measurements look at, and a logged-in session."""
from __future__ import annotations

import os
import platform
import socket
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import generate

ROOT = Path(__file__).resolve().parent.parent.parent
CONCURRENCY = 16


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


_APP = []


def bench_app():
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


def timed(fn, repeat: int, warmup: int = 1) -> tuple[list[float], object]:
    out = None
    for _ in range(warmup):
        out = fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def find_subjects(app) -> dict:
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
    """Older versions kept report aggregates per process; a cold figure starts without them (a
    no-op since the figures read the monthly roll-ups and nothing is cached)."""
    try:
        from reports.queries import clear_cache
    except ImportError:
        return
    clear_cache()


def log_in(client, user) -> None:
    """A logged-in session without the password check (argon2 is slow on purpose)."""
    with client.session_transaction() as session:
        session["_user_id"] = f"{user[0]}:{user[1]}"
        session["_fresh"] = True
