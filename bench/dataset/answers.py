"""Answers: a quality model (people, criteria and time differ), scored later by the app's engine."""
from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.dataset.people import CardInfo


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def make_answers(info: CardInfo, ability: float, rng: random.Random, difficulty: dict, default: float,
                 comments: list, observations: list) -> tuple[dict, dict]:
    """Values and comments for one audit: ``ability`` is the logit shift of this audit's staff."""
    values, notes = {}, {}
    for key, _cid, kind, _kpi, allow_na, critical, settings in info.criteria:
        if allow_na and rng.random() < 0.08:
            values[key] = "na"
            continue
        if critical:
            p = _sigmoid(5.0 + ability)  # critical failures are rare: about 2-3 % of audits
        else:
            p = _sigmoid(difficulty.get(key, default) + ability)
        r = rng.random()
        if kind == "yes_no":
            values[key] = "yes" if r < p else "no"
            if r >= p and rng.random() < 0.25:
                notes[key] = rng.choice(comments)
        elif kind == "scale":
            lo, hi = int(settings.get("min", 1)), int(settings.get("max", 5))
            value = round(lo + p * (hi - lo) + rng.gauss(0, 0.8))
            values[key] = min(hi, max(lo, value))
        elif kind == "choice":
            options = sorted(settings.get("options", []), key=lambda o: -float(o["score"]))
            if r < p:
                values[key] = options[0]["key"]
            elif len(options) > 2 and rng.random() < 0.6:
                values[key] = options[1]["key"]
            else:
                values[key] = options[-1]["key"]
        elif kind == "number":
            target = settings.get("target")
            if target:
                limit = float(target["value"])
                if target["op"] == "<=":
                    value = rng.uniform(0, limit) if r < p else rng.uniform(limit * 1.05 + 0.5, limit * 3 + 1)
                else:
                    value = rng.uniform(limit, limit * 2) if r < p else rng.uniform(0, limit * 0.95)
                values[key] = int(value) if limit >= 10 else round(value, 1)
            else:
                values[key] = rng.randint(1, 20)
        elif kind == "text":
            if rng.random() < 0.4:
                values[key] = rng.choice(observations)
    return values, notes


def started_at(rng: random.Random, start: datetime, days: float) -> datetime:
    """A working-hours moment; volume grows over the period (a linear density from 1 to 1.6)."""
    u = rng.random()
    a, b = 1.0, 1.6
    x = (math.sqrt(a * a + (b * b - a * a) * u) - a) / (b - a)  # inverse CDF of the linear density
    day = start + timedelta(days=int(x * days))
    if day.weekday() == 6:
        day -= timedelta(days=1)
    return day.replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(
        minutes=rng.randint(0, 11 * 60 - 1), seconds=rng.randint(0, 59))
