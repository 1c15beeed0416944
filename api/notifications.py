"""Your notifications: what happened to your assignments and audits (the token's user's only)."""
import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields, validate

from api.common import current, fail, make_blueprint, page_schema, paginate
from api.output import computed
from api.schemas import Id, Query, Strict, StrictBoolean, UTCDateTime
from extensions import db
from notifications import emails, services
from notifications.models import KINDS

blp = make_blueprint("notifications_api", "Your notifications (every role): newest first; mark them read.")


class NotificationSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": list(KINDS)})
    subject_type = fields.String(required=True, metadata={"enum": sorted(set(KINDS.values())),
                                 "description": "What the notification is about."})
    subject_id = fields.Integer(required=True, metadata={
        "description": "The assignment's, audit's or action's id (a cancelled assignment no longer exists)."})
    text = computed(fields.String(required=True, metadata={"description": "One sentence, in your language."}),
                    emails.describe)
    url = computed(fields.String(required=True, metadata={"description": "The web page it leads to."}), emails.link)
    created_at = UTCDateTime(required=True)
    read_at = UTCDateTime(allow_none=True, required=True)


NotificationPage = page_schema(NotificationSchema, "NotificationPage")


class NotificationQuery(Query):
    unread = fields.Boolean(metadata={"description": "true: only unread; false: only read."})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class MarkReadIn(Strict):
    ids = fields.List(Id(), validate=validate.Length(max=1000),
                      metadata={"description": "Your notifications to mark read (others are ignored)."})
    all = StrictBoolean(metadata={"description": "true: mark every notification of yours read."})


class MarkReadOut(ma.Schema):
    marked = fields.Integer(required=True, metadata={"description": "How many were unread and now are read."})
    unread = fields.Integer(required=True, metadata={"description": "How many unread are left."})


@blp.route("/notifications", methods=["GET"])
@blp.arguments(NotificationQuery, location="query", as_kwargs=True)
@blp.response(200, NotificationPage)
@blp.errors(401)
def list_notifications(page, per_page, unread=None):
    """Your notifications, newest first; ``unread=true`` for the unread ones only. Reading the list
    does not mark them read (the web page does): use POST /notifications/read."""
    return paginate(services.listing(current(), unread=unread), {"page": page, "per_page": per_page})


@blp.route("/notifications/read", methods=["POST"])
@blp.arguments(MarkReadIn, example={"ids": [1, 2]})
@blp.response(200, MarkReadOut)
@blp.errors(400, 401, 422)
def mark_notifications_read(data):
    """Mark some of your notifications read (``{"ids": [...]}``) or all of them (``{"all": true}``)."""
    everything = data.get("all") is True
    if everything == ("ids" in data):
        message = _('Give either "ids" or "all": true.')
        fail(422, message, {"json": {"ids": [message]}})
    user = current()
    marked = services.mark_read(user, None if everything else data["ids"])
    db.session.commit()
    return {"marked": marked, "unread": services.unread_count(user)}
