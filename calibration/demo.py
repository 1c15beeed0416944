"""Demo calibration sessions (``flask demo``): the contact centre's phone-call scorecard scored by
both demo auditors against Miguel, the manager, as the expert, one closed session a month for the
last six months (Tomás drifts from the key more than Alba) and one still open. Looked up by title,
so running the demo twice adds nothing."""
import random
from datetime import datetime, time, timedelta

from audits.demo import _answers
from calibration.models import CalibrationParticipant, CalibrationSession
from core.timeutil import utcnow
from extensions import db
from scorecards import scoring
from scorecards.services import spec_for_version

TITLE = "Llamada de calibración {}"
DRIFT = {"auditor@veraz.example": 0.12, "auditor2@veraz.example": 0.3}
EXPERT = "manager@veraz.example"


def load(users, branches, scorecards) -> None:
    version = next((v for v in scorecards if v.scorecard.slug == "phone-call"), None)
    if version is None or EXPERT not in users or any(e not in users for e in DRIFT):
        return
    existing = set(db.session.scalars(db.select(CalibrationSession.title)))
    spec = spec_for_version(version)
    today = utcnow()
    for number in range(1, 8):
        title = TITLE.format(number)
        if title in existing:
            continue
        rng = random.Random(number)  # noqa: S311  # nosec B311: demo data, not security
        key, _comments = _answers(rng, version, 0.8)
        closed = number < 7
        when = datetime.combine((today - timedelta(days=30 * (7 - number))).date(), time(12))
        session = CalibrationSession(
            title=title, subject=f"Grabación de la cola Pedidos, semana {number}", version=version,
            branch_id=branches["CC-01"].id, created_by_id=users[EXPERT].id, created_at=when - timedelta(days=3),
            due_date=(today + timedelta(days=7)).date() if not closed else None,
            closed_at=when if closed else None, closed_by_id=users[EXPERT].id if closed else None)
        people = [(EXPERT, key, True)]
        for email, drift in DRIFT.items():
            other, _c = _answers(random.Random(number * 100 + len(email)), version, 0.6)  # noqa: S311  # nosec B311
            mine = {k: (other.get(k, v) if rng.random() < drift else v) for k, v in key.items()}
            people.append((email, mine, False))
        for email, answers, expert in people:
            if not closed and not expert:
                answers = {}
            complete = not scoring.check_answers(spec, answers, submit=True)
            session.participants.append(CalibrationParticipant(
                user=users[email], is_expert=expert, answers=answers, comments={},
                score=scoring.score(spec, answers).score if complete else None,
                submitted_at=when - timedelta(days=1) if complete else None, updated_at=when - timedelta(days=1)))
        db.session.add(session)
    db.session.flush()
