"""Everything Veraz holds about one employee, as one JSON document, and how each part is erased.

A registry (core/personal_data.py, below every package), so that each package that keeps
something about a person adds its own section from its ``init_app``:

    from core.personal_data import register_section
    register_section("coaching", collect=lambda employee: [...], erase=lambda erasure: None)

``collect(employee)`` returns plain JSON (ISO strings for times); ``erase(erasure)`` gets the
``security.erasure.ErasureRun`` under way: ``erasure.employee``, ``erasure.pseudonym``,
``erasure.names_them(text)``, ``erasure.scrub(value)`` and ``erasure.touched`` (the audits changed,
which are sealed again). The document hides who audited the person: it is meant for them.
"""
from accounts.models import User
from audits.models import Audit, AuditEvent
from core.i18n import lang
from core.personal_data import SECTIONS, iso, register_section
from core.texts import pick
from core.timeutil import utcnow
from disputes.models import Dispute
from extensions import db
from notifications.models import Notification


def login_of(employee) -> User | None:
    return db.session.scalar(db.select(User).where(User.employee_id == employee.id))


def audits_of(employee):
    """The audits naming the employee: observed (``employee_id``), oldest first."""
    return db.session.scalars(db.select(Audit).where(Audit.employee_id == employee.id)
                              .order_by(Audit.started_at, Audit.id)).all()


def document(employee) -> dict:
    """The whole document: when it was made, whose it is, and every registered section."""
    return {"generated_at": iso(utcnow()), "employee_id": employee.id,
            "sections": {name: section.collect(employee) for name, section in SECTIONS.items()}}


# ---- the sections of the packages that exist today ----------------------------------------------

def _employee(employee) -> dict:
    return {"id": employee.id, "code": employee.code, "name": employee.name, "position": employee.position,
            "active": employee.active, "branch": {"id": employee.branch.id, "code": employee.branch.code,
                                                   "name": employee.branch.name}}


def _login(employee) -> dict | None:
    user = login_of(employee)
    if user is None:
        return None
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "language": user.language, "active": user.active}


def _event(event: AuditEvent, own_user_id) -> dict:
    # Who acted is shown only when it was the person themselves (an auditor stays anonymous).
    return {"at": iso(event.at), "action": event.action,
            "by_you": own_user_id is not None and event.user_id == own_user_id, "reason": event.reason or "",
            "criterion": event.criterion_key, "before": event.before, "after": event.after}


def _audit(audit: Audit, own_user_id) -> dict:
    criteria = {c.key: c for section in audit.version.sections for c in section.criteria}
    return {
        "id": audit.id, "status": audit.status, "scorecard": audit.version.scorecard.slug,
        "version": audit.version.number, "channel": audit.channel,
        "branch": {"id": audit.branch.id, "code": audit.branch.code, "name": audit.branch.name},
        "employee_name_given": audit.employee_name_given or "", "started_at": iso(audit.started_at),
        "ended_at": iso(audit.ended_at), "submitted_at": iso(audit.submitted_at), "reviewed_at": iso(audit.reviewed_at),
        "score": audit.score, "passed": audit.passed, "critical_failure": audit.critical_failure,
        "notes": audit.notes or "", "return_reason": audit.return_reason or "",
        "sections": [{"key": s.section_key, "score": s.score} for s in audit.section_scores],
        "answers": [{"criterion": a.criterion_key,
                     "question": pick(criteria[a.criterion_key].text, lang()) if a.criterion_key in criteria else "",
                     "value": a.value, "comment": a.comment or ""}
                    for a in sorted(audit.answers, key=lambda a: a.id or 0)],
        "photos": [{"id": p.id, "criterion": p.criterion_key, "taken_at": iso(p.created_at)} for p in audit.photos],
        "history": [_event(e, own_user_id) for e in sorted(audit.events, key=lambda e: (e.at, e.id or 0))],
        "acknowledged_at": next((iso(e.at) for e in audit.events if e.action == "acknowledged"), None),
    }


def _audits(employee) -> list:
    user = login_of(employee)
    return [_audit(a, user.id if user else None) for a in audits_of(employee)]


def _disputes(employee) -> list:
    rows = db.session.scalars(db.select(Dispute).join(Audit, Dispute.audit_id == Audit.id)
                              .where(Audit.employee_id == employee.id).order_by(Dispute.id)).all()
    return [{"id": d.id, "audit_id": d.audit_id, "status": d.status, "criteria": list(d.criteria or []),
             "reason": d.reason, "opened_at": iso(d.opened_at), "auditor_comment": d.auditor_comment or "",
             "decided_at": iso(d.decided_at), "note": d.note or "", "changes": d.changes,
             "score_before": d.score_before, "score_after": d.score_after} for d in rows]


def _notifications(employee) -> list:
    user = login_of(employee)
    if user is None:
        return []
    rows = db.session.scalars(db.select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()
    return [{"kind": n.kind, "about": {"type": n.subject_type, "id": n.subject_id}, "data": n.data,
             "created_at": iso(n.created_at), "read_at": iso(n.read_at)} for n in rows]


def _security_events(employee) -> list:
    from security.models import SecurityEvent

    user = login_of(employee)
    if user is None:
        return []
    mine = db.or_(SecurityEvent.subject_id == user.id, SecurityEvent.actor_id == user.id)
    rows = db.session.scalars(db.select(SecurityEvent).where(mine).order_by(SecurityEvent.id)).all()
    return [{"type": e.type, "occurred_at": iso(e.occurred_at), "address": e.address, "email": e.email}
            for e in rows]


def register_builtin_sections() -> None:
    """The sections of the packages that exist today; erasing them is security/erasure.py's core."""
    register_section("employee", _employee)
    register_section("login", _login)
    register_section("audits", _audits)
    register_section("disputes", _disputes)
    register_section("notifications", _notifications)
    register_section("security_events", _security_events)
