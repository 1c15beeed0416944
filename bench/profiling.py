"""Where the time goes: one benchmark target under cProfile, with every SQL statement timed.

    .venv/bin/python bench/profiling.py submit                 # POST /api/v1/audits, submit=true, short answer
    .venv/bin/python bench/profiling.py pdf branch             # or: pdf audit, pdf employee
    .venv/bin/python bench/profiling.py page reports.branch    # a dashboard page (--warm: cached figures)
    .venv/bin/python bench/profiling.py export                 # the XLSX of all answers (first 50,000 rows)

Runs on the data set of bench/run.py (bench/data/bench.db, or $DATABASE_URL), in-process through
the Flask test client: prints the wall time of each repetition, the SQL statements (count and
time, slowest first) and the functions with the most time of their own and in total.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from bench.parts import common, dashboards, pdfs  # noqa: E402
from bench.parts import submit as submit_part  # noqa: E402


class SqlTimer:
    """Every statement the engine runs, with its time (before_/after_cursor_execute)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.engine, self.stats, self.on = engine, defaultdict(lambda: [0, 0.0]), False
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            item = self.stats[" ".join(statement.split())[:160]]
            item[0] += 1
            item[1] += time.perf_counter() - conn.info.pop("bench_t", time.perf_counter())

    def report(self, top: int = 15) -> str:
        total_n = sum(n for n, _ in self.stats.values())
        total_t = sum(t for _, t in self.stats.values())
        lines = [f"SQL: {total_n} statements, {total_t * 1000:.1f} ms"]
        for sql, (n, t) in sorted(self.stats.items(), key=lambda kv: -kv[1][1])[:top]:
            lines.append(f"  {t * 1000:8.1f} ms {n:5d}x  {sql}")
        return "\n".join(lines)


def target(app, what: str, arg: str | None, cold: bool = True):
    """A function doing one request of the target (raises on a non-2xx answer)."""
    subjects = common.find_subjects(app)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    if what == "submit":
        prep = submit_part.job_prepare_submit({})
        counter = iter(range(10**9))

        def submit():
            n = next(counter)
            body = prep["bodies"][n % len(prep["bodies"])].replace("@CLIENT_ID@", f"bench-profile-{time.time_ns()}")
            token = prep["tokens"][n % len(prep["tokens"])]
            response = client.post("/api/v1/audits", data=body, headers={  # as bench/parts/submit.py sends it
                "Content-Type": "application/json", "Authorization": f"Bearer {token}", "Prefer": "return=minimal"})
            assert response.status_code == 201, response.get_data()[:300]
        return submit
    if what == "pdf":
        def pdf():
            if cold:
                common.clear_report_cache()
            return pdfs.render_report(app, arg or "branch", subjects)
        return pdf
    if what == "page":
        from flask import url_for

        spec = next(d for d in dashboards.DASHBOARDS if d[1] == (arg or "reports.branch"))
        with app.test_request_context():
            path = url_for(spec[1], **{k: subjects[v] for k, v in spec[3].items()})
        common.log_in(client, subjects[spec[2]])

        def page():
            if cold:
                common.clear_report_cache()
            response = client.get(path)
            assert response.status_code == 200, response.status_code
        return page
    if what == "export":
        from accounts.models import User
        from extensions import db
        from reports import exports, queries, spreadsheets

        def export():
            with app.test_request_context():
                admin = db.session.get(User, subjects["admin"][0])
                f = queries.parse_filters({"from": "2000-01-01", "status": "scored"}, admin)
                rows = exports.answer_rows(f)
                for _chunk in spreadsheets.xlsx_stream(r for _, r in zip(range(50_000), rows, strict=False)):
                    pass
        return export
    raise SystemExit(f"unknown target {what}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["submit", "pdf", "page", "export"])
    parser.add_argument("arg", nargs="?")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--warm", action="store_true", help="pages and PDFs: keep the reports' aggregate cache")
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", generate.database_url())
    app = common.bench_app()
    from extensions import db

    with app.app_context():
        timer = SqlTimer(db.engine)
    fn = target(app, args.what, args.arg, cold=not args.warm)
    fn()  # warm-up: imports, templates, fonts, first connection
    profile = cProfile.Profile()
    times = []
    timer.on = True
    for _ in range(args.repeat):
        t = time.perf_counter()
        profile.enable()
        fn()
        profile.disable()
        times.append(time.perf_counter() - t)
    timer.on = False
    print(f"{args.what} {args.arg or ''}: {', '.join(f'{t * 1000:.0f}' for t in times)} ms "
          f"(median {sorted(times)[len(times) // 2] * 1000:.0f} ms); load average {os.getloadavg()[0]:.1f}")
    print(f"per repetition, {timer.report(args.top).replace('SQL: ', 'SQL over all repetitions: ', 1)}")
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(key).print_stats(args.top)
        print(f"--- by {key}\n" + "\n".join(out.getvalue().splitlines()[6:]))
    if args.what == "submit":
        submit_part.cleanup_submit(os.environ["DATABASE_URL"], "bench-profile-")
    return 0


if __name__ == "__main__":
    sys.exit(main())
