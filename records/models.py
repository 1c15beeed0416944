"""The seals of audits: rows only ever appended (an update or a delete is refused)."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from extensions import db

GENESIS = "0" * 64  # the "previous" of the first seal of an installation


class Seal(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id"), index=True)
    sealed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # approved or overturned: why the audit was sealed (again)
    reason: Mapped[str] = mapped_column(String(16))
    # The canonical JSON sealed, kept so an older seal of an audit changed since can still be checked.
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    # The digest of the seal before; unique, so the chain cannot fork (two seals after one).
    previous: Mapped[str] = mapped_column(String(64), unique=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)


@event.listens_for(Seal, "before_update")
@event.listens_for(Seal, "before_delete")
def _append_only(mapper, connection, target):
    raise ValueError("Seals are only ever appended.")
