"""Failed jobs (admin): what the worker gave up on after its retries, and sending one again.
The same listing as the admin's "Failed jobs" page and ``flask failed-jobs`` (jobs/failures.py)."""
import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields

from api.common import current, fail, make_blueprint, require_role
from api.schemas import PageQuery, UTCDateTime
from jobs.failures import failed_jobs, requeue

blp = make_blueprint("jobs_api", "Failed jobs (admin): the worker's jobs that failed after their retries, "
                                 "with their reasons; send one again once its cause is fixed.")
JOB_ID = "string(length=36)"  # RQ's job ids: a UUID


class FailedJobSchema(ma.Schema):
    id = fields.String(required=True, metadata={"description": "The job's id on the queue."})
    name = fields.String(required=True, metadata={"description": "The job's function, e.g. `jobs.mail.send`."})
    args = fields.String(required=True, metadata={"description": "Its arguments (ids), as text."})
    failed_at = UTCDateTime(required=True, allow_none=True)
    reason = fields.String(required=True, metadata={"description": "The error of its last attempt."})


class FailedJobPage(ma.Schema):
    items = fields.List(fields.Nested(FailedJobSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    queue = fields.String(required=True, metadata={
        "enum": ["redis", "inline"],
        "description": "inline: no Redis is configured, jobs run in the web app and a failure is in its log "
                       "(the list is then always empty)."})


def _require_admin():
    require_role("admin")
    return current()


@blp.route("/jobs/failed", methods=["GET"])
@blp.arguments(PageQuery, location="query", as_kwargs=True)
@blp.response(200, FailedJobPage)
@blp.errors(401, 403)
def list_failed_jobs(page, per_page):
    """Jobs that failed after their retries, newest first (admin), each with its reason."""
    _require_admin()
    jobs = failed_jobs()
    listed = jobs or []
    start = (page - 1) * per_page
    return {"items": listed[start:start + per_page], "page": page, "per_page": per_page, "total": len(listed),
            "pages": -(-len(listed) // per_page), "queue": "inline" if jobs is None else "redis"}


@blp.route(f"/jobs/failed/<{JOB_ID}:job_id>/retry", methods=["POST"])
@blp.response(202, description="Back on the queue, to run once more.")
@blp.errors(401, 403, 404)
def retry_failed_job(job_id):
    """Put a failed job back on the queue (admin), once the cause of its failure is fixed."""
    _require_admin()
    if not requeue(job_id):
        fail(404, _("No failed job has this id."), code="not_found")
