"""Photo evidence of a dispute: whoever opened it adds photos while it is open (at most
MAX_EVIDENCE), and whoever may see the dispute may see them. The checks are the audit photos'
(audits/photos.py), so a file that is not a picture, too large or a decompression bomb is refused
the same way on both. Flushes, never commits; the caller deletes a stored file whose commit failed."""
from flask_babel import gettext as _

from audits import photos
from audits.errors import AuditConflict, AuditForbidden
from audits.photo_evidence import clean_upload
from disputes.models import Dispute, DisputeEvidence
from extensions import db

MAX_EVIDENCE = 5


def can_add_evidence(user, dispute: Dispute) -> bool:
    return dispute.status == "open" and dispute.opened_by_id == user.id


def require_may_add(dispute: Dispute, user) -> None:
    """Refuses (403, 409) unless the user opened this dispute and it is still open."""
    if dispute.opened_by_id != user.id:
        raise AuditForbidden(_("Only whoever opened the dispute may add evidence to it."))
    if dispute.status != "open":
        raise AuditConflict(_("This dispute is closed: no more evidence can be added."))


def add_evidence(dispute: Dispute, user, stream, *, max_bytes: int) -> DisputeEvidence:
    require_may_add(dispute, user)
    if len(dispute.evidence) >= MAX_EVIDENCE:
        raise AuditConflict(_("A dispute can hold at most %(n)d photos.", n=MAX_EVIDENCE))
    clean = clean_upload(stream, max_bytes, "file")
    evidence = DisputeEvidence(filename=photos.save(clean.data), width=clean.width, height=clean.height,
                               size=len(clean.data), sha256=clean.sha256, uploaded_by_id=user.id)
    dispute.evidence.append(evidence)
    db.session.flush()
    return evidence


def evidence_of(dispute: Dispute, evidence_id: int) -> DisputeEvidence | None:
    return next((e for e in dispute.evidence if e.id == evidence_id), None)
