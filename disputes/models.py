"""A dispute of an approved audit, whole or on named criteria."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db

DISPUTE_STATUSES = ("open", "upheld", "overturned", "withdrawn")
OUTCOMES = ("upheld", "overturned")


class Dispute(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Criterion keys disputed; empty: the whole audit.
    criteria: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    auditor_comment: Mapped[str] = mapped_column(Text, default="")
    auditor_commented_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    # On an overturn: {criterion key: [before, after]} and the score before and after.
    changes: Mapped[dict | None] = mapped_column(JSON)
    score_before: Mapped[float | None] = mapped_column(Float)
    score_after: Mapped[float | None] = mapped_column(Float)

    audit = relationship("Audit")
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    evidence = relationship("DisputeEvidence", back_populates="dispute", order_by="DisputeEvidence.id",
                            cascade="all, delete-orphan")


class DisputeEvidence(db.Model):
    """A photo that whoever opened a dispute attached to it, cleaned and stored as audit photos
    are (audits/photos.py: decoded, upright, resized, a JPEG without metadata)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("dispute.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    dispute = relationship("Dispute", back_populates="evidence")
