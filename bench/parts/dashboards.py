"""Dashboards: server time of the branch overview, HR's employees list and an employee page,
against the single SQL query that reads the same rows."""
from __future__ import annotations

from bench.parts.common import bench_app, clear_report_cache, find_subjects, log_in, median, timed

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

    app = bench_app()
    subjects = find_subjects(app)
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
        log_in(client, subjects[who])

        def get(client=client, path=path):
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code}")
            return len(response.get_data())

        def cold(get=get):
            clear_report_cache()
            return get()

        try:
            times, size = timed(cold, repeat)
            warm_times, _ = timed(get, repeat)
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

        floor_times, floor_rows = timed(floor, repeat)
        row.update(path=path, ms=[round(t * 1000, 1) for t in times], median_ms=round(median(times) * 1000, 1),
                   warm_median_ms=round(median(warm_times) * 1000, 1),
                   bytes=size, floor_ms=round(median(floor_times) * 1000, 2), floor_rows=floor_rows)
        out["pages"].append(row)
    return out
