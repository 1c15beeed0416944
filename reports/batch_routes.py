"""Report batches on the web: the reports pages start one (every branch you see, or every employee
of a branch, for the period on screen); its page shows a progress bar that static/js/batch.js
moves by polling the batch's JSON, then the download link. Only the batch's requester sees it.
"""
from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts.permissions import roles_required
from core import storage as core_storage
from core.errors import error_response
from extensions import db
from reports import batches
from reports import queries as q
from reports.routes import REPORT_ROLES, _visible_branch

bp = Blueprint("batches", __name__)


def status_labels() -> dict:
    return {"queued": _("Waiting for its turn…"), "running": _("Making the PDFs…"), "done": _("Ready to download."),
            "failed": _("The batch could not be made.")}


@bp.app_context_processor
def batch_helpers():
    return {"recent_batches": recent_batches}


def recent_batches(limit: int = 5) -> list:
    """The signed-in person's unexpired batches, newest first (listed under the batch form)."""
    from core.timeutil import utcnow
    from reports.batch_models import ReportBatch

    return list(db.session.scalars(db.select(ReportBatch).where(
        ReportBatch.user_id == current_user.id, ReportBatch.expires_at > utcnow())
        .order_by(ReportBatch.id.desc()).limit(limit)))


def _mine(batch_id: int):
    batch = batches.visible(batch_id, current_user)
    if batch is None:
        abort(404)
    if batch.status == "running" and batches.recover_stale():
        db.session.commit()  # its worker died: queued again (or failed)
        db.session.refresh(batch)
    return batch


@bp.route("/reports/batches", methods=["POST"])
@roles_required(*REPORT_ROLES)
def create_batch():
    kind = request.form.get("kind", "")
    branch = _visible_branch(int(request.form["branch_id"])) if request.form.get("branch_id", "").isdigit() else None
    try:
        f = q.parse_filters({"from": request.form.get("from"), "to": request.form.get("to")}, current_user)
        batch = batches.create(current_user, kind, f.date_from, f.date_to, request.form.get("lang") or
                               current_user.language or "es", branch)
    except q.FilterError as exc:
        return error_response(400, "; ".join(str(v) for v in exc.messages.values()))
    except batches.BatchError as exc:
        return error_response(400 if exc.status == 422 else exc.status, str(exc.message))
    db.session.commit()
    return redirect(url_for("batches.batch", batch_id=batch.id), 303)


@bp.route("/reports/batches/<int:batch_id>")
@roles_required(*REPORT_ROLES)
def batch(batch_id):
    found = _mine(batch_id)
    return render_template("reports/batch.html", batch=found, labels=status_labels(),
                           zip_name=batches.zip_name(found))


@bp.route("/reports/batches/<int:batch_id>.json")
@roles_required(*REPORT_ROLES)
def batch_status(batch_id):
    found = _mine(batch_id)
    ready = found.status == "done"
    return jsonify(status=found.status, done=found.done, total=found.total, text=status_labels()[found.status],
                   error=found.error if found.status == "failed" else None,
                   download_url=url_for("batches.batch_download", batch_id=found.id) if ready else None)


@bp.route("/reports/batches/<int:batch_id>/download")
@roles_required(*REPORT_ROLES)
def batch_download(batch_id):
    found = _mine(batch_id)
    if found.status != "done":
        return error_response(409, _("The batch is not ready yet."))
    response = core_storage.send(found.storage_key, "application/zip", cache_control="private, no-store")
    response.headers["Content-Disposition"] = f'attachment; filename="{batches.zip_name(found)}"'
    return response
