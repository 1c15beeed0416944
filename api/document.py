"""Finishing touches to the OpenAPI document, applied to every operation each time it is made, so
that an operation added anywhere inherits them without a line of its own:

- every error it can give is documented, in the API's one error body: 401 everywhere (every
  operation needs a token), 400 where it reads a JSON body (not JSON, or missing), 404 where its
  path names something (nothing there, or not yours), 422 where it reads a body or a query (a
  value refused). 403 and 409 depend on the operation's rules and stay with it (``@blp.errors``).
  A 405 belongs to the methods a path does *not* have: it cannot be an operation's answer; it
  carries ``Allow`` (core/errors.py) and docs/api.md says so.
- text that can be stored: every string of a request (a body or a query) without a format, an
  enum or a pattern of its own says ``pattern: "^[^\\x00]*$"``, and a not-blank one says both
  rules at once, since no column stores a NUL character (api/common.py refuses it with 422).
- links from each ``POST`` that makes something to the operations that use its new id
  (``POST /audits`` -> ``getAudit``, ``submitAudit``, ``openDispute``...): clients and
  schemathesis' stateful phase follow them from a created object to what can be done with it.
"""
from http import HTTPStatus

from api.schemas import NOT_BLANK, WHITESPACE

COMPONENT = {status: HTTPStatus(status).name for status in (400, 401, 403, 404, 409, 422)}
# Errors that come from the services' rules on stored rows rather than from the operation's own
# code (accounts/services.py, coaching/services.py, calibration/services.py), by operationId.
SERVICE_ERRORS = {
    "createUser": (404, 409),  # a branch or employee that does not exist; a field the role does not take
    "createCoachingSession": (409,),  # criteria no scorecard scores, a follow-up before the session
    "createCalibration": (409,),  # people who are not active raters, a branch not the manager's
}
METHODS = ("get", "put", "post", "patch", "delete")


def finish(spec: dict) -> dict:
    """The document as apispec made it, with the errors and links above added (in place)."""
    _error_components(spec)
    operations = [(path, method, op, _path_parameters(item, op))
                  for path, item in spec.get("paths", {}).items()
                  for method, op in item.items() if method in METHODS]
    for _path, _method, op, path_parameters in operations:
        _document_errors(op, path_parameters)
    _storable_text(spec, [op for _path, _method, op, _params in operations])
    for path, method, op, path_parameters in operations:
        if method == "post":
            _link_created(spec, path, op, path_parameters, operations)
    return spec


def _error_components(spec):
    responses = spec.setdefault("components", {}).setdefault("responses", {})
    for status, name in COMPONENT.items():
        responses.setdefault(name, {"description": HTTPStatus(status).phrase, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})


def _path_parameters(item, op) -> set:
    return {p["name"] for p in [*item.get("parameters", []), *op.get("parameters", [])]
            if isinstance(p, dict) and p.get("in") == "path"}


def _document_errors(op, path_parameters):
    body = op.get("requestBody", {}).get("content", {})
    reads_query = any(isinstance(p, dict) and p.get("in") == "query" for p in op.get("parameters", []))
    statuses = {401, *SERVICE_ERRORS.get(op.get("operationId"), ())}
    if "application/json" in body:
        statuses.add(400)
    if path_parameters:
        statuses.add(404)
    if body or reads_query:
        statuses.add(422)
    responses = op.setdefault("responses", {})
    for status in statuses:
        responses.setdefault(str(status), {"$ref": f"#/components/responses/{COMPONENT[status]}"})
    op["responses"] = dict(sorted(responses.items(), key=lambda item: (item[0] == "default", item[0])))


def _singular(word: str) -> str:
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _schema_properties(spec, response, schema=None) -> set:
    """The properties of a response's body; of an anyOf, those every choice has."""
    if schema is None:
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    if schema.get("anyOf"):
        return set.intersection(*(_schema_properties(spec, response, choice) for choice in schema["anyOf"]))
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = spec["components"]["schemas"].get(ref.rsplit("/", 1)[1], {})
    return set(schema.get("properties", {}))


def _link_created(spec, path, op, path_parameters, operations):
    """``POST /things`` (or ``/parents/{parent_id}/things``) answering an object: its new id (or
    slug) fills ``{thing_id}`` (or ``{slug}``) in every operation whose path names it, the
    parents' ids coming from the request."""
    collection = path.rstrip("/").rsplit("/", 1)[1]
    if collection.startswith("{"):
        return  # an action on an existing object (POST /audits/{audit_id}/submit... end in a word)
    for status, response in op.get("responses", {}).items():
        if not status.startswith("2") or "$ref" in response:
            continue
        properties = _schema_properties(spec, response)
        new = {f"{_singular(collection)}_id": "id"} if "id" in properties else {}
        new.update({name: name for name in ("slug",) if name in properties})
        links = {}
        for _target_path, _method, target, target_parameters in operations:
            named = target_parameters - path_parameters
            if target is op or not named or not named <= set(new):
                continue
            parameters = {name: f"$request.path.{name}" for name in target_parameters & path_parameters}
            parameters.update({name: f"$response.body#/{new[name]}" for name in named})
            links[target["operationId"]] = {"operationId": target["operationId"], "parameters": parameters}
        if links:
            response["links"] = dict(sorted(links.items()))


NO_NUL = r"^[^\x00]*$"
# Not blank (api.schemas.NOT_BLANK: some character that is not white space) and no NUL anywhere.
NOT_BLANK_NO_NUL = rf"^[^\x00]*[^{WHITESPACE}\x00][^\x00]*$"


def _storable_text(spec, operations):
    """The patterns above on every string the requests carry (bodies, what they refer to, queries)."""
    schemas = spec.get("components", {}).get("schemas", {})
    seen = set()

    def walk(node):
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            if name not in seen and name in schemas:
                seen.add(name)
                walk(schemas[name])
            return
        if node.get("type") == "string" and "enum" not in node and "format" not in node:
            if "pattern" not in node:
                node["pattern"] = NO_NUL
            elif node["pattern"] == NOT_BLANK:
                node["pattern"] = NOT_BLANK_NO_NUL
        for child in (node.get("properties") or {}).values():
            walk(child)
        for key in ("items", "additionalProperties", "not"):
            walk(node.get(key))
        for key in ("anyOf", "oneOf", "allOf"):
            for child in node.get(key, ()):
                walk(child)

    for op in operations:
        for media in op.get("requestBody", {}).get("content", {}).values():
            walk(media.get("schema"))
        for parameter in op.get("parameters", ()):
            if isinstance(parameter, dict) and parameter.get("in") == "query":
                walk(parameter.get("schema"))
