"""What happens to an audit, whoever asks (web page, API, demo, benchmark): one place for the rules.

Services change the session and flush; the caller commits once.
"""
from audits.models import Answer, Audit, SectionScore
from scorecards import scoring
from scorecards.services import spec_for_version


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
            answer.comment = (comments[key] or "")[:4000]
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
