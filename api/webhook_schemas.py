"""Schemas of /api/v1/webhooks: endpoints and their deliveries."""
import marshmallow as ma
from marshmallow import fields, validate

from api.common import page_schema
from api.output import StringOrEmpty, computed
from api.schemas import WHITESPACE, PageQuery, Strict, StrictBoolean, UTCDateTime
from webhooks.models import DELIVERY_STATES, EVENTS

URL = {"description": "Where each event is POSTed: https:// (http:// only to loopback on a server in debug "
                      "or test mode). Private and link-local addresses are refused at delivery unless the "
                      "server allows them (WEBHOOK_ALLOW_PRIVATE_ADDRESSES).",
       "example": "https://hr.example.com/hooks/veraz"}
EVENT_LIST = {"description": "The events to send: " + ", ".join(EVENTS) + ".",
              "example": ["audit.approved"]}


# The document's URL: https://, a host (no user, no brackets) and a port the URL parser takes, then
# anything but white space (spelled out: see api.schemas.WHITESPACE) or NUL (no column stores it).
# The API's own check is the same with any scheme, so that it can say why it refuses http:// (and
# allow it to loopback in debug or test mode); every URL the document allows is one the service
# can read.
PORT = r"(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?"
HOST_AND_PATH = rf"[^{WHITESPACE}\x00/?#@:\[\]]+{PORT}([/?#][^{WHITESPACE}\x00]*)?$"
HTTPS_URL = "^https://" + HOST_AND_PATH
ANY_URL = "^[A-Za-z][A-Za-z0-9+.-]*://" + HOST_AND_PATH


class WebhookIn(Strict):
    # The document says https:// only; the service also lets http:// to loopback through on a
    # server in debug or test mode (the tests' receivers), and says why it refuses the rest.
    url = fields.String(required=True, validate=[validate.Length(min=9, max=2000), validate.Regexp(ANY_URL)],
                        metadata={**URL, "pattern": HTTPS_URL})
    events = fields.List(fields.String(validate=validate.OneOf(EVENTS)), required=True,
                         validate=validate.Length(min=1, max=len(EVENTS)), metadata=EVENT_LIST)
    active = StrictBoolean(load_default=True, metadata={"description": "Paused endpoints get nothing."})
    description = fields.String(load_default="", validate=validate.Length(max=200),
                                metadata={"description": "A note for the admins."})


class WebhookSchema(ma.Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = computed(fields.List(fields.String(validate=validate.OneOf(EVENTS)), required=True),
                      lambda endpoint: list(endpoint.events or []))
    active = fields.Boolean(required=True)
    description = StringOrEmpty(required=True)
    created_at = UTCDateTime(required=True)


class WebhookCreated(WebhookSchema):
    secret = fields.String(required=True, metadata={
        "description": "Signs every delivery (Veraz-Signature). Shown only in this answer: keep it."})


class DeliverySchema(ma.Schema):
    id = fields.Integer(required=True)
    delivery_id = fields.String(required=True, metadata={
        "description": "The Veraz-Delivery header: the same on every retry, so receivers can drop repeats."})
    event = fields.String(required=True, validate=validate.OneOf(EVENTS))
    status = fields.String(required=True, validate=validate.OneOf(DELIVERY_STATES))
    attempts = fields.Integer(required=True)
    response_code = fields.Integer(required=True, allow_none=True,
                                   metadata={"description": "The receiver's last HTTP status, if it answered."})
    error = fields.String(required=True, metadata={"description": "Why the last attempt failed, if it did."})
    created_at = UTCDateTime(required=True)
    last_attempt_at = UTCDateTime(required=True, allow_none=True)
    next_attempt_at = UTCDateTime(required=True, allow_none=True)


WebhookPage = page_schema(WebhookSchema, "WebhookPage")
DeliveryPage = page_schema(DeliverySchema, "DeliveryPage")


class WebhookQuery(PageQuery):
    pass
