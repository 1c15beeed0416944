"""The scoring engine: a pure function over a scorecard version's structure and an audit's answers.

No Flask, no database: the same code scores an audit on submit, in the API, in the benchmark's
data generator and in the tests. The rules (docs/scoring.md, with a worked example):

- a criterion's points are its weight times its fraction; N/A answers, unscored types and
  unanswered optional criteria count neither in the points earned nor in the points possible;
- a section's score is earned over possible; a section with nothing possible is left out;
- the audit's score is the mean of its sections' scores weighted by section weight;
- a critical criterion that earns 0 is a critical failure; where the version says
  "critical zeroes the score" the audit scores 0 (section and criterion results are kept);
- the audit passes when its score reaches the pass mark. Full precision is kept.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

SCORED_TYPES = ("yes_no", "scale", "choice", "number")
NA = "na"


@dataclass(frozen=True)
class CriterionSpec:
    key: str
    type: str
    weight: float = 1.0
    allow_na: bool = False
    critical: bool = False
    required: bool | None = None
    kpi: str | None = None
    min: int = 1
    max: int = 5
    options: Mapping[str, float] = field(default_factory=dict)
    target_op: str | None = None
    target_value: float | None = None

    @property
    def scored(self) -> bool:
        if self.type == "number":
            return self.target_op is not None
        return self.type in SCORED_TYPES

    @property
    def is_required(self) -> bool:
        return self.scored if self.required is None else self.required


@dataclass(frozen=True)
class SectionSpec:
    key: str
    weight: float = 1.0
    criteria: tuple[CriterionSpec, ...] = ()


@dataclass(frozen=True)
class ScorecardSpec:
    sections: tuple[SectionSpec, ...]
    pass_mark: float = 80.0
    critical_zeroes_score: bool = True

    def criteria(self):
        for section in self.sections:
            yield from section.criteria

    def criterion(self, key):
        for criterion in self.criteria():
            if criterion.key == key:
                return criterion
        return None


@dataclass
class CriterionResult:
    key: str
    fraction: float | None  # None: not counted (N/A, unscored, unanswered optional)
    earned: float
    possible: float
    na: bool = False


@dataclass
class SectionResult:
    key: str
    weight: float
    earned: float
    possible: float
    score: float | None  # percentage 0-100; None when nothing was possible


@dataclass
class KpiResult:
    answered: int = 0
    full: int = 0
    numbers: list = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return 100.0 * self.full / self.answered if self.answered else None

    @property
    def mean(self) -> float | None:
        return sum(self.numbers) / len(self.numbers) if self.numbers else None

    def as_dict(self) -> dict:
        out = {"answered": self.answered, "full": self.full, "rate": self.rate}
        if self.numbers:
            out["mean"] = self.mean
        return out


@dataclass
class Result:
    score: float | None
    passed: bool
    critical_failure: bool
    sections: list[SectionResult]
    criteria: dict[str, CriterionResult]
    kpis: dict[str, KpiResult]
    failed_critical: list[str] = field(default_factory=list)


class AnswerError(ValueError):
    """An answer that does not fit its criterion; ``key`` names the criterion."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def fraction(criterion: CriterionSpec, value) -> float | None:
    """The fraction earned by one answer, or None when it counts for nothing.

    Raises AnswerError for a value of the wrong kind.
    """
    if value is None or value == "":
        return None
    if value == NA:
        if not criterion.allow_na:
            raise AnswerError(criterion.key, "N/A is not allowed for this criterion")
        return None
    kind = criterion.type
    if kind == "yes_no":
        if value not in ("yes", "no"):
            raise AnswerError(criterion.key, 'expected "yes", "no" or "na"')
        return 1.0 if value == "yes" else 0.0
    if kind == "scale":
        if not _is_number(value) or int(value) != value:
            raise AnswerError(criterion.key, f"expected a whole number from {criterion.min} to {criterion.max}")
        if not criterion.min <= value <= criterion.max:
            raise AnswerError(criterion.key, f"expected a whole number from {criterion.min} to {criterion.max}")
        return (value - criterion.min) / (criterion.max - criterion.min)
    if kind == "choice":
        if not isinstance(value, str) or value not in criterion.options:
            raise AnswerError(criterion.key, "expected one of: " + ", ".join(criterion.options))
        return float(criterion.options[value])
    if kind == "number":
        if not _is_number(value):
            raise AnswerError(criterion.key, "expected a number")
        if criterion.target_op is None:
            return None
        if criterion.target_op == "<=":
            return 1.0 if value <= criterion.target_value else 0.0
        return 1.0 if value >= criterion.target_value else 0.0
    if kind == "text":
        if not isinstance(value, str):
            raise AnswerError(criterion.key, "expected text")
        return None
    return None  # photo, info: never scored


def check_answers(spec: ScorecardSpec, answers: Mapping, submit: bool = True) -> list[AnswerError]:
    """Every problem with a set of answers, in scorecard order: unknown keys, wrong kinds, and
    (when submitting) required criteria left unanswered."""
    problems = []
    known = {c.key for c in spec.criteria()}
    for key in answers:
        if key not in known:
            problems.append(AnswerError(str(key), "no such criterion in this scorecard"))
    for criterion in spec.criteria():
        value = answers.get(criterion.key)
        try:
            fraction(criterion, value)
        except AnswerError as exc:
            problems.append(exc)
            continue
        if submit and criterion.is_required and criterion.type not in ("photo", "info") \
                and (value is None or value == ""):
            problems.append(AnswerError(criterion.key, "an answer is required"))
    return problems


def score(spec: ScorecardSpec, answers: Mapping) -> Result:
    """Score an audit. Invalid values raise AnswerError; call check_answers first to list them all."""
    sections: list[SectionResult] = []
    criteria: dict[str, CriterionResult] = {}
    kpis: dict[str, KpiResult] = {}
    failed_critical: list[str] = []
    for section in spec.sections:
        earned = possible = 0.0
        for criterion in section.criteria:
            value = answers.get(criterion.key)
            frac = fraction(criterion, value)  # checks every value; None for unscored types
            if frac is None:
                criteria[criterion.key] = CriterionResult(criterion.key, None, 0.0, 0.0, na=value == NA)
            else:
                points = criterion.weight * frac
                earned += points
                possible += criterion.weight
                criteria[criterion.key] = CriterionResult(criterion.key, frac, points, criterion.weight)
                if criterion.critical and frac == 0:
                    failed_critical.append(criterion.key)
            if criterion.kpi:
                kpi = kpis.setdefault(criterion.kpi, KpiResult())
                if frac is not None:
                    kpi.answered += 1
                    kpi.full += 1 if frac >= 1 else 0
                if criterion.type == "number" and _is_number(value):
                    kpi.numbers.append(float(value))
        section_score = 100.0 * earned / possible if possible > 0 else None
        sections.append(SectionResult(section.key, section.weight, earned, possible, section_score))
    counted = [s for s in sections if s.score is not None]
    total_weight = sum(s.weight for s in counted)
    total = sum(s.weight * s.score for s in counted) / total_weight if total_weight > 0 else None
    critical_failure = bool(failed_critical)
    if critical_failure and spec.critical_zeroes_score:
        total = 0.0
    if total is not None:
        total = min(100.0, max(0.0, total))
    passed = total is not None and not critical_failure and total >= spec.pass_mark - 1e-9
    return Result(total, passed, critical_failure, sections, criteria, kpis, failed_critical)


def spec_from_dict(data: Mapping) -> ScorecardSpec:
    """A spec from a scorecard file's structure (docs/scorecard-format.md), defaults applied."""
    sections = []
    for section in data.get("sections", []):
        criteria = []
        for c in section.get("criteria", []):
            target = c.get("target") or {}
            criteria.append(CriterionSpec(
                key=c["key"], type=c["type"], weight=float(c.get("weight", 1)),
                allow_na=bool(c.get("allow_na", False)), critical=bool(c.get("critical", False)),
                required=c.get("required"), kpi=c.get("kpi"),
                min=int(c.get("min", 1)), max=int(c.get("max", 5)),
                options={o["key"]: float(o["score"]) for o in c.get("options", [])},
                target_op=target.get("op"), target_value=target.get("value"),
            ))
        sections.append(SectionSpec(section["key"], float(section.get("weight", 1)), tuple(criteria)))
    return ScorecardSpec(tuple(sections), float(data.get("pass_mark", 80)),
                         bool(data.get("critical_zeroes_score", True)))
