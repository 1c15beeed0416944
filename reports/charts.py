"""Charts drawn on the server as SVG, for the web pages and the PDFs alike.

No JavaScript and no style attributes (the CSP forbids them): colours and fonts are SVG
presentation attributes. Each chart is 360 units wide, so that on a 390 px phone one unit is about
one pixel and the 12-unit text reads like 12 px text; it scales down to fit (``.chart`` in
reports.css and pdf.css). Every chart has a <title> and a <desc>, and a ``Chart`` carries the same
figures as a table, which the templates show as the text alternative.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape

from core.i18n import percent

WIDTH = 360
FONT = "DejaVu Sans, Verdana, sans-serif"
INK, MUTED, GRID, TRACK = "#1c2430", "#556070", "#d5dae1", "#eef1f4"
SERIES = ("#0b5c55", "#9a4f00", "#5a6b85")  # subject, branch, company: 3:1 or more on white
BAD = "#a4262c"
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class Chart:
    """An SVG and the same figures as a table (its text alternative)."""

    svg: Markup
    title: str
    headers: list = field(default_factory=list)
    rows: list = field(default_factory=list)

    def __html__(self):
        return self.svg


def _color(value: str | None, default: str = SERIES[0]) -> str:
    return value if value and _COLOR.match(value) else default


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _svg(uid: str, height: float, title: str, desc: str, body: list[str]) -> Markup:
    uid = re.sub(r"[^a-zA-Z0-9_-]", "", uid) or "chart"
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {_num(height)}" '
            f'width="{WIDTH}" height="{_num(height)}" role="img" aria-labelledby="{uid}-t {uid}-d" '
            f'font-family="{FONT}" font-size="12" fill="{INK}">'
            f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>')
    # Every text that reaches the SVG went through escape(); the rest are numbers and fixed markup.
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704  # nosec B704


def month_label(month: date, first: bool = False) -> str:
    """"ene" / "Jan"; with the year on the first month and on each January."""
    if first or month.month == 1:
        return format_date(month, "MMM yy")
    return format_date(month, "MMM")


def trend_chart(points, *, uid: str, title: str, pass_mark: float | None = None, color: str | None = None) -> Chart:
    """Mean score by month (``points``: queries.MonthPoint), 0-100 %, gaps where a month has none."""
    color = _color(color)
    legend = 18 if pass_mark is not None else 0
    left, right, top, bottom = 30, 12, 12, 34 + legend
    height = 210 + legend
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    n = len(points)

    def x(i):
        return left + (plot_w * (i + 0.5) / n if n else 0)

    def y(v):
        return top + plot_h * (1 - max(0.0, min(100.0, v)) / 100)

    body = []
    for v in (0, 25, 50, 75, 100):
        body.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{_num(y(v))}" y2="{_num(y(v))}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(f'<text x="{left - 4}" y="{_num(y(v) + 4)}" text-anchor="end" font-size="11" '
                    f'fill="{MUTED}">{v}</text>')
    if pass_mark is not None:
        body.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{_num(y(pass_mark))}" y2="{_num(y(pass_mark))}" '
                    f'stroke="{BAD}" stroke-width="1" stroke-dasharray="4 3"/>')
        body.append(f'<line x1="{left}" x2="{left + 24}" y1="{height - 6}" y2="{height - 6}" stroke="{BAD}" '
                    f'stroke-width="1" stroke-dasharray="4 3"/>')
        body.append(f'<text x="{left + 30}" y="{height - 2}" font-size="11" fill="{MUTED}">'
                    f'{escape(_("Pass mark %(mark)s", mark=percent(pass_mark)))}</text>')
    step = max(1, -(-n // 8))  # at most 8 month labels
    for i, p in enumerate(points):
        if i % step == 0:
            body.append(f'<text x="{_num(x(i))}" y="{height - bottom + 16}" text-anchor="middle" font-size="11" '
                        f'fill="{MUTED}">{escape(month_label(p.month, first=i == 0))}</text>')
    runs, run = [], []
    for i, p in enumerate(points):
        if p.mean is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append((x(i), y(p.mean)))
    if run:
        runs.append(run)
    for run in runs:
        if len(run) > 1:
            body.append(f'<polyline points="{" ".join(f"{_num(a)},{_num(b)}" for a, b in run)}" fill="none" '
                        f'stroke="{color}" stroke-width="2.5" stroke-linejoin="round"/>')
    for i, p in enumerate(points):
        if p.mean is not None:
            body.append(f'<circle cx="{_num(x(i))}" cy="{_num(y(p.mean))}" r="3.5" fill="{color}"/>')
    if n and len(points) <= 12:
        last = next((i for i in range(n - 1, -1, -1) if points[i].mean is not None), None)
        if last is not None:
            anchor = "end" if x(last) > WIDTH - 40 else "middle"
            body.append(f'<text x="{_num(x(last))}" y="{_num(max(10, y(points[last].mean) - 8))}" '
                        f'text-anchor="{anchor}" font-size="11" font-weight="bold">'
                        f'{escape(percent(points[last].mean))}</text>')
    with_data = [p for p in points if p.mean is not None]
    if with_data:
        desc = _("Mean score by month, from %(first)s to %(last)s: %(values)s.",
                 first=month_label(points[0].month, True), last=month_label(points[-1].month, True),
                 values="; ".join(f"{month_label(p.month, True)} {percent(p.mean)}" for p in with_data))
    else:
        desc = _("No audits in this period.")
    if pass_mark is not None:
        desc += " " + _("The dashed line is the pass mark, %(mark)s.", mark=percent(pass_mark))
    rows = [[month_label(p.month, True), str(p.audits), percent(p.mean), percent(p.pass_rate)] for p in points]
    return Chart(_svg(uid, height, title, desc, body), title,
                 [_("Month"), _("Audits"), _("Mean score"), _("Pass rate")], rows)


def bar_chart(items, *, uid: str, title: str, value_header: str | None = None, color: str | None = None,
              note: str | None = None) -> Chart:
    """Horizontal bars, 0-100 %: ``items`` are (label, value, detail) with value None for no data;
    the label sits above its bar so long texts stay readable on a phone."""
    color = _color(color)
    row_h, top = 40, 4
    height = top + row_h * max(1, len(items)) + 4
    body, described = [], []
    if not items:
        body.append(f'<text x="0" y="24" fill="{MUTED}">{escape(_("No data in this period."))}</text>')
    for i, (label, value, detail) in enumerate(items):
        y0 = top + i * row_h
        body.append(f'<text x="0" y="{y0 + 13}" font-size="13">{escape(_clip(label, 40))}</text>')
        body.append(f'<text x="{WIDTH}" y="{y0 + 13}" text-anchor="end" font-size="13" font-weight="bold">'
                    f'{escape(percent(value))}</text>')
        body.append(f'<rect x="0" y="{y0 + 19}" width="{WIDTH}" height="14" rx="3" fill="{TRACK}"/>')
        if value is not None and value > 0:
            body.append(f'<rect x="0" y="{y0 + 19}" width="{_num(WIDTH * min(value, 100) / 100)}" height="14" '
                        f'rx="3" fill="{color}"/>')
        described.append(f"{label} {percent(value)}" + (f" ({detail})" if detail else ""))
    desc = "; ".join(described) + "." if described else _("No data in this period.")
    if note:
        desc += " " + note
    rows = [[label, percent(value), detail or ""] for label, value, detail in items]
    return Chart(_svg(uid, height, title, desc, body), title,
                 [_("Item"), value_header or _("Value"), _("Detail")], rows)


def comparison_chart(rows, series: list[str], *, uid: str, title: str, color: str | None = None,
                     company_last: bool = True) -> Chart:
    """Grouped horizontal bars: ``rows`` are (label, [value per series]); ``series`` names them
    (the subject, its branch, the company). A legend on top names the colours; the company (the
    last series) always has the same colour."""
    colors = [_color(color), *SERIES[1:]][:len(series)]
    if company_last and len(series) > 1:
        colors[-1] = SERIES[2]
    bar, gap = 9, 2
    group_h = 18 + len(series) * (bar + gap) + 8
    legend_h = 22
    height = legend_h + group_h * max(1, len(rows))
    body = []
    x = 0
    for i, name in enumerate(series):
        body.append(f'<rect x="{x}" y="4" width="12" height="12" rx="2" fill="{colors[i]}"/>')
        body.append(f'<text x="{x + 16}" y="14" font-size="11">{escape(_clip(name, 30))}</text>')
        x += 24 + min(30, len(name)) * 6.5
    if not rows:
        body.append(f'<text x="0" y="{legend_h + 20}" fill="{MUTED}">{escape(_("No data in this period."))}</text>')
    described = []
    for r, (label, values) in enumerate(rows):
        y0 = legend_h + r * group_h
        body.append(f'<text x="0" y="{y0 + 13}">{escape(_clip(label, 44))}</text>')
        parts = []
        for i, value in enumerate(values):
            yb = y0 + 18 + i * (bar + gap)
            body.append(f'<rect x="0" y="{yb}" width="{WIDTH - 48}" height="{bar}" rx="2" fill="{TRACK}"/>')
            if value is not None and value > 0:
                body.append(f'<rect x="0" y="{yb}" width="{_num((WIDTH - 48) * min(value, 100) / 100)}" '
                            f'height="{bar}" rx="2" fill="{colors[i]}"/>')
            body.append(f'<text x="{WIDTH}" y="{yb + bar - 1}" text-anchor="end" font-size="10">'
                        f'{escape(percent(value))}</text>')
            parts.append(f"{series[i]} {percent(value)}")
        described.append(f"{label}: " + ", ".join(parts))
    desc = "; ".join(described) + "." if described else _("No data in this period.")
    table = [[label, *[percent(v) for v in values]] for label, values in rows]
    return Chart(_svg(uid, height, title, desc, body), title, [_("Section"), *series], table)
