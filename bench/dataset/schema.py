"""The schema: emptied (only a benchmark database) and built by the real migrations."""
from __future__ import annotations

from pathlib import Path

from bench.dataset.people import EMAIL_DOMAIN

ROOT = Path(__file__).resolve().parent.parent.parent


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def reset_database(url: str, force: bool = False) -> None:
    from sqlalchemy import MetaData, create_engine, inspect, text

    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.exists() and not force:
            _refuse_foreign_data(url)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    if not force:
        _refuse_foreign_data(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        meta = MetaData()
        meta.reflect(conn)
        meta.drop_all(conn)
        if "alembic_version" in inspect(conn).get_table_names():
            conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()


def _refuse_foreign_data(url: str) -> None:
    """Never empty a database that holds anything but a benchmark data set."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if "user" not in inspect(conn).get_table_names():
                return
            foreign = conn.execute(text('SELECT count(*) FROM "user" WHERE email NOT LIKE :d'),
                                   {"d": f"%@{EMAIL_DOMAIN}"}).scalar()
    finally:
        engine.dispose()
    if foreign:
        raise SystemExit(f"{safe_url(url)} holds users that the benchmark did not make; refusing to empty it "
                         "(use a throwaway database, or --force).")


def migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
