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


def book(when: datetime, func, job_id: str) -> None:
    """Run ``func`` at ``when`` (naive UTC) under ``job_id``, with the usual retries; booking the
    same id again replaces the entry. Nothing to book without Redis (no worker, no scheduler)."""
    q = jobs_queue.get_queue()
    if q is not None:
        q.enqueue_at(when.replace(tzinfo=UTC), func, job_id=job_id, retry=jobs_queue._retry(current_app))


def schedule_daily_jobs(now: datetime | None = None) -> None:
    when = _next_daily(now or utcnow())
    book(when, daily_overdue_check, f"daily-overdue-{when:%Y-%m-%d}")
    from security.retention import daily_privacy_job  # the security log's purge, old audits' pseudonyms

    book(when, daily_privacy_job, f"daily-privacy-{when:%Y-%m-%d}")
    schedule_monthly_delivery(now)


def _next_monthly(now: datetime) -> datetime:
    at = datetime.combine(now.date().replace(day=1), MONTHLY_AT)
    return at if at > now else datetime.combine((at.date() + timedelta(days=32)).replace(day=1), MONTHLY_AT)


def schedule_monthly_delivery(now: datetime | None = None) -> None:
    """The monthly delivery (jobs/monthly.py) on the first day of the next month, one id per month."""
    from jobs.monthly import monthly_delivery_job

    when = _next_monthly(now or utcnow())
    book(when, monthly_delivery_job, f"monthly-reports-{when:%Y-%m}")


def recover_batches_soon(now: datetime | None = None) -> None:
    """Book the check for batches a dead worker left "running" (reports/batches.py) for just after
    a heartbeat would be stale, and again every BATCH_STALE_SECONDS after that (the check books its
    own next run): a worker killed while others live is noticed within two of those periods, not
    at the next start or the next day. The run's job id is its time slot, so several workers
    booking it book one run."""
    q = jobs_queue.get_queue()
    if q is None:
        return
    every = max(1, current_app.config["BATCH_STALE_SECONDS"])
    slot = int((now or datetime.now(UTC)).timestamp() // every) + 2  # at least one full period away
    when = datetime.fromtimestamp(slot * every, UTC)
    q.enqueue_at(when, batch_recovery_check, job_id=f"batch-recovery-{every}-{slot}")


def batch_recovery_check():
    """The job: recover stalled batches, remove expired ones, then book the next check."""
    from reports.batches import recover_job

    recover_job()
    with jobs_queue.job_context():
        recover_batches_soon()


def daily_overdue_check():
    """The job: notify overdue assignments, then book tomorrow's run."""
    from notifications.overdue import notify_overdue

    with jobs_queue.job_context():
        notify_overdue()
        from actions.overdue import notify_overdue_actions  # corrective actions past their due date

        notify_overdue_actions()
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
