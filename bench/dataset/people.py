"""People, branches and scorecards through the ORM (a few thousand rows)."""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.generate import Size

PASSWORD = "veraz-bench-2026"  # noqa: S105  (the benchmark's published password)
EMAIL_DOMAIN = "bench.veraz.example"

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
