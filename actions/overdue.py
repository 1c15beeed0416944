"""The daily check: actions past their due date and still to be done, told once each to their
owner (notification ``action_overdue``) and to webhooks (event ``action.overdue``)."""
from datetime import date

from actions.models import Action
from actions.queries import overdue_condition
from actions.services import notification_data
from core.timeutil import utcnow
from extensions import db

# The API's view of an action, handed down by the app factory (actions.init_app).
PAYLOAD = {}


def _payload(action: Action) -> dict:
    make = PAYLOAD.get("action")
    return make(action) if make else {"id": action.id, "status": action.status,
                                      "due_date": action.due_date.isoformat()}


def notify_overdue_actions(today: date | None = None) -> int:
    """Tell the owner of each overdue action not told yet, and send ``action.overdue``; flushes
    (the job or the command commits). Returns how many were told."""
    from notifications.services import notify
    from webhooks.services import emit

    today = today or utcnow().date()
    late = db.session.scalars(db.select(Action).where(overdue_condition(today),
                                                      Action.overdue_notified_at.is_(None))
                              .order_by(Action.due_date, Action.id)).all()
    for action in late:
        notify([action.owner], "action_overdue", action.id, notification_data(action))
        emit("action.overdue", _payload(action))
        action.overdue_notified_at = utcnow()
    db.session.flush()
    return len(late)
