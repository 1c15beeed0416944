"""Everything a page needs around it: security headers, template helpers, assets (the error
pages are core/errors.py's)."""
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import current_app, flash, g, request, send_from_directory, url_for
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from core import i18n, storage
from core.errors import DomainError, error_response  # noqa: F401  (error_response: imported from here by older callers)
from core.texts import pick
from extensions import db

CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'")


def init_app(app):
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", storage.with_image_origin(CSP))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.route("/assets/<digest>/<path:filename>")
    def asset(digest, filename):
        """Fingerprinted static files: cached for a year, since a change changes the URL."""
        response = send_from_directory(app.static_folder, filename, max_age=31536000)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        if response.status_code == 200 and response.mimetype in app.config["COMPRESS_MIMETYPES"]:
            # Small text files: read into memory so that Flask-Compress compresses them (it leaves
            # streamed file responses alone).
            response.direct_passthrough = False
            response.make_sequence()
        return response

    @app.route("/sw.js")
    def service_worker():
        # Served from the root so that its scope covers the whole app; read into a plain response
        # (not streamed from the file) so that it is compressed like the other scripts.
        body = (Path(app.static_folder) / "js" / "sw.js").read_bytes()
        response = app.response_class(body, mimetype="text/javascript")
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Service-Worker-Allowed"] = "/"
        response.add_etag()  # "no-cache" revalidates on each check: an unchanged worker is a 304
        return response.make_conditional(request)

    @app.route("/manifest.webmanifest")
    def manifest():
        """static/manifest.webmanifest, with the company's name and colour that the admin set."""
        from core.models import all_settings

        data = json.loads((Path(app.static_folder) / "manifest.webmanifest").read_text(encoding="utf-8"))
        settings = all_settings()
        data.update(name=settings["company_name"], short_name=settings["company_name"],
                    theme_color=settings["brand_color"])
        response = current_app.response_class(json.dumps(data, ensure_ascii=False),
                                              mimetype="application/manifest+json")
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    @app.route("/healthz")
    def healthz():
        from core.health import DatabaseProblem, check_database

        try:
            check_database()
        except DatabaseProblem as exc:
            return {"status": "error", "message": str(exc)}, 503
        if not current_app.config.get("REDIS_URL"):
            return {"status": "ok"}
        from core.health import RedisProblem, check_redis

        try:
            return {"status": "ok", **check_redis(current_app.config["REDIS_URL"], current_app.config["JOB_QUEUE"])}
        except RedisProblem as exc:
            return {"status": "error", "message": str(exc)}, 503

    app.jinja_env.globals.update(asset_url=asset_url, pick=pick, lang=i18n.lang,
                                 nav_items=nav_items)
    from core.models import DEFAULT_SETTINGS

    # The default colour is already in app.css: /theme.css is only fetched when the admin changed it.
    app.jinja_env.globals["default_brand_color"] = DEFAULT_SETTINGS["brand_color"]
    app.jinja_env.filters["percent"] = i18n.percent
    app.jinja_env.filters["decimal"] = i18n.decimal
    app.jinja_env.filters["duration"] = i18n.duration
    app.jinja_env.filters["num"] = lambda v: "" if v is None else i18n.number(v)  # weights, targets
    app.jinja_env.filters["points"] = lambda v: i18n.number(v, 2)
    app.jinja_env.filters["date"] = lambda v, f="medium": format_date(v, f) if v else "—"
    app.jinja_env.filters["datetime"] = lambda v, f="short": format_datetime(v, f) if v else "—"
    app.jinja_env.filters["pick"] = lambda v: pick(v, i18n.lang())

    @app.context_processor
    def settings_context():
        from core.models import all_settings

        if "settings" not in g:
            try:
                g.settings = all_settings()
            except OperationalError:
                db.session.rollback()
                from core.models import DEFAULT_SETTINGS

                g.settings = dict(DEFAULT_SETTINGS)
        return {"settings": g.settings}


def commit_or_flash(refusal: type[DomainError], action, *args, **kwargs) -> bool:
    """A page's button: do ``action`` and commit; a ``refusal`` (e.g. a conflict with the state of
    things) is rolled back and shown as an error message on the page instead, while any other
    error still gets its error page. True when it was done."""
    try:
        action(*args, **kwargs)
        db.session.commit()
    except refusal as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return False
    return True


@lru_cache(maxsize=256)
def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    path = Path(current_app.static_folder) / filename
    if current_app.debug:
        _digest.cache_clear()
    return url_for("asset", digest=_digest(str(path)), filename=filename)


def nav_items():
    """The menu for the current user's role: (endpoint, label)."""
    if not current_user.is_authenticated:
        return []
    items = []
    role = current_user.role
    endpoints = current_app.view_functions
    wanted = [
        ("audits.my_assignments", _l("My assignments"), ("auditor",)),
        ("reports.mine", _l("My audits"), ("employee",)),
        ("actions.my_actions", _l("My actions"), ("manager", "employee")),
        ("disputes.list_disputes", _l("Disputes"), ("admin", "manager", "hr")),
        ("disputes.auditors_report", _l("Auditors"), ("admin", "hr")),
        ("calibration.list_sessions", _l("Calibration"), ("admin", "manager", "auditor", "hr")),
        ("audits.list_audits", _l("Audits"), ("admin", "manager", "hr", "auditor")),
        ("audits.assignments", _l("Assignments"), ("admin", "manager")),
        ("reports.overview", _l("Reports"), ("admin", "manager", "hr")),
        ("reports.employees", _l("Employees' scores"), ("admin", "hr", "manager")),
        ("scorecards.index", _l("Scorecards"), ("admin",)),
        ("branches.list_branches", _l("Branches"), ("admin", "manager", "hr")),
        ("branches.list_employees", _l("Employees"), ("admin", "manager", "hr")),
        ("surveys.links", _l("Customer surveys"), ("admin", "manager")),
        ("surveys.responses", _l("Survey responses"), ("hr",)),
        ("accounts.list_users", _l("Users"), ("admin",)),
        ("accounts.settings", _l("Settings"), ("admin",)),
        ("coaching.list_sessions", _l("Coaching"), ("admin", "manager", "hr")),
        ("coaching.list_sessions", _l("My coaching"), ("employee",)),
        ("coaching.recognition", _l("Recognition"), ("admin", "manager", "hr")),
        ("security.events", _l("Security log"), ("admin",)),
    ]
    for endpoint, label, roles in wanted:
        if role in roles and endpoint in endpoints:
            items.append((endpoint, label))
    return items
