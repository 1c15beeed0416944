"""Reading actions: the lists (mine, a branch's, the API's) and the block of open and overdue
actions on the branch and employee reports (page, PDF and JSON read the same function)."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_

from accounts.models import User
from accounts.permissions import branch_ids_in_scope
from actions.models import PENDING, Action
from core.timeutil import utcnow
from extensions import db

# How many overdue actions a report names (the counts are always whole).
REPORT_NAMED = 10


@dataclass
class ActionFilters:
    status: str | None = None
    branch_id: int | None = None
    owner_id: int | None = None
    audit_id: int | None = None
    criterion_key: str | None = None
    overdue: bool = False


def visible_query(user):
    """The actions the user may see (actions/services.py ``can_see_action`` as SQL)."""
    query = db.select(Action)
    if user.role in ("admin", "hr", "manager"):
        scope = branch_ids_in_scope(user)
        if scope is not None:
            query = query.where(or_(Action.branch_id.in_(scope), Action.owner_id == user.id))
        return query
    if user.role == "employee" and user.employee_id is not None:
        return query.where(or_(Action.owner_id == user.id, Action.employee_id == user.employee_id))
    return query.where(Action.owner_id == user.id)


def action_query(user, filters: ActionFilters, today: date | None = None):
    """The user's visible actions, filtered; due soonest first, then newest."""
    today = today or utcnow().date()
    query = visible_query(user)
    if filters.status:
        query = query.where(Action.status == filters.status)
    if filters.branch_id is not None:
        query = query.where(Action.branch_id == filters.branch_id)
    if filters.owner_id is not None:
        query = query.where(Action.owner_id == filters.owner_id)
    if filters.audit_id is not None:
        query = query.where(Action.audit_id == filters.audit_id)
    if filters.criterion_key:
        query = query.where(Action.criterion_key == filters.criterion_key)
    if filters.overdue:
        query = query.where(overdue_condition(today))
    return query.order_by(Action.due_date, Action.id.desc())


def overdue_condition(today: date):
    """SQL for Action.is_overdue: still to be done, past its due date."""
    return Action.status.in_(PENDING) & (Action.due_date < today)


def actions_of_audit(audit_id: int) -> list[Action]:
    return db.session.scalars(db.select(Action).where(Action.audit_id == audit_id)
                              .order_by(Action.created_at, Action.id)).all()


def criteria_with_actions(branch_id: int) -> list[str]:
    """The criterion keys a branch's actions follow (the branch list's criterion filter)."""
    return sorted(k for k in db.session.scalars(db.select(Action.criterion_key).distinct().where(
        Action.branch_id == branch_id, Action.criterion_key.is_not(None))) if k)


@dataclass
class ReportBlock:
    """What a branch or employee report says of actions: open (still to be done) and overdue
    counts, and the overdue ones named, most overdue first."""
    open: int = 0
    overdue: int = 0
    overdue_items: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"open": self.open, "overdue": self.overdue, "overdue_items": self.overdue_items}


def report_block(*, branch_id: int | None = None, employee_id: int | None = None,
                 today: date | None = None, anonymous: bool = False) -> ReportBlock:
    """The actions block of a branch report (its actions) or an employee report (the actions on
    their audits and those their login owns). Today's state, whatever the report's period: an
    overdue action is news now."""
    today = today or utcnow().date()
    query = db.select(Action).where(Action.status.in_(PENDING))
    if branch_id is not None:
        query = query.where(Action.branch_id == branch_id)
    if employee_id is not None:
        owners = db.select(User.id).where(User.employee_id == employee_id)
        query = query.where(or_(Action.employee_id == employee_id, Action.owner_id.in_(owners)))
    count = db.select(db.func.count()).select_from(query.subquery())
    open_count = db.session.scalar(count) or 0
    late = query.where(Action.due_date < today)
    overdue_count = db.session.scalar(db.select(db.func.count()).select_from(late.subquery())) or 0
    # ``anonymous``: for the audited employee, who never learns who audited them (an owner who was
    # the audit's auditor is not named)
    named = db.session.scalars(late.order_by(Action.due_date, Action.id).limit(REPORT_NAMED)).all()
    items = [{"id": a.id, "title": a.title, "due_date": a.due_date, "days_overdue": (today - a.due_date).days,
              "owner": a.owner.name if a.owner and not (anonymous and a.owner_id == a.audit.auditor_id) else None,
              "priority": a.priority} for a in named]
    return ReportBlock(open_count, overdue_count, items)
