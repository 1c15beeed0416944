"""Demo survey data: a link per branch (and one employee's card), and six months of answers whose
NPS follows each branch's audits more or less, so that the overview's "Do they agree?" has
something to say. Safe to run twice: nothing is added where links or answers already exist."""
import random
import secrets
from datetime import timedelta

from core.timeutil import utcnow
from extensions import db
from surveys.models import SurveyLink, SurveyResponse

# Each branch's customers: (mean NPS answer, share who say their query was resolved)
MOODS = {"MAD-01": (8.6, 0.8), "MAD-02": (7.4, 0.7), "BCN-01": (8.9, 0.85), "VLC-01": (6.6, 0.6),
         "CC-01": (7.9, 0.75)}
COMMENTS = ["Muy amables y rápidos.", "Tuve que esperar bastante en caja.", "Me resolvieron todo a la primera.",
            "The staff were helpful and friendly.", "Nadie me atendió durante diez minutos.",
            "Excelente asesoramiento, volveré."]


def load(branches: dict) -> None:
    if db.session.scalar(db.select(SurveyLink.id).limit(1)) is not None:
        return
    rng = random.Random(2026)  # noqa: S311  # nosec B311: demo data, not security
    now = utcnow()
    for code, branch in branches.items():
        link = SurveyLink(token=secrets.token_urlsafe(16), branch_id=branch.id, language="es")
        db.session.add(link)
        db.session.flush()
        mood, resolved = MOODS.get(code, (7.5, 0.7))
        for n in range(rng.randint(18, 30)):
            when = now - timedelta(days=rng.randint(0, 180), minutes=rng.randint(0, 600))
            nps = max(0, min(10, round(rng.gauss(mood, 1.8))))
            csat = max(1, min(5, round(nps / 2.2 + rng.gauss(0.6, 0.7))))
            db.session.add(SurveyResponse(
                link_id=link.id, branch_id=branch.id, created_at=when, month=when.date().replace(day=1),
                receipt=f"demo-{n}", language="es", nps=nps, csat=csat,
                resolved="yes" if rng.random() < resolved else rng.choice(["partly", "no"]),
                wait=rng.choice(["none", "under_5", "5_to_15", "over_15"]),
                comment=rng.choice(COMMENTS) if rng.random() < 0.3 else ""))
    first = branches.get("MAD-01")
    if first is not None and first.employees:
        db.session.add(SurveyLink(token=secrets.token_urlsafe(16), kind="employee", branch_id=first.id,
                                  employee_id=first.employees[0].id, language="es"))
    db.session.flush()
