"""Demo coaching sessions, so that the coaching pages and the employee report's "Did it work?" have
something to show after ``flask demo``. Idempotent: a session is added only where its employee has
none on that day."""
from datetime import timedelta

from accounts.models import User
from branches.models import Employee
from coaching.models import CoachingSession
from core.timeutil import utcnow
from extensions import db

# (employee code, coach's email, days ago, criteria, notes, goals, follow-up in days, acknowledged)
SESSIONS = [
    ("E001", "manager@veraz.example", 60, ["name_given", "follow_up_offered"],
     "Escuchamos juntos dos visitas: no dio su nombre y no ofreció seguimiento.",
     "Presentarse por su nombre en cada saludo y ofrecer siempre un seguimiento.", 30, False),
    ("E002", "manager@veraz.example", 80, ["name_given", "follow_up_offered"],
     "Repasamos las últimas auditorías en caja.", "Dar su nombre al saludar y ofrecer ayuda al despedirse.",
     30, True),
    ("E013", "manager.bcn@veraz.example", 90, ["courtesy", "empathy_listening"],
     "El trato es correcto pero apresurado.", "Dejar terminar al cliente antes de responder.", 21, True),
]


def load() -> None:
    """Add the demo sessions (flushes; the caller commits)."""
    today = utcnow().date()
    for code, email, days, criteria, notes, goals, follow, acknowledged in SESSIONS:
        employee = db.session.scalar(db.select(Employee).where(Employee.code == code))
        coach = db.session.scalar(db.select(User).where(User.email == email))
        if employee is None or coach is None:
            continue
        held = today - timedelta(days=days)
        exists = db.session.scalar(db.select(CoachingSession.id).where(
            CoachingSession.employee_id == employee.id, CoachingSession.held_on == held).limit(1))
        if exists is not None:
            continue
        db.session.add(CoachingSession(employee=employee, coach_id=coach.id, held_on=held, criteria=criteria,
                                       notes=notes, goals=goals, follow_up_on=held + timedelta(days=follow),
                                       acknowledged_at=utcnow() - timedelta(days=days - 1) if acknowledged else None))
    db.session.flush()
