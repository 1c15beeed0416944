"""Pseudonymising old audits (the ``audit_retention_months`` setting; off at 0), and the daily job
that does it with the security log's purge (jobs/schedule.py books it).

An audit older than the setting loses what identifies the person in its texts, the same way as an
erasure (security/erasure.py): the name given becomes a pseudonym, free texts naming the employee
are deleted. The audit keeps its link to the employee record and its scores, so every figure stays
as it was; a sealed audit is sealed again. Each run starts where the last one stopped.
"""
from datetime import datetime
from types import SimpleNamespace

from audits.models import Audit
from core.models import get_setting, set_setting
from core.timeutil import months_before, utcnow
from extensions import db
from security.erasure import ErasureRun, fold, new_pseudonym, reseal, scrub_audit
from security.log import purge, record


def pseudonymise_old_audits(now: datetime | None = None) -> int:
    """Pseudonymise the audits started before the retention period not done yet; how many (flushes)."""
    months = int(get_setting("audit_retention_months") or 0)
    if months <= 0:
        return 0
    cutoff = months_before(now or utcnow(), months).replace(microsecond=0)
    query = db.select(Audit).where(Audit.started_at < cutoff)
    done = get_setting("audit_retention_done_until")
    if done:
        query = query.where(Audit.started_at >= datetime.fromisoformat(done))
    people, touched, count = {}, set(), 0
    for audit in db.session.scalars(query.order_by(Audit.id)).all():
        if audit.employee is not None:
            key, person = audit.employee_id, audit.employee
        else:
            key = fold(audit.employee_name_given)
            person = SimpleNamespace(name=audit.employee_name_given, code="")
        if key not in people:
            people[key] = ErasureRun.of(person, new_pseudonym(),
                                      extra_names=[audit.employee_name_given] if audit.employee else [])
        erasure = people[key]
        if audit.employee_name_given or erasure.strong:
            scrub_audit(audit, erasure, own=True)
        touched |= erasure.touched
        count += 1
    resealed = reseal(touched)
    set_setting("audit_retention_done_until", cutoff.isoformat())
    if count:
        record("audits_pseudonymised", details={"before": cutoff.isoformat(), "audits": count,
                                                "audits_changed": len(touched), "audits_resealed": resealed})
    return count


def daily_privacy_job():
    """The job: purge the security log, pseudonymise old audits, commit (booked daily with the
    overdue check, jobs/schedule.py)."""
    from jobs import queue as jobs_queue

    with jobs_queue.job_context():
        run_daily()
        db.session.commit()


def run_daily(now: datetime | None = None) -> dict:
    """What the daily job does (also ``flask --app app privacy-daily`` for cron without Redis)."""
    return {"events_purged": purge(now), "audits_pseudonymised": pseudonymise_old_audits(now)}
