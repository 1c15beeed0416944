"""Corrective actions: what follows a failed criterion, a section or a whole approved audit (an
owner, a due date, open -> in progress -> done -> verified, or cancelled). docs/actions.md.

``init_app`` connects the receiver that opens an action on a critical failure (audits/events.py's
``audit_approved``), registers the pages and the actions' section of the personal-data document
(security/personal_data.py), and keeps the API's view of an action (``payload``) for
the ``action.overdue`` webhook, so that this package never imports the API above it."""


def init_app(app, payload=None):
    from actions import overdue, personal_data, receivers, routes

    personal_data.register()
    receivers.connect()
    routes.register(app)
    if payload is not None:
        overdue.PAYLOAD["action"] = payload
