"""Is the database there, and is its schema as new as the code? Checked at start and on demand."""
from datetime import UTC, datetime
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


def check_redis(url: str, queue_name: str) -> dict:
    """Redis's answer and the age in seconds of the oldest job waiting in the queue (a growing age
    means no worker is taking jobs). Raises RedisProblem when Redis does not answer."""
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    try:
        connection = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        connection.ping()
        queue = Queue(queue_name, connection=connection)
        waiting = queue.count
        oldest = queue.jobs[0] if waiting else None
    except RedisError as exc:
        raise RedisProblem(f"Veraz cannot reach Redis: {exc.__class__.__name__}. Check REDIS_URL.") from None
    age = None
    if oldest is not None and oldest.enqueued_at is not None:
        enqueued = oldest.enqueued_at if oldest.enqueued_at.tzinfo else oldest.enqueued_at.replace(tzinfo=UTC)
        age = round((datetime.now(UTC) - enqueued).total_seconds(), 1)
    return {"redis": "ok", "queue": {"waiting": waiting, "oldest_seconds": age}}


class RedisProblem(RuntimeError):
    pass
