"""Agreement statistics of calibration sessions: pure functions over plain values.

No Flask, no database (like scorecards/scoring.py): services.py gathers the answers, this module
computes; the tests feed it values worked by hand. docs/calibration.md explains each figure.

- Krippendorff's alpha comes from the maintained ``krippendorff`` package (its reliability data is
  raters x units, ``nan`` where a rater gave nothing). The level follows the item type: nominal for
  yes/no and choice, ordinal for scale, interval for number. N/A is a category at the nominal
  level; on a scale or a number it has no distance to the other values, so it counts as missing
  there. An unanswered item is always missing.
- Cohen's kappa comes from scikit-learn (``cohen_kappa_score``): unweighted over the pooled
  yes/no and choice answers (N/A a category), quadratic-weighted over the pooled scale answers.
- Where a statistic cannot be computed it is ``None`` with a reason code, never a made-up number.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

NA = "na"
LEVELS = {"yes_no": "nominal", "choice": "nominal", "scale": "ordinal", "number": "interval"}
NOMINAL_TYPES = ("yes_no", "choice")

# Reason codes for a statistic that is None (services.py has the sentences for people).
NO_RATINGS = "no_ratings"            # nobody answered
NO_PAIRS = "no_pairs"                # no unit (session) has two or more ratings to compare
ONE_VALUE = "one_value"              # every rating is the same value: chance agreement is total
NO_EXPERT = "no_expert"              # nothing to compare with: no expert answered
REASONS = (NO_RATINGS, NO_PAIRS, ONE_VALUE, NO_EXPERT)


@dataclass(frozen=True)
class Stat:
    """A statistic, or None with the reason; ``n`` is how many ratings (or pairs) it rests on."""

    value: float | None
    reason: str | None = None
    n: int = 0

    def as_dict(self) -> dict:
        return {"value": self.value, "reason": self.reason, "n": self.n}


def level_of(kind: str) -> str | None:
    """The level of measurement of a criterion type, None for types never rated (text, photo)."""
    return LEVELS.get(kind)


def _answered(value) -> bool:
    return value is not None and value != ""


def category(value) -> str:
    """An answer as a category: the same answer always the same text (4 and 4.0 alike)."""
    if _is_number(value) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _rating(kind: str, value):
    """A rating as alpha sees it at the type's level; None is missing."""
    if not _answered(value):
        return None
    if kind in NOMINAL_TYPES:
        return category(value)
    if value == NA or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None  # N/A has no place on a scale or a number line
    return float(value)


def alpha(units: Mapping[Hashable, Mapping[Hashable, object]], level: str) -> Stat:
    """Krippendorff's alpha of ``units`` (unit -> rater -> value, values already ratings: numbers at
    the ordinal and interval levels, any hashable at the nominal level; None is missing)."""
    import krippendorff
    import numpy as np

    units = {u: {r: v for r, v in raters.items() if v is not None} for u, raters in units.items()}
    n = sum(len(r) for r in units.values())
    if n == 0:
        return Stat(None, NO_RATINGS, 0)
    pairable = [r for r in units.values() if len(r) >= 2]
    if not pairable:
        return Stat(None, NO_PAIRS, n)
    values = {v for r in pairable for v in r.values()}
    if len(values) < 2:
        return Stat(None, ONE_VALUE, n)
    raters = sorted({r for raters in units.values() for r in raters}, key=repr)
    order = sorted(units, key=repr)
    if level == "nominal":  # codes for categories: the package wants numbers
        codes = {v: i for i, v in enumerate(sorted({v for r in units.values() for v in r.values()}, key=repr))}
    else:
        codes = None
    data = np.full((len(raters), len(order)), np.nan)
    for j, unit in enumerate(order):
        for i, rater in enumerate(raters):
            value = units[unit].get(rater)
            if value is not None:
                data[i, j] = codes[value] if codes is not None else float(value)
    result = float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
    return Stat(result if math.isfinite(result) else None, None if math.isfinite(result) else ONE_VALUE, n)


def criterion_alpha(kind: str, units: Mapping[Hashable, Mapping[Hashable, object]]) -> Stat:
    """Alpha of one criterion: units are sessions, raters the participants, at the type's level."""
    level = level_of(kind)
    return alpha({u: {r: _rating(kind, v) for r, v in raters.items()} for u, raters in units.items()}, level)


def overall_alpha(criteria: Mapping[str, tuple[str, Mapping[Hashable, Mapping[Hashable, object]]]]) -> Stat:
    """Alpha over all criteria of a scorecard: every (session, criterion) is a unit and the level is
    nominal (the criteria's own levels differ), so two answers agree only when they are the same;
    N/A is a category here."""
    units = {}
    for key, (_kind, sessions) in criteria.items():
        for session, raters in sessions.items():
            units[(session, key)] = {r: (key, category(v)) if _answered(v) else None for r, v in raters.items()}
    return alpha(units, "nominal")


def kappa(pairs: Iterable[tuple[object, object]]) -> Stat:
    """Cohen's kappa, unweighted, of (auditor, expert) answer pairs; N/A is a category."""
    from sklearn.metrics import cohen_kappa_score

    pairs = [(category(a), category(b)) for a, b in pairs if _answered(a) and _answered(b)]
    if not pairs:
        return Stat(None, NO_RATINGS, 0)
    first, second = zip(*pairs, strict=True)
    if len(set(first) | set(second)) < 2:
        return Stat(None, ONE_VALUE, len(pairs))
    return _finite(cohen_kappa_score(first, second), len(pairs))


def weighted_kappa(pairs: Iterable[tuple[object, object]]) -> Stat:
    """Cohen's kappa with quadratic weights of (auditor, expert) scale answers (N/A left out: it
    has no distance). The labels are every whole number between the smallest and the largest
    answer, so that a weight is the squared distance between the two values."""
    from sklearn.metrics import cohen_kappa_score

    pairs = [(int(a), int(b)) for a, b in pairs if _is_number(a) and _is_number(b)]
    if not pairs:
        return Stat(None, NO_RATINGS, 0)
    first, second = zip(*pairs, strict=True)
    low, high = min(first + second), max(first + second)
    if low == high:
        return Stat(None, ONE_VALUE, len(pairs))
    return _finite(cohen_kappa_score(first, second, labels=list(range(low, high + 1)), weights="quadratic"),
                   len(pairs))


def _finite(value, n) -> Stat:
    value = float(value)
    return Stat(value, None, n) if math.isfinite(value) else Stat(None, ONE_VALUE, n)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# ---- one session's results ---------------------------------------------------------------------------

def majority(values: Iterable[object]) -> object | None:
    """The most frequent answer (N/A included); on a tie, None: there is no majority to agree with."""
    counts = Counter(category(v) for v in values if _answered(v)).most_common()
    if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
        return None
    return counts[0][0]


def plurality_share(values: Iterable[object]) -> float | None:
    """The share (0-1) of the answers given that are the most frequent one: the agreement with the
    majority, also where two answers tie (then no answer is the majority, and the share says how
    split they are)."""
    counts = Counter(category(v) for v in values if _answered(v)).most_common()
    return counts[0][1] / sum(n for _v, n in counts) if counts else None


def agreement(answers: Iterable[object], reference) -> float | None:
    """The share (0-1) of the given answers equal to ``reference``; unanswered ones are left out."""
    given = [category(v) for v in answers if _answered(v)]
    if not given or not _answered(reference):
        return None
    return sum(1 for v in given if v == category(reference)) / len(given)


def deviation(score: float | None, expert_score: float | None) -> float | None:
    """A participant's score minus the expert's, in points of the 0-100 score."""
    if score is None or expert_score is None:
        return None
    return score - expert_score


def within(deviation_points: float | None, tolerance: float) -> bool | None:
    return None if deviation_points is None else abs(deviation_points) <= tolerance + 1e-9


def mean(values: Iterable[float | None]) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None
