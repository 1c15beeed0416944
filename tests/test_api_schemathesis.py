"""schemathesis against the app's own /api/v1/openapi.json, through the WSGI app, as an admin on
seeded data: for every operation, no server error and no response that breaks the document.

Bounded (25 examples an operation, 6 for the PDFs, derandomized, no deadline) so that it runs in
CI in about a minute; each operation gets a fresh database from the ``api`` fixture.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")  # before the world is made


def _let_hypothesis_jsonschema_draw_objects():
    """hypothesis-jsonschema 0.23 draws JSON objects with ``while cu.many(...).more():``, an
    internal that newer Hypothesis replaced by ``with many(...) as e: for _ in e:``. Without this
    adapter every operation with a JSON body fails inside the generator ("'many' object has no
    attribute 'more'"), before a request is even made. It is a no-op where ``more`` still exists.
    """
    import hypothesis_jsonschema._from_schema as from_schema
    from hypothesis.internal.conjecture import utils as cu

    if hasattr(cu.many, "more"):
        return

    class LegacyMany:
        def __init__(self, data, **kwargs):
            self._many = cu.many(data, **kwargs)
            self._many.__enter__()
            self._elements = iter(self._many)

        def more(self) -> bool:
            try:
                next(self._elements)
            except StopIteration:
                self._many.__exit__(None, None, None)
                return False
            return True

        def reject(self, why=None):
            self._many.reject(why)

    class Utils:
        """hypothesis_jsonschema's ``cu`` with ``many`` replaced, all else unchanged."""

        many = LegacyMany

        def __getattr__(self, name):
            return getattr(cu, name)

    from_schema.cu = Utils()


_let_hypothesis_jsonschema_draw_objects()


def served_document() -> dict:
    """/api/v1/openapi.json as the app serves it (no database is needed to make it)."""
    from app import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    return app.test_client().get("/api/v1/openapi.json").get_json()


DOCUMENT = served_document()
schema = schemathesis.from_dict(DOCUMENT)
# Most ids drawn at random name nothing (404). Large ones are folded onto the few seeded objects so
# that the operations also run deep (save answers, submit, review) on real rows; small ones, and
# all 404s, still come as drawn.
SEEDED = 6


def _fold(value):
    return value % SEEDED + 1 if isinstance(value, int) and not isinstance(value, bool) and value > 1000 else value


@schema.hook
def map_path_parameters(context, path_parameters):
    if not path_parameters:
        return path_parameters
    return {key: _fold(value) for key, value in path_parameters.items()}


@schema.hook
def map_body(context, body):
    if isinstance(body, dict):
        return {key: _fold(value) if key.endswith("_id") else value for key, value in body.items()}
    return body


@pytest.fixture
def seeded(api):
    """The ``api`` world plus the default branch-visit scorecard, which the document's examples use
    (with ids 1: branch A, its employee, the auditor's audit 1, assignment 1), and the admin's own
    audits 5 (a draft, half answered) and 6 (submitted), which the admin may fill and submit. A
    fresh database for each operation, so that one operation's changes (a branch closed) do not
    hide another's paths."""
    from extensions import db
    from scorecards.defaults import DEFAULTS_DIR
    from scorecards.models import ScorecardVersion
    from scorecards.services import import_scorecard
    from tests import factories

    with api.app.app_context():
        import_scorecard((DEFAULTS_DIR / "branch-visit.json").read_bytes(), publish=True)
        version = db.session.get(ScorecardVersion, api.ids["version_id"])
        admin, branch = api.world["admin"]["id"], api.world["branch_a"]
        assert factories.audit(version, admin, branch, answers={"a_yes": "yes"}, status="draft").id == 5
        assert factories.audit(version, admin, branch, status="submitted").id == 6
        db.session.commit()
    return api


def test_the_document_tested_is_the_one_served(client):
    assert client.get("/api/v1/openapi.json").get_json() == DOCUMENT


def check(case, seeded):
    response = case.call_wsgi(app=seeded.app, headers=seeded.headers("admin"))
    case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))


@schema.exclude(path_regex=r"\.pdf$").parametrize()
@settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_fails_or_breaks_its_schema(case, seeded):
    check(case, seeded)


@schema.include(path_regex=r"\.pdf$").parametrize()
@settings(max_examples=6, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_pdf_operation_fails_or_breaks_its_schema(case, seeded):
    """Fewer examples: each PDF takes about half a second to lay out."""
    check(case, seeded)
