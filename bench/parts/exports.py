"""Exports: the XLSX of all answers, streamed: time, rows and peak memory."""
from __future__ import annotations

import tempfile
import time

from bench.parts.common import bench_app, find_subjects, log_in, median


def job_export(job: dict) -> dict:
    app = bench_app()
    subjects = find_subjects(app)
    endpoint = job.get("endpoint", "reports.export")
    if endpoint not in app.view_functions:
        return {"missing": True}
    from flask import url_for

    with app.test_request_context():
        path = url_for(endpoint, **job.get("args", {}))
    client = app.test_client()
    log_in(client, subjects["admin"])
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
