from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC: SQLite has no time zones, so every stored datetime is UTC without tzinfo."""
    return datetime.now(UTC).replace(tzinfo=None)
