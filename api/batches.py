"""Report batches: every branch in your scope, or every employee of a branch, for a period, as one
ZIP of PDFs built by a job (reports/batches.py). Admins, managers (their branches) and HR."""
import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from accounts.models import LANGUAGES
from accounts.permissions import get_visible_or_404
from api.common import ID, current, fail, make_blueprint, not_found, require_role
from api.report_schemas import PDF
from api.schemas import Id, Strict, UTCDateTime
from branches.models import Branch
from core import storage as core_storage
from extensions import db
from reports import batches, figures
from reports.batch_models import BATCH_KINDS, BATCH_STATUSES
from reports.filters import DAY_PATTERN, FIRST_DAY, LAST_DAY

blp = make_blueprint("batches_api", "Report batches: a ZIP of PDFs made by a job (admin, manager, hr).")

READERS = ("admin", "manager", "hr")
DAY = validate.Range(min=FIRST_DAY, max=LAST_DAY, error=_l("Use a date between 2000 and 2100."))


class BatchIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(BATCH_KINDS), metadata={
        "description": "branches: every active branch you see; employees: every active employee of branch_id."})
    branch_id = Id(metadata={"description": "The branch whose employees go in (kind employees only)."})
    date_from = fields.Date(required=True, data_key="from", validate=DAY,
                            metadata={"description": "First day.", "pattern": DAY_PATTERN})
    date_to = fields.Date(required=True, data_key="to", validate=DAY,
                          metadata={"description": "Last day, included.", "pattern": DAY_PATTERN})
    lang = fields.String(validate=validate.OneOf(LANGUAGES), metadata={
        "description": "The PDFs' language; default: the token user's."})


class BatchSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": list(BATCH_KINDS)})
    branch_id = fields.Integer(allow_none=True, required=True)
    date_from = fields.Date(required=True, data_key="from")
    date_to = fields.Date(required=True, data_key="to")
    lang = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(BATCH_STATUSES)})
    done = fields.Integer(required=True, metadata={"description": "PDFs made so far."})
    total = fields.Integer(required=True, metadata={"description": "PDFs the batch will hold."})
    error = fields.String(allow_none=True, required=True, metadata={
        "description": "Why it failed (or why it was started again)."})
    created_at = UTCDateTime(required=True)
    finished_at = UTCDateTime(allow_none=True, required=True)
    expires_at = UTCDateTime(required=True, metadata={"description": "When the batch and its ZIP are removed."})
    download_url = fields.Method("_download", allow_none=True, required=True, metadata={
        "type": "string", "nullable": True, "description": "Where to get the ZIP, once done."})

    def _download(self, batch):
        return f"/api/v1/reports/batches/{batch.id}/download" if batch.status == "done" else None


def _mine(batch_id):
    batch = batches.visible(batch_id, current())
    if batch is None:
        not_found()
    return batch


@blp.route("/reports/batches", methods=["POST"])
@blp.arguments(BatchIn, example={"kind": "branches", "from": "2026-01-01", "to": "2026-03-31", "lang": "es"})
@blp.response(202, BatchSchema)
@blp.errors(401, 403, 404, 409, 422)
def create_report_batch(data):
    """Ask for a batch: its PDFs are made by a job; follow ``done`` and ``total`` with GET, then download."""
    require_role(*READERS)
    user = current()
    branch = None
    if data.get("branch_id") is not None:
        branch = get_visible_or_404(Branch, data["branch_id"], figures.sees_branch)
    try:
        batch = batches.create(user, data["kind"], data["date_from"], data["date_to"],
                               data.get("lang") or user.language or "es", branch)
    except batches.BatchError as exc:
        fail(exc.status, exc.message, {"json": {exc.field: [str(exc.message)]}} if exc.field else None)
    db.session.commit()  # the job is enqueued now (inline without Redis: it is already done)
    db.session.refresh(batch)
    return batch


@blp.route(f"/reports/batches/<{ID}:batch_id>", methods=["GET"])
@blp.response(200, BatchSchema)
@blp.errors(401, 404)
def get_report_batch(batch_id):
    """One of your batches: its status (queued, running, done, failed) and progress."""
    batch = _mine(batch_id)
    if batch.status == "running" and batches.recover_stale():
        db.session.commit()  # its worker died: queued again (or failed), seen at once
        db.session.refresh(batch)
    return batch


@blp.route(f"/reports/batches/<{ID}:batch_id>/download", methods=["GET"])
@blp.response(200, PDF, content_type="application/zip", description="The ZIP of PDFs.")
@blp.errors(401, 404, 409)
def download_report_batch(batch_id):
    """The batch's ZIP, once done (409 before)."""
    batch = _mine(batch_id)
    if batch.status != "done":
        fail(409, _("The batch is not ready yet."), {"status": batch.status}, code="not_ready")
    response = core_storage.send(batch.storage_key, "application/zip", cache_control="private, no-store")
    response.headers["Content-Disposition"] = f'attachment; filename="{batches.zip_name(batch)}"'
    return response
