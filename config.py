"""Configuration from the environment; nothing secret is a constant in the code."""
import os
import secrets
from datetime import timedelta
from pathlib import Path


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once into the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def _storage_url(instance_path: str) -> str | None:
    """STORAGE_URL from the environment, else the one ``flask storage migrate --switch`` wrote into
    the instance folder; None means the upload folder on this server's disk."""
    if os.environ.get("STORAGE_URL"):
        return os.environ["STORAGE_URL"]
    path = Path(instance_path) / "storage_url"
    return path.read_text().strip() or None if path.exists() else None


def from_environment(instance_path: str) -> dict:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'veraz.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER") or str(Path(instance_path) / "uploads"),
        # Photos and other stored files: file://FOLDER or s3://BUCKET/prefix (core/storage.py).
        "STORAGE_URL": _storage_url(instance_path),
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL") or None,
        "STORAGE_SERVE": os.environ.get("STORAGE_SERVE", "stream"),
        "STORAGE_URL_SECONDS": int(os.environ.get("STORAGE_URL_SECONDS", "60")),
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LANGUAGE", "es"),
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "12")) * 1024 * 1024,
        "PHOTO_MAX_BYTES": int(os.environ.get("PHOTO_MAX_MB", "10")) * 1024 * 1024,
        # An audit can take longer than Flask-WTF's default hour: the token lives with the session.
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") == "1",
        "RATELIMIT_HEADERS_ENABLED": False,
        "LOGIN_FAILURE_LIMIT": os.environ.get("LOGIN_FAILURE_LIMIT", "5 per minute"),
        # The other layers of accounts/throttle.py: failed logins from one address whatever the
        # e-mail (spraying), and the growing delay of one e-mail whatever the address.
        "LOGIN_ADDRESS_LIMIT": os.environ.get("LOGIN_ADDRESS_LIMIT", "10 per minute;50 per hour"),
        "LOGIN_DELAY_AFTER": int(os.environ.get("LOGIN_DELAY_AFTER", "5")),
        "LOGIN_DELAY_SECONDS": int(os.environ.get("LOGIN_DELAY_SECONDS", "2")),
        "LOGIN_DELAY_MAX": int(os.environ.get("LOGIN_DELAY_MAX", "900")),
        "PASSWORD_RESET_LIMIT": os.environ.get("PASSWORD_RESET_LIMIT", "5 per hour"),
        # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (ProxyFix in
        # app.py); 0 trusts none of those headers, so a client cannot forge its address.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Answers a survey page takes per address (surveys/public.py; docs/surveys.md).
        "SURVEY_RATE_LIMIT": os.environ.get("SURVEY_RATE_LIMIT", "20 per hour"),
        # Redis, when set, is what several servers share: the limiter's counters (else each
        # process counts alone) and the job queue (else jobs run in the app's process).
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "JOB_QUEUE": os.environ.get("JOB_QUEUE", "veraz"),
        # Seconds between a failed job's retries (RQ's Retry); its length is the number of retries.
        "JOB_RETRY_INTERVALS": [int(x) for x in os.environ.get("JOB_RETRY_INTERVALS", "60,300,1800").split(",")],
        # Webhooks: seconds before each retry of a failed delivery (then it is marked failed), and
        # whether deliveries may go to private, loopback or link-local addresses (off: a webhook
        # must not become a way into the company's network).
        "WEBHOOK_RETRY_DELAYS": [int(x) for x in os.environ.get(
            "WEBHOOK_RETRY_DELAYS", "60,300,1800,7200,43200").split(",") if x.strip()],
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": os.environ.get("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "") == "1",
        # Links in e-mails are absolute: where people reach this server.
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "") == "1",
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "veraz@localhost"),
        # Report batches (ZIPs of PDFs): removed this many days after they were asked for; a
        # running one whose heartbeat is older than BATCH_STALE_SECONDS lost its worker and is
        # queued again, up to BATCH_ATTEMPTS runs, then failed with the reason.
        "BATCH_EXPIRE_DAYS": int(os.environ.get("BATCH_EXPIRE_DAYS", "3")),
        "BATCH_STALE_SECONDS": int(os.environ.get("BATCH_STALE_SECONDS", "300")),
        "BATCH_ATTEMPTS": int(os.environ.get("BATCH_ATTEMPTS", "3")),
        # The monthly e-mail attaches the PDFs up to this many bytes in all, else links to a batch.
        "MONTHLY_ATTACH_MAX_BYTES": int(os.environ.get("MONTHLY_ATTACH_MAX_BYTES", str(10 * 1024 * 1024))),
        # Pages, CSS and JS travel compressed (phones on poor connections); streamed exports are
        # left alone so that they keep flowing with flat memory.
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_STREAMS": False,
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/javascript", "application/javascript",
                               "application/json", "image/svg+xml", "application/manifest+json"],
        "CHECK_DATABASE_ON_START": os.environ.get("CHECK_DATABASE_ON_START", "1") == "1",
        "API_TITLE": "Veraz API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": None,
    }
