"""The data of the webhook events: each object as GET /<objects>/{id} gives it, dumped by the same
schema. The factory hands these to the webhooks and actions packages (app.py, connect_packages),
which sit below the API and do not import it."""
from api.action_schemas import ActionSchema
from api.audit_schemas import AuditSchema
from api.dispute_schemas import DisputeSchema
from api.output import as_system
from api.survey_schemas import SurveyResponseSchema


def audit_payload(audit) -> dict:
    """An audit as an admin reads it from GET /audits/{id}."""
    return AuditSchema().dump(audit)


def dispute_payload(dispute) -> dict:
    """A dispute as an admin reads it from GET /disputes/{id}: nothing hidden from a viewer."""
    with as_system():
        return DisputeSchema().dump(dispute)


def survey_response_payload(response) -> dict:
    """A survey response as GET /surveys/responses lists it."""
    return SurveyResponseSchema().dump(response)


def action_payload(action) -> dict:
    """The ``action.overdue`` event: the action as GET /actions/{id} gives it."""
    return ActionSchema().dump(action)
