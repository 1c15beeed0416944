"""``flask --app app privacy-daily``: the daily job by hand, for cron without Redis."""
import click
from flask.cli import with_appcontext

from extensions import db


@click.command("privacy-daily")
@with_appcontext
def privacy_daily_command():
    """Purge the security log past its days and pseudonymise audits past the retention."""
    from security.retention import run_daily

    done = run_daily()
    db.session.commit()
    click.echo(f"Purged {done['events_purged']} security events; pseudonymised {done['audits_pseudonymised']} audits.")


def register(app):
    app.cli.add_command(privacy_daily_command)
