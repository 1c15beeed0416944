"""A coaching session: a manager (or an admin) works with an employee on some criteria."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db


class CoachingSession(db.Model):
    __tablename__ = "coaching_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    # Criterion keys worked on, from any scorecard (a key names the same question across versions).
    criteria: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    employee = relationship("Employee")
    coach = relationship("User")
