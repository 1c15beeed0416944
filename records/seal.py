"""Sealing audits and verifying the chain of seals.

A seal is SHA-256 over a canonical JSON (sorted keys, no spaces, UTF-8) of what an approved audit
says: scorecard version, branch, employee, auditor, times, answers, comments, scores, check-in and
the SHA-256 of each stored photo's bytes. Its digest is SHA-256 over the content's hash, the audit,
the time and the previous seal's digest, so changing any sealed row, or removing or reordering a
seal, breaks every later link."""
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from audits.models import Audit
from core.timeutil import utcnow
from extensions import db
from records.models import GENESIS, Seal


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _photo_hash(filename: str) -> str:
    path = os.path.join(current_app.config["UPLOAD_FOLDER"], os.path.basename(filename))
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return "missing"
    return digest.hexdigest()


def content_of(audit: Audit) -> dict:
    """What a seal covers, as plain JSON values."""
    return {
        "audit": audit.id, "client_id": audit.client_id, "status": audit.status,
        "scorecard": audit.version.scorecard.slug, "version": audit.version.number,
        "branch": {"id": audit.branch_id, "code": audit.branch.code},
        "employee": {"id": audit.employee_id, "code": audit.employee.code} if audit.employee else None,
        "employee_name_given": audit.employee_name_given or "", "auditor": audit.auditor_id,
        "channel": audit.channel, "started_at": _time(audit.started_at), "ended_at": _time(audit.ended_at),
        "submitted_at": _time(audit.submitted_at), "reviewed_at": _time(audit.reviewed_at),
        "reviewed_by": audit.reviewed_by_id, "notes": audit.notes or "",
        "checkin": {"lat": audit.checkin_lat, "lng": audit.checkin_lng, "accuracy": audit.checkin_accuracy,
                    "at": _time(audit.checkin_at)},
        "score": audit.score, "passed": audit.passed, "critical_failure": audit.critical_failure,
        "answers": {a.criterion_key: {"value": a.value, "comment": a.comment or ""} for a in audit.answers},
        "sections": {s.section_key: s.score for s in audit.section_scores},
        "photos": [{"id": p.id, "criterion": p.criterion_key, "sha256": _photo_hash(p.filename)}
                   for p in sorted(audit.photos, key=lambda p: p.id)],
    }


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link_digest(content_hash: str, audit_id: int, sealed_at: datetime, previous: str) -> str:
    return sha256(canonical({"audit": audit_id, "content": content_hash, "previous": previous,
                             "sealed_at": _time(sealed_at)}))


def _last_digest() -> str:
    # PostgreSQL: one sealer at a time, so two approvals at once cannot both follow the same seal
    # (the unique ``previous`` would refuse the second); released at the transaction's end.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(db.text("SELECT pg_advisory_xact_lock(7261001)"))
    last = db.session.scalar(db.select(Seal.digest).order_by(Seal.id.desc()).limit(1))
    return last or GENESIS


def seal(audit: Audit, reason: str = "approved") -> Seal:
    """Append a seal of the audit as it is now (flushes; the caller's transaction commits)."""
    db.session.flush()
    content = canonical(content_of(audit))
    content_hash = sha256(content)
    previous = _last_digest()
    sealed_at = utcnow().replace(microsecond=0)
    row = Seal(audit_id=audit.id, sealed_at=sealed_at, reason=reason, content=content, content_hash=content_hash,
               previous=previous, digest=link_digest(content_hash, audit.id, sealed_at, previous))
    db.session.add(row)
    db.session.flush()
    return row


def latest_seal(audit: Audit) -> Seal | None:
    return db.session.scalar(db.select(Seal).where(Seal.audit_id == audit.id).order_by(Seal.id.desc()).limit(1))


def seal_missing() -> int:
    """Seal every approved audit that has no seal yet (audits approved before seals existed, the
    demo's); returns how many."""
    db.session.flush()
    db.session.expire_all()  # seal the values as stored (a time held in memory may differ from its row)
    sealed = db.select(Seal.audit_id)
    ids = db.session.scalars(db.select(Audit.id).where(Audit.status == "approved", Audit.id.not_in(sealed))
                             .order_by(Audit.reviewed_at, Audit.id)).all()
    for audit_id in ids:
        seal(db.session.get(Audit, audit_id))
    return len(ids)


@dataclass
class Verification:
    checked: int
    problem: str | None = None
    audit_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify() -> Verification:
    """Walk the chain in order: each link, each seal's content, and the latest seal of each audit
    against the audit's data now. Stops at the first problem."""
    previous = GENESIS
    checked = 0
    latest = dict(db.session.execute(db.select(Seal.audit_id, db.func.max(Seal.id)).group_by(Seal.audit_id)).all())
    query = db.select(Seal).order_by(Seal.id).execution_options(yield_per=500)
    for row in db.session.scalars(query):
        if row.previous != previous:
            return Verification(checked, f"seal {row.id}: its link to the seal before does not match", row.audit_id)
        if sha256(row.content) != row.content_hash or \
                link_digest(row.content_hash, row.audit_id, row.sealed_at, row.previous) != row.digest:
            return Verification(checked, f"seal {row.id}: the seal itself was changed", row.audit_id)
        if latest.get(row.audit_id) == row.id:
            audit = db.session.get(Audit, row.audit_id)
            if audit is None or canonical(content_of(audit)) != row.content:
                return Verification(checked, f"seal {row.id}: the audit's data no longer match its seal",
                                    row.audit_id)
            db.session.expire(audit)
        previous = row.digest
        checked += 1
    return Verification(checked)
