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
    """List the jobs that failed after their retries, newest first, each with its reason (the
    admin's "Failed jobs" page shows the same list)."""
    from jobs.failures import failed_jobs

    jobs = failed_jobs()
    if jobs is None:
        raise click.ClickException("Without REDIS_URL jobs run inside the web app: failures are in its log.")
    for job in jobs:
        when = f"{job.failed_at:%Y-%m-%d %H:%M} UTC" if job.failed_at else "?"
        click.echo(f"{job.id}  {when}  {job.name}  {job.reason}")
    click.echo(f"{len(jobs)} failed job(s).")
