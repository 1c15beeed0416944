"""Everything a page needs around it: error pages, security headers, template helpers, assets."""
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import current_app, g, jsonify, render_template, request, send_from_directory, url_for
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from core import i18n
from core.texts import pick
from extensions import db

ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check what you sent.")),
    401: (_l("Please log in"), _l("You need to log in to see this page.")),
    403: (_l("Not allowed"), _l("Your role does not allow this.")),
    404: (_l("Not found"), _l("There is nothing here, or it is not yours to see.")),
    405: (_l("Not allowed"), _l("This action is not possible here.")),
    409: (_l("Conflict"), _l("Someone else changed this at the same time. Reload and try again.")),
    413: (_l("Too large"), _l("The file is too large.")),
    422: (_l("Invalid"), _l("Some values are not valid.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Please wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error happened. Nothing you saved before was lost.")),
    503: (_l("Service unavailable"), _l("The database cannot be reached right now. Please try again shortly.")),
}

CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'")


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def error_response(status: int, message=None, details=None, code=None):
    title, default = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    message = str(message or default)
    if wants_json():
        body = {"error": {"code": code or _code(status), "message": message, "details": details or {}}}
        return jsonify(body), status
    return render_template("error.html", status=status, title=title, message=message), status


def _code(status):
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid",
            429: "too_many_requests", 503: "unavailable"}.get(status, "server_error")


def init_app(app):
    @app.errorhandler(HTTPException)
    def http_error(exc):
        message = exc.description if exc.description and _custom(exc) else None
        details = getattr(exc, "data", {}).get("messages") if hasattr(exc, "data") else None
        return error_response(exc.code or 500, message, details)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, _l("The form expired or was not sent from Veraz. "
                                      "Reload the page and try again; nothing saved was lost."))

    @app.errorhandler(StaleDataError)
    def stale(exc):
        db.session.rollback()
        return error_response(409)

    @app.errorhandler(OperationalError)
    def database_down(exc):
        db.session.rollback()
        current_app.logger.exception("database error")
        return error_response(503)

    @app.errorhandler(Exception)
    def unexpected(exc):
        db.session.rollback()
        current_app.logger.exception("unhandled error")
        return error_response(500)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
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


def _custom(exc) -> bool:
    """True when abort() was given a message of our own rather than werkzeug's stock text."""
    stock = type(exc).description
    return exc.description != stock


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
        ("audits.list_audits", _l("Audits"), ("admin", "manager", "hr", "auditor")),
        ("audits.assignments", _l("Assignments"), ("admin", "manager")),
        ("reports.overview", _l("Reports"), ("admin", "manager", "hr")),
        ("reports.employees", _l("Employees' scores"), ("admin", "hr", "manager")),
        ("scorecards.index", _l("Scorecards"), ("admin",)),
        ("branches.list_branches", _l("Branches"), ("admin", "manager", "hr")),
        ("branches.list_employees", _l("Employees"), ("admin", "manager", "hr")),
        ("accounts.list_users", _l("Users"), ("admin",)),
        ("accounts.settings", _l("Settings"), ("admin",)),
    ]
    for endpoint, label, roles in wanted:
        if role in roles and endpoint in endpoints:
            items.append((endpoint, label))
    return items
