"""Demo assignments and about six months of audits, for the pages and reports to have something to show.

Every audit goes through audits/services.py (create, save, submit, return, approve), so the scoring
engine computes and stores its figures exactly as for a real one; only the timestamps are moved
back to when the audit would have happened. The variation is made to be found by the reports:

- some employees are better than others (a skill drawn once per employee);
- some criteria are often failed (the employee giving their name, offering follow-up);
- Madrid Gran Vía improves over the months and Barcelona declines; the rest hold steady;
- critical criteria fail now and then, so a few audits are critical failures;
- auditors, channels and days vary; a few audits were returned, fixed and approved.

Idempotent: audits carry client ids ``demo-00001``...; when they exist, nothing is added again.
"""
import random
from datetime import date, datetime, time, timedelta

from accounts.models import User
from accounts.permissions import may_start_unplanned
from audits import services
from audits.answers import answer_values
from audits.models import Assignment, Audit
from core.timeutil import utcnow
from extensions import db

DAYS = 182
SEED = 2026
# Kind of the criterion -> how much harder (negative) or easier than the employee's skill.
KPI_EASE = {"greeting": 0.12, "farewell": 0.06, "courtesy": 0.04, "name_given": -0.3, "follow_up": -0.25,
            "promise_kept": -0.05, "wait_time": -0.1, "first_contact_resolution": -0.08}
TREND = {"MAD-01": 0.2, "BCN-01": -0.2}  # change of quality from the first to the last month
COMMENTS = [
    "Muy amable desde el primer momento.", "Tuve que pedir la información dos veces.",
    "Explicó las condiciones con claridad.", "No ofreció ningún seguimiento.",
    "La espera fue más larga de lo anunciado.", "Se despidió por mi nombre.",
    "Parecía tener prisa.", "Conocía bien el producto y sus alternativas.",
]
NOTES = ["Visita sin incidencias.", "Mucha afluencia a esa hora.", "", "", "Llamada derivada una vez.", ""]
NAMES_GIVEN = ["Lucía", "Javi", "Carmen", "Marta", "Jordi", "Sofía", "Manu", ""]
RETURN_REASONS = ["La puntuación de cortesía no cuadra con el comentario.",
                  "Falta indicar el tiempo de espera real.",
                  "Revise la respuesta sobre la información dada."]


def load(users, branches, scorecards) -> None:
    """Add demo assignments and audits. ``users``: email -> User; ``branches``: code -> Branch;
    ``scorecards``: published ScorecardVersion objects. Flushes; the caller commits."""
    if not scorecards or not branches:
        return
    if db.session.scalar(db.select(Audit.id).where(Audit.client_id.like("demo-%")).limit(1)) is not None:
        return
    rng = random.Random(SEED)  # noqa: S311  # nosec B311: demo data, not security
    auditors = sorted((u for u in users.values() if u.role == "auditor" and u.active), key=lambda u: u.email)
    admin = next((u for u in users.values() if u.role == "admin"), None)
    if not auditors:
        return
    by_channel = {}
    for version in scorecards:
        if version.is_published and not version.scorecard.archived:
            by_channel.setdefault(version.scorecard.channel, []).append(version)
    if not by_channel:
        return
    skill = {}
    for branch in branches.values():
        for employee in branch.employees:
            skill[employee.id] = rng.uniform(0.68, 0.97)
    today = utcnow().date()
    number = 0
    plans = []
    for code in sorted(branches):
        branch = branches[code]
        if not branch.active:
            continue
        contact_centre = code.upper().startswith("CC")
        per_week = 3.0 if contact_centre else 1.3
        day = DAYS
        while day > 0:
            day -= max(1, round(rng.expovariate(per_week / 7)))
            if day <= 0:
                break
            plans.append((today - timedelta(days=day), branch, contact_centre))
    plans.sort(key=lambda p: (p[0], p[1].code))
    for when, branch, contact_centre in plans:
        number += 1
        version = _pick_version(rng, by_channel, contact_centre)
        employee = rng.choice(branch.employees) if branch.employees and rng.random() < 0.9 else None
        auditor = _pick_auditor(rng, auditors, version.scorecard.channel)
        reviewer = _reviewer(branch, users, admin)
        age = (today - when).days
        progress = 1 - age / DAYS
        quality = (skill.get(employee.id, 0.75) if employee else 0.72) + TREND.get(branch.code, 0) * (progress - 0.5)
        _one_audit(rng, number, when, branch, version, employee, auditor, reviewer, quality, age)
    _open_assignments(rng, auditors, branches, by_channel, users, admin, today)
    db.session.flush()


def _pick_version(rng, by_channel, contact_centre):
    if contact_centre:
        wanted = rng.choices(["call", "email", "chat"], weights=[6, 2, 2])[0]
    else:
        wanted = rng.choices(["visit", "call"], weights=[8, 2])[0]
    options = by_channel.get(wanted) or [v for versions in by_channel.values() for v in versions]
    return rng.choice(options)


def _pick_auditor(rng, auditors, channel):
    if len(auditors) == 1:
        return auditors[0]
    # The first auditor does most visits, the second most calls and messages.
    weights = [3, 1] if channel == "visit" else [1, 3]
    weights += [1] * (len(auditors) - 2)
    return rng.choices(auditors, weights=weights)[0]


def _reviewer(branch, users, admin):
    for user in sorted(users.values(), key=lambda u: u.email):
        if user.role == "manager" and branch.id in user.branch_ids:
            return user
    return admin


def _clamp(value, low=0.0, high=1.0):
    return max(low, min(high, value))


def _answers(rng, version, quality):
    answers, comments = {}, {}
    for criterion in version.criteria:
        settings = criterion.settings or {}
        p = _clamp(quality + KPI_EASE.get(criterion.kpi, 0) + rng.uniform(-0.08, 0.08), 0.05, 0.99)
        if criterion.critical:
            p = max(p, 0.988)
        kind = criterion.type
        if criterion.allow_na and kind in ("yes_no", "number") and rng.random() < 0.12:
            answers[criterion.key] = "na"
        elif kind == "yes_no":
            answers[criterion.key] = "yes" if rng.random() < p else "no"
        elif kind == "scale":
            low, high = int(settings.get("min", 1)), int(settings.get("max", 5))
            answers[criterion.key] = low + round((high - low) * _clamp(rng.gauss(p, 0.18)))
        elif kind == "choice":
            options = settings.get("options") or []
            draw = _clamp(rng.gauss(p, 0.25))
            answers[criterion.key] = min(options, key=lambda o: abs(float(o["score"]) - draw))["key"]
        elif kind == "number":
            target = settings.get("target") or {}
            limit = float(target.get("value", 5))
            if target.get("op") == ">=":
                value = max(0.0, rng.gauss(limit * (0.6 + 0.7 * p), limit * 0.2))
            else:
                value = max(0.0, rng.gauss(limit * (1.7 - 1.1 * p), limit * 0.3))
            answers[criterion.key] = round(value, 1) if value < 10 else round(value)
        elif kind == "text":
            if criterion.required or rng.random() < 0.35:
                answers[criterion.key] = rng.choice(NOTES) or "Sin observaciones."
        if kind in ("yes_no", "scale", "choice") and rng.random() < 0.12:
            comments[criterion.key] = rng.choice(COMMENTS)
    return answers, comments


def _one_audit(rng, number, when, branch, version, employee, auditor, reviewer, quality, age):
    start = datetime.combine(when, time(hour=rng.randint(9, 18), minute=rng.choice((0, 10, 20, 30, 40, 50))))
    start -= timedelta(hours=1)  # stored in UTC; the demo company is in Madrid
    minutes = rng.randint(6, 35) if version.scorecard.channel != "email" else rng.randint(3, 12)
    planned = rng.random() < 0.7 or not may_start_unplanned(auditor)
    assignment = None
    if planned:
        assignment = Assignment(auditor_id=auditor.id, branch_id=branch.id, scorecard_id=version.scorecard_id,
                                employee_id=employee.id if employee else None,
                                due_date=when + timedelta(days=rng.randint(0, 5)),
                                created_by_id=reviewer.id if reviewer else None,
                                created_at=start - timedelta(days=rng.randint(5, 12)), notes="")
        db.session.add(assignment)
        db.session.flush()
    audit = services.create_audit(auditor, assignment=assignment,
                                  scorecard=None if assignment else version.scorecard,
                                  branch=None if assignment else branch,
                                  employee=None if assignment else employee,
                                  channel=version.scorecard.channel, client_id=f"demo-{number:05d}",
                                  started_at=start, ended_at=start + timedelta(minutes=minutes))
    answers, comments = _answers(rng, version, quality)
    name_given = employee.name.split()[0] if employee and rng.random() < 0.5 else rng.choice(NAMES_GIVEN)
    services.save_draft(audit, auditor, answers, comments, employee_name_given=name_given,
                        notes=rng.choice(NOTES))
    if age <= 2 and rng.random() < 0.3:
        return  # still a draft
    services.submit(audit, auditor)
    submitted = start + timedelta(minutes=minutes + rng.randint(2, 90))
    times = {"submitted": submitted}
    resubmitted = None
    if reviewer is not None and 3 <= age <= 8 and rng.random() < 0.25:
        services.return_audit(audit, reviewer, rng.choice(RETURN_REASONS))
        times["returned"] = submitted + timedelta(hours=rng.randint(3, 30))
    elif reviewer is not None and age > 4:
        last = submitted
        if rng.random() < 0.06:
            services.return_audit(audit, reviewer, rng.choice(RETURN_REASONS))
            times["returned"] = last = submitted + timedelta(days=1, hours=rng.randint(0, 5))
            scale = next((c for c in version.criteria if c.type == "scale"), None)
            if scale is not None:
                value = answer_values(audit).get(scale.key)
                low = int((scale.settings or {}).get("min", 1))
                services.save_draft(audit, auditor, {scale.key: max(low, (value or low + 1) - 1)})
            services.submit(audit, auditor)
            times["resubmitted"] = resubmitted = last = last + timedelta(hours=rng.randint(2, 20))
        services.approve(audit, reviewer)
        times["approved"] = last + timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 6))
    # The services stamp "now": put the audit and its history back when it would have happened.
    for event in audit.events:
        event.at = times.get(event.action) or (resubmitted or submitted) - timedelta(minutes=10)
    audit.created_at = start
    audit.submitted_at = resubmitted or submitted
    if "approved" in times or audit.status == "returned":
        audit.reviewed_at = times.get("approved") or times["returned"]
    audit.updated_at = max(times.values())
    db.session.flush()


def _open_assignments(rng, auditors, branches, by_channel, users, admin, today):
    """Work waiting for the auditors: some overdue, some due soon, for each demo auditor."""
    plan = [(-6, "visit"), (-2, "call"), (1, "visit"), (3, "visit"), (7, "call"), (12, "visit")]
    store_codes = [c for c in sorted(branches) if not c.upper().startswith("CC") and branches[c].active]
    centre_codes = [c for c in sorted(branches) if c.upper().startswith("CC") and branches[c].active]
    for index, auditor in enumerate(auditors[:2]):
        for offset, channel in plan[index::1 if index == 0 else 2]:
            codes = (centre_codes or store_codes) if channel == "call" else (store_codes or centre_codes)
            branch = branches[codes[(index + offset) % len(codes)]]
            versions = by_channel.get(channel) or [v for vs in by_channel.values() for v in vs]
            version = versions[0]
            due = today + timedelta(days=offset)
            exists = db.session.scalar(db.select(Assignment.id).where(
                Assignment.auditor_id == auditor.id, Assignment.branch_id == branch.id,
                Assignment.scorecard_id == version.scorecard_id, Assignment.due_date == due))
            if exists:
                continue
            employee = rng.choice(branch.employees) if branch.employees and rng.random() < 0.5 else None
            creator = _reviewer(branch, users, admin)
            db.session.add(Assignment(
                auditor_id=auditor.id, branch_id=branch.id, scorecard_id=version.scorecard_id,
                employee_id=employee.id if employee else None, due_date=due,
                created_by_id=creator.id if creator else None,
                created_at=datetime.combine(today - timedelta(days=10), time(9)),
                notes=rng.choice(["", "Preferiblemente por la mañana.", "Pregunte por la tarjeta de fidelización.",
                                  "Llame fuera de la hora punta."])))


def demo_counts() -> dict:
    """How much demo data there is (for the CLI's summary and for tests)."""
    total = db.session.scalar(db.select(db.func.count(Audit.id)).where(Audit.client_id.like("demo-%")))
    return {"audits": total or 0, "users": db.session.scalar(db.select(db.func.count(User.id))) or 0,
            "today": date.today().isoformat()}
