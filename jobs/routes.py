"""The admin's "Failed jobs" page (/jobs/failed): what the worker gave up on, and why, with a
button to send a job again once its cause is fixed."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from accounts.permissions import roles_required
from jobs.failures import failed_jobs, requeue

bp = Blueprint("jobs", __name__)


def register(app):
    app.register_blueprint(bp)


@bp.route("/jobs/failed")
@roles_required("admin")
def list_failed_jobs():
    return render_template("jobs/failed.html", jobs=failed_jobs())


@bp.route("/jobs/failed/<job_id>/retry", methods=["POST"])
@roles_required("admin")
def retry_failed_job(job_id):
    if not requeue(job_id):
        abort(404)
    flash(_("The job is back on the queue; the worker will run it again."), "success")
    return redirect(url_for("jobs.list_failed_jobs"))
