"""The JSON API under /api/v1, described by OpenAPI 3 at /api/v1/openapi.json.

Built with flask-smorest and marshmallow: the schemas (api/schemas.py for the shared parts,
api/<area>_schemas.py per area) check requests, shape responses and make the document. Every
operation authenticates with a personal access token (``Authorization: Bearer TOKEN``), acts with
its user's role and scope, and calls the same services and queries as the web pages, so that each
rule lives in one place.
"""
import copy

import click
import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask.cli import with_appcontext
from flask_smorest import Api

from api import document
from api.schemas import NOT_BLANK, ErrorSchema, not_blank

API_PREFIX = "/api/v1"

DESCRIPTION = """Veraz's JSON API: users, branches, employees, scorecards, assignments, audits, reports,
webhooks.

Authenticate every request with a personal access token from your profile page (or
`flask --app app create-token EMAIL`): `Authorization: Bearer TOKEN`. A token acts as its user,
with the same role and scope as on the web pages.

Errors are always `{"error": {"code", "message", "details"}}`: 400 bad JSON, 401 no or bad token,
403 not allowed for your role, 404 not found or not yours, 409 conflict, 422 invalid (the field or
criterion is named in `details`).

Scores are percentages from 0 to 100 with full precision; a section with nothing possible has
`score: null`; `earned` and `possible` are points (criterion weights). Datetimes are ISO 8601 in UTC.
Lists are paginated: `?page=1&per_page=50` and the answer holds `items`, `page`, `per_page`,
`total` and `pages`.
"""


# Bodies that take one key or the other, never both (the marshmallow schemas check it in code).
ONE_OF_THE_TWO = {"AssignmentInPatch": ("auditor_id", "auditor_email")}
# Bodies that need one set of keys or another are stated as a choice between named variants of the
# body, each with its own "required". A bare {"anyOf": [{"required": [...]}, ...]} beside the
# properties says the same to a validator, but generated clients (openapi-python-client) then type
# the body as Any; named variants give them one model per way of calling (tests/test_api_client.py).
REQUIRED_VARIANTS = {
    # a new audit is made from an assignment, or names its scorecard and branch
    "AuditIn": ("anyOf", {"FromAssignment": {"required": ["assignment_id"]},
                          "FromScorecard": {"required": ["scorecard", "branch_id"]}}),
    # an assignment's auditor is named by id or by e-mail, never both
    "AssignmentIn": ("oneOf", {"ByAuditorId": {"required": ["auditor_id"], "not": {"required": ["auditor_email"]}},
                               "ByAuditorEmail": {"required": ["auditor_email"], "not": {"required": ["auditor_id"]}}}),
    # {"ids": [...]} or {"all": true}: one of them, as the operation checks
    "MarkReadIn": ("oneOf", {"Ids": {"required": ["ids"]},
                             "All": {"required": ["all"], "properties": {"all": {"enum": [True]}}}}),
}
# Rules between fields that a service checks, stated in the document too (OpenAPI 3.0 has no
# if/then: each rule is a oneOf of the bodies it allows).
CROSS_FIELD = {
    # a batch of every branch names no branch; a batch of one branch's employees names it
    "BatchIn": {"oneOf": [{"properties": {"kind": {"enum": ["branches"]}}, "not": {"required": ["branch_id"]}},
                          {"properties": {"kind": {"enum": ["employees"]}}, "required": ["branch_id"]}]},
}
# An action's state with what it needs: done with a closing note, cancelled with a reason (the
# service refuses a blank one); a criterion or a section, not both.
_NEEDS = {"done": "closing_note", "cancelled": "cancel_reason"}
_NOT_BLANK_TEXT = {"type": "string", "pattern": NOT_BLANK}  # what the service's strip() keeps
CROSS_FIELD["ActionChangePatch"] = {"allOf": [  # ActionChange(partial=True)
    {"anyOf": [{"properties": {"status": {"not": {"enum": [state]}}}},
               {"required": [field], "properties": {field: _NOT_BLANK_TEXT}}]} for state, field in _NEEDS.items()]}
CROSS_FIELD["ActionIn"] = {"anyOf": [{"not": {"required": ["criterion_key", "section_key"]}},
                                     {"properties": {"criterion_key": {"enum": [None]}}},
                                     {"properties": {"section_key": {"enum": [None]}}}]}
# A user's role against branch_ids and employee_id (accounts/services.py). A rule between two fields
# sent together is the document's (422); a field sent without the role meets the stored role, and a
# clash with it is 409, as is an employee who already has a login.
_ROLE_TAKES = {"anyOf": [{"properties": {"role": {"enum": ["manager"]}}}, {"not": {"required": ["branch_ids"]}},
                         {"properties": {"branch_ids": {"maxItems": 0}}}]}
_ROLE_LINKS = {"anyOf": [{"properties": {"role": {"enum": ["employee"]}}}, {"not": {"required": ["employee_id"]}},
                         {"properties": {"employee_id": {"enum": [None]}}}]}
_NOT_NULL = {"properties": {"employee_id": {"not": {"enum": [None]}}}}
_NOT_EMPLOYEE = {"properties": {"role": {"not": {"enum": ["employee"]}}}}
CROSS_FIELD.update({
    # a new user who is an employee login names its employee
    "UserIn": {"allOf": [_ROLE_TAKES, _ROLE_LINKS,
                         {"anyOf": [_NOT_EMPLOYEE, {"required": ["employee_id"], **_NOT_NULL}]}]},
    # sent together with role employee, employee_id is not null (left out, the stored one counts)
    **{name: {"allOf": [_ROLE_TAKES, _ROLE_LINKS,
                        {"anyOf": [_NOT_EMPLOYEE, {"not": {"required": ["employee_id"]}}, _NOT_NULL]}]}
       for name in ("UserChange", "UserSync")},
})


def schema_name(schema) -> str:
    """Component names: the class name without "Schema"; a partial (PATCH) body gets "Patch"."""
    cls = resolve_schema_cls(schema)
    name = cls.__name__
    if name.endswith("Schema") and name != "Schema":
        name = name[: -len("Schema")]
    if isinstance(schema, ma.Schema) and schema.partial is True:
        name += "Patch"
    return name


def untyped_is_any(self, field, ret, **kwargs) -> dict:
    """A field of any value (no ``type``) already admits null: OpenAPI 3.0 forbids ``nullable``
    without a type, and linters and generators refuse the document that has it."""
    if "type" not in ret and "$ref" not in ret and "allOf" not in ret:
        ret.pop("nullable", None)
    return {}


def blank_refused(self, field, ret, **kwargs) -> dict:
    """A field that refuses blank text (``not_blank``) says so with a pattern, some character that
    is not white space (api.schemas.NOT_BLANK), so that a client, a form and schemathesis know
    "   " is refused without reading the code."""
    if not_blank in getattr(field, "validators", ()) and "pattern" not in ret:
        return {"pattern": NOT_BLANK}
    return {}


def split_into_variants(schemas: dict, name: str, choice: str, variants: dict) -> None:
    """Replace the component ``name`` by a choice (anyOf/oneOf) between copies of it named
    name + suffix, each with its extra required keys, exclusions and narrowed properties."""
    base = schemas.pop(name)
    refs = []
    for suffix, extra in variants.items():
        variant = copy.deepcopy(base)
        variant["required"] = sorted({*variant.get("required", ()), *extra["required"]})
        if "not" in extra:
            variant["not"] = extra["not"]
        for field, narrowed in extra.get("properties", {}).items():
            variant["properties"][field] = {**variant["properties"][field], **narrowed}
        schemas[name + suffix] = variant
        refs.append({"$ref": f"#/components/schemas/{name}{suffix}"})
    schemas[name] = {choice: refs}


class VerazApi(Api):
    """flask-smorest's Api with our error format; errors are rendered by api.common."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        # The app's handlers (core/web.py) and each API blueprint's own render every error in
        # the {"error": {...}} format; flask-smorest's app-wide handler would replace them.
        pass


def register(app):
    from api import (
        accounts,
        assignments,
        audits,
        batches,
        branches,
        calibrations,
        coaching,
        disputes,
        jobs,
        notifications,
        photos,
        recognition,
        reports,
        scorecards,
        security,
        surveys,
        users,
        webhooks,
    )

    if app.config.get("OPENAPI_URL_PREFIX") is None:
        app.config["OPENAPI_URL_PREFIX"] = API_PREFIX
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": DESCRIPTION,
                 "contact": {"name": "Veraz, the administrator of this server"}},
        "security": [{"bearerAuth": []}],
        "servers": [{"url": "/"}],
    })
    plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    api = VerazApi(app, spec_kwargs={"marshmallow_plugin": plugin})
    plugin.converter.add_attribute_function(untyped_is_any)
    plugin.converter.add_attribute_function(blank_refused)
    api.spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "A personal access token: `Authorization: Bearer vz_...`."})
    for module in (accounts, users, branches, scorecards, assignments, audits, photos, disputes, reports, batches,
                   notifications, webhooks, jobs,
                   coaching, recognition,
                   security,
                   calibrations,
                   surveys,
                   ):
        api.register_blueprint(module.blp)
    from api import actions  # corrective actions

    api.register_blueprint(actions.blp)
    # flask-smorest adds this for its own pagination, which the API does not use (page_schema):
    # an unused component is a linter warning and a dead class in every generated client.
    api.spec.components.schemas.pop("PaginationMetadata", None)
    for name, component in api.spec.components.schemas.items():
        if name.endswith("Patch"):  # a PATCH changes something: {} is refused (ApiBlueprint.arguments)
            component["minProperties"] = 1
        component.update(CROSS_FIELD.get(name, {}))
        if name in ONE_OF_THE_TWO:  # the operation refuses both at once (422): the document says so
            component["not"] = {"required": list(ONE_OF_THE_TWO[name])}
    for name, (choice, variants) in REQUIRED_VARIANTS.items():
        split_into_variants(api.spec.components.schemas, name, choice, variants)
    # Errors and links for every operation, whenever the document is made (api/document.py).
    make = api.spec.to_dict
    api.spec.to_dict = lambda: document.finish(make())
    app.extensions["veraz_api"] = api
    app.cli.add_command(create_token_command)


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="A name to recognise the token by.")
@with_appcontext
def create_token_command(email, name):
    """Print a new personal access token for the user EMAIL (shown once; only its hash is kept)."""
    from accounts.models import User
    from accounts.services import issue_token, normalise_email
    from extensions import db

    user = db.session.scalar(db.select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No user has the email {email}.")
    if not user.active:
        raise click.ClickException(f"The user {email} is deactivated.")
    name = (name or "").strip()[:80] or "cli"
    _token, secret = issue_token(user, name)  # on the server's command line: no second factor asked
    db.session.commit()
    click.echo(secret)
