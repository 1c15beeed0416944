"""A notification per person and event, and each person's switches per kind."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db

# kind -> the type of its subject
KINDS = {
    "assignment_made": "assignment",
    "assignment_changed": "assignment",
    "assignment_cancelled": "assignment",
    "assignment_overdue": "assignment",
    "audit_returned": "audit",
    "audit_submitted": "audit",
    "audit_approved": "audit",
    "dispute_opened": "audit",
    "dispute_decided": "audit",
    "calibration_invited": "calibration",
    # corrective actions (actions/): a new action for its owner, an overdue one (the daily job)
    "action_assigned": "action",
    "action_overdue": "action",
}


class Notification(db.Model):
    """``subject_type``/``subject_id`` name the assignment or audit without a foreign key: a
    cancelled assignment is deleted, its notification stays. ``data`` keeps what the message
    needs (branch name, due date) for the same reason. ``in_app`` false: sent by e-mail only."""

    __table_args__ = (Index("ix_notification_user_unread", "user_id", "in_app", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    # email_wanted: the person wants this by e-mail; emailed_at: when the message (or digest) left.
    email_wanted: Mapped[bool] = mapped_column(Boolean, default=False)
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime)

    user = relationship("User")


class NotificationPreference(db.Model):
    """A switch a person turned off (or on again); no row means both channels on."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
