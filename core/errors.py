"""Errors, mapped once: the table of error codes, the base of every refusal a service raises, and
the one ``register_errorhandlers(app)`` step of the factory that turns them into answers.

Every error answer is the error page on the web, and ``{"error": {"code", "message", "details"}}``
under /api/ or for a client that asks for JSON.
"""
from flask import current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

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

# The API's error code of each status (the one table: pages and the API read it).
ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               422: "invalid", 429: "too_many_requests", 503: "unavailable"}


class DomainError(Exception):
    """An action refused by a feature's rules, raised by a service that knows nothing of HTTP.

    ``status`` is the HTTP status to answer with, ``code`` the API's error code, ``message`` a
    translated sentence for people, ``details`` a JSON-able dict for programs and ``problems`` a
    list of (field, message) that the API appends to its message."""

    status = 400
    code = "bad_request"
    problems: list = []

    def __init__(self, message, *, details=None, status=None, code=None):
        super().__init__(str(message))
        self.message = str(message)
        self.details = details or {}
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def error_response(status: int, message=None, details=None, code=None):
    title, default = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    message = str(message or default)
    if wants_json():
        body = {"error": {"code": code or ERROR_CODES.get(status, "server_error"), "message": message,
                          "details": details or {}}}
        return jsonify(body), status
    return render_template("error.html", status=status, title=title, message=message), status


def domain_error(exc: DomainError):
    """A refusal that no view caught: nothing is saved; the API names each problem in its message."""
    db.session.rollback()
    message = exc.message
    if exc.problems and request.path.startswith("/api/"):
        message = f"{exc.message} " + "; ".join(f"{key}: {msg}" for key, msg in exc.problems[:10])
    return error_response(exc.status, message, exc.details, code=exc.code)


def _custom(exc) -> bool:
    """True when abort() was given a message of our own rather than werkzeug's stock text."""
    stock = type(exc).description
    return exc.description != stock


def register_errorhandlers(app):
    """Every error the app can meet, answered in one shape (the API blueprints add their own
    HTTPException handler for webargs' messages and tokens: api/common.py)."""
    app.register_error_handler(DomainError, domain_error)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.response is not None:  # an answer made already (the login limits' 429 with Retry-After)
            return exc.response
        message = exc.description if exc.description and _custom(exc) else None
        details = getattr(exc, "data", {}).get("messages") if hasattr(exc, "data") else None
        body, status = error_response(exc.code or 500, message, details)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            # RFC 9110: a 405 says which methods the resource does support (pages and API alike).
            response = current_app.make_response((body, status))
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
            return response
        return body, status

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
