"""Answers and details of an audit: values coerced as the scorecard wants them, problems said in
people's words, answers stored, and the engine's figures stored on submit (shared with the demo
and the benchmark)."""
from datetime import datetime

from flask_babel import gettext as _

from audits.errors import AuditInvalid
from audits.models import Answer, Audit, SectionScore
from audits.values import get_obj, naive_utc
from branches.models import Employee
from scorecards import scoring
from scorecards.models import CHANNELS
from scorecards.services import spec_for_version

DETAIL_FIELDS = ("employee_id", "employee_name_given", "started_at", "ended_at", "channel", "notes")
MAX_COMMENT = 4000
MAX_NOTES = 4000


def spec_of(audit: Audit) -> scoring.ScorecardSpec:
    return spec_for_version(audit.version)


def problem_message(criterion, error: scoring.AnswerError | None = None) -> str:
    """A translated sentence for a problem with one answer (criterion None: unknown key)."""
    if criterion is None:
        return _("There is no such question in this scorecard.")
    if error is not None and error.message == "an answer is required":
        return _("An answer is needed.")
    if error is not None and error.message.startswith("N/A"):
        return _("N/A is not allowed for this question.")
    kind = criterion.type
    if kind == "yes_no":
        return _("Answer yes or no.")
    if kind == "scale":
        return _("Choose a whole number from %(min)d to %(max)d.", min=criterion.min, max=criterion.max)
    if kind == "choice":
        return _("Choose one of the options.")
    if kind == "number":
        return _("Enter a number.")
    return _("Enter text.")


def problems_of(spec, errors) -> list[tuple[str, str]]:
    return [(e.key, problem_message(spec.criterion(e.key), e)) for e in errors]


def coerce_value(criterion, raw):
    """A value from a form or JSON as the scorecard format wants it ("4" -> 4, "12,5" -> 12.5).

    Empty means no answer (None). Values that cannot be coerced are returned unchanged, for
    check_answers to refuse with a message naming the criterion."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.strip()
        if raw == "":
            return None
        if raw == scoring.NA:
            return raw
        if criterion.type in ("scale", "number"):
            text = raw.replace(",", ".")
            try:
                number = float(text)
            except ValueError:
                return raw
            if criterion.type == "scale" and number.is_integer():
                return int(number)
            return int(number) if number.is_integer() and "." not in text else number
    return raw


def validate_for_submit(audit: Audit) -> list[tuple[str, str]]:
    """Every missing or invalid answer, in scorecard order, as (criterion key, message)."""
    spec = spec_of(audit)
    return problems_of(spec, scoring.check_answers(spec, answer_values(audit), submit=True))


def jsonable(value):
    return value.isoformat() if isinstance(value, datetime) else value


def check_details(audit: Audit, details: dict):
    """The detail fields that change, and problems as (field, message)."""
    changes, problems = {}, []
    unknown = set(details) - set(DETAIL_FIELDS)
    problems += [(key, _("Unknown field.")) for key in sorted(unknown)]
    for key in DETAIL_FIELDS:
        if key not in details:
            continue
        value = details[key]
        if key == "employee_id":
            if value in (None, "", 0, "0"):
                value = None
            else:
                employee = get_obj(Employee, value)
                if employee is None or employee.branch_id != audit.branch_id:
                    problems.append((key, _("This employee does not work at this branch.")))
                    continue
                value = employee.id
        elif key in ("employee_name_given", "notes"):
            value = (value or "").strip() if isinstance(value, str) else ""
            value = value[:120] if key == "employee_name_given" else value[:MAX_NOTES]
        elif key == "channel":
            if value not in CHANNELS:
                problems.append((key, _("Unknown channel.")))
                continue
        else:
            try:
                value = naive_utc(value or None, key)
            except AuditInvalid as exc:
                problems += exc.problems
                continue
            if key == "started_at" and value is None:
                continue  # an audit always keeps its start
            old = getattr(audit, key)
            if value is not None and old is not None and \
                    value.replace(second=0, microsecond=0) == old.replace(second=0, microsecond=0):
                continue  # forms show minutes: the same minute is no change
        if getattr(audit, key) != value:
            changes[key] = value
    start = changes.get("started_at", audit.started_at)
    end = changes.get("ended_at", audit.ended_at)
    if start is not None and end is not None and end < start and not problems:
        problems.append(("ended_at", _("The end is before the start.")))
    return changes, problems


def set_answers(audit: Audit, answers: dict, comments: dict | None = None) -> list[tuple[str, object, object]]:
    """Write answer values (and comments) onto the audit; returns (key, before, after) for each change.

    A value of None removes the answer. Keys must be criteria of the audit's version (checked by
    the caller through scoring.check_answers).
    """
    comments = comments or {}
    criteria = {c.key: c for c in audit.version.criteria}
    existing = audit.answers_by_key()
    changes = []
    for key in set(answers) | set(comments):
        criterion = criteria[key]
        answer = existing.get(key)
        if key in answers:
            value = answers[key]
            before = answer.value if answer is not None else None
            if value is None and answer is not None and not (comments.get(key) or answer.comment):
                audit.answers.remove(answer)
                changes.append((key, before, None))
                continue
            if answer is None:
                if value is None and not comments.get(key):
                    continue
                answer = Answer(criterion_id=criterion.id, criterion_key=key, kpi=criterion.kpi)
                audit.answers.append(answer)
            if before != value:
                answer.value = value
                changes.append((key, before, value))
        if key in comments:
            if answer is None:
                answer = Answer(criterion_id=criterion.id, criterion_key=key, kpi=criterion.kpi, value=None)
                audit.answers.append(answer)
            answer.comment = (comments[key] or "")[:MAX_COMMENT]
    return changes


def answer_values(audit: Audit) -> dict:
    return {a.criterion_key: a.value for a in audit.answers if a.value is not None}


def score_and_store(audit: Audit) -> scoring.Result:
    """Score with the engine and store the figures on the audit, its answers and its sections."""
    spec = spec_for_version(audit.version)
    result = scoring.score(spec, answer_values(audit))
    audit.score = result.score
    audit.passed = result.passed
    audit.critical_failure = result.critical_failure
    audit.kpis = {tag: kpi.as_dict() for tag, kpi in result.kpis.items()}
    for answer in audit.answers:
        item = result.criteria.get(answer.criterion_key)
        answer.fraction = item.fraction if item else None
        answer.earned = item.earned if item and item.fraction is not None else None
        answer.possible = item.possible if item and item.fraction is not None else None
        value = answer.value
        answer.number_value = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
            else None
    sections = {s.key: s for s in audit.version.sections}
    stored = {s.section_key: s for s in audit.section_scores}
    for position, item in enumerate(result.sections):
        row = stored.get(item.key)
        if row is None:
            row = SectionScore(section_id=sections[item.key].id, section_key=item.key)
            audit.section_scores.append(row)
        row.position, row.earned, row.possible, row.score = position, item.earned, item.possible, item.score
    return result
