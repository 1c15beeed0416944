"""``flask --app app storage migrate --to s3://BUCKET/prefix``: copy every stored file to another
backend, verify each copy by its SHA-256, and switch only when asked.

Safe to run twice: an object already at the target with the same checksum is left alone, so an
interrupted run simply continues. Nothing is deleted from the source; the app keeps reading it
until STORAGE_URL names the target (``--switch`` writes it into the instance folder).
"""
import mimetypes
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from core.storage import StorageError, from_url, sha256_of, storage


@click.group("storage")
def storage_group():
    """Stored files (photos): where they live, and moving them."""


@storage_group.command("migrate")
@click.option("--to", "target_url", required=True, help="The new STORAGE_URL: s3://BUCKET/prefix or file://FOLDER.")
@click.option("--endpoint-url", default=None, help="The S3 server of the target (default: S3_ENDPOINT_URL).")
@click.option("--switch", is_flag=True, help="After every copy is verified, make the target the app's storage.")
@with_appcontext
def migrate_command(target_url, endpoint_url, switch):
    """Copy every stored file to TARGET and check each copy's SHA-256; the source is kept."""
    source = storage()
    try:
        target = from_url(target_url, endpoint_url or current_app.config.get("S3_ENDPOINT_URL"),
                          base=os.path.dirname(current_app.instance_path))
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None
    if target.url == source.url:
        raise click.ClickException(f"The files are already in {source.url}.")
    copied = kept = 0
    failed = []
    for key in source.keys():
        data = source.get(key)
        digest = sha256_of(data)
        if target.exists(key) and target.checksum(key) == digest:
            kept += 1  # copied by an earlier run, and intact
            continue
        target.put(key, data, mimetypes.guess_type(key)[0] or "application/octet-stream")
        if target.checksum(key) != digest:  # read back from the target, not trusted from the upload
            failed.append(key)
        else:
            copied += 1
    click.echo(f"{source.url} -> {target.url}: {copied} copied, {kept} already there; "
               f"every checksum verified: {'no' if failed else 'yes'}.")
    if failed:
        raise click.ClickException(f"{len(failed)} copies differ from their source (first: {failed[0]}); "
                                   "nothing was switched. Run the command again.")
    if not switch:
        click.echo(f"Nothing was switched: the app still uses {source.url}. To switch, set "
                   f"STORAGE_URL={target.url} for every app server and worker (or run again with --switch).")
        return
    path = Path(current_app.instance_path) / "storage_url"
    path.write_text(target.url + "\n")
    click.echo(f"Switched: {path} now says {target.url}; restart the app servers and workers.")
    if os.environ.get("STORAGE_URL"):
        click.echo("Note: the STORAGE_URL environment variable is set and wins over that file; change it too.")
