"""Generate a realistic Veraz data set for the benchmark, fast, into SQLite or PostgreSQL.

    .venv/bin/python bench/generate.py                      # standard size into bench/data/bench.db
    .venv/bin/python bench/generate.py --scale tiny
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/generate.py --reset
    .venv/bin/python bench/generate.py --branches 10 --employees 200 --audits 5000

The schema comes from the real migrations (``flask db upgrade``). People, branches and scorecards
go through the ORM (scorecards with ``build_version`` or the importer, exactly as the app makes
them); audits, section scores, answers, events and assignments go in by bulk inserts (SQLAlchemy
Core executemany in chunks on SQLite, COPY on PostgreSQL). Every audit is scored by the app's
engine (``scoring.score`` on ``spec_for_version``) and stored the way ``audits.services
.score_and_store`` stores it: score, passed, critical failure and KPIs on the audit; a row per
section; on each answer its KPI tag, fraction, points earned and possible, and number value.

Realism: employees differ (some are better), so do branches and auditors (some are lenient);
some criteria are failed often (bench/cards.py DIFFICULTY); quality improves over the two years;
a few audits fail a critical criterion; volume grows over time; most audits are approved, the
recent ones are partly still submitted, returned or in draft.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import secrets
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

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_SQLITE = BENCH_DIR / "data" / "bench.db"
PASSWORD = "veraz-bench-2026"  # noqa: S105  (the benchmark's published password)
EMAIL_DOMAIN = "bench.veraz.example"

SCALES = {
    "tiny": {"branches": 4, "employees": 40, "audits": 400, "answers": 10_000},
    "small": {"branches": 10, "employees": 200, "audits": 4_000, "answers": 100_000},
    "standard": {"branches": 50, "employees": 1_000, "audits": 40_000, "answers": 1_000_000},
}

CITIES = [
    ("MAD", "Madrid", "Centro"), ("BCN", "Barcelona", "Noreste"), ("VLC", "Valencia", "Levante"),
    ("SEV", "Sevilla", "Sur"), ("BIO", "Bilbao", "Norte"), ("ZAR", "Zaragoza", "Noreste"),
    ("MAL", "Málaga", "Sur"), ("MUR", "Murcia", "Levante"), ("VLL", "Valladolid", "Centro"),
    ("COR", "A Coruña", "Norte"), ("ALC", "Alicante", "Levante"), ("GRA", "Granada", "Sur"),
]
STREETS = ["Calle Mayor", "Gran Vía", "Avenida de la Constitución", "Paseo de la Castellana",
           "Calle del Carmen", "Plaza de España", "Calle Real", "Avenida Diagonal"]
FIRST = ["Lucía", "Javier", "Carmen", "Pablo", "Marta", "Diego", "Elena", "Jordi", "Núria", "Marc",
         "Laia", "Andrés", "Rosa", "Vicente", "Sofía", "Manuel", "Isabel", "Raúl", "Ana", "Luis",
         "María", "José", "Paula", "Hugo", "Alba", "Sergio", "Irene", "Álvaro", "Claudia", "Adrián"]
LAST = ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez",
        "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez",
        "Romero", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Serrano", "Molina"]
STORE_POSITIONS = ["Asesor comercial", "Asesora comercial", "Cajero", "Cajera", "Responsable de tienda"]
CALL_POSITIONS = ["Agente telefónico", "Agente telefónica", "Agente de chat", "Supervisor"]
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
class CardInfo:
    """What the generator needs from one published version."""

    version_id: int
    scorecard_id: int
    channel: str
    spec: object
    criteria: list  # (key, id, type, kpi, allow_na, critical, settings)
    section_ids: dict
    answers_per_audit: float = 0.0


@dataclass
class Report:
    url: str
    size: Size
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    phases: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"url": _safe_url(self.url), "seconds": round(self.seconds, 1),
                "cpu_seconds": round(self.cpu_seconds, 1),
                "counts": dict(self.counts),
                "phases": {k: round(v, 2) for k, v in self.phases.items()}}


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


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


# --------------------------------------------------------------------------------------------
# The schema: emptied (only a benchmark database) and built by the real migrations.

def reset_database(url: str, force: bool = False) -> None:
    from sqlalchemy import MetaData, create_engine, inspect, text

    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.exists() and not force:
            _refuse_foreign_data(url)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    if not force:
        _refuse_foreign_data(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        meta = MetaData()
        meta.reflect(conn)
        meta.drop_all(conn)
        if "alembic_version" in inspect(conn).get_table_names():
            conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()


def _refuse_foreign_data(url: str) -> None:
    """Never empty a database that holds anything but a benchmark data set."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if "user" not in inspect(conn).get_table_names():
                return
            foreign = conn.execute(text('SELECT count(*) FROM "user" WHERE email NOT LIKE :d'),
                                   {"d": f"%@{EMAIL_DOMAIN}"}).scalar()
    finally:
        engine.dispose()
    if foreign:
        raise SystemExit(f"{_safe_url(url)} holds users that the benchmark did not make; refusing to empty it "
                         "(use a throwaway database, or --force).")


def migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))


# --------------------------------------------------------------------------------------------
# People, branches and scorecards through the ORM (a few thousand rows).

def _person(rng) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}"


def make_people(size: Size, rng: random.Random) -> dict:
    from accounts.models import User, manager_branches
    from branches.models import Branch, Employee
    from extensions import db

    password_hash = User(email="x", name="x", role="admin")
    password_hash.set_password(PASSWORD)
    password_hash = password_hash.password_hash  # one argon2 hash for everyone: hashing is slow on purpose

    n_centres = max(1, size.branches // 10)
    branches = []
    for i in range(size.branches):
        code3, city, region = CITIES[i % len(CITIES)]
        contact = i >= size.branches - n_centres
        name = f"Centro de contacto {city}" if contact else f"{city} {rng.choice(STREETS).split(' ', 1)[1]}"
        branches.append(Branch(code=f"{code3}-{i + 1:03d}", name=f"{name} {i + 1}", city=city, region=region,
                               address=f"{rng.choice(STREETS)} {rng.randint(1, 200)}, {city}"))
    db.session.add_all(branches)
    db.session.flush()

    # Contact centres are larger; stores vary.
    weights = [3.0 if b.name.startswith("Centro de contacto") else rng.uniform(0.6, 1.4) for b in branches]
    total = sum(weights)
    counts = [max(1, int(size.employees * w / total)) for w in weights]
    i = 0
    while sum(counts) < size.employees:
        counts[i % len(counts)] += 1
        i += 1
    while sum(counts) > size.employees:
        j = counts.index(max(counts))
        counts[j] -= 1
    employees = []
    n = 0
    for branch, count in zip(branches, counts, strict=True):
        positions = CALL_POSITIONS if branch.name.startswith("Centro de contacto") else STORE_POSITIONS
        for _ in range(count):
            n += 1
            employees.append(Employee(code=f"E{n:05d}", name=_person(rng), branch_id=branch.id,
                                      position=rng.choice(positions), active=rng.random() > 0.03))
    db.session.add_all(employees)

    def user(role, email, name, language="es"):
        obj = User(email=f"{email}@{EMAIL_DOMAIN}", name=name, role=role, language=language,
                   password_hash=password_hash, session_token=secrets.token_hex(16))
        db.session.add(obj)
        return obj

    admin = user("admin", "admin", "Admin Bench")
    hr = [user("hr", f"hr{k}", _person(rng)) for k in range(1, 3)]
    auditors = [user("auditor", f"auditor{k}", _person(rng), "es" if k % 4 else "en")
                for k in range(1, size.auditors + 1)]
    # A manager for every two or three branches, and one regional manager per region.
    managers = []
    per = 2 if size.branches < 10 else 3
    for k in range(0, size.branches, per):
        managers.append((user("manager", f"manager{k // per + 1}", _person(rng)), branches[k:k + per]))
    regions = sorted({b.region for b in branches})
    for k, region in enumerate(regions, 1):
        managers.append((user("manager", f"regional{k}", _person(rng)), [b for b in branches if b.region == region]))
    db.session.flush()
    db.session.execute(manager_branches.insert(), [
        {"user_id": m.id, "branch_id": b.id} for m, bs in managers for b in bs])

    by_branch = {}
    for e in employees:
        by_branch.setdefault(e.branch_id, []).append(e.id)
    reviewer = {}
    for m, bs in managers:
        for b in bs:
            reviewer.setdefault(b.id, m.id)
    return {
        "branches": [(b.id, b.region, b.name.startswith("Centro de contacto")) for b in branches],
        "employees": by_branch,
        "auditors": [a.id for a in auditors],
        "reviewer": reviewer,
        "admin": admin.id,
        "hr": [h.id for h in hr],
        "managers": [m.id for m, _ in managers],
    }


def make_scorecards() -> None:
    """The default scorecards (as the app loads them) and the benchmark's own, all published
    through the app's importer.

    The visit card gets a second version half-way through, as happens when a company edits its
    questions: audits before then keep version 1.
    """
    import copy

    from bench.cards import BENCH_CARDS
    from extensions import db
    from scorecards import defaults, services

    defaults.load_defaults()
    db.session.flush()
    for card in db.session.scalars(db.select(services.Scorecard)):
        for version in card.versions:
            if version.status == "draft":
                services.publish_version(version)
    for data in BENCH_CARDS:
        services.import_scorecard(copy.deepcopy(data), publish=True)
        if data["channel"] == "visit":
            newer = copy.deepcopy(data)
            newer["sections"][0]["criteria"][1]["target"]["value"] = 4  # a stricter waiting time
            services.import_scorecard(newer, publish=True)
    db.session.flush()


def card_infos() -> list[list[CardInfo]]:
    """Every scorecard's published versions, oldest first, as CardInfo."""
    from extensions import db
    from scorecards.models import Scorecard
    from scorecards.services import spec_for_version

    out = []
    for card in db.session.scalars(db.select(Scorecard).order_by(Scorecard.id)):
        versions = []
        for version in card.versions:
            if version.status != "published":
                continue
            criteria = [(c.key, c.id, c.type, c.kpi, c.allow_na, c.critical, c.settings or {})
                        for c in version.criteria]
            info = CardInfo(version.id, card.id, card.channel, spec_for_version(version), criteria,
                            {s.key: s.id for s in version.sections})
            scored = sum(1 for c in version.criteria if c.scored)
            text = sum(1 for c in version.criteria if c.type == "text")
            info.answers_per_audit = scored + 0.4 * text
            versions.append(info)
        if versions:
            out.append(versions)
    return out


# --------------------------------------------------------------------------------------------
# Answers: a quality model, then the app's scoring engine.

def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def make_answers(info: CardInfo, ability: float, rng: random.Random, difficulty: dict, default: float,
                 comments: list, observations: list) -> tuple[dict, dict]:
    """Values and comments for one audit: ``ability`` is the logit shift of this audit's staff."""
    values, notes = {}, {}
    for key, _cid, kind, _kpi, allow_na, critical, settings in info.criteria:
        if allow_na and rng.random() < 0.08:
            values[key] = "na"
            continue
        if critical:
            p = _sigmoid(5.0 + ability)  # critical failures are rare: about 2-3 % of audits
        else:
            p = _sigmoid(difficulty.get(key, default) + ability)
        r = rng.random()
        if kind == "yes_no":
            values[key] = "yes" if r < p else "no"
            if r >= p and rng.random() < 0.25:
                notes[key] = rng.choice(comments)
        elif kind == "scale":
            lo, hi = int(settings.get("min", 1)), int(settings.get("max", 5))
            value = round(lo + p * (hi - lo) + rng.gauss(0, 0.8))
            values[key] = min(hi, max(lo, value))
        elif kind == "choice":
            options = sorted(settings.get("options", []), key=lambda o: -float(o["score"]))
            if r < p:
                values[key] = options[0]["key"]
            elif len(options) > 2 and rng.random() < 0.6:
                values[key] = options[1]["key"]
            else:
                values[key] = options[-1]["key"]
        elif kind == "number":
            target = settings.get("target")
            if target:
                limit = float(target["value"])
                if target["op"] == "<=":
                    value = rng.uniform(0, limit) if r < p else rng.uniform(limit * 1.05 + 0.5, limit * 3 + 1)
                else:
                    value = rng.uniform(limit, limit * 2) if r < p else rng.uniform(0, limit * 0.95)
                values[key] = int(value) if limit >= 10 else round(value, 1)
            else:
                values[key] = rng.randint(1, 20)
        elif kind == "text":
            if rng.random() < 0.4:
                values[key] = rng.choice(observations)
    return values, notes


def _started_at(rng: random.Random, start: datetime, days: float) -> datetime:
    """A working-hours moment; volume grows over the period (a linear density from 1 to 1.6)."""
    u = rng.random()
    a, b = 1.0, 1.6
    x = (math.sqrt(a * a + (b * b - a * a) * u) - a) / (b - a)  # inverse CDF of the linear density
    day = start + timedelta(days=int(x * days))
    if day.weekday() == 6:
        day -= timedelta(days=1)
    return day.replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(
        minutes=rng.randint(0, 11 * 60 - 1), seconds=rng.randint(0, 59))


# --------------------------------------------------------------------------------------------
# Bulk writing.

def _sql_null_for_none(column) -> bool:
    """As the ORM stores None: SQL NULL in a nullable column, the JSON ``null`` in a JSON column
    that may not be NULL (Answer.value of a comment-only answer, AuditEvent.before/after)."""
    return column.nullable or column.type.__class__.__name__ != "JSON"


class Writer:
    """Rows per table, flushed in chunks: Core executemany, or COPY on PostgreSQL."""

    def __init__(self, conn, tables: dict, postgres: bool, chunk: int = 20_000):
        self.conn, self.tables, self.postgres, self.chunk = conn, tables, postgres, chunk
        self.rows = {name: [] for name in tables}
        self.counts = Counter()

    def add(self, name: str, row: dict) -> None:
        rows = self.rows[name]
        rows.append(row)
        if len(rows) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        """Every table, parents first: foreign keys are checked as rows arrive."""
        for name, rows in self.rows.items():
            if not rows:
                continue
            if self.postgres:
                self._copy(name, rows)
            else:
                self._executemany(name, rows)
            self.counts[name] += len(rows)
            self.rows[name] = []

    def _executemany(self, name: str, rows: list) -> None:
        """Core's INSERT by executemany, with each column's own bind processor applied once here
        (the values stored are what ``table.insert()`` would store, at half the cost)."""
        table = self.tables[name]
        columns = list(rows[0])
        dialect = self.conn.dialect
        procs = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        nulls = [_sql_null_for_none(table.c[c]) for c in columns]
        sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
        cols = list(zip(columns, procs, nulls, strict=True))
        self.conn.exec_driver_sql(sql, [
            tuple(None if v is None and null else p(v) if p else v for c, p, null in cols for v in (row[c],))
            for row in rows])

    def _copy(self, name: str, rows: list) -> None:
        table = self.tables[name]
        columns = list(rows[0])
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        nullable = {c: _sql_null_for_none(table.c[c]) for c in columns}
        raw = self.conn.connection.driver_connection
        sql = f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN'
        with raw.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row([row[c] if c not in json_columns or (row[c] is None and nullable[c])
                                else json.dumps(row[c]) for c in columns])


def _bulk_load_settings(conn, report: Report) -> None:
    """PostgreSQL, for this transaction only: skip the per-row foreign-key triggers where the role
    may (as ``pg_restore --disable-triggers`` does; every row here refers to rows made just before),
    and do not wait for the WAL flush at commit. Without the privilege, the load checks every row."""
    from sqlalchemy import text

    conn.execute(text("SET LOCAL synchronous_commit = off"))
    try:
        with conn.begin_nested():
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        report.phases["foreign_key_triggers_skipped"] = 1
    except Exception:  # noqa: BLE001  not a superuser: keep the checks
        report.phases["foreign_key_triggers_skipped"] = 0


def _check_foreign_keys(conn, tables) -> None:
    """After a load without the per-row checks: every reference made must exist (one anti-join each)."""
    from sqlalchemy import text

    for table in tables:
        for fk in table.foreign_keys:
            child, parent = fk.parent, fk.column
            missing = conn.execute(text(
                f'SELECT count(*) FROM "{table.name}" c WHERE c."{child.name}" IS NOT NULL AND NOT EXISTS '
                f'(SELECT 1 FROM "{parent.table.name}" p WHERE p."{parent.name}" = c."{child.name}")')).scalar()
            if missing:
                raise RuntimeError(f"{missing} rows of {table.name}.{child.name} refer to no {parent.table.name}")


def generate(size: Size, url: str, seed: int = 2026, reset: bool = True, force: bool = False,
             today: datetime | None = None, quiet: bool = False) -> Report:
    """Build the whole data set; returns counts and timings."""
    from sqlalchemy import text

    from audits import models as am
    from bench import cards
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
        if postgres:
            _bulk_load_settings(conn, report)
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
            started = _started_at(rng, start, days)
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
        if report.phases.get("foreign_key_triggers_skipped"):
            t = time.perf_counter()
            _check_foreign_keys(conn, tables.values())
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
    print(f"Generating {size} into {_safe_url(url)}", file=sys.stderr)
    report = generate(size, url, seed=args.seed, force=args.force)
    print(json.dumps(report.as_dict(), indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
