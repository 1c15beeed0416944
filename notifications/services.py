"""Creating, listing and reading notifications; each person's switches."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from accounts.models import User
from core.timeutil import utcnow
from extensions import db
from jobs.queue import enqueue_after_commit
from notifications.models import KINDS, Notification, NotificationPreference

KIND_LABELS = {
    "assignment_made": _l("New assignments"),
    "assignment_changed": _l("Changed assignments"),
    "assignment_cancelled": _l("Cancelled assignments"),
    "assignment_overdue": _l("Overdue assignments"),
    "audit_returned": _l("Audits returned to me"),
    "audit_submitted": _l("Audits waiting for my review"),
    "audit_approved": _l("Approved audits"),
    "dispute_opened": _l("Disputed audits"),
    "dispute_decided": _l("Decided disputes"),
    "calibration_invited": _l("Calibration sessions I take part in"),
    "action_assigned": _l("Corrective actions for me or my branch"),
    "action_overdue": _l("Overdue corrective actions"),
}
# Who can receive each kind: the switches shown on a profile page.
KINDS_FOR_ROLE = {
    "auditor": ("assignment_made", "assignment_changed", "assignment_cancelled", "assignment_overdue",
                "audit_returned", "dispute_opened", "dispute_decided", "calibration_invited"),
    "employee": ("dispute_opened", "dispute_decided", "action_assigned", "action_overdue"),
    "manager": tuple(KINDS),
    "admin": tuple(KINDS),
    "hr": (),
}


def preferences(user) -> dict[str, dict[str, bool]]:
    """kind -> {"in_app": bool, "email": bool} for every kind (on unless switched off)."""
    out = {kind: {"in_app": True, "email": True} for kind in KINDS}
    for pref in db.session.scalars(db.select(NotificationPreference).where(NotificationPreference.user_id == user.id)):
        if pref.kind in out:
            out[pref.kind] = {"in_app": pref.in_app, "email": pref.email}
    return out


def set_preferences(user, wanted: dict[str, dict[str, bool]]) -> None:
    for kind, channels in wanted.items():
        if kind not in KINDS:
            continue
        pref = db.session.get(NotificationPreference, (user.id, kind))
        if pref is None:
            pref = NotificationPreference(user_id=user.id, kind=kind)
            db.session.add(pref)
        pref.in_app = bool(channels.get("in_app"))
        pref.email = bool(channels.get("email"))
    db.session.flush()


def notify(recipients, kind: str, subject_id: int, data: dict, actor=None) -> list[Notification]:
    """A notification of ``kind`` for each recipient (not the actor, not the deactivated), as
    their switches say; e-mails are enqueued for after the commit."""
    from notifications import emails

    made = []
    people = {}
    for user in recipients:
        if user is not None and user.active and user.id not in people and (actor is None or user.id != actor.id):
            people[user.id] = user
    # Everyone's switches in one query, before any note is added (a query would flush each one).
    switched = {pref.user_id: pref for pref in db.session.scalars(db.select(NotificationPreference).where(
        NotificationPreference.user_id.in_(list(people)), NotificationPreference.kind == kind))} if people else {}
    digest_for = emails.digests_due(people, kind) if kind in emails.DIGEST_KINDS else set()
    for user in people.values():
        pref = switched.get(user.id)
        wanted = {"in_app": pref.in_app, "email": pref.email} if pref is not None else {"in_app": True, "email": True}
        if not (wanted["in_app"] or wanted["email"]):
            continue
        note = Notification(user_id=user.id, kind=kind, subject_type=KINDS[kind], subject_id=subject_id,
                            data=data, in_app=wanted["in_app"], email_wanted=wanted["email"],
                            read_at=None if wanted["in_app"] else utcnow())
        db.session.add(note)
        made.append(note)
    db.session.flush()
    for note in made:
        if note.email_wanted:
            if kind in emails.DIGEST_KINDS:
                if note.user_id in digest_for:
                    enqueue_after_commit(db.session, emails.send_digest, note.user_id, kind)
            else:
                enqueue_after_commit(db.session, emails.send_notification, note.id)
    return made


def listing(user, *, unread: bool | None = None):
    query = db.select(Notification).where(Notification.user_id == user.id, Notification.in_app.is_(True))
    if unread is True:
        query = query.where(Notification.read_at.is_(None))
    elif unread is False:
        query = query.where(Notification.read_at.is_not(None))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(user) -> int:
    return db.session.scalar(db.select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.in_app.is_(True), Notification.read_at.is_(None))) or 0


def mark_read(user, ids=None) -> int:
    """Mark the user's notifications read: those in ``ids`` (others' ids are ignored), or all."""
    query = db.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        if not ids:
            return 0
        query = query.where(Notification.id.in_(ids))
    result = db.session.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0


def reviewers_of(branch) -> list[User]:
    """Who reviews a branch's audits: its managers, or the administrators when it has none."""
    managers = [m for m in branch.managers if m.active]
    if managers:
        return managers
    return list(db.session.scalars(db.select(User).where(User.role == "admin", User.active.is_(True))))
