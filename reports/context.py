"""What a report shows, gathered once for the web page and the PDF alike (one source of truth).

Each builder takes a scoped ``queries.Filters`` and returns a plain dict of figures, rows and
charts; the web templates and the PDF templates render the same dict. Labels are translated in the
reader's language (call inside a request or ``flask_babel.force_locale``). Lists are bounded, so
a report's length grows with employees and criteria, never with the number of audits.
"""
from __future__ import annotations

from dataclasses import replace

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from actions.queries import report_block
from audits.display import audit_sections, loose_photos
from audits.models import Audit
from branches.models import Branch, Employee
from core.i18n import decimal
from core.labels import AUDIT_STATUS_LABELS, CHANNEL_LABELS, KPI_LABELS  # noqa: F401  (the report templates' names)
from core.texts import pick
from core.timeutil import minutes_between
from extensions import db
from records.seal import latest_seal
from reports import charts, figures, rankings
from reports import queries as q
from reports.criterion_rates import KpiRate
from scorecards.models import Scorecard
from surveys.agreement import agreement as survey_agreement

STATUS_LABELS = {"approved": _l("Approved audits only"), "submitted": _l("Submitted, awaiting review"),
                 "returned": _l("Returned to the auditor"), "scored": _l("Submitted, returned and approved")}
SORT_LABELS = {"mean": _l("Mean score"), "name": _l("Name"), "branch": _l("Branch"), "audits": _l("Audits"),
               "pass_rate": _l("Pass rate"), "trend": _l("Trend")}

# How long the lists of audits and comments of a report may grow (the figures' lists: figures.py).
LATEST_AUDITS = 20
LATEST_COMMENTS = 20


def lang() -> str:
    from core.i18n import lang as current

    return current()


def kpi_label(tag: str) -> str:
    return str(KPI_LABELS.get(tag, tag))


def kpi_row_label(k: KpiRate) -> str:
    """The KPI's label; a row of numbers in a unit that is not time names its unit too."""
    if k.unit and k.unit != "min":
        return f"{kpi_label(k.kpi)} ({k.unit})"
    return kpi_label(k.kpi)


def kpi_mean(k: KpiRate) -> str:
    """The mean of a KPI's numbers with its unit: minutes for time (converted), else its own."""
    if k.mean is None:
        return ""
    if k.unit == "min":
        return _("%(minutes)s min", minutes=decimal(k.mean))
    return f"{decimal(k.mean)} {k.unit}".strip()


def section_label(s, rows) -> str:
    """A section's title; where the rows come from several scorecards, the scorecard's name too
    (a ``closing`` section is one row per scorecard)."""
    title = pick(s.title, lang())
    if len({r.scorecard for r in rows}) > 1:
        return f"{title} · {pick(s.scorecard_name, lang())}"
    return title


def period_text(f: q.Filters) -> str:
    if f.date_from and f.date_to:
        return _("%(start)s to %(end)s", start=format_date(f.date_from, "medium"), end=format_date(f.date_to, "medium"))
    if f.date_from:
        return _("from %(start)s", start=format_date(f.date_from, "medium"))
    if f.date_to:
        return _("until %(end)s", end=format_date(f.date_to, "medium"))
    return _("all time")


def describe_filters(f: q.Filters) -> list[tuple[str, str]]:
    """(label, value) for each filter in force, for the pages' and the PDFs' headers."""
    out = [(_("Period"), period_text(f)), (_("Audits counted"), str(STATUS_LABELS[f.status]))]
    if f.branch_id:
        branch = db.session.get(Branch, f.branch_id)
        out.append((_("Branch"), branch.name if branch else "—"))
    elif f.scope is not None:
        names = db.session.scalars(db.select(Branch.name).where(Branch.id.in_(sorted(f.scope)))
                                   .order_by(Branch.name).limit(4)).all()
        shown = ", ".join(names[:3]) + (" …" if len(f.scope) > 3 else "")
        out.append((_("Branches"), shown or "—"))
    if f.region:
        out.append((_("Region"), f.region))
    if f.employee_id:
        employee = db.session.get(Employee, f.employee_id)
        out.append((_("Employee"), employee.name if employee else "—"))
    if f.scorecard_id:
        card = db.session.get(Scorecard, f.scorecard_id)
        out.append((_("Scorecard"), card.title(lang()) if card else "—"))
    if f.channel:
        out.append((_("Channel"), str(CHANNEL_LABELS.get(f.channel, f.channel))))
    return out


def _trend(points, uid, color, pass_mark=80.0):
    return charts.trend_chart(points, uid=uid, title=_("Mean score by month"), pass_mark=pass_mark, color=color)


def _kpi_chart(rows, uid, color):
    items = []
    for k in rows:
        detail = _("%(full)d of %(answered)d with full points", full=k.full, answered=k.answered)
        if k.mean is not None:
            detail += " · " + _("mean %(value)s", value=kpi_mean(k))
        items.append((kpi_row_label(k), k.rate, detail))
    return charts.bar_chart(items, uid=uid, title=_("KPI rates"), value_header=_("Full points"), color=color)


def _charted(fig: dict, color) -> dict:
    """The figures under the names the templates read, with the month and KPI charts."""
    data = {"filters": fig["filters"], "described": describe_filters(fig["filters"]), "summary": fig["summary"],
            "trend": fig["months"], "kpis": fig["kpis"], "sections": fig["sections"],
            "survey": fig.get("survey")}  # the customers' figures beside the score (templates/surveys/)
    data["trend_chart"] = _trend(fig["months"], "trend", color)
    data["kpi_chart"] = _kpi_chart(fig["kpis"], "kpis", color)
    return data


def overview(f: q.Filters, *, reviewer: bool, color: str | None = None) -> dict:
    """A manager's (or HR's, or an admin's) overview of the branches the filters cover."""
    fig = figures.for_overview(f)
    data = _charted(fig, color)
    rows = fig["sections"]
    items = [(section_label(s, rows), s.mean, _("%(count)d audits", count=s.audits)) for s in rows]
    data["section_chart"] = charts.bar_chart(items, uid="sections", title=_("Section means"),
                                             value_header=_("Mean score"), color=color)
    data["employees"] = fig["employees"]
    data["weakest"] = fig["criteria"]
    ids = q.branch_ids(f)
    data["branches"] = fig["branches"] if ids is None or len(ids) > 1 else []
    data["recent"] = rankings.recent_audits(f, limit=10)
    data["awaiting_count"], data["awaiting"] = rankings.awaiting_review(f, limit=10) if reviewer else (0, [])
    data["agreement"] = survey_agreement(fig["branches"], fig["survey_by_branch"], color=color)
    return data


def employee_report(employee: Employee, f: q.Filters, *, color: str | None = None,
                    audits: int = LATEST_AUDITS, anonymous: bool = False) -> dict:
    """An employee over a period: figures, trend, sections against the branch and the company,
    the weakest criteria, the latest audits and the auditors' comments. ``anonymous``: for the
    employee themself, without the auditors' names (a mystery shopper stays anonymous)."""
    fig = figures.for_employee(employee, f)
    f = fig["filters"]
    data = _charted(fig, color)
    data.update({"employee": employee, "branch": employee.branch, "weakest": fig["criteria"]})
    series = [employee.name, employee.branch.name, _("Company")]
    data["section_chart"] = charts.comparison_chart(
        [(section_label(s, data["sections"]), [s.mean, s.branch, s.company]) for s in data["sections"]], series,
        uid="sections", title=_("Section means against the branch and the company"), color=color)
    data["audits"] = rankings.recent_audits(f, limit=audits)
    data["comments"] = rankings.comments(f, limit=LATEST_COMMENTS)
    data["actions"] = report_block(employee_id=employee.id, anonymous=anonymous)  # today's open and overdue
    if anonymous:
        data["anonymous"] = True
        data["audits"] = [replace(row, auditor="") for row in data["audits"]]
        data["comments"] = [replace(row, auditor="") for row in data["comments"]]
    return data


def branch_report(branch: Branch, f: q.Filters, *, color: str | None = None, reviewer: bool = False,
                  audits: int = LATEST_AUDITS) -> dict:
    """A branch over a period: the employee report's contents for the branch, plus its employees
    ranked and its criteria by failure rate."""
    fig = figures.for_branch(branch, f)
    f = fig["filters"]
    data = _charted(fig, color)
    data.update({"branch": branch, "employees": fig["employees"], "criteria": fig["criteria"]})
    data["section_chart"] = charts.comparison_chart(
        [(section_label(s, data["sections"]), [s.mean, s.company]) for s in data["sections"]],
        [branch.name, _("Company")],
        uid="sections", title=_("Section means against the company"), color=color)
    data["audits"] = rankings.recent_audits(f, limit=audits)
    data["comments"] = rankings.comments(f, limit=LATEST_COMMENTS)
    data["awaiting_count"], data["awaiting"] = rankings.awaiting_review(f, limit=10) if reviewer else (0, [])
    data["actions"] = report_block(branch_id=branch.id)  # today's open and overdue actions
    return data


def audit_report(audit: Audit, anonymous: bool = False) -> dict:
    """One audit: who, where, when, its score, each section and criterion with answer and comment.
    ``anonymous``: without the auditor, for the audited employee."""
    sections = audit_sections(audit)
    minutes = minutes_between(audit.started_at, audit.ended_at)
    return {"audit": audit, "sections": sections, "minutes": minutes,
            "scorecard": audit.version.scorecard.title(lang()), "version": audit.version,
            "employee": audit.employee.name if audit.employee else audit.employee_name_given,
            "anonymous": anonymous, "seal": latest_seal(audit),
            "loose_photos": loose_photos(audit)}
