"""One way to run a job: ``enqueue(func, *args)``.

With ``REDIS_URL`` the job goes to RQ on that Redis, with ``Retry(max=3, interval=[60, 300,
1800])`` (JOB_RETRY_INTERVALS), and a worker (``flask --app app worker``) runs it; a job that
still fails is kept in RQ's failed registry with its traceback. Without Redis (``make run``) the
job runs at once in the app's process. Not RQ's ``is_async=False``: that still needs a Redis
connection to store the job, and ``make run`` must need nothing installed.

``enqueue_after_commit`` holds a job until the session's transaction commits: a worker never reads
rows that are not there yet, and a rolled-back request sends nothing.
"""
import logging
import os
from contextlib import contextmanager

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

PENDING = "veraz_jobs_after_commit"
_state = {"app": None, "pid": None}


def init_app(app):
    # The app jobs run in when no app context is active; the worker command sets its own.
    if _state["app"] is None:
        use_app(app)
    app.extensions["veraz_jobs"] = {"redis": None, "queue": None}


def use_app(app):
    _state.update(app=app, pid=os.getpid())


def redis_connection(app=None):
    """The app's Redis client, or None without REDIS_URL (made once per app)."""
    app = app or current_app
    state = app.extensions["veraz_jobs"]
    if state["redis"] is None and app.config.get("REDIS_URL"):
        from redis import Redis

        state["redis"] = Redis.from_url(app.config["REDIS_URL"])
    return state["redis"]


def get_queue(app=None):
    """The RQ queue of this app (JOB_QUEUE), or None when jobs run inline."""
    app = app or current_app
    state = app.extensions["veraz_jobs"]
    connection = redis_connection(app)
    if connection is None:
        return None
    if state["queue"] is None:
        from rq import Queue

        state["queue"] = Queue(app.config["JOB_QUEUE"], connection=connection)
    return state["queue"]


def _retry(app):
    from rq import Retry

    intervals = list(app.config["JOB_RETRY_INTERVALS"])
    return Retry(max=len(intervals), interval=intervals) if intervals else None


def enqueue(func, *args, **kwargs):
    """Run ``func(*args, **kwargs)`` as a job: on RQ with retries, or now in this process.

    Inline, a failing job is logged and swallowed: the request that asked for it has already
    committed, and a mail server being down must not turn it into an error page."""
    queue = get_queue()
    if queue is not None:
        return queue.enqueue(func, *args, retry=_retry(current_app), **kwargs)
    try:
        func(*args, **kwargs)
    except Exception:  # see the docstring: logged, never raised into the caller
        log.exception("Job %s%r failed", getattr(func, "__name__", func), args)
    return None


def enqueue_in(delay, func, *args):
    """Run ``func`` after ``delay`` (a timedelta) on RQ (the worker's scheduler moves it to the
    queue); inline there is no later, so it returns False and the caller must cope."""
    queue = get_queue()
    if queue is None:
        return False
    queue.enqueue_in(delay, func, *args, retry=_retry(current_app))
    return True


def enqueue_after_commit(session, func, *args):
    """Enqueue ``func(*args)`` once ``session`` commits; dropped if it rolls back."""
    session.info.setdefault(PENDING, []).append((func, args))


@event.listens_for(Session, "after_commit")
def _run_pending(session):
    pending = session.info.pop(PENDING, None)
    if pending and has_app_context():
        for func, args in pending:
            enqueue(func, *args)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session, _transaction):
    session.info.pop(PENDING, None)


@contextmanager
def job_context():
    """A fresh app context for a job: the worker's app, or (inline) the app that enqueued it.

    A new context means a new database session: the job never sees the caller's transaction. In
    a worker's forked child the inherited connection pool is dropped, not shared with the parent."""
    from extensions import db

    app = current_app._get_current_object() if has_app_context() else _state["app"]
    if app is None:
        raise RuntimeError("No Veraz app for this job: run workers with `flask --app app worker`.")
    with app.app_context():
        if _state["pid"] != os.getpid():
            db.engine.dispose(close=False)
            _state["pid"] = os.getpid()
        try:
            yield app
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
