"""``flask --app app worker``: an RQ worker on REDIS_URL, with RQ's own scheduler.

RQ's built-in scheduler (``Worker(..., with_scheduler=True)``) rather than rq-scheduler: nothing
more to install or run, delayed jobs (the hourly digest) and retries with an interval need it
anyway, and several workers elect one scheduler among themselves through a Redis lock. The
daily overdue check is a job that schedules its own next run under a job id per day, so starting
several workers (or restarting one) never doubles it.
"""
import logging

import click
from flask import current_app
from flask.cli import with_appcontext


def register(app):
    app.cli.add_command(worker_command)
    app.cli.add_command(notify_overdue_command)
    app.cli.add_command(failed_jobs_command)
    from jobs.monthly import send_monthly_reports_command

    app.cli.add_command(send_monthly_reports_command)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs queued now, then stop.")
@with_appcontext
def worker_command(burst):
    """Run jobs from the queue on REDIS_URL (e-mails, the daily overdue check)."""
    from rq import Worker

    from jobs import queue
    from jobs.schedule import recover_batches_soon, schedule_daily_jobs

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("Set REDIS_URL: without Redis, jobs run inside the web app and need no worker.")
    queue.use_app(current_app._get_current_object())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    schedule_daily_jobs()
    recover_batches_soon()
    worker = Worker([queue.get_queue()], connection=queue.redis_connection())
    worker.work(burst=burst, with_scheduler=True)


@click.command("notify-overdue")
@with_appcontext
def notify_overdue_command():
    """Tell auditors and planners of assignments past their due date (once each); the worker
    does it daily, this is for a cron job on a server without Redis."""
    from notifications.overdue import notify_overdue

    click.echo(f"{notify_overdue()} overdue assignment(s) notified.")
    from actions.overdue import notify_overdue_actions
    from extensions import db

    told = notify_overdue_actions()
    db.session.commit()
    click.echo(f"{told} overdue corrective action(s) notified.")


@click.command("failed-jobs")
@with_appcontext
def failed_jobs_command():
    """List the jobs that failed after their retries, newest first, each with its reason."""
    from rq.job import Job
    from rq.registry import FailedJobRegistry

    from jobs import queue

    q = queue.get_queue()
    if q is None:
        raise click.ClickException("Without REDIS_URL jobs run inside the web app: failures are in its log.")
    registry = FailedJobRegistry(queue=q)
    jobs = [job for job in Job.fetch_many(registry.get_job_ids(), connection=q.connection) if job is not None]
    for job in sorted(jobs, key=lambda j: j.ended_at or j.enqueued_at, reverse=True):
        result = job.latest_result()
        reason = (result.exc_string or "").strip().splitlines()[-1:] if result else []
        click.echo(f"{job.id}  {job.ended_at:%Y-%m-%d %H:%M} UTC  {job.func_name}  {reason[0] if reason else '?'}")
    click.echo(f"{len(jobs)} failed job(s).")
