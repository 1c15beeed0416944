"""The Auditors report (admins and HR): every figure of the page and of its JSON
(GET /api/v1/reports/auditors) from ``auditor_report``, so that the two cannot disagree.

Per auditor over a period: audits done (first submitted in the period), on-time rate (of those
planned with a due date, the share first submitted by that day), return rate (the share returned
at least once), the disputes' figures (disputes/services.py, audits started in the period), and
calibration: kappa against the expert and mean deviation over the period and by month
(calibration/agreement.py)."""
from datetime import date

from accounts.models import User
from audits.models import Assignment, Audit, AuditEvent
from calibration import agreement
from disputes.services import auditor_rows
from extensions import db
from reports.filters import day_end, day_start


def _audit_figures(start, end) -> dict[int, dict]:
    first = (db.select(db.func.min(AuditEvent.at)).where(AuditEvent.audit_id == Audit.id,
                                                          AuditEvent.action == "submitted")
             .correlate(Audit).scalar_subquery())
    done_at = db.func.coalesce(first, Audit.submitted_at)
    returned = db.exists().where(AuditEvent.audit_id == Audit.id, AuditEvent.action == "returned")
    planned = Assignment.due_date.is_not(None)
    # date() of a timestamp is a date on PostgreSQL and 'YYYY-MM-DD' text on SQLite: either compares
    # with the due date as stored.
    on_time = db.and_(planned, db.func.date(done_at) <= Assignment.due_date)
    rows = db.session.execute(
        db.select(Audit.auditor_id, db.func.count(Audit.id), db.func.sum(db.case((returned, 1), else_=0)),
                  db.func.sum(db.case((planned, 1), else_=0)), db.func.sum(db.case((on_time, 1), else_=0)))
        .select_from(Audit).outerjoin(Assignment, Assignment.id == Audit.assignment_id)
        .where(Audit.submitted_at.is_not(None), done_at >= start, done_at < end)
        .group_by(Audit.auditor_id)).all()
    return {uid: {"audits_done": n, "return_rate": 100.0 * (ret or 0) / n if n else None,
                  "on_time_rate": 100.0 * (ok or 0) / plan if plan else None}
            for uid, n, ret, plan, ok in rows}


def auditor_report(date_from: date, date_to: date, viewer=None) -> dict:
    """Every auditor with something in the period, by name: audits done, on-time and return rates,
    disputes, and calibration (kappa, mean deviation, and both by month)."""
    start, end = day_start(date_from), day_end(date_to)
    audits = _audit_figures(start, end)
    disputes = {r["auditor"]["id"]: r for r in auditor_rows(start, end)}
    sessions = agreement.closed_sessions(viewer, date_from, date_to)
    overall = {r["id"]: r for r in agreement.auditor_figures(sessions)}
    months = agreement.monthly(sessions)
    ids = set(audits) | set(disputes) | set(overall)
    users = {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(ids or {-1})))}
    rows = []
    for uid in ids:
        user, done, dispute, calib = users[uid], audits.get(uid, {}), disputes.get(uid, {}), overall.get(uid, {})
        rows.append({"id": uid, "name": user.name, "email": user.email,
                     "audits_done": done.get("audits_done", 0), "on_time_rate": done.get("on_time_rate"),
                     "return_rate": done.get("return_rate"), "approved": dispute.get("approved", 0),
                     "disputes": dispute.get("disputes", 0), "overturned": dispute.get("overturned", 0),
                     "overturn_rate": dispute.get("overturn_rate"), "kappa": calib.get("kappa"),
                     "mean_deviation": calib.get("mean_deviation"), "months": months.get(uid, [])})
    rows.sort(key=lambda r: (r["name"].lower(), r["id"]))
    return {"date_from": date_from, "date_to": date_to, "auditors": rows}
