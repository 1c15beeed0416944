"""Report batches (a ZIP of PDFs built by a job) and the monthly deliveries already sent."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db

BATCH_KINDS = ("branches", "employees")
BATCH_STATUSES = ("queued", "running", "done", "failed")


class ReportBatch(db.Model):
    """What to build was decided at creation: ``subjects`` (branch or employee ids) and ``scope``
    (the requester's branch ids then, null for all), so a batch never holds more than its
    requester could see when they asked, whatever changes later. ``heartbeat_at`` moves after
    each PDF: a running batch whose heartbeat stopped lost its worker (reports/batches.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id", ondelete="SET NULL"))
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    lang: Mapped[str] = mapped_column(String(5))
    scope: Mapped[list | None] = mapped_column(JSON)
    subjects: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    storage_key: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)

    user = relationship("User")


class MonthlyDelivery(db.Model):
    """One row per manager and month once their monthly reports went out: never sent twice."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    branches: Mapped[int] = mapped_column(Integer, default=0)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("report_batch.id", ondelete="SET NULL"))
