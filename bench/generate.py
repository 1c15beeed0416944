"""Generate a realistic Veraz data set for the benchmark, fast, into SQLite or PostgreSQL.

    .venv/bin/python bench/generate.py                      # standard size into bench/data/bench.db
    .venv/bin/python bench/generate.py --scale tiny
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/generate.py --scale large   # 10 million answers
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/generate.py --reset
    .venv/bin/python bench/generate.py --branches 10 --employees 200 --audits 5000

The schema comes from the real migrations (``flask db upgrade``). People, branches and scorecards
go through the ORM (scorecards with ``build_version`` or the importer, exactly as the app makes
them); audits, section scores, answers, events and assignments go in by bulk inserts (SQLAlchemy
Core executemany in chunks on SQLite, COPY on PostgreSQL, where the tables' secondary indexes are
dropped for the load and built once afterwards, as pg_restore does). Every audit is scored by the app's
engine (``scoring.score`` on ``spec_for_version``) and stored the way ``audits.services
.score_and_store`` stores it: score, passed, critical failure and KPIs on the audit; a row per
section; on each answer its KPI tag, fraction, points earned and possible, and number value.

Realism: employees differ (some are better), so do branches and auditors (some are lenient);
some criteria are failed often (bench/cards.py DIFFICULTY); quality improves over the two years;
a few audits fail a critical criterion; volume grows over time; most audits are approved, the
recent ones are partly still submitted, returned or in draft.

The parts live in bench/dataset/: schema.py (empty and migrate), people.py (branches, people,
scorecards), answers.py (the quality model) and writer.py (bulk inserts); this module sizes the
data set and runs them.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.dataset.answers import make_answers, started_at  # noqa: E402
from bench.dataset.people import FIRST, card_infos, make_people, make_scorecards  # noqa: E402
from bench.dataset.schema import migrate, reset_database, safe_url  # noqa: E402
from bench.dataset.writer import (  # noqa: E402
    Writer,
    bulk_load_settings,
    check_foreign_keys,
    create_indexes,
    drop_secondary_indexes,
)

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_SQLITE = BENCH_DIR / "data" / "bench.db"

SCALES = {
    "tiny": {"branches": 4, "employees": 40, "audits": 400, "answers": 10_000},
    "small": {"branches": 10, "employees": 200, "audits": 4_000, "answers": 100_000},
    "standard": {"branches": 50, "employees": 1_000, "audits": 40_000, "answers": 1_000_000},
    # A bank with 500 branches or a contact centre two years on: ten times the standard set.
    "large": {"branches": 500, "employees": 10_000, "audits": 400_000, "answers": 10_000_000},
}
RETURN_REASONS = ["Falta la foto del ticket.", "Revisa la puntuación de cortesía.", "Please add a comment."]


@dataclass
class Size:
    branches: int
    employees: int
    audits: int
    answers: int
    auditors: int = 0
    years: float = 2.0

    def __post_init__(self):
        if not self.auditors:
            self.auditors = max(2, self.audits // 1000)


@dataclass
class Report:
    url: str
    size: Size
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    phases: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"url": safe_url(self.url), "seconds": round(self.seconds, 1),
                "cpu_seconds": round(self.cpu_seconds, 1),
                "counts": dict(self.counts),
                "phases": {k: round(v, 2) for k, v in self.phases.items()}}


def database_url(explicit: str | None = None) -> str:
    url = explicit or os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_app(url: str, **config):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                       "CHECK_DATABASE_ON_START": False, **config})


def generate(size: Size, url: str, seed: int = 2026, reset: bool = True, force: bool = False,
             today: datetime | None = None, quiet: bool = False) -> Report:
    """Build the whole data set; returns counts and timings."""
    from sqlalchemy import text

    from audits import models as am
    from bench import cards
    from core.models import set_setting
    from extensions import db
    from scorecards import scoring

    report = Report(url=url, size=size)
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    if reset:
        reset_database(url, force=force)
    app = make_app(url)
    migrate(app)
    report.phases["migrate"] = time.perf_counter() - t0
    rng = random.Random(seed)
    today = (today or datetime.now()).replace(microsecond=0)
    days = 365.25 * size.years
    start = today - timedelta(days=days)
    postgres = url.startswith("postgresql")

    with app.app_context():
        t = time.perf_counter()
        people = make_people(size, rng)
        make_scorecards()
        # The benchmark measures pages, not sign-in: its HR and admin log in with a password only
        # (a new installation asks them for a second factor, docs/security.md).
        set_setting("require_2fa_for", [])
        db.session.commit()
        infos = card_infos()
        report.phases["people_and_scorecards"] = time.perf_counter() - t

        visit_cards = [v for v in infos if v[0].channel == "visit"] or infos
        remote_cards = [v for v in infos if v[0].channel != "visit"] or infos
        # The benchmark's long cards carry most audits; the short defaults the rest, so that the mean
        # number of answers per audit meets the requested total.
        target = size.answers / size.audits

        def weights(group):
            """The longest card(s) against the rest, mixed so the mean answers per audit is the target
            (the short cards keep at least 10 % of the audits: companies use them)."""
            counts = [v[-1].answers_per_audit for v in group]
            top = max(counts)
            long_ = [i for i, c in enumerate(counts) if c == top]
            short = [i for i, c in enumerate(counts) if c < top]
            if not short:
                return [1.0] * len(group)
            mean_short = sum(counts[i] for i in short) / len(short)
            share_short = max(0.1, min(0.5, (top - target) / max(1e-9, top - mean_short)))
            return [share_short / len(short) if i in short else (1 - share_short) / len(long_)
                    for i in range(len(group))]

        visit_w, remote_w = weights(visit_cards), weights(remote_cards)

        # Effects on the logit of "gets it right".
        branch_fx = {b: rng.gauss(0, 0.35) for b, _, _ in people["branches"]}
        employee_fx = {e: rng.gauss(0, 0.55) for es in people["employees"].values() for e in es}
        auditor_fx = {a: rng.gauss(0, 0.2) for a in people["auditors"]}
        region_auditors = {}
        for k, a in enumerate(people["auditors"]):
            region_auditors.setdefault(k % 5, []).append(a)
        regions = sorted({r for _, r, _ in people["branches"]})

        tables = {name: getattr(am, cls).__table__ for name, cls in (
            ("assignment", "Assignment"), ("audit", "Audit"), ("section_score", "SectionScore"),
            ("answer", "Answer"), ("audit_event", "AuditEvent"))}
        conn = db.session.connection()
        first_audit_id = (conn.execute(text("SELECT coalesce(max(id), 0) FROM audit")).scalar() or 0) + 1
        first_assignment_id = (conn.execute(text("SELECT coalesce(max(id), 0) FROM assignment")).scalar() or 0) + 1
        indexes = []
        if postgres:
            bulk_load_settings(conn, report)
            indexes = drop_secondary_indexes(conn, tables.values())
        writer = Writer(conn, tables, postgres)
        t = time.perf_counter()
        score_seconds = 0.0
        recent = today - timedelta(days=10)
        assignment_id = first_assignment_id
        statuses = Counter()
        for n in range(size.audits):
            audit_id = first_audit_id + n
            branch_id, region, contact = people["branches"][rng.randrange(len(people["branches"]))]
            group, w = (remote_cards, remote_w) if contact else (visit_cards, visit_w)
            versions = rng.choices(group, weights=w)[0]
            started = started_at(rng, start, days)
            # The newest version published before the visit (the visit card changed half-way).
            pos = min(len(versions) - 1, int((started - start).days / days * len(versions)))
            info = versions[pos]
            staff = people["employees"].get(branch_id) or [None]
            employee_id = rng.choice(staff) if rng.random() > 0.07 else None
            auditors = region_auditors[regions.index(region) % len(region_auditors)]
            auditor_id = rng.choice(auditors)
            elapsed = (started - start).days / days
            ability = (branch_fx[branch_id] + employee_fx.get(employee_id, 0.0) + auditor_fx[auditor_id]
                       + 0.6 * elapsed - 0.2 + 0.15 * math.sin(started.month / 12 * 2 * math.pi)
                       + rng.gauss(0, 0.3))
            values, notes = make_answers(info, ability, rng, cards.DIFFICULTY, cards.DEFAULT_DIFFICULTY,
                                         cards.COMMENTS_FAILED, cards.OBSERVATIONS)
            r = rng.random()
            if started >= recent:
                status = "submitted" if r < 0.45 else "approved" if r < 0.85 else "draft" if r < 0.95 else "returned"
            else:
                status = "approved" if r < 0.985 else "returned" if r < 0.99 else "submitted"
            statuses[status] += 1
            ended = started + timedelta(minutes=rng.randint(8, 45))
            submitted_at = ended + timedelta(minutes=rng.randint(5, 600)) if status != "draft" else None
            reviewed_at = submitted_at + timedelta(hours=rng.randint(2, 96)) \
                if status in ("approved", "returned") else None
            if reviewed_at and reviewed_at > today:
                reviewed_at = today
            reviewer = people["reviewer"].get(branch_id, people["admin"]) if reviewed_at else None

            if status == "draft":
                keep = int(len(values) * 0.6)
                values = dict(list(values.items())[:keep])
                result = None
            else:
                ts = time.perf_counter()
                result = scoring.score(info.spec, values)
                score_seconds += time.perf_counter() - ts

            planned = rng.random() < 0.4
            if planned:
                writer.add("assignment", {
                    "id": assignment_id, "auditor_id": auditor_id, "branch_id": branch_id,
                    "scorecard_id": info.scorecard_id, "employee_id": employee_id,
                    "due_date": (started + timedelta(days=rng.randint(0, 7))).date(), "notes": "",
                    "created_by_id": reviewer or people["admin"], "created_at": started - timedelta(days=7)})
            writer.add("audit", {
                "id": audit_id, "client_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "assignment_id": assignment_id if planned else None,
                "auditor_id": auditor_id, "branch_id": branch_id, "employee_id": employee_id,
                "employee_name_given": "" if employee_id else rng.choice(FIRST),
                "version_id": info.version_id, "channel": info.channel, "status": status,
                "started_at": started, "ended_at": ended,
                "checkin_lat": None, "checkin_lng": None, "checkin_accuracy": None, "checkin_at": None,
                "notes": "",
                "score": result.score if result else None,
                "passed": result.passed if result else None,
                "critical_failure": result.critical_failure if result else None,
                "kpis": {tag: k.as_dict() for tag, k in result.kpis.items()} if result else None,
                "submitted_at": submitted_at, "reviewed_at": reviewed_at, "reviewed_by_id": reviewer,
                "return_reason": rng.choice(RETURN_REASONS) if status == "returned" else "",
                "created_at": started, "updated_at": reviewed_at or submitted_at or ended, "lock_version": 1})
            if planned:
                assignment_id += 1
            updated = submitted_at or ended
            for key, cid, _kind, kpi, _na, _crit, _settings in info.criteria:
                value = values.get(key)
                comment = notes.get(key, "")
                if value is None and not comment:
                    continue
                item = result.criteria.get(key) if result else None
                counted = item is not None and item.fraction is not None
                writer.add("answer", {
                    "audit_id": audit_id, "criterion_id": cid, "criterion_key": key, "value": value,
                    "comment": comment, "kpi": kpi,
                    "fraction": item.fraction if item else None,
                    "earned": item.earned if counted else None,
                    "possible": item.possible if counted else None,
                    "number_value": float(value) if result and isinstance(value, (int, float))
                    and not isinstance(value, bool) else None,
                    "updated_at": updated})
            if result:
                for position, s in enumerate(result.sections):
                    writer.add("section_score", {
                        "audit_id": audit_id, "section_id": info.section_ids[s.key], "section_key": s.key,
                        "position": position, "earned": s.earned, "possible": s.possible, "score": s.score})
                writer.add("audit_event", {"audit_id": audit_id, "at": submitted_at, "user_id": auditor_id,
                                           "action": "submitted", "reason": "", "criterion_key": None,
                                           "before": None, "after": None})
                if reviewed_at:
                    action = "approved" if status == "approved" else "returned"
                    writer.add("audit_event", {
                        "audit_id": audit_id, "at": reviewed_at, "user_id": reviewer, "action": action,
                        "reason": "" if action == "approved" else "Revisar", "criterion_key": None,
                        "before": None, "after": None})
            if not quiet and n and n % 10_000 == 0:
                print(f"  {n:,} audits, {time.perf_counter() - t:.1f} s", file=sys.stderr)
        writer.flush()
        # Open and overdue assignments: what the auditors have in front of them today.
        for k, (branch_id, region, contact) in enumerate(people["branches"]):
            group = remote_cards if contact else visit_cards
            auditors = region_auditors[regions.index(region) % len(region_auditors)]
            writer.add("assignment", {
                "id": assignment_id, "auditor_id": auditors[k % len(auditors)], "branch_id": branch_id,
                "scorecard_id": group[k % len(group)][-1].scorecard_id, "employee_id": None,
                "due_date": (today + timedelta(days=rng.randint(-5, 20))).date(), "notes": "",
                "created_by_id": people["reviewer"].get(branch_id, people["admin"]),
                "created_at": today - timedelta(days=rng.randint(1, 10))})
            assignment_id += 1
        writer.flush()
        report.phases["audits_scored_and_written"] = time.perf_counter() - t
        if indexes:
            t = time.perf_counter()
            create_indexes(conn, indexes)
            report.phases["indexes_built"] = time.perf_counter() - t
        if report.phases.get("foreign_key_triggers_skipped"):
            t = time.perf_counter()
            check_foreign_keys(conn, tables.values())
            report.phases["foreign_keys_checked"] = time.perf_counter() - t
        report.phases["of_which_scoring"] = score_seconds
        t = time.perf_counter()
        if postgres:
            for table in ("audit", "assignment"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
        db.session.commit()
        if postgres:
            db.session.remove()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("ANALYZE"))
        report.phases["finish"] = time.perf_counter() - t
        # The audits went in without the approvals' signal: add them up as `flask rollups rebuild` does.
        t = time.perf_counter()
        from reports import rollups

        if postgres:  # room to hash the groups (millions of them at large) rather than sort every answer
            db.session.execute(text("SET LOCAL work_mem = '512MB'"))
        rollups.rebuild()
        db.session.commit()
        if postgres:
            db.session.remove()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("ANALYZE"))
        report.phases["rollups"] = time.perf_counter() - t
        report.counts.update(writer.counts)
        report.counts["branches"] = len(people["branches"])
        report.counts["employees"] = sum(len(v) for v in people["employees"].values())
        report.counts["auditors"] = len(people["auditors"])
        report.counts["managers"] = len(people["managers"])
        report.counts["scorecard_versions"] = sum(len(v) for v in infos)
        for status, count in statuses.items():
            report.counts[f"status_{status}"] = count
        db.session.remove()
        db.engine.dispose()
    report.seconds = time.perf_counter() - t0
    report.cpu_seconds = time.process_time() - cpu0
    return report


def size_from_args(args) -> Size:
    base = dict(SCALES[args.scale])
    for key in ("branches", "employees", "audits", "answers"):
        if getattr(args, key, None):
            base[key] = getattr(args, key)
    if getattr(args, "audits", None) and not getattr(args, "answers", None):
        base["answers"] = base["audits"] * 25
    return Size(**base, auditors=getattr(args, "auditors", None) or 0)


def add_size_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", choices=sorted(SCALES), default="standard")
    parser.add_argument("--branches", type=int)
    parser.add_argument("--employees", type=int)
    parser.add_argument("--audits", type=int)
    parser.add_argument("--answers", type=int, help="total answers wanted (sets the mix of long and short cards)")
    parser.add_argument("--auditors", type=int)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_size_arguments(parser)
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else bench/data/bench.db")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--force", action="store_true", help="empty the database even if it holds other data")
    args = parser.parse_args(argv)
    url = database_url(args.database_url)
    size = size_from_args(args)
    print(f"Generating {size} into {safe_url(url)}", file=sys.stderr)
    report = generate(size, url, seed=args.seed, force=args.force)
    print(json.dumps(report.as_dict(), indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
