"""The same-work floor of the submit benchmark: a plain Flask endpoint doing what
``POST /api/v1/audits`` with ``submit: true`` must do, with the database driver and nothing else.

    DATABASE_URL=sqlite:///bench/data/bench.db gunicorn --no-control-socket -w 4 -b 127.0.0.1:8002 bench.floor:app

Per request, in one transaction: check the API token (SHA-256, one SELECT); refuse a client_id
already used (one SELECT); read the unplanned-audits setting, the scorecard's latest published
version, the branch and the employee (three SELECTs); check and score the answers with the app's
own engine (scorecards/scoring.py; a version's spec is built once per process, as the app keeps
it); then write the same rows as the app: the audit, its answers (one multi-row INSERT), its
section scores (another), its ``submitted`` event and a notification for each reviewer of the
branch (found with one SELECT). Answers a short JSON body. No ORM, no Flask extensions, no
marshmallow, no signals, no jobs: what is left is the cost of the work itself.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, jsonify, request

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scorecards import scoring  # noqa: E402

app = Flask(__name__)
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_state: dict = {"pid": None, "conn": None, "specs": {}}


def _connect():
    """One connection per worker process: sqlite3 or psycopg, straight from DATABASE_URL."""
    if _state["pid"] == os.getpid():
        return _state["conn"]
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1], timeout=15, isolation_level=None)
        for pragma in ("busy_timeout = 15000", "journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
            conn.execute("PRAGMA " + pragma)  # as the app's (extensions.py)
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True)
    _state.update(pid=os.getpid(), conn=conn, specs={}, pg=not url.startswith("sqlite"))
    return conn


def _sql(text: str) -> str:
    return text.replace("?", "%s") if _state["pg"] else text


def _one(cur, text, params=()):
    cur.execute(_sql(text), params)
    return cur.fetchone()


def _spec(cur, version_id: int):
    """(spec, {criterion key: (id, kpi)}, {section key: id}) of a published version, kept per process."""
    if version_id in _state["specs"]:
        return _state["specs"][version_id]
    cur.execute(_sql("SELECT pass_mark, critical_zeroes_score FROM scorecard_version WHERE id = ?"), (version_id,))
    pass_mark, zeroes = cur.fetchone()
    cur.execute(_sql("SELECT id, key, weight FROM section WHERE version_id = ? ORDER BY position"), (version_id,))
    sections = cur.fetchall()
    cur.execute(_sql("SELECT c.section_id, c.id, c.key, c.type, c.weight, c.allow_na, c.critical, c.required, c.kpi, "
                     "c.settings FROM criterion c JOIN section s ON s.id = c.section_id WHERE s.version_id = ? "
                     "ORDER BY s.position, c.position"), (version_id,))
    criteria = cur.fetchall()
    specs, ids = [], {}
    for section_id, key, weight in sections:
        items = []
        for row in (r for r in criteria if r[0] == section_id):
            settings = row[9] if isinstance(row[9], dict) else json.loads(row[9] or "{}")
            target = settings.get("target") or {}
            items.append(scoring.CriterionSpec(
                key=row[2], type=row[3], weight=row[4], allow_na=bool(row[5]), critical=bool(row[6]),
                required=bool(row[7]), kpi=row[8], min=int(settings.get("min", 1)), max=int(settings.get("max", 5)),
                options={o["key"]: float(o["score"]) for o in settings.get("options", [])},
                target_op=target.get("op"), target_value=target.get("value")))
            ids[row[2]] = (row[1], row[8])
        specs.append(scoring.SectionSpec(key, weight, tuple(items)))
    out = (scoring.ScorecardSpec(tuple(specs), pass_mark, bool(zeroes)), ids, {key: sid for sid, key, _w in sections})
    _state["specs"][version_id] = out
    return out


def _error(status: int, message: str):
    return jsonify({"error": {"code": "invalid", "message": message, "details": {}}}), status


@app.post("/api/v1/audits")
def submit():
    conn = _connect()
    header = request.headers.get("Authorization", "")
    secret = header[7:].strip() if header[:7].lower() == "bearer " else ""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error(400, "not JSON")
    cur = conn.cursor()
    if _state["pg"]:
        cur.execute("BEGIN")
    try:
        status, body = _submit(cur, secret, data)
        if _state["pg"] or conn.in_transaction:
            cur.execute("COMMIT")
    except BaseException:
        if _state["pg"] or conn.in_transaction:
            cur.execute("ROLLBACK")
        raise
    return (jsonify(body), status) if status < 300 else _error(status, body)


def _submit(cur, secret: str, data: dict):
    user = _one(cur, 'SELECT u.id, u.role FROM api_token t JOIN "user" u ON u.id = t.user_id '
                     "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.active",
                (hashlib.sha256(secret.encode()).hexdigest(),))
    if user is None:
        return 401, "token"
    client_id = str(data.get("client_id") or "")
    if not CLIENT_ID_RE.match(client_id):
        return 422, "client_id"
    same = _one(cur, "SELECT id, status, score, auditor_id FROM audit WHERE client_id = ?", (client_id,))
    if same is not None:
        return (200, {"id": same[0], "status": same[1], "score": same[2]}) if same[3] == user[0] else (409, "taken")
    unplanned = _one(cur, "SELECT value FROM setting WHERE key = 'allow_unplanned_audits'")
    allowed = unplanned[0] if unplanned is not None else True
    if user[1] == "auditor" and (json.loads(allowed) if isinstance(allowed, str) else allowed) is False:
        return 403, "unplanned"
    version = _one(cur, "SELECT v.id, s.channel FROM scorecard s JOIN scorecard_version v ON v.scorecard_id = s.id "
                        "WHERE s.slug = ? AND NOT s.archived AND v.status = 'published' ORDER BY v.number DESC LIMIT 1",
                   (str(data.get("scorecard")),))
    branch = _one(cur, "SELECT b.id, e.branch_id, e.active FROM branch b LEFT JOIN employee e ON e.id = ? "
                       "WHERE b.id = ? AND b.active", (data.get("employee_id"), data.get("branch_id")))
    if version is None or branch is None or (data.get("employee_id") and branch[1] != branch[0]):
        return 422, "details"
    spec, criteria, sections = _spec(cur, version[0])
    answers, comments = data.get("answers") or {}, data.get("comments") or {}
    if scoring.check_answers(spec, answers, submit=True) or any(k not in criteria for k in comments):
        return 422, "answers"
    result = scoring.score(spec, answers)
    now = datetime.now(UTC).replace(tzinfo=None)
    if not _state["pg"]:  # SQLite: the writes wait their turn (busy_timeout), as the app's do
        cur.execute("BEGIN IMMEDIATE")
    audit_id = _one(cur, "INSERT INTO audit (client_id, auditor_id, branch_id, employee_id, employee_name_given, "
                         "version_id, channel, status, started_at, ended_at, notes, score, passed, critical_failure, "
                         "kpis, submitted_at, return_reason, created_at, updated_at, lock_version) "
                         "VALUES (?, ?, ?, ?, '', ?, ?, 'submitted', ?, ?, '', ?, ?, ?, ?, ?, '', ?, ?, 1) "
                         "RETURNING id",
                    (client_id, user[0], branch[0], data.get("employee_id"), version[0], version[1], now, now,
                     result.score, result.passed, result.critical_failure,
                     json.dumps({t: k.as_dict() for t, k in result.kpis.items()}), now, now, now))[0]
    rows = []
    for key, (criterion_id, kpi) in criteria.items():
        if key not in answers and key not in comments:
            continue
        value, item = answers.get(key), result.criteria.get(key)
        counted = value is not None and item is not None and item.fraction is not None
        number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        rows.append((audit_id, criterion_id, key, json.dumps(value), (comments.get(key) or "")[:4000], kpi,
                     item.fraction if item else None, item.earned if counted else None,
                     item.possible if counted else None, number, now))
    _many(cur, "INSERT INTO answer (audit_id, criterion_id, criterion_key, value, comment, kpi, fraction, earned, "
               "possible, number_value, updated_at) VALUES ", "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    _many(cur, "INSERT INTO section_score (audit_id, section_id, section_key, position, earned, possible, score) "
               "VALUES ", "(?, ?, ?, ?, ?, ?, ?)",
          [(audit_id, sections[s.key], s.key, n, s.earned, s.possible, s.score) for n, s in enumerate(result.sections)])
    cur.execute(_sql('INSERT INTO audit_event (audit_id, at, user_id, action, reason, "before", "after") '
                     "VALUES (?, ?, ?, 'submitted', '', 'null', 'null')"), (audit_id, now, user[0]))
    cur.execute(_sql('SELECT u.id FROM manager_branches m JOIN "user" u ON u.id = m.user_id '
                     "WHERE m.branch_id = ? AND u.active AND u.id <> ?"), (branch[0], user[0]))
    notes = [(uid, "audit_submitted", "audit", audit_id, json.dumps({"branch": ""}), True, now, None, True, None)
             for (uid,) in cur.fetchall()]
    _many(cur, "INSERT INTO notification (user_id, kind, subject_type, subject_id, data, in_app, created_at, read_at, "
               "email_wanted, emailed_at) VALUES ", "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", notes)
    return 201, {"id": audit_id, "status": "submitted", "score": result.score}


def _many(cur, head: str, row: str, rows: list) -> None:
    """One multi-row INSERT."""
    if rows:
        cur.execute(_sql(head + ", ".join([row] * len(rows))), [value for r in rows for value in r])
