"""The audit page (answers, scores, photos, history) and review: approve or return."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from accounts.permissions import can_download_audit_pdf, hides_auditor, roles_required
from audits import policy, services
from audits.acknowledgements import acknowledge as acknowledge_audit
from audits.acknowledgements import can_acknowledge
from audits.display import audit_sections, display_value, loose_photos
from audits.errors import AuditConflict, AuditInvalid
from audits.flags import flags_of
from audits.forms import ReturnForm
from audits.models import Audit
from audits.queries import acknowledged_at, history
from audits.routes.common import bp, visible_audit
from core.i18n import lang
from core.texts import pick
from core.timeutil import minutes_between
from extensions import db
from records.seal import latest_seal


def _audit_page(audit, status=200, return_form=None):
    sections = audit_sections(audit)
    criteria_text = {c.key: pick(c.text, lang()) for c in audit.version.criteria}
    criteria = {c.key: c for c in audit.version.criteria}
    events = []
    for entry in history(audit, current_user):
        criterion = criteria.get(entry["criterion"])
        events.append({**entry, "criterion_text": criteria_text.get(entry["criterion"], entry["criterion"]),
                       "before_text": display_value(criterion, entry["before"]) if criterion
                       and entry["action"] == "answer_changed" else entry["before"],
                       "after_text": display_value(criterion, entry["after"]) if criterion
                       and entry["action"] == "answer_changed" else entry["after"]})
    duration = minutes_between(audit.started_at, audit.ended_at)
    can_review = policy.can_review(current_user, audit)
    return render_template("audits/audit.html", audit=audit, sections=sections, events=events,
                           duration=duration, can_review=can_review,
                           return_form=return_form or (ReturnForm() if can_review else None),
                           audit_photos=loose_photos(audit),
                           pdf_url=url_for("reports.audit_pdf", audit_id=audit.id)
                           if "reports.audit_pdf" in current_app.view_functions
                           and can_download_audit_pdf(current_user, audit) else None,
                           can_edit=policy.can_edit(current_user, audit),
                           anonymous=hides_auditor(current_user), seal=latest_seal(audit),
                           flags=[] if hides_auditor(current_user) else flags_of(audit),
                           acknowledged_at=acknowledged_at(audit),
                           can_acknowledge=can_acknowledge(current_user, audit)), status


@bp.route("/audits/<int:audit_id>")
@login_required
def view_audit(audit_id):
    return _audit_page(visible_audit(audit_id))


@bp.route("/audits/<int:audit_id>/review", methods=["POST"])
@roles_required("admin", "manager")
def review(audit_id):
    """Approve or return a submitted audit; two reviewers at once: the second gets a clear 409."""
    audit = visible_audit(audit_id)
    action = request.form.get("action")
    seen = request.form.get("lock_version", type=int)
    form = ReturnForm()
    try:
        if action == "approve":
            services.approve(audit, current_user, expected_version=seen)
            message = _("The audit was approved.")
        elif action == "return":
            services.return_audit(audit, current_user, form.reason.data or "", expected_version=seen)
            message = _("The audit was returned to %(name)s.", name=audit.auditor.name)
        else:
            abort(400)
        db.session.commit()
    except AuditInvalid as exc:
        db.session.rollback()
        form.reason.errors = [m for _k, m in exc.problems]
        return _audit_page(db.session.get(Audit, audit_id), 422, return_form=form)
    except (AuditConflict, StaleDataError) as exc:
        db.session.rollback()
        db.session.expire_all()
        audit = db.session.get(Audit, audit_id)
        text = exc.message if isinstance(exc, AuditConflict) else services.conflict_message(audit)
        flash(text, "error")
        return _audit_page(audit, 409)
    flash(message, "success")
    if request.form.get("next") == "queue":
        return redirect(url_for("audits.list_audits", review="1"))
    return redirect(url_for("audits.view_audit", audit_id=audit.id))


@bp.route("/audits/<int:audit_id>/acknowledge", methods=["POST"])
@roles_required("employee")
def acknowledge(audit_id):
    """The audited employee confirms they have read the audit (kept in its history)."""
    audit = visible_audit(audit_id)
    acknowledge_audit(audit, current_user)
    db.session.commit()
    flash(_("Thank you: the audit is marked as read."), "success")
    return redirect(url_for("audits.view_audit", audit_id=audit.id))
