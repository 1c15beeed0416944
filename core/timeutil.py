import calendar
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


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day where it is
    shorter): the retention periods of survey responses and audits."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
