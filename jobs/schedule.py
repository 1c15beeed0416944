"""Jobs that run on the calendar, for the worker's scheduler (see jobs/cli.py).

Each scheduled run has a job id per day: scheduling it again (another worker starting, the job
rescheduling itself) replaces the same entry instead of adding one.
"""
from datetime import UTC, datetime, time, timedelta

from flask import current_app

from core.timeutil import utcnow
from jobs import queue as jobs_queue

DAILY_AT = time(6, 0)  # UTC: before the working day in Spain
MONTHLY_AT = time(5, 0)  # UTC, on the first day of the month


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
    schedule_monthly_delivery(now)


def _next_monthly(now: datetime) -> datetime:
    at = datetime.combine(now.date().replace(day=1), MONTHLY_AT)
    return at if at > now else datetime.combine((at.date() + timedelta(days=32)).replace(day=1), MONTHLY_AT)


def schedule_monthly_delivery(now: datetime | None = None) -> None:
    """The monthly delivery (jobs/monthly.py) on the first day of the next month, one id per month."""
    from jobs.monthly import monthly_delivery_job

    q = jobs_queue.get_queue()
    if q is None:
        return
    when = _next_monthly(now or utcnow())
    q.enqueue_at(when.replace(tzinfo=UTC), monthly_delivery_job,
                 job_id=f"monthly-reports-{when:%Y-%m}", retry=jobs_queue._retry(current_app))


def recover_batches_soon() -> None:
    """When a worker starts: batches a dead worker left "running" are queued again (or failed)
    once their heartbeat is stale, so book the check for just after that (reports/batches.py)."""
    from reports.batches import recover_job

    q = jobs_queue.get_queue()
    if q is not None:
        q.enqueue_in(timedelta(seconds=current_app.config["BATCH_STALE_SECONDS"] + 5), recover_job)


def daily_overdue_check():
    """The job: notify overdue assignments, then book tomorrow's run."""
    from notifications.overdue import notify_overdue

    with jobs_queue.job_context():
        notify_overdue()
        schedule_daily_jobs(utcnow() + timedelta(minutes=1))
    purge_survey_responses()
    from reports.batches import recover_job

    recover_job()  # report batches: the expired removed, any a dead worker left recovered


def purge_survey_responses():
    """Survey responses older than the retention setting are deleted (surveys/services.py), daily;
    the job's context commits."""
    from surveys.services import purge_expired

    with jobs_queue.job_context():
        purge_expired()
