"""What every API blueprint shares: token authentication, the error format, argument parsing,
pagination and role checks.

Authentication is by personal access token only (``Authorization: Bearer TOKEN``): the API
blueprints are exempt from CSRF because no cookie can authenticate them. A token acts as its user,
with the user's role and scope; a revoked token or a deactivated user stops at once (401).
"""
import functools
import json
import math
import re
from datetime import timedelta
from http import HTTPStatus

import marshmallow as ma
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from flask_smorest.utils import load_info_from_docstring
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from accounts.models import ApiToken, User
from core.errors import ERROR_CODES, error_response
from core.timeutil import utcnow
from extensions import csrf, db, login_manager

# How often last_used_at is written: at most once a minute per token, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Ids are 32-bit in PostgreSQL; larger numbers cannot name anything.
MAX_ID = 2**31 - 1
# Integers beyond this lose precision in JavaScript and in floats: refused everywhere in bodies.
MAX_SAFE_INTEGER = 2**53
ID = f"int(min=1, max={MAX_ID})"


class ApiError(HTTPException):
    """An error with our own message, details and code; rendered by ``handle_http_error``."""

    def __init__(self, status: int, message=None, details=None, code=None):
        super().__init__(description=str(message) if message else None)
        self.code = status
        self.data = {"message": message, "details": details, "code": code}


def fail(status: int, message=None, details=None, code=None):
    raise ApiError(status, message, details, code)


def not_found():
    fail(404, _("There is nothing here, or it is not yours to see."))


# ---- argument parsing ---------------------------------------------------------------------------

def _unstorable_text(text: str) -> bool:
    return "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text)


def _bad_values(value, path="", keys=None):
    """Paths of values no column can store: NUL characters, lone surrogates, non-finite or
    oversized numbers. PostgreSQL refuses the first two; the others break scores and exports.
    A key holding such text is put in ``keys`` instead: it can name nothing that is stored."""
    if isinstance(value, str):
        if _unstorable_text(value):
            yield path or "$", _("text holds a NUL character or invalid Unicode")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            yield path or "$", _("number out of range")
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield path or "$", _("number out of range")
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _unstorable_text(key):
                if keys is None:
                    yield where, _("text holds a NUL character or invalid Unicode")
                else:
                    keys.append(path or "$")
                continue
            yield from _bad_values(item, where, keys)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _bad_values(item, f"{path}[{index}]", keys)


def check_values(data, location="json"):
    """422 for a value no column can store (the document's patterns say so); 409 for such a key
    in an object keyed by things that exist (criteria, languages), which therefore names nothing:
    a key OpenAPI 3.0 cannot describe, answered like any other key that names nothing stored."""
    keys = [] if location == "json" else None  # a query's names are its parameters': 422
    problems = dict(_bad_values(data, keys=keys))
    if problems:
        fail(422, _("Some values cannot be stored: %(fields)s.", fields=", ".join(problems)),
             {location: problems})
    if keys:
        fail(409, _("Some keys name nothing that exists: in %(fields)s.", fields=", ".join(keys)),
             {location: dict.fromkeys(keys, _("a key holds a NUL character or invalid Unicode"))}, "conflict")
    return data


def json_body():
    """The request body as JSON (any shape), with the same checks as schema-parsed bodies.

    For bodies that a service validates itself (a scorecard file): 400 when it is not JSON."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        fail(400, _("The request needs a JSON body."), {"json": ["A JSON body is required."]})
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        fail(400, _("The body is not valid JSON."), {"json": ["Invalid JSON body."]})
    return check_values(data)


class Parser(FlaskParser):
    """webargs' Flask parser, refusing values that could not be stored (see ``_bad_values``)."""

    def _raw_load_json(self, req):
        try:
            data = super()._raw_load_json(req)
        except RecursionError:
            fail(400, _("The body is not valid JSON."), {"json": ["Invalid JSON body."]})
        if data is not webargs_core.missing:
            check_values(data)
        return data

    def load_querystring(self, req, schema):
        check_values({key: req.args.getlist(key) for key in req.args}, "query")
        return super().load_querystring(req, schema)


def operation_id(name: str) -> str:
    """``list_audits`` -> ``listAudits``."""
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _is_empty_object(raw: bytes) -> bool:
    try:
        return json.loads(raw) == {}
    except (ValueError, RecursionError):
        return False  # the parser says it is not JSON (400)


PATH_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
PATH_EXAMPLES = {"slug": "branch-visit", "what": "audits", "fmt": "csv",
                 "job_id": "9d2e6c1a-4b7f-4e8a-b3c5-0f1d2a3b4c5d"}


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = Parser()

    def route(self, rule, *, parameters=None, **options):
        """Flask's route, with an example for each path parameter in the document (an id 1, the
        default scorecard's slug): readers get a working URL, schemathesis a real object to try.

        Each operation's ``operationId`` is its function's name in camelCase (``list_audits`` ->
        ``listAudits``): generated clients name their methods after it, so function names are
        verb first and unique across the API. The docstring's first line is the summary, the rest
        the description (the summary again when there is no rest)."""
        if parameters is None:
            parameters = [{"in": "path", "name": name, "example": PATH_EXAMPLES.get(name, 1)}
                          for name in PATH_PARAMETER.findall(rule)]
        register = super().route(rule, parameters=parameters, **options)

        def decorator(func):
            doc = {"operationId": operation_id(func.__name__)}
            info = load_info_from_docstring(func.__doc__ or "")
            if not info.get("description"):
                doc["description"] = info.get("summary", "")
            return register(self.doc(**doc)(func))
        return decorator

    def arguments(self, schema, *, location="json", required=True, **kwargs):
        """flask-smorest's arguments; a required JSON body that is missing is 400 (not an empty
        object), and a PATCH body (a partial schema) must change something: ``{}`` is 422, and the
        document says so (``minProperties: 1``, set in api.register)."""
        register = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json" or not required:
            return register
        # A partial schema, or one named "...Patch": the components that get minProperties: 1.
        partial = (isinstance(schema, ma.Schema) and schema.partial is True) or \
            resolve_schema_cls(schema).__name__.endswith("Patch")

        def decorator(func):
            parsed = register(func)

            @functools.wraps(parsed)
            def guarded(*args, **kw):
                raw = request.get_data(cache=True)
                if not raw.strip():
                    fail(400, _("The request needs a JSON body."), {"json": ["A JSON body is required."]})
                if partial and _is_empty_object(raw):
                    fail(422, _("Send at least one field to change."), {"json": ["Send at least one field."]})
                return parsed(*args, **kw)
            return guarded
        return decorator

    def errors(self, *statuses):
        """Document the error responses an operation can give (all in the error format)."""
        def decorator(func):
            for status in statuses:
                func = self.alt_response(status, HTTPStatus(status).name)(func)
            return func
        return decorator


def describe_messages(messages, prefix=""):
    """Flatten marshmallow's nested messages into "path: message" strings."""
    out = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = key if not prefix else (f"{prefix}.{key}" if key != "_schema" else prefix)
            out.extend(describe_messages(value, path))
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict | list | tuple):
                out.extend(describe_messages(item, prefix))
            else:
                out.append(f"{prefix}: {item}" if prefix else str(item))
    else:
        out.append(f"{prefix}: {messages}" if prefix else str(messages))
    return out


def handle_http_error(exc: HTTPException):
    """Every error of the API as {"error": {"code", "message", "details"}}; nothing is saved."""
    db.session.rollback()
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    if isinstance(exc, ApiError):
        response = error_response(status, data.get("message"), data.get("details"),
                                  data.get("code") or ERROR_CODES.get(status))
        if status == 401:
            response[0].headers["WWW-Authenticate"] = 'Bearer realm="Veraz API"'
        return response
    messages = data.get("messages")
    if messages is not None:  # webargs: bad JSON (400) or a value the schema refused (422)
        if status == 400:
            return error_response(400, _("The body is not valid JSON."), messages, "bad_request")
        # Marshmallow names each field (and each answer's criterion) in its messages.
        lines = [line for location in messages.values() for line in describe_messages(location)]
        message = _("Some values are not valid: %(problems)s", problems="; ".join(lines[:5]))
        return error_response(status, message, messages, ERROR_CODES.get(status))
    message = exc.description if exc.description != type(exc).description else None
    return error_response(status, message, None, ERROR_CODES.get(status))


# ---- authentication ----------------------------------------------------------------------------

def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def authenticate():
    """before_request of every API blueprint: the token's user becomes ``current_user``.

    The session cookie is never consulted: a browser's login cannot call the API (no CSRF risk).
    """
    g.api_user = None  # until the token is checked, nobody (not a cookie's user) is current_user
    secret = bearer_secret()
    if secret is None:
        fail(401, _("Send a personal access token: Authorization: Bearer TOKEN."),
             code="unauthorized")
    if len(secret) > 200:
        fail(401, _("The token is not valid, or was revoked."), code="invalid_token")
    row = db.session.execute(
        db.select(ApiToken, User).join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == ApiToken.hash(secret))).first()
    if row is not None and not row.User.active:  # (deactivating also revoked the user's tokens)
        fail(401, _("This user is deactivated."), code="user_inactive")
    if row is None or row.ApiToken.revoked_at is not None:
        fail(401, _("The token is not valid, or was revoked."), code="invalid_token")
    token, user = row.ApiToken, row.User
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        # One small UPDATE a minute per token, committed at once so that a read stays a read.
        db.session.execute(db.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    # Flask-Login's loaders below make this user ``current_user``; nothing has read it before this
    # first before_request, so no cookie's user was loaded instead.
    g.api_user = user
    g.api_token_id = token.id
    if any(True for _ in _bad_values(request.view_args or {})):
        not_found()  # a NUL or a lone surrogate in the path names nothing (and PostgreSQL refuses it)


@login_manager.request_loader
def token_user(_request):
    """Flask-Login's hook for credentials carried by the request: the API call's token, checked by
    ``authenticate``. (A session or remember cookie never stands in for it: see
    accounts.routes.load_user.)"""
    return g.get("api_user")


def make_blueprint(name: str, description: str) -> ApiBlueprint:
    blp = ApiBlueprint(name, __name__, url_prefix="/api/v1", description=description)
    blp.before_request(authenticate)
    blp.register_error_handler(HTTPException, handle_http_error)
    csrf.exempt(blp)
    return blp


def current():
    """The token's user (a plain User, not flask-login's proxy)."""
    return current_user._get_current_object()


def require_role(*roles):
    """403 for a role that may not use this operation at all (as ``roles_required`` on the web)."""
    if current().role not in roles:
        fail(403, _("Your role does not allow this."), code="forbidden")


# ---- pagination --------------------------------------------------------------------------------

def paginate(query, args) -> dict:
    page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False, max_per_page=200)
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total,
            "pages": page.pages}


def page_schema(item_schema, name: str):
    """An envelope {"items": [...], "page", "per_page", "total", "pages"} around ``item_schema``."""
    return type(name, (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
        "page": ma.fields.Integer(required=True),
        "per_page": ma.fields.Integer(required=True),
        "total": ma.fields.Integer(required=True),
        "pages": ma.fields.Integer(required=True),
    })
