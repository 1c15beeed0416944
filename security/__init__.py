"""The security log and employees' data rights (docs/security.md).

``init_app`` (called by the app factory: security sits above accounts, audits and reports)
connects the log's receivers to the account and report signals, registers the personal-data
sections, the pages and the commands.
"""


def init_app(app):
    from security import cli, personal_data, receivers, routes

    receivers.connect()
    personal_data.register_builtin_sections()
    routes.register(app)
    cli.register(app)
