"""Do the mystery shoppers and the customers tell the same story? Across the branches of a report,
Spearman's rank correlation (scipy.stats.spearmanr: ties handled as the textbook says) between each
branch's mean audit score and its NPS over the same period, with n, a scatter chart and a sentence.

Only branches with both figures count (audits, and at least the minimum of responses); under
``MIN_BRANCHES`` nothing is claimed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import escape

from core.i18n import decimal, percent
from reports.charts import GRID, MUTED, WIDTH, Chart, _clip, _color, _num, _svg

MIN_BRANCHES = 5
CLEAR = 0.3  # |rho| from which the reading says the two go together (or apart)


@dataclass
class Agreement:
    n: int
    rho: float | None
    points: list = field(default_factory=list)  # [(branch name, mean audit score, NPS)]
    reading: str = ""
    chart: Chart | None = None

    @property
    def claimed(self) -> bool:
        return self.rho is not None

    def as_json(self) -> dict:
        return {"n": self.n, "rho": self.rho, "reading": self.reading}


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rho of two equal-length lists; None under MIN_BRANCHES or when one list is flat."""
    from scipy.stats import spearmanr

    if len(xs) < MIN_BRANCHES or len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    rho = float(spearmanr(xs, ys).statistic)
    return None if math.isnan(rho) else rho


def reading(rho: float | None, n: int) -> str:
    if rho is None:
        if n < MIN_BRANCHES:
            return _("Too few branches to say: %(n)d have both an audit score and enough survey responses; "
                     "at least %(min)d are needed.", n=n, min=MIN_BRANCHES)
        return _("The figures do not vary enough between branches to say.")
    if rho >= CLEAR:
        return _("Branches that score higher with mystery shoppers also have more promoters.")
    if rho <= -CLEAR:
        return _("Branches that score higher with mystery shoppers have fewer promoters: the audits and the "
                 "customers tell different stories.")
    return _("There is no clear link between the branches' audit scores and their customers' NPS.")


def agreement(rows, survey_by_branch: dict, *, color: str | None = None) -> Agreement:
    """``rows``: branches with ``id``, ``name`` and ``mean`` (reports/rankings.RankRow);
    ``survey_by_branch``: {branch id: SurveyFigures}."""
    points = [(row.name, row.mean, survey_by_branch[row.id].nps) for row in rows
              if row.mean is not None and row.id in survey_by_branch and survey_by_branch[row.id].nps is not None]
    rho = spearman([p[1] for p in points], [p[2] for p in points])
    result = Agreement(len(points), rho, points, reading(rho, len(points)))
    result.chart = scatter_chart(points, rho, uid="agreement", color=color)
    return result


def scatter_chart(points, rho, *, uid: str, color: str | None = None) -> Chart:
    """Mean audit score (x, 0-100 %) against NPS (y, -100 to 100), one dot per branch."""
    color = _color(color)
    left, right, top, bottom, height = 38, 12, 12, 40, 250
    plot_w, plot_h = WIDTH - left - right, height - top - bottom

    def x(v):
        return left + plot_w * max(0.0, min(100.0, v)) / 100

    def y(v):
        return top + plot_h * (1 - (max(-100.0, min(100.0, v)) + 100) / 200)

    body = []
    for v in (-100, -50, 0, 50, 100):
        body.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{_num(y(v))}" y2="{_num(y(v))}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(f'<text x="{left - 4}" y="{_num(y(v) + 4)}" text-anchor="end" font-size="11" '
                    f'fill="{MUTED}">{v}</text>')
    for v in (0, 25, 50, 75, 100):
        body.append(f'<text x="{_num(x(v))}" y="{height - bottom + 16}" text-anchor="middle" font-size="11" '
                    f'fill="{MUTED}">{v}</text>')
    axis = escape(_("Mean audit score (%)"))
    body.append(f'<text x="{_num(left + plot_w / 2)}" y="{height - 4}" text-anchor="middle" font-size="11" '
                f'fill="{MUTED}">{axis}</text>')
    for _name, mean, nps in points:
        body.append(f'<circle cx="{_num(x(mean))}" cy="{_num(y(nps))}" r="4.5" fill="{color}" '
                    f'fill-opacity="0.8"/>')
    title = _("Mean audit score against NPS, one dot per branch")
    if points:
        desc = "; ".join(_("%(branch)s: score %(score)s, NPS %(nps)s", branch=_clip(name, 40),
                           score=percent(mean), nps=decimal(nps, 0)) for name, mean, nps in points) + "."
        if rho is not None:
            desc += " " + _("Spearman's rho %(rho)s.", rho=decimal(rho, 2))
    else:
        desc = _("No branch has both an audit score and enough survey responses in this period.")
    rows = [[name, percent(mean), decimal(nps, 0)] for name, mean, nps in points]
    return Chart(_svg(uid, height, title, desc, body), title, [_("Branch"), _("Mean score"), _("NPS")], rows)
