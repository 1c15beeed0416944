"""The coaching sessions of an employee in their personal-data document, and how an erasure
reaches them (security/personal_data.py's registry): notes and goals that name the person go."""
from coaching.models import CoachingSession
from core.personal_data import iso, register_section
from extensions import db


def _sessions(employee):
    return db.session.scalars(db.select(CoachingSession).where(CoachingSession.employee_id == employee.id)
                              .order_by(CoachingSession.held_on, CoachingSession.id)).all()


def collect(employee) -> list:
    return [{"id": s.id, "held_on": s.held_on.isoformat(), "coach": s.coach.name if s.coach else None,
             "criteria": list(s.criteria or []), "notes": s.notes or "", "goals": s.goals or "",
             "follow_up_on": s.follow_up_on.isoformat() if s.follow_up_on else None,
             "acknowledged_at": iso(s.acknowledged_at)} for s in _sessions(employee)]


def erase(erasure) -> None:
    for session in _sessions(erasure.employee):
        erasure.text(session, "notes")
        erasure.text(session, "goals")


def register() -> None:
    register_section("coaching", collect, erase)
