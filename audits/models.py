"""Assignments, audits, their answers, photos and history."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db

AUDIT_STATUSES = ("draft", "submitted", "returned", "approved")


class Assignment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    auditor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecard.id"))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    auditor = relationship("User", foreign_keys=[auditor_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    branch = relationship("Branch")
    scorecard = relationship("Scorecard")
    employee = relationship("Employee")
    audit = relationship("Audit", back_populates="assignment", uselist=False)

    def status(self, today: date | None = None) -> str:
        """open, in_progress, done or overdue: derived, never stored, so it cannot go stale."""
        today = today or utcnow().date()
        if self.audit is not None:
            if self.audit.status in ("submitted", "approved"):
                return "done"
            return "in_progress"
        if self.due_date is not None and self.due_date < today:
            return "overdue"
        return "open"


class Audit(db.Model):
    __table_args__ = (
        Index("ix_audit_branch_status_started", "branch_id", "status", "started_at"),
        Index("ix_audit_employee_status_started", "employee_id", "status", "started_at"),
        Index("ix_audit_status_started", "status", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made by the client (a UUID): the same one twice is the same audit (double tap, retry).
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"), unique=True)
    auditor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    employee_name_given: Mapped[str] = mapped_column(String(120), default="")
    version_id: Mapped[int] = mapped_column(ForeignKey("scorecard_version.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    checkin_lat: Mapped[float | None] = mapped_column(Float)
    checkin_lng: Mapped[float | None] = mapped_column(Float)
    checkin_accuracy: Mapped[float | None] = mapped_column(Float)
    checkin_at: Mapped[datetime | None] = mapped_column(DateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Stored by the scoring engine on submit; full precision.
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    critical_failure: Mapped[bool | None] = mapped_column(Boolean)
    kpis: Mapped[dict | None] = mapped_column(JSON)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    return_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: two reviewers acting at once cannot both win.
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    assignment = relationship("Assignment", back_populates="audit")
    auditor = relationship("User", foreign_keys=[auditor_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    branch = relationship("Branch")
    employee = relationship("Employee")
    version = relationship("ScorecardVersion")
    answers = relationship("Answer", back_populates="audit", cascade="all, delete-orphan")
    section_scores = relationship("SectionScore", back_populates="audit", cascade="all, delete-orphan",
                                  order_by="SectionScore.position")
    photos = relationship("Photo", back_populates="audit", cascade="all, delete-orphan",
                          order_by="Photo.id")
    events = relationship("AuditEvent", back_populates="audit", cascade="all, delete-orphan",
                          order_by="AuditEvent.id")

    def answers_by_key(self) -> dict:
        return {a.criterion_key: a for a in self.answers}

    def record(self, user, action: str, *, reason: str = "", criterion_key=None, before=None,
               after=None) -> "AuditEvent":
        """Add a step to the audit's history (audits, photos, disputes, acknowledgements write it)."""
        event = AuditEvent(user_id=user.id if user is not None else None, action=action, reason=reason,
                           criterion_key=criterion_key, before=before, after=after, at=utcnow())
        self.events.append(event)
        return event


class Answer(db.Model):
    __table_args__ = (
        UniqueConstraint("audit_id", "criterion_key"),
        Index("ix_answer_criterion_fraction", "criterion_id", "fraction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    criterion_key: Mapped[str] = mapped_column(String(64))
    # The value as in the scorecard format: "yes"/"no"/"na", an int, an option key, a number, text.
    value: Mapped[object] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    # Denormalised on submit so reports aggregate in SQL without re-scoring.
    kpi: Mapped[str | None] = mapped_column(String(32))
    fraction: Mapped[float | None] = mapped_column(Float)
    earned: Mapped[float | None] = mapped_column(Float)
    possible: Mapped[float | None] = mapped_column(Float)
    number_value: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    audit = relationship("Audit", back_populates="answers")
    criterion = relationship("Criterion")


class SectionScore(db.Model):
    __table_args__ = (
        UniqueConstraint("audit_id", "section_key"),
        # Covers the reports' section means: the join from the audits of a period reads the index
        # alone, not ~130,000 table rows for a company-wide year.
        Index("ix_section_score_audit_cover", "audit_id", "section_key", "score", "section_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), index=True)
    section_key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    earned: Mapped[float] = mapped_column(Float, default=0.0)
    possible: Mapped[float] = mapped_column(Float, default=0.0)
    score: Mapped[float | None] = mapped_column(Float)

    audit = relationship("Audit", back_populates="section_scores")
    section = relationship("Section")


class Photo(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    criterion_key: Mapped[str | None] = mapped_column(String(64))
    # Random name under the instance upload folder; never derived from the uploaded name.
    filename: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(32), default="image/jpeg")
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The app's id for an upload (API): a retried upload with the same one is stored once.
    client_id: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the stored bytes; None before it was kept

    audit = relationship("Audit", back_populates="photos")

    __table_args__ = (UniqueConstraint("audit_id", "client_id", name="uq_photo_audit_client_id"),)


class AuditEvent(db.Model):
    """History after the first submission: who, when, what, and the value before and after."""

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # submitted, returned, resubmitted, approved, answer_changed
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    criterion_key: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[object] = mapped_column(JSON)
    after: Mapped[object] = mapped_column(JSON)

    audit = relationship("Audit", back_populates="events")
    user = relationship("User")
