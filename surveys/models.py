"""Survey links, the responses given through them, and the admin's survey settings."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db

LINK_KINDS = ("branch", "employee", "single")
RESOLVED = ("yes", "partly", "no")
# What "How long did you wait?" offers: buckets, not minutes, so an answer is quick on a phone.
WAITS = ("none", "under_5", "5_to_15", "over_15")
QUESTIONS = ("nps", "csat", "resolved", "wait", "comment")
OPTIONAL_QUESTIONS = ("wait", "comment")
MAX_COMMENT = 2000


class SurveyLink(db.Model):
    """A public link ``/s/<token>``: a branch's (its poster), an employee's (the card they hand out)
    or a single-use one (sent after a call or chat). Revoking keeps the link's responses."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="branch")
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), index=True)
    # The language of the poster and of the page when the customer's browser names none.
    language: Mapped[str] = mapped_column(String(8), default="es")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)  # single-use links, once answered

    branch = relationship("Branch")
    employee = relationship("Employee")

    @property
    def open(self) -> bool:
        return self.revoked_at is None and not (self.kind == "single" and self.used_at is not None)


class SurveyResponse(db.Model):
    """One customer's answers. No address, no cookie value, nothing of the customer: ``receipt`` is
    a keyed hash of (device, link, day) that only says "this device already answered this link
    today", and cannot be linked to the same device on another day or link."""

    __table_args__ = (UniqueConstraint("link_id", "receipt", name="uq_survey_response_link_receipt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("survey_link.id", ondelete="SET NULL"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    month: Mapped[date] = mapped_column(Date, index=True)  # the first day of created_at's month
    receipt: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="es")
    nps: Mapped[int] = mapped_column(Integer)
    csat: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[str] = mapped_column(String(8))
    wait: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    link = relationship("SurveyLink")
    branch = relationship("Branch")
    employee = relationship("Employee")
    hidden_by = relationship("User")


class SurveySettings(db.Model):
    """The admin's survey settings: one row (id 1); absent, the defaults below."""

    id: Mapped[int] = mapped_column(primary_key=True)
    retention_months: Mapped[int] = mapped_column(Integer, default=24)
    min_responses: Mapped[int] = mapped_column(Integer, default=10)
    ask_wait: Mapped[bool] = mapped_column(Boolean, default=True)
    ask_comment: Mapped[bool] = mapped_column(Boolean, default=True)
    # {"es": {"nps": "...", ...}, "en": {...}}: the admin's wording; a blank one keeps the default.
    wording: Mapped[dict] = mapped_column(JSON, default=dict)


DEFAULTS = {"retention_months": 24, "min_responses": 10, "ask_wait": True, "ask_comment": True, "wording": {}}


def survey_settings() -> SurveySettings:
    """The settings row, or an unsaved one holding the defaults."""
    row = db.session.get(SurveySettings, 1)
    return row if row is not None else SurveySettings(id=1, **DEFAULTS)
