"""What each notification says, on the page and by e-mail, and the jobs that send the e-mails.

E-mails are in the recipient's language (``force_locale``), plain text plus HTML, with an
absolute link built from BASE_URL. Subjects name the company and the kind of event only: no
score, no person, no branch (a subject line shows on lock screens and in shared inboxes).
"""
from datetime import date, timedelta

from flask import current_app, render_template, url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from accounts.models import User
from core.models import get_setting
from core.timeutil import utcnow
from extensions import db
from jobs import mail
from jobs.queue import enqueue_in, job_context
from notifications.models import Notification

# Kinds sent as one digest at most once an hour per person.
DIGEST_KINDS = {"audit_submitted"}
DIGEST_EVERY = timedelta(hours=1)


def digests_due(user_ids, kind: str) -> set:
    """Of ``user_ids``, those for whom a new notification of ``kind`` needs a digest job, asked
    before it is added. Not those who already have one waiting and had a digest within the hour:
    a job for them is already coming (on RQ the waiting one's job put itself off to the end of
    the hour; inline it would find it too soon and do nothing), so each submission does not start
    a job per reviewer only for it to say "too soon"."""
    ids = list(user_ids)
    if not ids:
        return set()
    waiting = func.sum(case((and_(Notification.emailed_at.is_(None), Notification.email_wanted.is_(True)), 1),
                            else_=0))
    now = utcnow()
    covered = {user_id for user_id, last, count in db.session.execute(
        select(Notification.user_id, func.max(Notification.emailed_at), waiting)
        .where(Notification.user_id.in_(ids), Notification.kind == kind).group_by(Notification.user_id))
        if count and last is not None and now - last < DIGEST_EVERY}
    return set(ids) - covered


def subject_line(kind: str) -> str:
    return {
        "assignment_made": _("New audit assignment"),
        "assignment_changed": _("An audit assignment changed"),
        "assignment_cancelled": _("An audit assignment was cancelled"),
        "assignment_overdue": _("An audit assignment is overdue"),
        "audit_returned": _("An audit was returned to you"),
        "audit_submitted": _("Audits are waiting for your review"),
        "audit_approved": _("An audit was approved"),
        "dispute_opened": _("An audit was disputed"),
        "dispute_decided": _("A dispute was closed"),
        "calibration_invited": _("You take part in a calibration session"),
        "action_assigned": _("A corrective action is yours"),
        "action_overdue": _("A corrective action is overdue"),
    }[kind]


def describe(note: Notification) -> str:
    """One sentence for the list page and the e-mail body, in the current language."""
    data = note.data or {}
    branch = data.get("branch") or "?"
    due = format_date(date.fromisoformat(data["due_date"])) if data.get("due_date") else None
    if note.kind == "assignment_made":
        return (_("You have a new audit to do at %(branch)s by %(date)s.", branch=branch, date=due) if due
                else _("You have a new audit to do at %(branch)s.", branch=branch))
    if note.kind == "assignment_changed":
        return _("Your audit assignment at %(branch)s was changed.", branch=branch)
    if note.kind == "assignment_cancelled":
        return _("Your audit assignment at %(branch)s was cancelled: there is nothing to do.", branch=branch)
    if note.kind == "assignment_overdue":
        return _("The audit at %(branch)s was due on %(date)s and is not done yet.", branch=branch, date=due or "?")
    if note.kind == "audit_returned":
        return _("Your audit at %(branch)s was returned: read the reason, correct it and submit it again.",
                 branch=branch)
    if note.kind == "audit_submitted":
        return _("An audit at %(branch)s was submitted and waits for review.", branch=branch)
    if note.kind == "action_assigned":
        return _("A corrective action at %(branch)s is due on %(date)s: %(title)s", branch=branch,
                 date=due or "?", title=data.get("title") or "")
    if note.kind == "action_overdue":
        return _("A corrective action at %(branch)s was due on %(date)s and is not done yet: %(title)s",
                 branch=branch, date=due or "?", title=data.get("title") or "")
    if note.kind == "dispute_opened":
        return _("An audit at %(branch)s was disputed.", branch=branch)
    if note.kind == "calibration_invited":
        return (_("Score the calibration session “%(title)s” by %(date)s.", title=data.get("title") or "?", date=due)
                if due else _("Score the calibration session “%(title)s”.", title=data.get("title") or "?"))
    if note.kind == "dispute_decided":
        return {"upheld": _("The dispute of an audit at %(branch)s was upheld: the score stands.", branch=branch),
                "overturned": _("The dispute of an audit at %(branch)s was overturned: the score changed.",
                                branch=branch)}.get(data.get("outcome"),
                                                    _("The dispute of an audit at %(branch)s was withdrawn.",
                                                      branch=branch))
    return _("An audit at %(branch)s was approved.", branch=branch)


def link(note: Notification, external: bool = False) -> str:
    """Where the notification leads its reader (an auditor to their list, a planner to the plan)."""
    if note.subject_type == "audit":
        return url_for("audits.view_audit", audit_id=note.subject_id, _external=external)
    if note.subject_type == "calibration":
        return url_for("calibration.view_session", session_id=note.subject_id, _external=external)
    if note.subject_type == "action":
        return url_for("actions.view_action", action_id=note.subject_id, _external=external)
    if note.kind == "assignment_overdue" and note.user_id != (note.data or {}).get("auditor_id"):
        return url_for("audits.edit_assignment", assignment_id=note.subject_id, _external=external)
    return url_for("audits.my_assignments", _external=external)


def _render_and_send(user: User, kind: str, notes: list[Notification]) -> None:
    app = current_app._get_current_object()
    with app.test_request_context(base_url=app.config["BASE_URL"] + "/"), \
            force_locale(user.language or app.config["BABEL_DEFAULT_LOCALE"]):
        company = get_setting("company_name")
        items = [{"text": describe(n), "url": link(n, external=True)} for n in notes]
        context = {"user": user, "company": company, "items": items,
                   "profile_url": url_for("accounts.profile", _external=True),
                   "notifications_url": url_for("notifications.list_notifications", _external=True)}
        subject = f"{company}: {subject_line(kind)}"
        language = user.language or app.config["BABEL_DEFAULT_LOCALE"]
        text = render_template("notifications/email.txt", **context)
        html = render_template("notifications/email.html", subject=subject, language=language, **context)
    mail.send(user.email, subject, text, html, language=language)


def send_notification(notification_id: int) -> None:
    """The job for one notification's e-mail; a retry after success sends nothing again."""
    with job_context():
        note = db.session.get(Notification, notification_id)
        if note is None or not note.email_wanted or note.emailed_at is not None or not note.user.active:
            return
        _render_and_send(note.user, note.kind, [note])
        note.emailed_at = utcnow()


def send_digest(user_id: int, kind: str) -> None:
    """The job for a digest: every pending notification of ``kind`` in one e-mail, at most one
    an hour. Too soon after the last: on RQ it runs again when the hour is up; inline (no
    scheduler) the pending ones wait for the next digest."""
    with job_context():
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            return
        waiting = db.select(Notification).where(
            Notification.user_id == user_id, Notification.kind == kind, Notification.email_wanted.is_(True),
            Notification.emailed_at.is_(None))
        last = db.session.scalar(db.select(db.func.max(Notification.emailed_at)).where(
            Notification.user_id == user_id, Notification.kind == kind))
        now = utcnow()
        if last is not None and now - last < DIGEST_EVERY:
            # Too soon: only whether one waits, not the hour's pile (digests_due spares most such runs).
            if db.session.scalar(waiting.with_only_columns(Notification.id).limit(1)) is not None:
                enqueue_in(last + DIGEST_EVERY - now, send_digest, user_id, kind)
            return
        pending = list(db.session.scalars(waiting.order_by(Notification.created_at)))
        if not pending:
            return
        _render_and_send(user, kind, pending)
        for note in pending:
            note.emailed_at = now
