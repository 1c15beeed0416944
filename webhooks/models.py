"""Webhook endpoints and the log of their deliveries."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db

# The events a webhook may subscribe to; the later ones are sent as their features land.
EVENTS = ("audit.submitted", "audit.approved", "audit.returned", "dispute.opened", "dispute.decided",
          "action.overdue", "survey.response")
DELIVERY_STATES = ("pending", "retrying", "succeeded", "failed")


class WebhookEndpoint(db.Model):
    """A URL told of ``events``. ``secret`` signs each delivery: kept as it is (not hashed), since
    signing needs it; shown to the admin once, when the endpoint is made."""

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    deliveries = relationship("WebhookDelivery", back_populates="endpoint", cascade="all, delete-orphan",
                              passive_deletes=True, order_by="WebhookDelivery.id.desc()", lazy="dynamic")


class WebhookDelivery(db.Model):
    """One event for one endpoint. ``body`` is the exact JSON sent (the same bytes on every retry,
    and ``delivery_id`` the same UUID, so that receivers can drop repeats)."""

    __table_args__ = (Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"),
                      Index("ix_webhook_delivery_due", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)
    event: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)

    endpoint = relationship("WebhookEndpoint", back_populates="deliveries")
