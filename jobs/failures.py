"""The jobs that failed after their retries (RQ's failed registry), for the admin's page, the API
and ``flask failed-jobs``: one listing, so the three never disagree.

RQ keeps a failed job with its traceback in Redis; this module only reads it, and puts a job back
on the queue when the admin asks (after fixing what made it fail: a mail server's address, say).
Without Redis jobs run in the app's process and a failure is in the app's log: there is nothing
to list, which ``failed_jobs`` says by returning None.
"""
from dataclasses import dataclass
from datetime import UTC, datetime

from jobs import queue as jobs_queue


@dataclass(frozen=True)
class FailedJob:
    id: str
    name: str            # the job's function, e.g. reports.batches.run_batch
    args: str            # its arguments as RQ shows them (ids, never personal data)
    failed_at: datetime | None
    reason: str          # the last line of the traceback: the exception and its message


def _registry():
    from rq.registry import FailedJobRegistry

    q = jobs_queue.get_queue()
    return None if q is None else FailedJobRegistry(queue=q)


def _aware(moment):
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _reason(job) -> str:
    result = job.latest_result()
    text = (result.exc_string if result else None) or job.exc_info or ""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "?"


def failed_jobs() -> list[FailedJob] | None:
    """Newest first; None when jobs run inline (no Redis)."""
    from rq.job import Job

    registry = _registry()
    if registry is None:
        return None
    jobs = [job for job in Job.fetch_many(registry.get_job_ids(), connection=registry.connection) if job is not None]
    listed = [FailedJob(id=job.id, name=job.func_name, args=", ".join(repr(a) for a in job.args)[:200],
                        failed_at=_aware(job.ended_at or job.enqueued_at), reason=_reason(job)) for job in jobs]
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(listed, key=lambda job: job.failed_at or oldest, reverse=True)


def requeue(job_id: str) -> bool:
    """Put a failed job back on the queue to run once more; False if it is not a failed job."""
    from rq.exceptions import InvalidJobOperationError, NoSuchJobError

    registry = _registry()
    if registry is None or job_id not in registry.get_job_ids():
        return False
    try:
        registry.requeue(job_id)
    except (NoSuchJobError, InvalidJobOperationError):  # expired or taken meanwhile: nothing to send again
        return False
    return True
