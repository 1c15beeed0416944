"""Photos of an audit or one of its questions: add (camera or gallery, with or without JS), show,
remove."""
from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from audits import photo_evidence, services
from audits import photos as photo_files
from audits.errors import AuditError, AuditInvalid
from audits.models import Audit, Photo
from audits.policy import EDITABLE_STATUSES
from audits.routes.common import bp, visible_audit
from audits.routes.fill import read_form
from core import storage
from core.errors import error_response
from extensions import db


def _save_posted_form(audit):
    """Without JS, photo buttons post the whole fill form: save its answers first (best effort)."""
    if audit.auditor_id != current_user.id or audit.status not in EDITABLE_STATUSES:
        return audit
    answers, comments, details = read_form(audit, request.form)
    if answers or comments or details:
        try:
            services.save_draft(audit, current_user, answers, comments, **details)
            db.session.commit()
        except AuditInvalid:
            db.session.rollback()
            audit = db.session.get(Audit, audit.id)
    return audit


@bp.route("/audits/<int:audit_id>/photos", methods=["POST"])
@login_required
def upload_photo(audit_id):
    """A photo from the camera or gallery. Without JS the whole fill form comes along (its answers
    are saved first, so nothing typed is lost); with JS only the file is sent."""
    audit = visible_audit(audit_id)
    wants_json = request.accept_mimetypes.best == "application/json"
    if not wants_json:
        audit = _save_posted_form(audit)
    criterion_key = request.form.get("criterion") or None
    upload = _chosen_file(criterion_key)
    if upload is None:
        message = _("Choose a photo first.")
        if wants_json:
            return error_response(422, message, {"problems": [{"criterion": "photo", "message": message}]})
        flash(message, "error")
        return redirect(url_for("audits.fill", audit_id=audit_id) + "#photos")
    # The photo's own id from the phone's queue (not "client_id": the fill form's is the audit's).
    client_id = (request.form.get("photo_client_id") or "").strip()[:64] or None
    earlier, photo = {p.id for p in audit.photos}, None
    try:
        photo = photo_evidence.add_photo(audit, current_user, upload.stream, criterion_key=criterion_key,
                                   max_bytes=current_app.config["PHOTO_MAX_BYTES"], client_id=client_id)
        created = photo.id not in earlier
        db.session.commit()
    except IntegrityError:
        # The same client id raced in from another request (a queue sent twice at once): keep that one.
        db.session.rollback()
        if photo is not None:
            photo_files.remove(photo.filename)
        photo, created = db.session.scalar(db.select(Photo).where(Photo.audit_id == audit_id,
                                                                  Photo.client_id == client_id)), False
        if photo is None:
            raise
    except AuditError as exc:
        db.session.rollback()
        if wants_json:
            return error_response(exc.status, exc.message, exc.details, code=exc.code)
        flash(exc.message, "error")
        return redirect(url_for("audits.fill", audit_id=audit_id) + _anchor(criterion_key)), 303
    if wants_json:
        return jsonify({"id": photo.id, "criterion": photo.criterion_key, "width": photo.width,
                        "height": photo.height, "url": url_for("audits.photo", audit_id=audit_id, photo_id=photo.id),
                        "delete_url": url_for("audits.delete_photo", audit_id=audit_id, photo_id=photo.id)}), \
            201 if created else 200
    flash(_("The photo was added."), "success")
    return redirect(url_for("audits.fill", audit_id=audit_id) + _anchor(criterion_key))


def _chosen_file(criterion_key):
    """The file sent: "photo" from fill.js, else the camera or gallery input of that criterion."""
    base = f"photo-{criterion_key or '_audit'}"
    for name in ("photo", base, base + "-g"):
        upload = request.files.get(name)
        if upload is not None and upload.filename:
            return upload
    return None


def _anchor(criterion_key):
    return f"#q-{criterion_key}" if criterion_key else "#photos"


def _visible_photo(audit_id, photo_id):
    """The audit (if the user may see it) and one of its photos; 404 for anything else."""
    audit = visible_audit(audit_id)
    row = db.session.get(Photo, photo_id)
    if row is None or row.audit_id != audit.id:
        abort(404)
    return audit, row


@bp.route("/audits/<int:audit_id>/photos/<int:photo_id>")
@login_required
def photo(audit_id, photo_id):
    _audit, row = _visible_photo(audit_id, photo_id)
    return storage.send(row.filename, "image/jpeg", "private, max-age=3600")


@bp.route("/audits/<int:audit_id>/photos/<int:photo_id>/delete", methods=["POST"])
@login_required
def delete_photo(audit_id, photo_id):
    audit, row = _visible_photo(audit_id, photo_id)
    criterion_key = row.criterion_key
    if request.accept_mimetypes.best != "application/json":
        audit = _save_posted_form(audit)
        row = db.session.get(Photo, photo_id)
    name = photo_evidence.delete_photo(row, current_user)
    db.session.commit()
    photo_files.remove(name)
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"ok": True})
    flash(_("The photo was removed."), "success")
    return redirect(url_for("audits.fill", audit_id=audit_id) + _anchor(criterion_key))
