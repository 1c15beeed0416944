"""Webhooks: companies' systems are told when something happens, by a signed HTTP POST.

An admin registers endpoints (the page /webhooks and the API /api/v1/webhooks); each event a
package sends (audits/events.py's signals) becomes one delivery per subscribed endpoint, sent by
the job queue after the request commits and retried with backoff (delivery.py). ``init_app``
connects the receivers and registers the pages; the audits package knows nothing of this one.
"""


def init_app(app, payloads):
    """``payloads``: {"audit": function(audit) -> dict, "dispute": ...}, the API's detail of each
    kind of object, handed down by the factory so that this package does not import the API."""
    from webhooks import receivers, routes
    from webhooks.cli import webhooks_cli

    receivers.connect(payloads)
    routes.register(app)
    app.cli.add_command(webhooks_cli)
