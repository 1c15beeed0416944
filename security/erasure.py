"""Erasing an employee, and pseudonymising old audits (docs/security.md).

Erasure replaces the person's name and code with a pseudonym, and the name they gave in their
audits too; deletes every free text that names them (comments, notes, text answers, reasons,
history values, dispute texts); removes their login (deactivated, unlinked, e-mail and name
scrubbed, notifications deleted). Scores, answers that score, ids and dates are left exactly as
they were, so every branch, employee and company figure stays the same to the last digit; the
reports' roll-ups (reports/rollups.py) are keyed by ids and scores and are not touched. A sealed
audit whose content changed is sealed again (reason "erased"): the chain only grows, so
``verify-seals`` still passes.
"""
import re
import secrets
import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext as _

from accounts.services import end_sessions_and_tokens
from audits.models import Answer, Audit
from core.errors import DomainError
from core.timeutil import utcnow
from disputes.models import Dispute
from extensions import db
from notifications.models import Notification, NotificationPreference
from security import personal_data
from security.log import record
from security.models import Erasure

MIN_PART = 3  # a name part shorter than this ("Li", "de") would match too much on its own


class ErasureError(DomainError):
    status, code = 409, "conflict"


def fold(text: str) -> str:
    """Lower case without accents, so "Lucía" is found in "LUCIA"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def new_pseudonym() -> str:
    """ANON- and six random hex digits, unused as an employee code (the pseudonym is both)."""
    from branches.models import Employee

    while True:
        candidate = f"ANON-{secrets.token_hex(3).upper()}"
        if db.session.scalar(db.select(Employee.id).where(Employee.code == candidate)) is None:
            return candidate


@dataclass
class ErasureRun:
    """One erasure under way: what names the person, and what was changed so far."""

    employee: object
    pseudonym: str
    strong: list = field(default_factory=list)  # full name, code, e-mail: found anywhere
    weak: list = field(default_factory=list)    # each part of the name: in their own audits only
    touched: set = field(default_factory=set)   # ids of audits changed
    deleted: int = 0                            # free texts deleted

    @classmethod
    def of(cls, employee, pseudonym: str, extra_names=()):
        names = [employee.name, *extra_names]
        strong = {fold(n).strip() for n in [*names, employee.code] if n and n.strip()}
        weak = {part for n in names for part in re.split(r"[\s\-'.,]+", fold(n)) if len(part) >= MIN_PART}
        return cls(employee, pseudonym, sorted(strong), sorted(weak - strong))

    def _pattern(self, own: bool):
        words = self.strong + (self.weak if own else [])
        return re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)") if words else None

    def names_them(self, text, own: bool = True) -> bool:
        pattern = self._pattern(own)
        return bool(isinstance(text, str) and text and pattern is not None and pattern.search(fold(text)))

    def scrub(self, value, own: bool = True):
        """A JSON value with every string that names them emptied (counted in ``deleted``)."""
        if isinstance(value, str):
            if self.names_them(value, own):
                self.deleted += 1
                return ""
            return value
        if isinstance(value, dict):
            return {k: (self.pseudonym if k == "employee_name_given" and v else self.scrub(v, own))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v, own) for v in value]
        return value

    def redact(self, text: str) -> str:
        """The text with each word of the name (and the code) replaced by the pseudonym: for a text
        that must stay, such as the reason given for the erasure."""
        words = set(self.strong) | set(self.weak)
        return re.sub(r"[\w@.\-]+", lambda m: self.pseudonym if fold(m.group()) in words else m.group(), text)

    def text(self, obj, attribute: str, own: bool = True) -> bool:
        """Empty ``obj.attribute`` when it names them; whether it did."""
        if self.names_them(getattr(obj, attribute), own):
            setattr(obj, attribute, "")
            self.deleted += 1
            return True
        return False


def scrub_audit(audit: Audit, erasure: ErasureRun, own: bool) -> None:
    """The person out of one audit's texts; scores and scored answers untouched."""
    before = erasure.deleted
    given = audit.employee_name_given
    if given and given != erasure.pseudonym and (own or erasure.names_them(given, own=False)):
        audit.employee_name_given = erasure.pseudonym
        erasure.touched.add(audit.id)
    for attribute in ("notes", "return_reason"):
        erasure.text(audit, attribute, own)
    for answer in audit.answers:
        erasure.text(answer, "comment", own)
        if isinstance(answer.value, str) and answer.possible is None and erasure.names_them(answer.value, own):
            answer.value = None  # a text answer (not scored) that names them
            erasure.deleted += 1
    for event in audit.events:
        erasure.text(event, "reason", own)
        for attribute in ("before", "after"):
            value = getattr(event, attribute)
            cleaned = erasure.scrub(value, own)
            if cleaned != value:
                setattr(event, attribute, cleaned)
    for dispute in db.session.scalars(db.select(Dispute).where(Dispute.audit_id == audit.id)):
        for attribute in ("reason", "auditor_comment", "note"):
            erasure.text(dispute, attribute, own)
        if dispute.changes:
            cleaned = erasure.scrub(dispute.changes, own)
            if cleaned != dispute.changes:
                dispute.changes = cleaned
    if erasure.deleted != before:
        erasure.touched.add(audit.id)


def _others_naming(erasure: ErasureRun) -> list[Audit]:
    """Audits about someone else whose texts may name the person (by full name or code): found by
    SQL first (LIKE, accents as typed), then checked as in their own."""
    likes = [f"%{w}%" for w in (erasure.employee.name, erasure.employee.code) if w]
    if not likes:
        return []
    text = db.or_(*[column.ilike(like) for like in likes for column in (Answer.comment,)])
    ids = set(db.session.scalars(db.select(Answer.audit_id).where(text)))
    ids |= set(db.session.scalars(db.select(Audit.id).where(db.or_(
        *[column.ilike(like) for like in likes for column in (Audit.notes, Audit.return_reason,
                                                             Audit.employee_name_given)]))))
    ids |= set(db.session.scalars(db.select(Dispute.audit_id).where(db.or_(
        *[column.ilike(like) for like in likes for column in (Dispute.reason, Dispute.note,
                                                             Dispute.auditor_comment)]))))
    own = {a.id for a in personal_data.audits_of(erasure.employee)}
    return [db.session.get(Audit, i) for i in sorted(ids - own)]


def reseal(audit_ids) -> int:
    """Seal again every sealed audit whose data no longer match its latest seal; how many."""
    from records.seal import canonical, content_of, latest_seal, seal

    db.session.flush()
    count = 0
    for audit_id in sorted(audit_ids):
        audit = db.session.get(Audit, audit_id)
        last = latest_seal(audit)
        if last is not None and canonical(content_of(audit)) != last.content:
            seal(audit, "erased")
            count += 1
    return count


def _remove_login(erasure: ErasureRun) -> bool:
    user = personal_data.login_of(erasure.employee)
    if user is None:
        return False
    end_sessions_and_tokens(user)
    user.active = False
    user.employee_id = None
    user.name = erasure.pseudonym
    user.email = f"erased-{user.id}@erased.invalid"  # unique, and reaches nobody
    user.set_password(secrets.token_urlsafe(32))
    db.session.execute(db.delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(db.delete(NotificationPreference).where(NotificationPreference.user_id == user.id))
    return True


def erase(employee, actor, reason: str) -> tuple[Erasure, dict]:
    """Erase the employee (irreversible; flushes): the erasure's record and what was done. Refused
    (409) for an employee already erased."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the employee is erased."), status=422, code="invalid",
                          details={"reason": [_("Say why the employee is erased.")]})
    if db.session.scalar(db.select(Erasure.id).where(Erasure.employee_id == employee.id)) is not None:
        raise ErasureError(_("This employee was already erased."))
    login = personal_data.login_of(employee)
    pseudonym = new_pseudonym()
    erasure = ErasureRun.of(employee, pseudonym, extra_names=[login.name] if login else [])
    if login is not None:
        erasure.strong.append(fold(login.email))
    for audit in personal_data.audits_of(employee):
        scrub_audit(audit, erasure, own=True)
        erasure.touched.add(audit.id)  # its seal holds the employee's code
    for audit in _others_naming(erasure):
        scrub_audit(audit, erasure, own=False)
    for section in personal_data.SECTIONS.values():
        if section.erase is not None:
            section.erase(erasure)
    login_removed = _remove_login(erasure)
    # Still active if it was: deactivating would change who the reports list (figures stay as they were).
    employee.name = pseudonym
    employee.code = pseudonym
    resealed = reseal(erasure.touched)
    reason = erasure.redact(reason)
    row = Erasure(employee_id=employee.id, erased_at=utcnow(), erased_by_id=actor.id if actor else None,
                  reason=reason[:2000], pseudonym=pseudonym)
    db.session.add(row)
    summary = {"audits_changed": len(erasure.touched), "texts_deleted": erasure.deleted,
               "audits_resealed": resealed, "login_removed": login_removed}
    record("employee_erased", actor=actor, details={"employee_id": employee.id, "pseudonym": pseudonym,
                                                    "reason": reason[:2000], **summary})
    db.session.flush()
    return row, summary


def erasure_of(employee) -> Erasure | None:
    return db.session.scalar(db.select(Erasure).where(Erasure.employee_id == employee.id))
