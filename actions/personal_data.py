"""The corrective actions about an employee in their personal-data document, and how an erasure
reaches them (security/personal_data.py's registry): texts that name the person go; a title,
which an action needs, keeps its words but the name's, which become the pseudonym."""
from actions.models import Action
from core.personal_data import iso, register_section
from extensions import db


def _actions(employee):
    return db.session.scalars(db.select(Action).where(Action.employee_id == employee.id).order_by(Action.id)).all()


def collect(employee) -> list:
    return [{"id": a.id, "audit_id": a.audit_id, "title": a.title, "description": a.description or "",
             "criterion": a.criterion_key, "section": a.section_key, "priority": a.priority, "status": a.status,
             "due_date": a.due_date.isoformat(), "created_at": iso(a.created_at), "done_at": iso(a.done_at),
             "closing_note": a.closing_note or "", "verified_at": iso(a.verified_at)} for a in _actions(employee)]


def erase(erasure) -> None:
    for action in _actions(erasure.employee):
        if erasure.names_them(action.title):
            action.title = erasure.redact(action.title)
        for attribute in ("description", "closing_note", "cancel_reason"):
            erasure.text(action, attribute)


def register() -> None:
    register_section("actions", collect, erase)
