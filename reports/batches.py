"""Report batches: "every branch in my scope" or "every employee of a branch" for a period, as one
ZIP of PDFs built by a job (jobs/queue.py) and kept in the app's storage (core/storage.py).

What goes in is decided when the batch is asked for (``create``): the subjects and the
requester's scope are stored on the row, and the job renders each PDF with reports/pdf.py under
that scope, so a batch holds only what its requester could see. The job commits after each PDF
(``done`` rises for the progress bar) and moves ``heartbeat_at``; a running batch whose heartbeat
is older than BATCH_STALE_SECONDS lost its worker (killed, machine gone) and ``recover_stale``
queues it again, or fails it with the reason after BATCH_ATTEMPTS runs. It is called when a
worker starts, a few minutes later, daily, and whenever someone looks at such a batch, so no
batch stays "running" for ever. Batches expire after BATCH_EXPIRE_DAYS; ``purge_expired`` (the
daily job) deletes their rows and files.
"""
from __future__ import annotations

import io
import logging
import secrets
import zipfile
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from accounts.permissions import branch_ids_in_scope
from branches.models import Branch, Employee
from core.timeutil import utcnow
from extensions import db
from jobs.queue import enqueue_after_commit, get_queue, job_context
from reports import signals
from reports.batch_models import BATCH_KINDS, ReportBatch
from reports.filters import Filters

log = logging.getLogger(__name__)

UNFINISHED_PER_USER = 3  # batches queued or running at once for one person (each costs a worker)
WORKER_LOST = "The worker building this batch stopped before it finished."


class BatchError(ValueError):
    """A batch that cannot be made; ``field`` names the request's value at fault (or None)."""

    def __init__(self, message, field=None, status=422):
        super().__init__(str(message))
        self.message, self.field, self.status = message, field, status


def subjects_for(user, kind: str, branch: Branch | None) -> list[int]:
    """The ids to put in a batch: the active branches in the user's scope, or a branch's active
    employees (the caller has checked that the user may see that branch)."""
    if kind == "employees":
        return list(db.session.scalars(db.select(Employee.id).where(
            Employee.branch_id == branch.id, Employee.active.is_(True)).order_by(Employee.name, Employee.id)))
    query = db.select(Branch.id).where(Branch.active.is_(True)).order_by(Branch.name, Branch.id)
    scope = branch_ids_in_scope(user)
    if scope is not None:
        query = query.where(Branch.id.in_(sorted(scope) or [-1]))
    return list(db.session.scalars(query))


def create(user, kind: str, date_from: date, date_to: date, lang: str, branch: Branch | None = None) -> ReportBatch:
    """A queued batch of the user's (flushed; its job is enqueued when the session commits)."""
    if kind not in BATCH_KINDS:
        raise BatchError(_l("Not a valid choice."), "kind")
    if kind == "employees" and branch is None:
        raise BatchError(_l("Choose the branch whose employees go in the batch."), "branch_id")
    if kind == "branches" and branch is not None:
        raise BatchError(_l("A batch of branches covers every branch you see: leave the branch out."), "branch_id")
    if date_from > date_to:
        # Such a period holds no day, so nothing would go in the batch: 409, as an empty batch
        # (the two dates against each other are more than OpenAPI 3.0 can state).
        raise BatchError(_l("The end of the period comes before its start."), "to", status=409)
    unfinished = db.session.scalar(db.select(db.func.count(ReportBatch.id)).where(
        ReportBatch.user_id == user.id, ReportBatch.status.in_(("queued", "running"))))
    if unfinished >= UNFINISHED_PER_USER:
        raise BatchError(_l("You already have batches being made: wait until one is done."), status=409)
    subjects = subjects_for(user, kind, branch)
    if not subjects:
        # no active branch or employee now: the data's state, not the request, is at fault (409)
        raise BatchError(_l("There is nothing to put in this batch."), "branch_id" if branch else "kind", status=409)
    scope = branch_ids_in_scope(user)
    now = utcnow()
    batch = ReportBatch(user_id=user.id, kind=kind, branch_id=branch.id if branch else None, date_from=date_from,
                        date_to=date_to, lang=lang, scope=None if scope is None else sorted(scope),
                        subjects=subjects, total=len(subjects), done=0, status="queued", attempts=0,
                        created_at=now, expires_at=now + timedelta(days=current_app.config["BATCH_EXPIRE_DAYS"]))
    db.session.add(batch)
    db.session.flush()
    enqueue_after_commit(db.session, run_batch, batch.id)
    signals.batch_requested.send(batch, actor=user)
    return batch


def visible(batch_id: int, user) -> ReportBatch | None:
    """The user's own batch, unexpired (a batch is its requester's only: it holds their scope)."""
    batch = db.session.get(ReportBatch, batch_id)
    if batch is None or batch.user_id != user.id or batch.expires_at <= utcnow():
        return None
    return batch


def zip_name(batch: ReportBatch) -> str:
    return f"{batch.kind}-{batch.date_from.isoformat()}-{batch.date_to.isoformat()}.zip"


# ---- the job ---------------------------------------------------------------------------------

def run_batch(batch_id: int) -> None:
    """Build the batch's ZIP. Runs only a queued batch: a duplicate or late job does nothing."""
    with job_context() as app:
        now = utcnow()
        claimed = db.session.execute(update(ReportBatch).where(
            ReportBatch.id == batch_id, ReportBatch.status == "queued").values(
            status="running", started_at=now, heartbeat_at=now, done=0, attempts=ReportBatch.attempts + 1))
        db.session.commit()
        if claimed.rowcount != 1:
            return
        try:
            _build(app, batch_id, now)
        except _Overtaken:
            return
        except Exception as exc:  # any failure: recorded on the batch with its reason
            db.session.rollback()
            log.exception("Report batch %s failed", batch_id)
            if _give_up(batch_id, f"{type(exc).__name__}: {exc}"[:500]):
                return
            raise  # queued again: RQ's retry runs it once more


class _Overtaken(RuntimeError):
    """Another run took this batch over (this one was thought lost): stop quietly."""


def _beat(batch_id: int, started_at, **values) -> None:
    moved = db.session.execute(update(ReportBatch).where(
        ReportBatch.id == batch_id, ReportBatch.status == "running", ReportBatch.started_at == started_at).values(
        heartbeat_at=utcnow(), **values))
    db.session.commit()
    if moved.rowcount != 1:
        raise _Overtaken(batch_id)


def _build(app, batch_id: int, started_at) -> None:
    from core.storage import storage
    from reports import pdf

    batch = db.session.get(ReportBatch, batch_id)
    f = Filters(scope=None if batch.scope is None else frozenset(batch.scope), date_from=batch.date_from,
                date_to=batch.date_to)
    model = Branch if batch.kind == "branches" else Employee
    out = io.BytesIO()
    # PDFs are compressed already: stored, not deflated again.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive, \
            app.test_request_context(base_url=app.config["BASE_URL"] + "/"):
        for done, subject_id in enumerate(batch.subjects, start=1):
            subject = db.session.get(model, subject_id)
            in_scope = subject is not None and (f.scope is None or (
                subject.id if model is Branch else subject.branch_id) in f.scope)
            if in_scope:  # a subject deleted or moved out of the scope since is left out
                if model is Branch:
                    data, name = pdf.branch_pdf(subject, f, batch.lang), pdf.period_name("branch", subject.code, f)
                else:
                    data, name = pdf.employee_pdf(subject, f, batch.lang), pdf.period_name("employee", subject.code, f)
                archive.writestr(name, data)
            _beat(batch_id, started_at, done=done)
    key = f"batches/{batch_id}-{secrets.token_hex(8)}.zip"
    storage().put(key, out.getvalue(), "application/zip")
    _beat(batch_id, started_at, status="done", storage_key=key, size=out.tell(), finished_at=utcnow(), error=None)


def _give_up(batch_id: int, reason: str) -> bool:
    """Record the reason; fail the batch when its runs are used up or nothing will retry it
    (inline jobs), else queue it again. True when it failed for good."""
    batch = db.session.get(ReportBatch, batch_id)
    final = get_queue() is None or batch.attempts >= current_app.config["BATCH_ATTEMPTS"]
    batch.status, batch.error = ("failed" if final else "queued"), reason
    if final:
        batch.finished_at = utcnow()
    db.session.commit()
    return final


def recover_stale(now=None) -> int:
    """Running batches whose heartbeat stopped: queued again (their job enqueued on commit), or
    failed with the reason once BATCH_ATTEMPTS runs were used. Flushes; the caller commits."""
    now = now or utcnow()
    limit = now - timedelta(seconds=current_app.config["BATCH_STALE_SECONDS"])
    stale = db.session.scalars(db.select(ReportBatch).where(
        ReportBatch.status == "running", ReportBatch.heartbeat_at < limit).with_for_update(skip_locked=True))
    count = 0
    for batch in stale:
        count += 1
        if batch.attempts >= current_app.config["BATCH_ATTEMPTS"]:
            batch.status, batch.error, batch.finished_at = "failed", f"{WORKER_LOST} ({batch.attempts}x)", now
            continue
        batch.status, batch.error, batch.done = "queued", WORKER_LOST, 0
        enqueue_after_commit(db.session, run_batch, batch.id)
    db.session.flush()
    return count


def purge_expired(now=None) -> int:
    """Delete expired batches and their ZIPs. Flushes; the caller commits."""
    from core.storage import storage

    now = now or utcnow()
    expired = list(db.session.scalars(db.select(ReportBatch).where(ReportBatch.expires_at <= now)))
    for batch in expired:
        if batch.storage_key:
            storage().delete(batch.storage_key)
        db.session.delete(batch)
    db.session.flush()
    return len(expired)


def recover_job() -> None:
    """The job a worker books for a few minutes after it starts, and the daily one: recover the
    batches a dead worker left, remove the expired ones."""
    with job_context():
        recovered = recover_stale()
        purged = purge_expired()
        if recovered or purged:
            log.info("Report batches: %s recovered, %s expired removed", recovered, purged)
