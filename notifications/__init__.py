"""People are told: a notification row per person and event (the in-app list) and, when they
want it, an e-mail sent by a job after the request commits.

``init_app`` connects the receivers to audits/events.py's signals and registers the pages; the
audits package knows nothing of this one.
"""


def init_app(app):
    from notifications import receivers, routes

    receivers.connect()
    routes.register(app)
