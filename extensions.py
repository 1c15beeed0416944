"""Extensions, created once here and bound to the app in ``create_app``.

Packages import from this module, never from ``app.py``, so there is no import cycle.
"""
import sqlite3

import orjson
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Named constraints let Alembic's batch mode drop and recreate them on SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



def json_loads(value):
    """JSON columns (every answer's value, settings, notifications) are read with orjson: a report,
    an export or the impact preview reads a million answers, and the standard library's json.loads
    (with psycopg's detection of the encoding) was most of the time spent reading them. SQLite
    hands a JSON column's number back as a number (the column's numeric affinity): it is the value."""
    if isinstance(value, (int, float)):
        return value
    return orjson.loads(value)


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                engine_options={"json_deserializer": json_loads})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compress()
# Storage from RATELIMIT_STORAGE_URI (config.py): Redis when REDIS_URL is set, else memory.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """Registered at import time: a listener added inside an app context may never fire.

    busy_timeout first so that switching to WAL waits for a concurrent writer instead of failing.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 15000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()
