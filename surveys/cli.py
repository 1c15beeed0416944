"""``flask --app app surveys purge``: the retention purge, for cron where no worker runs the daily job."""
import click
from flask.cli import AppGroup

from extensions import db

surveys_cli = AppGroup("surveys", help="Customer surveys.")


@surveys_cli.command("purge")
def purge_command():
    """Delete the survey responses older than the retention setting."""
    from surveys.services import purge_expired

    removed = purge_expired()
    db.session.commit()
    click.echo(f"{removed} survey responses removed.")
