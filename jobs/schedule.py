"""Jobs that run on the calendar, for the worker's scheduler (see jobs/cli.py).

Each scheduled run has a job id per day: scheduling it again (another worker starting, the job
rescheduling itself) replaces the same entry instead of adding one.
"""
from datetime import UTC, datetime, time, timedelta

from flask import current_app

from core.timeutil import utcnow
from jobs import queue as jobs_queue

DAILY_AT = time(6, 0)  # UTC: before the working day in Spain


def _next_daily(now: datetime) -> datetime:
    at = datetime.combine(now.date(), DAILY_AT)
    return at if at > now else at + timedelta(days=1)


def schedule_daily_jobs(now: datetime | None = None) -> None:
    q = jobs_queue.get_queue()
    if q is None:
        return
    when = _next_daily(now or utcnow())
    q.enqueue_at(when.replace(tzinfo=UTC), daily_overdue_check,
                 job_id=f"daily-overdue-{when:%Y-%m-%d}", retry=jobs_queue._retry(current_app))


def daily_overdue_check():
    """The job: notify overdue assignments, then book tomorrow's run."""
    from notifications.overdue import notify_overdue

    with jobs_queue.job_context():
        notify_overdue()
        schedule_daily_jobs(utcnow() + timedelta(minutes=1))
