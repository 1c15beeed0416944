"""Seals: tamper-evident records of approved audits (docs/seals.md).

On approval, and again after an overturned dispute, the audit's content is sealed: SHA-256 over a
canonical JSON of it, chained to the installation's previous seal. ``flask --app app verify-seals``
recomputes the chain from the data."""


def init_app(app):
    """Seal on the audits' events (called by the app factory: records sits above audits)."""
    from records import cli, receivers

    receivers.connect()
    app.cli.add_command(cli.verify_seals_command)
    app.cli.add_command(cli.seal_missing_command)
