"""Replay past audits under a draft version: what the change would have done to their scores.

Pure, like the engine it calls (scorecards/scoring.py): plain answer dicts in, frozen dataclasses
out, no database. reports/impact.py loads the audits; the builder's page and the API show the result.

The rules (docs/scoring.md, "Preview the impact"):

- each audit's answers are matched to the draft's criteria by key and scored by ``scoring.score``;
- a criterion the draft adds has no answer: it is unanswered (left out of the points, never
  invented); when the draft requires it, its key is reported in ``not_answered``;
- an answer to a criterion the draft removed drops out;
- an answer that no longer fits its criterion (a changed type, scale, options or N/A rule) is
  left out, and its key reported in ``left_out``;
- "before" is what the audit stored (its score, pass and critical failure), so overturned
  disputes and older versions count as they are shown everywhere else;
- a criterion's effect is how much the mean score moves through it, in points of score: the mean
  of the points it costs the audits (``points_lost``) under their own version minus under the
  draft. Where a critical failure zeroes a score, the whole drop is the failed critical criteria's.
  The effects add up to the change of the mean of the re-scored audits.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scorecards.scoring import AnswerError, Result, ScorecardSpec, fraction, score


@dataclass(frozen=True)
class PastAudit:
    """One approved audit as stored: its answers by criterion key and the result it keeps."""
    audit_id: int
    branch_id: int
    employee_id: int | None
    version_id: int
    answers: Mapping[str, object]
    score: float | None
    passed: bool
    critical_failure: bool


@dataclass(frozen=True)
class Group:
    """Audits of one branch or employee (``id``), before and after."""
    id: int | None
    audits: int
    mean_before: float | None
    mean_after: float | None
    pass_rate_before: float | None
    pass_rate_after: float | None


@dataclass(frozen=True)
class CriticalChange:
    key: str
    added: int     # audits the draft would fail critically on this criterion, that did not before
    removed: int   # audits that failed critically on it before and would not under the draft


@dataclass(frozen=True)
class Impact:
    audits: int
    company: Group
    after_pass_mark: float
    before_pass_mark: float
    critical_before: int
    critical_after: int
    critical_added: int
    critical_removed: int
    branches: tuple[Group, ...]
    employees_crossing: tuple[Group, ...]
    criteria: tuple[tuple[str, float], ...]          # (key, effect in points), largest move first
    critical_changes: tuple[CriticalChange, ...]
    not_answered: tuple[tuple[str, int], ...]        # (key, audits without an answer), draft order
    left_out: tuple[tuple[str, int], ...]            # (key, answers that no longer fit), draft order

    @property
    def mean_before(self):
        return self.company.mean_before

    @property
    def mean_after(self):
        return self.company.mean_after

    @property
    def pass_rate_before(self):
        return self.company.pass_rate_before

    @property
    def pass_rate_after(self):
        return self.company.pass_rate_after


def fitting_answers(spec: ScorecardSpec, answers: Mapping) -> tuple[dict, list[str], list[str]]:
    """(the answers the draft can score, keys left out as not fitting, required keys unanswered).

    Answers to criteria the draft does not have are dropped here, silently."""
    kept, left_out, unanswered = {}, [], []
    for criterion in spec.criteria():
        value = answers.get(criterion.key)
        if value is None or value == "":
            if criterion.scored and criterion.is_required:
                unanswered.append(criterion.key)
            continue
        try:
            fraction(criterion, value)
        except AnswerError:
            left_out.append(criterion.key)
            continue
        kept[criterion.key] = value
    return kept, left_out, unanswered


def points_lost(spec: ScorecardSpec, result: Result) -> dict[str, float]:
    """The points of score each criterion cost the audit: its section's share of the score (section
    weight over the counted weights) times the points it missed over the section's possible points.
    The score is 100 minus their sum; where a critical failure zeroes the score, the failed critical
    criteria cost what the others left."""
    counted = {s.key: s for s in result.sections if s.score is not None}
    total_weight = sum(s.weight for s in counted.values())
    out: dict[str, float] = {}
    if not total_weight:
        return out
    for section in spec.sections:
        done = counted.get(section.key)
        if done is None:
            continue
        factor = 100.0 * done.weight / total_weight / done.possible
        for criterion in section.criteria:
            got = result.criteria.get(criterion.key)
            if got is not None and got.fraction is not None and got.possible > got.earned:
                out[criterion.key] = (got.possible - got.earned) * factor
    if result.critical_failure and result.score == 0.0 and result.failed_critical:
        left = 100.0 - sum(out.values())
        for key in result.failed_critical:
            out[key] = out.get(key, 0.0) + left / len(result.failed_critical)
    return out


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _rate(passed: int, scored: int) -> float | None:
    return 100.0 * passed / scored if scored else None


class _Tally:
    __slots__ = ("audits", "before", "after", "passed_before", "passed_after")

    def __init__(self):
        self.audits = 0
        self.before: list[float] = []
        self.after: list[float] = []
        self.passed_before = self.passed_after = 0

    def group(self, ident) -> Group:
        return Group(ident, self.audits, _mean(self.before), _mean(self.after),
                     _rate(self.passed_before, len(self.before)), _rate(self.passed_after, len(self.after)))


def replay(draft: ScorecardSpec, audits: Iterable[PastAudit], specs: Mapping[int, ScorecardSpec],
           before_pass_mark: float | None = None) -> Impact:
    """Score every audit's answers under ``draft`` and compare with what it stored.

    ``specs`` gives each audit's own version (by ``version_id``) for the criteria's effects;
    ``before_pass_mark`` (default: the draft's) decides which employees were passing before."""
    before_pass_mark = draft.pass_mark if before_pass_mark is None else before_pass_mark
    total = _Tally()
    branches: dict[int, _Tally] = defaultdict(_Tally)
    employees: dict[int, _Tally] = defaultdict(_Tally)
    lost_before: dict[str, float] = defaultdict(float)
    lost_after: dict[str, float] = defaultdict(float)
    rescored_before = rescored_after = 0
    critical_before = critical_after = added = removed = 0
    critical_changes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    not_answered: dict[str, int] = defaultdict(int)
    left_out: dict[str, int] = defaultdict(int)
    required = [c.key for c in draft.criteria() if c.scored and c.is_required]
    for audit in audits:
        # The common case first: every answer fits, and the engine checks each value as it scores
        # (answers to removed criteria are never looked at). Only an audit with an answer that no
        # longer fits is sorted answer by answer.
        answers = audit.answers
        for key in required:
            value = answers.get(key)
            if value is None or value == "":
                not_answered[key] += 1
        try:
            after = score(draft, answers)
        except AnswerError:
            kept, misfits, _unanswered = fitting_answers(draft, answers)
            for key in misfits:
                left_out[key] += 1
            after = score(draft, kept)
        old_spec = specs.get(audit.version_id)
        old = None
        if old_spec is not None:
            try:
                old = score(old_spec, audit.answers)
            except AnswerError:  # a stored answer its own version refuses: no effects from it
                old = None
        tallies = [total, branches[audit.branch_id]]
        if audit.employee_id is not None:
            tallies.append(employees[audit.employee_id])
        for tally in tallies:
            tally.audits += 1
            if audit.score is not None:
                tally.before.append(audit.score)
                tally.passed_before += 1 if audit.passed else 0
            if after.score is not None:
                tally.after.append(after.score)
                tally.passed_after += 1 if after.passed else 0
        critical_before += 1 if audit.critical_failure else 0
        critical_after += 1 if after.critical_failure else 0
        added += 1 if after.critical_failure and not audit.critical_failure else 0
        removed += 1 if audit.critical_failure and not after.critical_failure else 0
        failed_before = set(old.failed_critical) if old is not None else set()
        for key in set(after.failed_critical) - failed_before:
            critical_changes[key][0] += 1
        for key in failed_before - set(after.failed_critical):
            critical_changes[key][1] += 1
        if old is not None and old.score is not None:
            rescored_before += 1
            for key, points in points_lost(old_spec, old).items():
                lost_before[key] += points
        if old is not None and after.score is not None:
            rescored_after += 1
            for key, points in points_lost(draft, after).items():
                lost_after[key] += points
    effects = []
    for key in set(lost_before) | set(lost_after):
        # Fewer points lost under the draft raise the mean: the effect is the mean's change.
        change = ((lost_before[key] / rescored_before if rescored_before else 0.0)
                  - (lost_after[key] / rescored_after if rescored_after else 0.0))
        if abs(change) > 1e-9:
            effects.append((key, change))
    effects.sort(key=lambda item: (-abs(item[1]), item[0]))
    order = [c.key for c in draft.criteria()]
    crossing = []
    for ident, tally in employees.items():
        group = tally.group(ident)
        if group.mean_before is None or group.mean_after is None:
            continue
        if (group.mean_before >= before_pass_mark - 1e-9) != (group.mean_after >= draft.pass_mark - 1e-9):
            crossing.append(group)
    crossing.sort(key=lambda g: (g.mean_after - g.mean_before, g.id))
    return Impact(
        audits=total.audits, company=total.group(None), after_pass_mark=draft.pass_mark,
        before_pass_mark=before_pass_mark, critical_before=critical_before, critical_after=critical_after,
        critical_added=added, critical_removed=removed,
        branches=tuple(sorted((t.group(i) for i, t in branches.items()), key=lambda g: g.id)),
        employees_crossing=tuple(crossing), criteria=tuple(effects),
        critical_changes=tuple(CriticalChange(k, a, r) for k, (a, r) in sorted(critical_changes.items())),
        not_answered=tuple((k, not_answered[k]) for k in order if k in not_answered),
        left_out=tuple((k, left_out[k]) for k in order if k in left_out),
    )
