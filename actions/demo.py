"""Demo actions: on the demo's approved audits of each managed branch, a few actions in every
state (some overdue), and for Lucía's login one she owns. Added once: ``flask demo`` run again
finds them and adds nothing."""
from datetime import timedelta

from sqlalchemy import or_

from accounts.models import User
from actions import services
from actions.models import Action
from audits.models import Audit
from core.timeutil import utcnow
from extensions import db

# (title, days until due (negative: overdue), the state to reach)
PLAN = [
    ("Repasar el saludo con el equipo de tarde", -4, "open"),
    ("Reponer los folletos de tarifas en el mostrador", -1, "in_progress"),
    ("Formar a los nuevos en la despedida con nombre", 10, "open"),
    ("Revisar los tiempos de espera en caja", 5, "done"),
    ("Cambiar el cartel de horarios", -12, "verified"),
]


def _failed_key(audit: Audit) -> str | None:
    return next((a.criterion_key for a in sorted(audit.answers, key=lambda a: a.criterion_key)
                 if a.fraction is not None and a.fraction < 1), None)


def load() -> int:
    """Returns how many actions were added (0 the second time)."""
    if db.session.scalar(db.select(Action.id).limit(1)) is not None:
        return 0
    admin = db.session.scalar(db.select(User).where(User.role == "admin").order_by(User.id))
    added = 0
    managers = db.session.scalars(db.select(User).where(User.role == "manager", User.active.is_(True))
                                  .order_by(User.email)).all()
    for manager in managers:
        for branch in manager.branches[:1]:
            audits = db.session.scalars(db.select(Audit).where(Audit.branch_id == branch.id, Audit.status == "approved")
                                        .order_by(Audit.reviewed_at.desc()).limit(len(PLAN))).all()
            for audit, (title, days, state) in zip(audits, PLAN, strict=False):
                added += _one(audit, manager, admin, title, days, state)
    lucia = db.session.scalar(db.select(User).where(User.role == "employee", User.employee_id.is_not(None)))
    if lucia is not None:
        # one of her own audits, else her branch's latest (an action she owns shows on her report)
        audit = db.session.scalar(db.select(Audit).where(Audit.status == "approved", or_(
            Audit.employee_id == lucia.employee_id, Audit.branch_id == lucia.employee.branch_id))
            .order_by((Audit.employee_id == lucia.employee_id).desc(), Audit.reviewed_at.desc()).limit(1))
        manager = next((m for m in managers if audit is not None and audit.branch_id in m.branch_ids), None)
        if audit is not None and manager is not None:
            added += _one(audit, manager, admin, "Presentarse con nombre al saludar", 3, "open", owner=lucia)
    db.session.flush()
    # history, not news: no "an action is yours" for the demo's own (their e-mail jobs find nothing)
    from notifications.models import Notification

    db.session.execute(db.delete(Notification).where(Notification.kind == "action_assigned"))
    return added


def _one(audit, manager, admin, title, days, state, owner=None) -> int:
    key = _failed_key(audit)
    owner = owner or manager
    action = services.create_action(audit, manager, title=title, owner_id=owner.id,
                                    due_date=utcnow().date() + timedelta(days=days), criterion_key=key,
                                    description="Acordado en la revisión de la auditoría.",
                                    priority="high" if days < 0 else "normal")
    if state in ("in_progress", "done", "verified"):
        services.start(action, owner)
    if state in ("done", "verified"):
        services.complete(action, owner, "Hecho y comentado con el equipo.")
    if state == "verified":
        services.verify(action, admin)
    return 1
