"""The security log: one row per event, only ever appended (docs/security.md)."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db


class SecurityEvent(db.Model):
    """Who did what to which account, from where. ``email`` is the e-mail as typed (a failed login
    names no user); ``details`` never holds a password, code, token or a person's name."""

    __table_args__ = (Index("ix_security_event_type_occurred", "type", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User", foreign_keys=[actor_id])
    subject = relationship("User", foreign_keys=[subject_id])


@event.listens_for(SecurityEvent, "before_update")
@event.listens_for(SecurityEvent, "before_delete")
def _append_only(mapper, connection, target):
    # The retention purge (security/log.py, purge) deletes old rows with one SQL statement, which
    # does not pass here; nothing else may change or remove an event.
    raise ValueError("Security events are only ever appended.")


class Erasure(db.Model):
    """That an employee was erased, kept for good (the security log is purged): when, by whom,
    why, and the pseudonym they now have. It names nobody but the admin who erased."""

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), unique=True)
    erased_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    erased_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(String(2000), default="")
    pseudonym: Mapped[str] = mapped_column(String(32))
