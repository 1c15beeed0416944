"""``flask --app app webhooks retry``: send the deliveries whose retry is due (servers without
Redis, from cron every minute; with Redis the worker's scheduler does it)."""
import click
from flask.cli import AppGroup

webhooks_cli = AppGroup("webhooks", help="Webhook deliveries.")


@webhooks_cli.command("retry")
def retry_command():
    """Send every delivery whose next attempt is due."""
    from webhooks.delivery import retry_due

    click.echo(f"{retry_due()} deliveries retried")
