"""``flask --app app verify-seals`` and ``flask --app app seal-missing``."""
import click
from flask.cli import with_appcontext

from extensions import db


@click.command("verify-seals")
@with_appcontext
def verify_seals_command():
    """Recompute every seal from the data; exit 1 naming the first audit that does not match."""
    from records.seal import verify

    result = verify()
    if not result.ok:
        click.echo(f"Checked {result.checked} seals; audit {result.audit_id} fails: {result.problem}.", err=True)
        raise SystemExit(1)
    click.echo(f"Checked {result.checked} seals: all match.")


@click.command("seal-missing")
@with_appcontext
def seal_missing_command():
    """Seal the approved audits that have no seal yet (approved before seals existed)."""
    from records.seal import seal_missing

    count = seal_missing()
    db.session.commit()
    click.echo(f"Sealed {count} audits.")
