"""A corrective action on an approved audit: on one criterion, one section or the whole audit."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db

ACTION_STATUSES = ("open", "in_progress", "done", "verified", "cancelled")
# Still to be done: what counts as open in the reports and may become overdue.
PENDING = ("open", "in_progress")
PRIORITIES = ("low", "normal", "high")
SCOPES = ("criterion", "section", "audit")
STATUS_LABELS = {"open": _l("Open"), "in_progress": _l("In progress"), "done": _l("Done"),
                 "verified": _l("Verified"), "cancelled": _l("Cancelled"), "pending": _l("To do"), "all": _l("All")}


class Action(db.Model):
    """``branch_id`` and ``employee_id`` copy the audit's, so that the branch's and the employee's
    lists and counts need no join. ``criterion_key``/``section_key`` name the part of the audit
    (none for the whole audit). ``automatic``: opened by a critical failure, not by a person."""

    __table_args__ = (Index("ix_action_branch_status", "branch_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id", ondelete="SET NULL"), index=True)
    scope: Mapped[str] = mapped_column(String(16), default="audit")
    criterion_key: Mapped[str | None] = mapped_column(String(64))
    section_key: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closing_note: Mapped[str] = mapped_column(Text, default="")
    # The photo evidence of a done action: a key in core/storage.py, like audit photos.
    photo: Mapped[str | None] = mapped_column(String(80))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # When the daily job told the owner it is overdue: once per action (a new due date clears it).
    overdue_notified_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    audit = relationship("Audit")
    branch = relationship("Branch")
    employee = relationship("Employee")
    owner = relationship("User", foreign_keys=[owner_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    done_by = relationship("User", foreign_keys=[done_by_id])
    verified_by = relationship("User", foreign_keys=[verified_by_id])
    cancelled_by = relationship("User", foreign_keys=[cancelled_by_id])

    def is_overdue(self, today: date | None = None) -> bool:
        """Still to be done and past its due date (derived, never stored, so it cannot go stale)."""
        return self.status in PENDING and self.due_date < (today or utcnow().date())
