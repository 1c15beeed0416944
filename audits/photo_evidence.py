"""An audit's photo evidence, whoever asks (web page, API): add one, remove one, and the check of
an uploaded picture that dispute evidence and done actions share (audits/photos.py cleans and
stores the bytes). Services flush; the caller commits.
"""
from flask_babel import gettext as _

from audits import photos
from audits.answers import problem_message, spec_of
from audits.errors import AuditConflict, AuditError, AuditInvalid
from audits.models import Audit, Photo
from audits.policy import require_editable
from core.timeutil import utcnow
from extensions import db

MAX_PHOTOS_PER_AUDIT = 60


def clean_upload(stream, max_bytes: int, field: str) -> photos.CleanPhoto:
    """Read and clean an uploaded picture (audits/photos.py); a refusal is a domain error: 413
    when larger than ``max_bytes``, else AuditInvalid naming ``field``. Audit photos and dispute
    evidence both come through here."""
    try:
        return photos.clean(photos.read_limited(stream, max_bytes))
    except photos.PhotoError as exc:
        if exc.status == 413:
            raise AuditError(exc.message, status=413, code="too_large", details={"max_bytes": max_bytes}) from None
        raise AuditInvalid(exc.message, [(field, exc.message)]) from None


def add_photo(audit: Audit, user, stream, *, criterion_key: str | None = None, max_bytes: int,
              client_id: str | None = None):
    """Check, clean and store one photo for the audit (or one of its criteria).

    ``stream`` is a file-like object; at most ``max_bytes`` are read (more: AuditError 413).
    The picture is decoded, turned upright, resized and saved as a JPEG without metadata in the
    app's storage with a random name (audits/photos.py). Not a picture, or a decompression bomb:
    AuditInvalid (422). Only the auditor, while the audit is a draft or returned. A ``client_id``
    already used on this audit returns that photo unchanged (a retried upload is stored once)."""
    if client_id and audit.auditor_id == user.id \
            and (same := next((p for p in audit.photos if p.client_id == client_id), None)):
        return same  # before the state check: a queue replayed after the submission is still a repeat
    require_editable(user, audit)
    criterion_key = (criterion_key or "").strip() or None
    if criterion_key is not None and spec_of(audit).criterion(criterion_key) is None:
        raise AuditInvalid(_("There is no such question in this scorecard."),  # the scorecard's: 409
                           [(criterion_key, problem_message(None))], status=409, code="answers_conflict")
    if len(audit.photos) >= MAX_PHOTOS_PER_AUDIT:
        raise AuditConflict(_("An audit can hold at most %(n)d photos.", n=MAX_PHOTOS_PER_AUDIT))
    clean = clean_upload(stream, max_bytes, criterion_key or "photo")
    name = photos.save(clean.data)
    photo = Photo(criterion_key=criterion_key, filename=name, content_type="image/jpeg", width=clean.width,
                  height=clean.height, size=len(clean.data), uploaded_by_id=user.id, client_id=client_id or None,
                  sha256=clean.sha256)
    audit.photos.append(photo)
    if audit.submitted_at is not None:
        audit.record(user, "photo_added", criterion_key=criterion_key, after=name)
    audit.updated_at = utcnow()
    db.session.flush()
    return photo


def delete_photo(photo, user) -> str:
    """Remove a photo from a draft or returned audit (its auditor only); returns its file name,
    for the caller to delete with ``audits.photos.remove(name)`` once committed."""
    audit = photo.audit
    require_editable(user, audit)
    if audit.submitted_at is not None:
        audit.record(user, "photo_removed", criterion_key=photo.criterion_key, before=photo.filename)
    audit.photos.remove(photo)
    audit.updated_at = utcnow()
    db.session.flush()
    return photo.filename
