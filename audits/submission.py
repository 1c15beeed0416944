"""An audit made and submitted in one call (the API's ``POST /audits`` with ``submit: true``, the
offline queue's replay): checked, scored and written once.

The same rules as ``services.create_audit`` + ``services.save_draft`` + ``services.submit``, in
one pass: every detail is checked by ``create_audit``; then every answer (the same checks and
messages as a draft's save, then a submission's); the engine scores; and only then is anything
written: the audit row with its figures and its ``submitted`` event (one INSERT each, in
``create_audit``'s savepoint, so a double tap still finds the first audit by its client_id), then
all answers in one multi-row INSERT and all section scores in another. No row is written twice.
The signal ``audit_submitted`` goes out as after ``services.submit`` (notifications, webhooks).
Like every service it flushes; the request commits.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import insert

from audits import events
from audits.answers import MAX_COMMENT, coerce_value, problem_message, problems_of
from audits.errors import AuditInvalid
from audits.models import Answer, Audit, SectionScore
from audits.services import create_audit
from core.timeutil import utcnow
from extensions import db
from scorecards import scoring
from scorecards.services import spec_for_version


@dataclass(frozen=True)
class Plan:
    """What writing an audit of a version needs beyond its spec: the row ids of its questions."""

    criteria: dict  # criterion key -> (criterion id, kpi tag)
    sections: dict  # section key -> section id


# Per process, by version. Safe to keep: a published version never changes (the before_flush
# guard in scorecards/models.py refuses any change to it, its sections or its criteria), and the
# key holds the database and the moment of publishing, so a recreated database whose ids repeat
# never meets an old entry (as scorecards.services.spec_for_version's cache). Drafts are never kept.
_plans: dict = {}
_PLAN_CACHE_SIZE = 256


def plan_of(version) -> Plan:
    key = (str(db.engine.url), version.id, version.published_at)
    plan = _plans.get(key) if version.status == "published" else None
    if plan is None:
        plan = Plan(criteria={c.key: (c.id, c.kpi) for s in version.sections for c in s.criteria},
                    sections={s.key: s.id for s in version.sections})
        if version.status == "published":
            if len(_plans) >= _PLAN_CACHE_SIZE:
                _plans.clear()
            _plans[key] = plan
    return plan


def check_answers(spec, answers: dict, comments: dict) -> dict:
    """The answers coerced, or AuditInvalid with the messages a draft's save and then a
    submission would give (services.save_draft, services.submit)."""
    answers = {key: coerce_value(spec.criterion(key), value) if spec.criterion(key) else value
               for key, value in answers.items()}
    given = {k: v for k, v in answers.items() if v is not None}
    problems = problems_of(spec, [e for e in scoring.check_answers(spec, given, submit=False) if e.key in answers])
    problems += [(key, problem_message(None)) for key in comments if spec.criterion(key) is None]
    problems += [(key, _("Enter text.")) for key, text in comments.items()
                 if text is not None and not isinstance(text, str)]
    if problems:  # as services.save_draft: the version's keys and kinds are stored, so 409
        raise AuditInvalid(_("Some answers are not valid."), problems, status=409, code="answers_conflict")
    problems = problems_of(spec, scoring.check_answers(spec, given, submit=True))
    if problems:
        raise AuditInvalid(
            _("%(count)d answers are missing or not valid.", count=len(problems)) if len(problems) > 1
            else _("1 answer is missing or not valid."), problems)
    return given


def create_submitted(auditor, *, answers: dict | None, comments: dict | None, before_check=None, **details) -> Audit:
    """Make, score and submit an audit at once; ``details`` are ``services.create_audit``'s.

    ``before_check(audit)`` runs first on the unsaved audit (the API's version check). Returns the
    audit; ``created_now`` False means the client_id's earlier audit, unchanged (a double tap)."""
    answers, comments = dict(answers or {}), dict(comments or {})
    scored = {}

    def score(audit: Audit) -> None:
        if before_check is not None:
            before_check(audit)
        spec = spec_for_version(audit.version)
        values = check_answers(spec, answers, comments)
        result = scoring.score(spec, values)
        now = utcnow()
        audit.score, audit.passed, audit.critical_failure = result.score, result.passed, result.critical_failure
        audit.kpis = {tag: kpi.as_dict() for tag, kpi in result.kpis.items()}
        audit.status, audit.submitted_at, audit.updated_at = "submitted", now, now
        if audit.ended_at is None:
            audit.ended_at = now
        audit.record(auditor, "submitted")
        scored.update(values=values, result=result, now=now)

    audit = create_audit(auditor, before_insert=score, **details)
    if not getattr(audit, "created_now", False):
        return audit
    _write_rows(audit, plan_of(audit.version), scored["values"], comments, scored["result"], scored["now"])
    db.session.flush()
    events.audit_submitted.send(audit, actor=auditor)
    return audit


def _write_rows(audit: Audit, plan: Plan, values: dict, comments: dict, result, now) -> None:
    """Answers and section scores with their figures, one multi-row INSERT each (as set_answers and
    score_and_store would store them, without loading them back)."""
    rows = []
    for key in [k for k in plan.criteria if k in values or k in comments]:  # as set_answers
        criterion_id, kpi = plan.criteria[key]
        value = values.get(key)
        item = result.criteria.get(key) if value is not None else None
        counted = item is not None and item.fraction is not None
        rows.append({"audit_id": audit.id, "criterion_id": criterion_id, "criterion_key": key, "value": value,
                     "comment": (comments.get(key) or "")[:MAX_COMMENT], "kpi": kpi,
                     "fraction": item.fraction if item is not None else None,
                     "earned": item.earned if counted else None, "possible": item.possible if counted else None,
                     "number_value": float(value) if isinstance(value, (int, float)) and not isinstance(value, bool)
                     else None, "updated_at": now})
    # A list of parameter sets with RETURNING: SQLAlchemy's "insertmanyvalues" sends them as one
    # multi-row INSERT on SQLite and PostgreSQL alike, from one cached statement.
    if rows:
        db.session.execute(insert(Answer.__table__).returning(Answer.__table__.c.id), rows)
    sections = [{"audit_id": audit.id, "section_id": plan.sections[item.key], "section_key": item.key,
                 "position": position, "earned": item.earned, "possible": item.possible, "score": item.score}
                for position, item in enumerate(result.sections)]
    if sections:
        db.session.execute(insert(SectionScore.__table__).returning(SectionScore.__table__.c.id), sections)
