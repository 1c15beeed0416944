"""Is the database there, and is its schema as new as the code? Checked at start and on demand."""
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class DatabaseProblem(RuntimeError):
    pass


def expected_heads() -> set[str]:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return set(ScriptDirectory.from_config(config).get_heads())


def check_database() -> None:
    """Raise DatabaseProblem with a message a person can act on; call inside an app context."""
    url = db.engine.url.render_as_string(hide_password=True)
    try:
        with db.engine.connect() as conn:
            try:
                current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
            except SQLAlchemyError:
                current = set()
    except SQLAlchemyError as exc:
        raise DatabaseProblem(f"Veraz cannot reach its database at {url}: {exc.__class__.__name__}. "
                              "Check DATABASE_URL and that the server is running.") from None
    expected = expected_heads()
    if current != expected:
        raise DatabaseProblem(f"The database schema at {url} is behind the code (database: "
                              f"{', '.join(sorted(current)) or 'empty'}; code: {', '.join(sorted(expected))}). "
                              "Run: flask --app app db upgrade")
