"""Open, comment, decide and withdraw disputes; the rules in one place for the pages and the API.

Services flush and never commit. An overturn changes the disputed answers, rescores the audit with
the same engine as on submit (scorecards.scoring through audits.answers.score_and_store) and
records each change in the audit's history, with the dispute's id, before and after."""
from datetime import datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _

from accounts.permissions import can_manage_branch, is_own_employee
from audits import events
from audits.answers import (
    answer_values,
    coerce_value,
    problem_message,
    problems_of,
    score_and_store,
    set_answers,
    spec_of,
)
from audits.errors import AuditConflict, AuditForbidden, AuditInvalid, AuditNotFound
from audits.models import Audit
from audits.policy import require_visible
from core.models import get_setting
from core.timeutil import utcnow
from disputes.models import OUTCOMES, Dispute
from extensions import db
from reports import rollups
from scorecards import scoring

MAX_TEXT = 4000
ANSWERABLE = ("yes_no", "scale", "choice", "number", "text")


# ---- who may do what ------------------------------------------------------------------------------

def deadline(audit: Audit) -> datetime | None:
    """The last moment to dispute an approved audit: ``dispute_window_days`` after its approval."""
    if audit.status != "approved" or audit.reviewed_at is None:
        return None
    return audit.reviewed_at + timedelta(days=int(get_setting("dispute_window_days")))


def open_dispute_of(audit: Audit) -> Dispute | None:
    return db.session.scalar(db.select(Dispute).where(Dispute.audit_id == audit.id, Dispute.status == "open"))


def may_open(user, audit: Audit) -> bool:
    """The audited employee, or a manager of the branch (or an admin) on their behalf; never the
    audit's own auditor. The window and "one open at a time" are checked when opening."""
    if audit.status != "approved" or audit.auditor_id == user.id:
        return False
    return is_own_employee(user, audit.employee_id) or can_manage_branch(user, audit.branch_id)


def can_open(user, audit: Audit) -> bool:
    """What the audit page asks before offering the form: allowed, in the window, none open."""
    end = deadline(audit)
    return may_open(user, audit) and end is not None and utcnow() <= end and open_dispute_of(audit) is None


def can_decide(user, dispute: Dispute) -> bool:
    """An admin, or a manager of the branch who is neither the auditor nor the one who opened it."""
    audit = dispute.audit
    if dispute.status != "open" or user.id in (audit.auditor_id, dispute.opened_by_id):
        return False
    return can_manage_branch(user, audit.branch_id)


def can_comment(user, dispute: Dispute) -> bool:
    return dispute.status == "open" and dispute.audit.auditor_id == user.id


def can_withdraw(user, dispute: Dispute) -> bool:
    return dispute.status == "open" and dispute.opened_by_id == user.id


def can_see_dispute(user, dispute: Dispute) -> bool:
    from accounts.permissions import can_see_audit

    return can_see_audit(user, dispute.audit)


# ---- actions --------------------------------------------------------------------------------------

def _text(value) -> str:
    return (value or "").strip()[:MAX_TEXT] if isinstance(value, str) else ""


def open_dispute(audit: Audit, user, criteria, reason: str) -> Dispute:
    """Open a dispute on the whole audit (``criteria`` empty) or on named criteria, with a reason."""
    require_visible(user, audit)
    if not may_open(user, audit):
        raise AuditForbidden(_("Only the audited employee or a manager of the branch can dispute this audit."))
    end = deadline(audit)
    if end is None or utcnow() > end:  # the audit's state (approved too long ago): a conflict, 409
        raise AuditConflict(_("The time to dispute this audit ended on %(date)s.",
                              date=format_date(end, "long") if end else "—"),
                            details={"deadline": end.isoformat() + "Z" if end else None})
    reason = _text(reason)
    if not reason:
        raise AuditInvalid(_("The dispute cannot be opened."), [("reason", _("Say why you dispute the audit."))])
    keys = {c.key: c for c in audit.version.criteria if c.type in ANSWERABLE}
    criteria = list(dict.fromkeys(criteria or []))
    unknown = [(str(key), problem_message(None)) for key in criteria if key not in keys]
    if unknown:  # a reference to nothing is 404, as anywhere in the API (still listed by key)
        raise AuditInvalid(_("The dispute cannot be opened."), unknown, status=404, code="not_found")
    if open_dispute_of(audit) is not None:
        raise AuditConflict(_("This audit is already disputed: wait for that dispute's decision."))
    dispute = Dispute(audit=audit, opened_by_id=user.id, criteria=criteria, reason=reason, status="open",
                      opened_at=utcnow())
    db.session.add(dispute)
    db.session.flush()
    audit.record(user, "dispute_opened", reason=reason, after={"dispute": dispute.id, "criteria": criteria})
    db.session.flush()
    events.dispute_opened.send(dispute, actor=user)
    return dispute


def comment(dispute: Dispute, user, text: str) -> None:
    """The auditor's side of the story (one comment, which they may rewrite while it is open)."""
    if not can_see_dispute(user, dispute):
        raise AuditNotFound(_("There is no such dispute, or it is not yours to see."))
    if dispute.audit.auditor_id != user.id:
        raise AuditForbidden(_("Only the auditor of this audit can comment on the dispute."))
    _require_open(dispute)
    text = _text(text)
    if not text:
        raise AuditInvalid(_("Write a comment."), [("comment", _("A comment is needed."))])
    dispute.auditor_comment = text
    dispute.auditor_commented_at = utcnow()
    db.session.flush()


def withdraw(dispute: Dispute, user) -> None:
    if not can_see_dispute(user, dispute):
        raise AuditNotFound(_("There is no such dispute, or it is not yours to see."))
    if dispute.opened_by_id != user.id:
        raise AuditForbidden(_("Only the person who opened the dispute can withdraw it."))
    _require_open(dispute)
    dispute.status = "withdrawn"
    dispute.decided_at = utcnow()
    dispute.audit.record(user, "dispute_withdrawn", after={"dispute": dispute.id})
    db.session.flush()
    events.dispute_decided.send(dispute, actor=user)


def decide(dispute: Dispute, user, outcome: str, answers: dict | None = None, note: str = "") -> None:
    """Close a dispute: ``upheld`` (the score stands) or ``overturned`` (the disputed answers change
    to ``answers``; the audit is rescored and the history keeps before and after)."""
    if not can_see_dispute(user, dispute):
        raise AuditNotFound(_("There is no such dispute, or it is not yours to see."))
    _require_open(dispute)
    if not can_decide(user, dispute):
        raise AuditForbidden(_("An admin, or a manager of the branch who neither made the audit nor opened "
                               "the dispute, decides it."))
    if outcome not in OUTCOMES:
        raise AuditInvalid(_("Choose upheld or overturned."), [("outcome", _("Choose upheld or overturned."))])
    audit = dispute.audit
    note = _text(note)
    if outcome == "overturned":
        _overturn(dispute, user, dict(answers or {}), note)
    dispute.status = outcome
    dispute.decided_by_id = user.id
    dispute.decided_at = utcnow()
    dispute.note = note
    audit.record(user, f"dispute_{outcome}", reason=note,
           before={"score": dispute.score_before} if outcome == "overturned" else None,
           after={"dispute": dispute.id, "score": audit.score})
    db.session.flush()
    events.dispute_decided.send(dispute, actor=user)


def _overturn(dispute: Dispute, user, answers: dict, note: str) -> None:
    audit = dispute.audit
    spec = spec_of(audit)
    allowed = set(dispute.criteria) or {c.key for c in audit.version.criteria if c.type in ANSWERABLE}
    problems = [(str(key), _("This question is not part of the dispute.")) for key in answers if key not in allowed]
    answers = {key: coerce_value(spec.criterion(key), value) for key, value in answers.items() if key in allowed}
    merged = {k: v for k, v in {**answer_values(audit), **answers}.items() if v is not None}
    problems += problems_of(spec, [e for e in scoring.check_answers(spec, merged, submit=True)])
    if not answers and not problems:
        problems.append(("answers", _("Give the new answer of at least one disputed question.")))
    if problems:  # which keys and values are answers is the audit's scorecard version's: 409
        raise AuditInvalid(_("The new answers are not valid."), problems, status=409, code="answers_conflict")
    dispute.score_before = audit.score
    with rollups.changing(audit):  # the reports' monthly sums count the audit's new score, not its old
        changes = set_answers(audit, answers)
        if not changes:
            raise AuditInvalid(_("The new answers are the same as before: uphold the dispute instead."),
                               [("answers", _("Nothing changed."))], status=409, code="answers_conflict")
        for key, before, after in changes:
            audit.record(user, "answer_changed", reason=_("Dispute %(id)d", id=dispute.id), criterion_key=key,
                   before=before, after=after)
        score_and_store(audit)
    audit.updated_at = utcnow()  # the row changes, so lock_version moves for clients comparing copies
    dispute.changes = {key: [before, after] for key, before, after in changes}
    dispute.score_after = audit.score
    if note:
        dispute.note = note


def _require_open(dispute: Dispute) -> None:
    if dispute.status != "open":
        raise AuditConflict(_("This dispute is already closed."), details={"status": dispute.status})


# ---- reading --------------------------------------------------------------------------------------

def disputes_of(audit: Audit) -> list[Dispute]:
    return db.session.scalars(db.select(Dispute).where(Dispute.audit_id == audit.id)
                              .order_by(Dispute.opened_at.desc(), Dispute.id.desc())).all()


def changed_criteria(audit: Audit) -> set[str]:
    """The criteria whose answers an overturned dispute changed (marked on the pages and PDFs)."""
    keys = set()
    for dispute in disputes_of(audit):
        if dispute.status == "overturned" and dispute.changes:
            keys.update(dispute.changes)
    return keys


def dispute_query(user, status: str | None = None):
    """The disputes of the audits the user may see, newest first."""
    from audits.queries import audit_query

    visible = audit_query(user).with_only_columns(Audit.id).order_by(None)
    query = db.select(Dispute).where(Dispute.audit_id.in_(visible))
    if status:
        query = query.where(Dispute.status == status)
    return query.order_by(Dispute.opened_at.desc(), Dispute.id.desc())


# ---- the Auditors report ----------------------------------------------------------------------------

def auditor_rows(start: datetime | None = None, end: datetime | None = None) -> list[dict]:
    """Per auditor (everyone who made an approved audit): audits approved, disputes raised against
    them, disputes overturned, and the overturn rate (overturned per approved audit, a percentage;
    a high one signals poor auditing). Worst first. ``start``/``end``: only audits started then."""
    from accounts.models import User

    period = [Audit.started_at >= start] if start is not None else []
    period += [Audit.started_at < end] if end is not None else []
    approved = (db.select(Audit.auditor_id, db.func.count(Audit.id).label("n"))
                .where(Audit.status == "approved", *period).group_by(Audit.auditor_id).subquery())
    raised = (db.select(Audit.auditor_id, db.func.count(Dispute.id).label("n"),
                        db.func.sum(db.case((Dispute.status == "overturned", 1), else_=0)).label("overturned"))
              .join(Audit, Audit.id == Dispute.audit_id).where(*period).group_by(Audit.auditor_id).subquery())
    rows = db.session.execute(
        db.select(User.id, User.name, approved.c.n, raised.c.n, raised.c.overturned)
        .join(approved, approved.c.auditor_id == User.id)
        .outerjoin(raised, raised.c.auditor_id == User.id)).all()
    out = [{"auditor": {"id": uid, "name": name}, "approved": n or 0, "disputes": disputes or 0,
            "overturned": int(overturned or 0), "overturn_rate": 100.0 * (overturned or 0) / n if n else None}
           for uid, name, n, disputes, overturned in rows]
    return sorted(out, key=lambda r: (-(r["overturn_rate"] or 0), -r["disputes"], r["auditor"]["name"]))
