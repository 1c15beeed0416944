"""Photos of an audit through the API: upload (multipart, idempotent on client_id), list, fetch, delete.

The checks and permissions are the web form's, because both call ``audits.photo_evidence.add_photo``:
the picture is decoded by Pillow and stored again as a JPEG without EXIF, with the same size
limits and decompression-bomb check; only the auditor, while the audit may still be edited. The
bytes are served after the usual visibility check, streamed or as a short-lived redirect to the
bucket (core/storage.py, ``STORAGE_SERVE``).
"""
import marshmallow as ma
from flask import current_app
from flask_babel import gettext as _
from flask_smorest.fields import Upload
from marshmallow import fields, validate
from sqlalchemy.exc import IntegrityError
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import FileStorage, MultiDict

from accounts.permissions import can_see_audit, get_visible_or_404
from api import audit_schemas as s
from api.common import ID, ApiBlueprint, Parser, current, make_blueprint, not_found
from audits import photo_evidence
from audits import photos as photo_files
from audits.models import Audit, Photo
from core import storage
from extensions import db

blp = make_blueprint("photos_api", "Photo evidence of an audit: its auditor adds and removes photos while the "
                     "audit may be edited; whoever may see the audit may see them.")


class PhotoParser(Parser):
    """Reads a multipart body's fields and files together, as one form."""


parser = PhotoParser()


@parser.location_loader("form_and_files")
def _form_and_files(request, schema):
    merged = MultiDict(request.form)
    merged.update(request.files)
    return MultiDictProxy(merged, schema)


JPEG = {"type": "string", "format": "binary"}  # the response body's OpenAPI schema: the bytes themselves

blp.ARGUMENTS_PARSER = parser
blp.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**ApiBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "form_and_files": "multipart/form-data"}


class PictureField(Upload):
    """A file part of the multipart body (a plain text field named ``file`` is refused)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage) or not value.filename:
            raise ma.ValidationError(_("Send the photo as a file part named file."))
        return value


class PhotoUploadIn(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    file = PictureField(required=True, metadata={"description": "The picture (JPEG, PNG, WebP...)."})
    criterion = fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "The criterion key it illustrates; leave out for a photo of the whole audit."})
    client_id = fields.String(validate=[validate.Length(min=1, max=64), validate.Regexp(r"^[\x21-\x7e]+$")],
                              metadata={"description": "Your id for this upload (e.g. a UUID): sending it again "
                                                       "returns the photo stored the first time (200)."})


def _audit(audit_id) -> Audit:
    return get_visible_or_404(Audit, audit_id, can_see_audit)


def _photo(audit_id, photo_id) -> Photo:
    audit = _audit(audit_id)
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.audit_id != audit.id:
        not_found()
    return photo


@blp.route(f"/audits/<{ID}:audit_id>/photos", methods=["POST"])
@blp.arguments(PhotoUploadIn, location="form_and_files")
@blp.response(201, s.PhotoSchema, description="The photo as stored: its size after cleaning and its SHA-256.")
@blp.alt_response(200, schema=s.PhotoSchema, success=True,
                  description="The photo stored earlier with the same client_id, unchanged.")
@blp.errors(401, 403, 404, 409, 413)
def upload_photo(data, audit_id):
    """Add a photo to an audit you are filling (multipart/form-data: ``file``, optional
    ``criterion`` and ``client_id``).

    The picture is decoded and stored again as a JPEG without metadata (no GPS position), at most
    1600 pixels a side. Not a picture, or too many pixels: 422 (whether bytes decode as a picture is
    more than OpenAPI can state of a file: any bytes fit ``format: binary``). Larger than the limit:
    413. A ``criterion`` that is not one of the audit's scorecard: 409. Only the audit's auditor,
    while it is a draft or returned (else 403 or 409)."""
    audit = _audit(audit_id)
    client_id = data.get("client_id")
    earlier = {photo.id for photo in audit.photos}
    photo = photo_evidence.add_photo(audit, current(), data["file"].stream, criterion_key=data.get("criterion"),
                               max_bytes=current_app.config["PHOTO_MAX_BYTES"], client_id=client_id)
    if photo.id in earlier:  # the same client_id again: nothing new was stored
        return photo, 200
    try:
        db.session.commit()
    except IntegrityError:
        # The same client_id raced in from another request: keep that one, drop this copy.
        db.session.rollback()
        photo_files.remove(photo.filename)
        same = db.session.scalar(db.select(Photo).where(Photo.audit_id == audit_id, Photo.client_id == client_id))
        if same is None:
            raise
        return same, 200
    return photo, 201


@blp.route(f"/audits/<{ID}:audit_id>/photos", methods=["GET"])
@blp.response(200, s.PhotoSchema(many=True))
@blp.errors(401, 404)
def list_photos(audit_id):
    """The audit's photos, oldest first (whoever may see the audit)."""
    return _audit(audit_id).photos


@blp.route(f"/audits/<{ID}:audit_id>/photos/<{ID}:photo_id>", methods=["GET"])
@blp.response(200, JPEG, content_type="image/jpeg", description="The JPEG as stored.")
@blp.alt_response(302, success=True, description="With STORAGE_SERVE=redirect and object storage: a URL to the "
                  "bucket that works for STORAGE_URL_SECONDS only (60 by default).")
@blp.errors(401, 404)
def get_photo(audit_id, photo_id):
    """The photo's bytes (whoever may see the audit)."""
    return storage.send(_photo(audit_id, photo_id).filename, "image/jpeg", "private, max-age=3600")


@blp.route(f"/audits/<{ID}:audit_id>/photos/<{ID}:photo_id>", methods=["DELETE"])
@blp.response(204)
@blp.errors(401, 403, 404, 409)
def delete_photo(audit_id, photo_id):
    """Remove a photo while the audit is a draft or returned (its auditor only)."""
    name = photo_evidence.delete_photo(_photo(audit_id, photo_id), current())
    db.session.commit()
    photo_files.remove(name)  # after the commit: a failed commit keeps the photo whole
