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
    return {"path": path, "args": job.get("args", {}), "rows": _rows_exported(app, subjects, job.get("args", {})),
            "seconds": [round(t, 2) for t in times], "median_s": round(median(times), 2), "bytes": sizes[-1]}


def _rows_exported(app, subjects, args: dict) -> int:
    """How many answers the export wrote: its own filters (a month, say), as the admin reads them."""
    from sqlalchemy import func, select

    from accounts.models import User
    from audits.models import Answer, Audit
    from extensions import db
    from reports import queries

    with app.test_request_context():
        admin = db.session.get(User, subjects["admin"][0])
        f = queries.parse_filters({k: v for k, v in args.items() if k not in ("what", "fmt")}, admin)
        return db.session.scalar(select(func.count(Answer.id)).join(Audit, Audit.id == Answer.audit_id)
                                 .where(*queries.audit_conditions(f)))
