from datetime import UTC, datetime

# Where there is a duration of a visit or call, it is rounded to the nearest minute, the same on
# pages and PDFs (2 min 40 s is 3 minutes); see ``core.i18n.duration`` for how it reads.


def utcnow() -> datetime:
    """Naive UTC: SQLite has no time zones, so every stored datetime is UTC without tzinfo."""
    return datetime.now(UTC).replace(tzinfo=None)


def minutes_between(start: datetime | None, end: datetime | None) -> int | None:
    """Whole minutes from ``start`` to ``end``, rounded; None when either is missing or the end
    comes first."""
    if start is None or end is None or end < start:
        return None
    return round((end - start).total_seconds() / 60)
