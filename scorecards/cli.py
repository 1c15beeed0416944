"""``flask --app app scorecards import FILE.json`` and ``... scorecards export SLUG [--version N]``."""
import sys

import click
from flask.cli import AppGroup

from extensions import db
from scorecards import services
from scorecards.reading import ScorecardFileError

scorecards_cli = AppGroup("scorecards", help="Import and export scorecard files (JSON).")


@scorecards_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--publish", is_flag=True, help="Publish the imported version at once.")
def import_command(file, publish):
    """Import FILE (a scorecard JSON file): a new scorecard, or a new draft version of one with the
    same slug (an existing draft is replaced). A bad file changes nothing."""
    raw = file.read()
    try:
        from scorecards import formats

        data = formats.parse(raw)
        action = services.plan_import(data)
        version = services.import_scorecard(data, publish=publish)
    except ScorecardFileError as exc:
        db.session.rollback()
        click.echo(f"{file.name}: not imported, the file has {len(exc.problems)} problem(s):", err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    except services.ScorecardError as exc:
        db.session.rollback()
        click.echo(f"{file.name}: not imported: {exc}", err=True)
        sys.exit(1)
    db.session.commit()
    card = version.scorecard
    done = {"new": "created scorecard", "new_version": "added a new version to", "replace_draft":
            "replaced the draft of"}[action]
    status = "published" if version.is_published else "draft"
    click.echo(f"{file.name}: {done} {card.slug}: version {version.number} ({status}), "
               f"{len(version.sections)} section(s), {len(version.criteria)} criteria")


@scorecards_cli.command("export")
@click.argument("slug")
@click.option("--version", "number", type=int, default=None,
              help="Version number (default: the latest version).")
def export_command(slug, number):
    """Print scorecard SLUG as JSON (the latest version, or --version N)."""
    card = services.get_by_slug(slug)
    if card is None:
        raise click.ClickException(f"no scorecard has the slug {slug!r}")
    if number is None:
        version = card.latest_version
    else:
        version = next((v for v in card.versions if v.number == number), None)
    if version is None:
        numbers = ", ".join(str(v.number) for v in card.versions) or "none"
        raise click.ClickException(f"{slug} has no version {number} (versions: {numbers})")
    click.echo(services.export_json(version), nl=False)


@scorecards_cli.command("list")
def list_command():
    """List the scorecards with their versions."""
    from scorecards.models import Scorecard

    for card in db.session.scalars(db.select(Scorecard).order_by(Scorecard.slug)):
        versions = ", ".join(f"{v.number} {v.status}" for v in card.versions)
        archived = " (archived)" if card.archived else ""
        click.echo(f"{card.slug:<24} {card.channel:<7} {versions}{archived}")
