"""A calibration session and each participant's answers (the expert is a participant marked so).

Answers live on the participant's row as JSON (criterion key -> value, as in an audit): a session
is small, read whole, and its answers never feed the reports' tables, so it cannot count as an
audit by mistake."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db


class CalibrationSession(db.Model):
    __tablename__ = "calibration_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # What everyone scores: a link to the recording or transcript, or a described visit.
    subject: Mapped[str] = mapped_column(Text, default="")
    version_id: Mapped[int] = mapped_column(ForeignKey("scorecard_version.id"), index=True)
    # The branch the subject belongs to (a manager's session is for one of their branches).
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    version = relationship("ScorecardVersion")
    branch = relationship("Branch")
    created_by = relationship("User", foreign_keys=[created_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    participants = relationship("CalibrationParticipant", back_populates="session", cascade="all, delete-orphan",
                                order_by="CalibrationParticipant.id", lazy="selectin")

    def closed_on(self, today: date | None = None) -> date | None:
        """The day the session closed: by its creator (``closed_at``), or by its deadline, the day
        after ``due_date``. Derived when read, like an assignment's status, so no job is needed and
        it cannot go stale."""
        if self.closed_at is not None:
            return self.closed_at.date()
        today = today or utcnow().date()
        if self.due_date is not None and self.due_date < today:
            return self.due_date
        return None

    def is_closed(self, today: date | None = None) -> bool:
        return self.closed_on(today) is not None

    @property
    def expert(self):
        return next((p for p in self.participants if p.is_expert), None)

    def participant_of(self, user_id: int):
        return next((p for p in self.participants if p.user_id == user_id), None)


class CalibrationParticipant(db.Model):
    __tablename__ = "calibration_participant"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    is_expert: Mapped[bool] = mapped_column(Boolean, default=False)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    comments: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The engine's score of the submitted answers (0-100, full precision).
    score: Mapped[float | None] = mapped_column(Float)

    session = relationship("CalibrationSession", back_populates="participants")
    user = relationship("User")
