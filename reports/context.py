"""What a report shows, gathered once for the web page and the PDF alike (one source of truth).

Each builder takes a scoped ``queries.Filters`` and returns a plain dict of figures, rows and
charts; the web templates and the PDF templates render the same dict. Labels are translated in the
reader's language (call inside a request or ``flask_babel.force_locale``). Lists are bounded, so
a report's length grows with employees and criteria, never with the number of audits.
"""
from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits.display import display_value
from audits.models import Audit
from branches.models import Branch, Employee
from core.i18n import decimal
from core.texts import pick
from extensions import db
from reports import charts
from reports import queries as q
from scorecards.models import Scorecard

CHANNEL_LABELS = {"visit": _l("Visit"), "call": _l("Call"), "email": _l("Email"), "chat": _l("Chat"),
                  "social": _l("Social media")}
STATUS_LABELS = {"approved": _l("Approved audits only"), "submitted": _l("Submitted, awaiting review"),
                 "returned": _l("Returned to the auditor"), "scored": _l("Submitted, returned and approved")}
AUDIT_STATUS_LABELS = {"draft": _l("Draft"), "submitted": _l("Submitted"), "returned": _l("Returned"),
                       "approved": _l("Approved")}
KPI_LABELS = {"name_given": _l("Name given"), "greeting": _l("Greeting"), "courtesy": _l("Courtesy"),
              "accuracy": _l("Accuracy"), "product_knowledge": _l("Product knowledge"),
              "promise_kept": _l("Promises kept"), "first_contact_resolution": _l("First-contact resolution"),
              "wait_time": _l("Wait time"), "follow_up": _l("Follow-up"), "farewell": _l("Farewell")}
SORT_LABELS = {"mean": _l("Mean score"), "name": _l("Name"), "branch": _l("Branch"), "audits": _l("Audits"),
               "pass_rate": _l("Pass rate"), "trend": _l("Trend")}

# How long the lists of a report may grow (web pages and PDFs).
LATEST_AUDITS = 20
LATEST_COMMENTS = 20
WEAKEST_ON_OVERVIEW = 5
WEAKEST_ON_EMPLOYEE = 10
CRITERIA_ON_BRANCH = 40
RANKED_ON_OVERVIEW = 10
RANKED_ON_BRANCH = 200
BRANCHES_ON_OVERVIEW = 50


def lang() -> str:
    from core.i18n import lang as current

    return current()


def kpi_label(tag: str) -> str:
    return str(KPI_LABELS.get(tag, tag))


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


def _trend(f, uid, color, pass_mark=80.0):
    points = q.trend_by_month(f)
    return points, charts.trend_chart(points, uid=uid, title=_("Mean score by month"), pass_mark=pass_mark,
                                      color=color)


def _kpis(f, uid, color):
    rows = q.kpi_rates(f)
    items = []
    for k in rows:
        detail = _("%(full)d of %(answered)d with full points", full=k.full, answered=k.answered)
        if k.mean is not None:
            detail += " · " + _("mean %(minutes)s min", minutes=decimal(k.mean))
        items.append((kpi_label(k.kpi), k.rate, detail))
    return rows, charts.bar_chart(items, uid=uid, title=_("KPI rates"), value_header=_("Full points"), color=color)


def _sections(f, uid, color):
    rows = q.section_means(f)
    items = [(pick(s.title, lang()), s.mean, _("%(count)d audits", count=s.audits)) for s in rows]
    return rows, charts.bar_chart(items, uid=uid, title=_("Section means"), value_header=_("Mean score"), color=color)


def overview(f: q.Filters, *, reviewer: bool, color: str | None = None) -> dict:
    """A manager's (or HR's, or an admin's) overview of the branches the filters cover."""
    data = {"filters": f, "described": describe_filters(f), "summary": q.summary(f)}
    data["trend"], data["trend_chart"] = _trend(f, "trend", color)
    data["kpis"], data["kpi_chart"] = _kpis(f, "kpis", color)
    data["sections"], data["section_chart"] = _sections(f, "sections", color)
    data["employees"] = q.employee_ranking(f, limit=RANKED_ON_OVERVIEW)
    data["weakest"] = q.criteria_rates(f, limit=WEAKEST_ON_OVERVIEW)
    ids = q.branch_ids(f)
    data["branches"] = q.branch_ranking(f, limit=BRANCHES_ON_OVERVIEW) if ids is None or len(ids) > 1 else []
    data["recent"] = q.recent_audits(f, limit=10)
    data["awaiting_count"], data["awaiting"] = q.awaiting_review(f, limit=10) if reviewer else (0, [])
    return data


def employee_report(employee: Employee, f: q.Filters, *, color: str | None = None,
                    audits: int = LATEST_AUDITS) -> dict:
    """An employee over a period: figures, trend, sections against the branch and the company,
    the weakest criteria, the latest audits and the auditors' comments."""
    f = f.replace(employee_id=employee.id, branch_id=None, region=None)
    data = {"filters": f, "described": describe_filters(f), "employee": employee, "branch": employee.branch,
            "summary": q.summary(f)}
    data["trend"], data["trend_chart"] = _trend(f, "trend", color)
    data["kpis"], data["kpi_chart"] = _kpis(f, "kpis", color)
    data["sections"] = q.section_comparison(f, branch_id=employee.branch_id)
    series = [employee.name, employee.branch.name, _("Company")]
    data["section_chart"] = charts.comparison_chart(
        [(pick(s.title, lang()), [s.mean, s.branch, s.company]) for s in data["sections"]], series,
        uid="sections", title=_("Section means against the branch and the company"), color=color)
    data["weakest"] = q.criteria_rates(f, limit=WEAKEST_ON_EMPLOYEE)
    data["audits"] = q.recent_audits(f, limit=audits)
    data["comments"] = q.comments(f, limit=LATEST_COMMENTS)
    return data


def branch_report(branch: Branch, f: q.Filters, *, color: str | None = None, reviewer: bool = False,
                  audits: int = LATEST_AUDITS) -> dict:
    """A branch over a period: the employee report's contents for the branch, plus its employees
    ranked and its criteria by failure rate."""
    f = f.replace(branch_id=branch.id, region=None, employee_id=None)
    data = {"filters": f, "described": describe_filters(f), "branch": branch, "summary": q.summary(f)}
    data["trend"], data["trend_chart"] = _trend(f, "trend", color)
    data["kpis"], data["kpi_chart"] = _kpis(f, "kpis", color)
    data["sections"] = q.section_comparison(f)
    data["section_chart"] = charts.comparison_chart(
        [(pick(s.title, lang()), [s.mean, s.company]) for s in data["sections"]], [branch.name, _("Company")],
        uid="sections", title=_("Section means against the company"), color=color)
    data["employees"] = q.employee_ranking(f, limit=RANKED_ON_BRANCH)
    data["criteria"] = q.criteria_rates(f, limit=CRITERIA_ON_BRANCH)
    data["audits"] = q.recent_audits(f, limit=audits)
    data["comments"] = q.comments(f, limit=LATEST_COMMENTS)
    data["awaiting_count"], data["awaiting"] = q.awaiting_review(f, limit=10) if reviewer else (0, [])
    return data


def audit_report(audit: Audit) -> dict:
    """One audit: who, where, when, its score, each section and criterion with answer and comment."""
    answers = audit.answers_by_key()
    stored = {s.section_key: s for s in audit.section_scores}
    sections = []
    for section in audit.version.sections:
        rows = []
        for c in section.criteria:
            answer = answers.get(c.key)
            rows.append({"criterion": c, "text": pick(c.text, lang()),
                         "value": display_value(c, answer.value if answer else None),
                         "comment": answer.comment if answer else "",
                         "fraction": answer.fraction if answer else None,
                         "earned": answer.earned if answer else None, "possible": answer.possible if answer else None,
                         "failed_critical": bool(c.critical and answer is not None and answer.fraction == 0),
                         "photos": [p for p in audit.photos if p.criterion_key == c.key]})
        score = stored.get(section.key)
        sections.append({"section": section, "title": pick(section.title, lang()), "rows": rows,
                         "score": score.score if score else None, "earned": score.earned if score else None,
                         "possible": score.possible if score else None})
    minutes = None
    if audit.started_at and audit.ended_at and audit.ended_at >= audit.started_at:
        minutes = round((audit.ended_at - audit.started_at).total_seconds() / 60)
    keys = {c.key for c in audit.version.criteria}
    return {"audit": audit, "sections": sections, "minutes": minutes,
            "scorecard": audit.version.scorecard.title(lang()), "version": audit.version,
            "employee": audit.employee.name if audit.employee else audit.employee_name_given,
            "loose_photos": [p for p in audit.photos if p.criterion_key not in keys]}
