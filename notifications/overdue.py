"""The daily check: assignments past their due date with no submitted audit, told once."""
from sqlalchemy import and_, exists

from audits.models import Assignment
from core.timeutil import utcnow
from extensions import db
from notifications.models import Notification
from notifications.receivers import _assignment_data
from notifications.services import notify


def notify_overdue(today=None) -> int:
    today = today or utcnow().date()
    told = exists().where(and_(Notification.kind == "assignment_overdue",
                               Notification.subject_id == Assignment.id))
    candidates = db.session.scalars(db.select(Assignment).where(
        Assignment.due_date.is_not(None), Assignment.due_date < today, ~told))
    count = 0
    for assignment in candidates:
        if assignment.status(today) != "overdue":
            continue
        notify([assignment.auditor, assignment.created_by], "assignment_overdue", assignment.id,
               _assignment_data(assignment))
        count += 1
    db.session.commit()
    return count
