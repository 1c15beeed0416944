"""Scorecards and their versions.

A published ScorecardVersion is frozen: the ``before_flush`` guard below refuses any change to it,
its sections or its criteria, whatever route, form or script tries, so a score means the same
thing forever.
"""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.texts import pick
from core.timeutil import utcnow
from extensions import db

CHANNELS = ("visit", "call", "email", "chat", "social")
CRITERION_TYPES = ("yes_no", "scale", "choice", "number", "text", "photo", "info")
SCORED_TYPES = ("yes_no", "scale", "choice", "number")
KPI_TAGS = ("name_given", "greeting", "courtesy", "accuracy", "product_knowledge", "promise_kept",
            "first_contact_resolution", "wait_time", "follow_up", "farewell")


class PublishedVersionError(Exception):
    """Raised when anything tries to change a published scorecard version."""


class Scorecard(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[dict] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(16))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    versions = relationship("ScorecardVersion", back_populates="scorecard",
                            order_by="ScorecardVersion.number", cascade="all, delete-orphan")

    def title(self, lang=None) -> str:
        return pick(self.name, lang)

    @property
    def latest_version(self):
        return self.versions[-1] if self.versions else None

    @property
    def latest_published(self):
        published = [v for v in self.versions if v.status == "published"]
        return published[-1] if published else None

    @property
    def draft(self):
        latest = self.latest_version
        return latest if latest is not None and latest.status == "draft" else None


class ScorecardVersion(db.Model):
    __table_args__ = (UniqueConstraint("scorecard_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecard.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # active_history: the guard below must see the stored status even when it was never loaded.
    status: Mapped[str] = mapped_column(String(16), default="draft", active_history=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    pass_mark: Mapped[float] = mapped_column(Float, default=80.0)
    critical_zeroes_score: Mapped[bool] = mapped_column(Boolean, default=True)

    scorecard = relationship("Scorecard", back_populates="versions")
    # Whoever loads a version reads its questions: one SELECT for sections, one for criteria.
    sections = relationship("Section", back_populates="version", order_by="Section.position",
                            cascade="all, delete-orphan", lazy="selectin")

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def criteria(self):
        return [c for s in self.sections for c in s.criteria]


class Section(db.Model):
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("scorecard_version.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[dict] = mapped_column(JSON)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    position: Mapped[int] = mapped_column(Integer, default=0)

    version = relationship("ScorecardVersion", back_populates="sections")
    criteria = relationship("Criterion", back_populates="section", order_by="Criterion.position",
                            cascade="all, delete-orphan", lazy="selectin")


class Criterion(db.Model):
    __table_args__ = (UniqueConstraint("section_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    text: Mapped[dict] = mapped_column(JSON)
    guidance: Mapped[dict | None] = mapped_column(JSON)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    allow_na: Mapped[bool] = mapped_column(Boolean, default=False)
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    kpi: Mapped[str | None] = mapped_column(String(32))
    # Type settings: scale min/max, choice options [{key, score, label}], number unit/target.
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)

    section = relationship("Section", back_populates="criteria")

    @property
    def scored(self) -> bool:
        if self.type == "number":
            return bool((self.settings or {}).get("target"))
        return self.type in SCORED_TYPES


def _parent(session, obj, attr, fk, model):
    """obj.<attr>, or the one it was just detached from (a criterion popped from its section)."""
    value = getattr(obj, attr)
    if value is None:
        deleted = db.inspect(obj).attrs[attr].history.deleted
        value = deleted[0] if deleted else None
    if value is None and getattr(obj, fk) is not None:
        value = session.get(model, getattr(obj, fk))
    return value


def _version_of(obj, session=None):
    session = session or db.session
    if isinstance(obj, ScorecardVersion):
        return obj
    if isinstance(obj, Section):
        return _parent(session, obj, "version", "version_id", ScorecardVersion)
    if isinstance(obj, Criterion):
        section = _parent(session, obj, "section", "section_id", Section)
        return _version_of(section, session) if section is not None else None
    return None


def _was_published(version: ScorecardVersion) -> bool:
    """True when the row in the database is already published (its committed status)."""
    history = db.inspect(version).attrs.status.history
    if history.deleted:
        return history.deleted[0] == "published"
    return version.status == "published" and version.id is not None


@event.listens_for(Session, "before_flush")
def _guard_published_versions(session, _context, _instances):
    for obj in list(session.dirty) + list(session.deleted) + list(session.new):
        if not isinstance(obj, (ScorecardVersion, Section, Criterion)):
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=True):
            continue
        version = _version_of(obj, session)
        if version is None or version.id is None:
            continue
        if obj is version and obj in session.dirty:
            # The one change allowed: the draft -> published step itself.
            if not _was_published(version):
                continue
        if _was_published(version):
            raise PublishedVersionError(
                f"Scorecard version {version.number} is published and cannot be changed")
