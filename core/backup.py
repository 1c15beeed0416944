"""``flask --app app backup PATH``: a consistent copy while the app runs.

SQLite: the online backup API copies a consistent snapshot page by page while others keep writing.
PostgreSQL: pg_dump in the custom format (one consistent snapshot transaction).
"""
import shutil
import sqlite3
import subprocess  # nosec B404: runs pg_dump with arguments built here, never through a shell
from pathlib import Path

from sqlalchemy.engine import make_url


def backup(database_url: str, destination: str) -> str:
    url = make_url(database_url)
    target = Path(destination)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        try:
            copy = sqlite3.connect(target)
            with copy:
                source.backup(copy, pages=1024)
            copy.close()
        finally:
            source.close()
        return f"SQLite backup written to {target}"
    if url.get_backend_name() == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise RuntimeError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run([pg_dump, "--format=custom", "--no-owner", "--file", str(target), "--dbname", plain],  # noqa: S603  # nosec B603
                       check=True, capture_output=True, timeout=3600)
        return f"PostgreSQL backup (pg_dump custom format) written to {target}"
    raise RuntimeError(f"Backups are not supported for {url.get_backend_name()}")
