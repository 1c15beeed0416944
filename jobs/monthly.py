"""The monthly delivery: each manager gets their branches' PDFs for the previous month by e-mail.

``flask --app app send-monthly-reports [--month YYYY-MM]`` does it; the worker's scheduler runs it
on the first day of each month (jobs/schedule.py). What was sent is recorded per manager and
month (``MonthlyDelivery``), written and committed *before* the message leaves: a second run, a
retry or a second worker finds the row and sends nothing again; a message that could not be sent
takes its row back, so the next run tries again. The PDFs are attached when they are small
together (MONTHLY_ATTACH_MAX_BYTES); else they become a report batch (a ZIP in the storage,
reports/batches.py) and the message links to it. In the manager's language, plain text plus HTML,
no branch or figure in the subject line.
"""
import io
import logging
import re
import secrets
import zipfile
from datetime import date, timedelta

import click
from flask import current_app, render_template, url_for
from flask.cli import with_appcontext
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from accounts.models import User
from core.models import get_setting
from core.timeutil import utcnow
from extensions import db
from jobs import mail
from jobs.queue import job_context

log = logging.getLogger(__name__)
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def previous_month(today: date | None = None) -> str:
    first = (today or date.today()).replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def month_period(month: str) -> tuple[date, date]:
    """The first and last day of YYYY-MM (ValueError for anything else)."""
    found = MONTH.match(month or "")
    if not found:
        raise ValueError(f"not a month like 2026-03: {month!r}")
    first = date(int(found.group(1)), int(found.group(2)), 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _managers():
    return db.session.scalars(db.select(User).where(User.role == "manager", User.active.is_(True))
                              .order_by(User.id))


def send_monthly_reports(month: str) -> tuple[int, int]:
    """Send every manager their month's PDFs once; returns (sent now, already sent before)."""
    from reports.batch_models import MonthlyDelivery

    sent = skipped = 0
    for manager_id in [m.id for m in _managers()]:
        manager = db.session.get(User, manager_id)
        branches = [b for b in manager.branches if b.active]
        if not branches or not manager.email:
            continue
        db.session.add(MonthlyDelivery(user_id=manager.id, month=month, branches=len(branches)))
        try:
            db.session.commit()
        except IntegrityError:  # sent before (or being sent by another run right now)
            db.session.rollback()
            skipped += 1
            continue
        try:
            _deliver(db.session.get(User, manager_id), month)
            db.session.commit()
        except Exception:
            db.session.rollback()
            db.session.execute(db.delete(MonthlyDelivery).where(
                MonthlyDelivery.user_id == manager_id, MonthlyDelivery.month == month))
            db.session.commit()
            raise
        sent += 1
    return sent, skipped


def _deliver(manager: User, month: str) -> None:
    from reports import pdf
    from reports.batch_models import MonthlyDelivery, ReportBatch
    from reports.filters import Filters

    app = current_app._get_current_object()
    date_from, date_to = month_period(month)
    language = manager.language or app.config["BABEL_DEFAULT_LOCALE"]
    f = Filters.for_user(manager, date_from=date_from, date_to=date_to)
    branches = sorted((b for b in manager.branches if b.active), key=lambda b: b.name)
    with app.test_request_context(base_url=app.config["BASE_URL"] + "/"), force_locale(language):
        files = [(pdf.period_name("branch", b.code, f), pdf.branch_pdf(b, f, language), "application/pdf")
                 for b in branches]
        link = None
        if sum(len(data) for _name, data, _type in files) > app.config["MONTHLY_ATTACH_MAX_BYTES"]:
            batch = _as_batch(manager, f, language, branches, files, ReportBatch)
            db.session.get(MonthlyDelivery, (manager.id, month)).batch_id = batch.id
            link, files = url_for("batches.batch", batch_id=batch.id, _external=True), []
        company = get_setting("company_name")
        month_name = format_date(date_from, "LLLL y")
        title = _("Your monthly reports, %(month)s", month=month_name)
        subject = f"{company}: {title}"
        context = {"user": manager, "company": company, "month": month_name, "branches": [b.name for b in branches],
                   "link": link, "reports_url": url_for("reports.overview", _external=True)}
        text = render_template("reports/monthly_email.txt", **context)
        html = render_template("reports/monthly_email.html", subject=subject, language=language, **context)
    mail.send(manager.email, subject, text, html, language=language, attachments=files)


def _as_batch(manager, f, language, branches, files, model):
    """PDFs too large to attach together: stored as a finished batch of the manager's."""
    from core.storage import storage

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data, _type in files:
            archive.writestr(name, data)
    now = utcnow()
    batch = model(user_id=manager.id, kind="branches", date_from=f.date_from, date_to=f.date_to, lang=language,
                  scope=None if f.scope is None else sorted(f.scope), subjects=[b.id for b in branches],
                  status="done", done=len(branches), total=len(branches), attempts=1, created_at=now,
                  started_at=now, heartbeat_at=now, finished_at=now, size=out.tell(),
                  expires_at=now + timedelta(days=current_app.config["BATCH_EXPIRE_DAYS"]))
    db.session.add(batch)
    db.session.flush()
    batch.storage_key = f"batches/{batch.id}-{secrets.token_hex(8)}.zip"
    storage().put(batch.storage_key, out.getvalue(), "application/zip")
    return batch


def monthly_delivery_job(month: str | None = None) -> None:
    """The scheduler's job on the first of the month: last month's reports, then next month's run."""
    from jobs.schedule import schedule_monthly_delivery

    with job_context():
        sent, skipped = send_monthly_reports(month or previous_month())
        log.info("Monthly reports: %s manager(s) sent, %s already had them", sent, skipped)
        schedule_monthly_delivery(utcnow() + timedelta(days=1))


@click.command("send-monthly-reports")
@click.option("--month", help="The month to send, YYYY-MM (default: the previous month).")
@with_appcontext
def send_monthly_reports_command(month):
    """E-mail each manager their branches' PDFs for a month; a manager who had them gets nothing."""
    month = month or previous_month()
    try:
        month_period(month)
    except ValueError:
        raise click.BadParameter("use a month like 2026-03", param_hint="--month") from None
    sent, skipped = send_monthly_reports(month)
    click.echo(f"{month}: monthly reports sent to {sent} manager(s); {skipped} had them already.")
