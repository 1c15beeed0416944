"""Dispute pages: the dispute panel of the audit page (a template include fed by a context
helper, so the audits package knows nothing of disputes), opening, commenting, deciding and
withdrawing (each back to the audit page), and the list of disputes."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from accounts.permissions import can_see_audit, get_visible_or_404, hides_auditor, roles_required
from audits.display import display_value, field_text
from audits.errors import AuditConflict, AuditError, AuditInvalid
from audits.models import Audit
from audits.photos import remove as remove_photo
from core import storage
from core.texts import pick
from disputes import evidence, services
from disputes.forms import CommentForm, DecideForm, DisputeForm
from disputes.models import DISPUTE_STATUSES, Dispute
from extensions import db

bp = Blueprint("disputes", __name__)


class PhotoTooLarge(AuditError):
    """Raised here for a 413 from the evidence service, so that _run shows it beside the form."""
STATUS_LABELS = {"open": _l("Open"), "upheld": _l("Upheld"), "overturned": _l("Overturned"),
                 "withdrawn": _l("Withdrawn"), "all": _l("All")}
PAGE_SIZE = 30


def register(app):
    app.register_blueprint(bp)

    @app.context_processor
    def dispute_helpers():
        return {"dispute_panel": dispute_panel, "dispute_marks": dispute_marks, "dispute_status_labels": STATUS_LABELS}


def dispute_marks(audit: Audit) -> dict:
    """What a PDF of the audit says of disputes: whether one is open, which answers one changed."""
    return {"open": services.open_dispute_of(audit) is not None, "changed": services.changed_criteria(audit)}


def _answerable(audit, keys=None):
    from core.i18n import lang

    return [c for c in audit.version.criteria
            if c.type in services.ANSWERABLE and (not keys or c.key in keys)], lang()


def dispute_panel(audit: Audit) -> dict:
    """What the audit page and its PDF show of disputes, and the forms the reader may use."""
    from flask_login import current_user as user

    disputes = services.disputes_of(audit)
    criteria, lang = _answerable(audit)
    texts = {c.key: pick(c.text, lang) for c in audit.version.criteria}
    by_key = {c.key: c for c in audit.version.criteria}
    answers = audit.answers_by_key()
    items = []
    for d in disputes:
        item = {"dispute": d, "criteria": [texts.get(k, k) for k in d.criteria or []],
                "changes": [(texts.get(k, k), display_value(by_key[k], v[0]) if k in by_key else v[0],
                             display_value(by_key[k], v[1]) if k in by_key else v[1])
                            for k, v in (d.changes or {}).items()]}
        if user.is_authenticated:
            item["can_comment"] = services.can_comment(user, d)
            item["can_withdraw"] = services.can_withdraw(user, d)
            item["can_decide"] = services.can_decide(user, d)
            item["can_add_evidence"] = evidence.can_add_evidence(user, d)
            if item["can_decide"]:
                disputed, _lang = _answerable(audit, set(d.criteria or []))
                item["fields"] = [{"criterion": c, "text": texts[c.key], "name": f"answer-{c.key}",
                                   "value": field_text(answers[c.key].value) if c.key in answers else "",
                                   "options": [(o["key"], pick(o.get("label") or o["key"], lang))
                                               for o in (c.settings or {}).get("options", [])]}
                                  for c in disputed]
        items.append(item)
    out = {"disputes": items, "open": next((d for d in disputes if d.status == "open"), None),
           "changed": services.changed_criteria(audit), "deadline": services.deadline(audit),
           "anonymous": user.is_authenticated and hides_auditor(user), "can_open": False}
    if user.is_authenticated and services.can_open(user, audit):
        form = DisputeForm()
        form.criteria.choices = [(c.key, texts[c.key]) for c in criteria]
        out.update(can_open=True, open_form=form)
    out["comment_form"], out["decide_form"] = CommentForm(), DecideForm()
    return out


def _audit(audit_id) -> Audit:
    return get_visible_or_404(Audit, audit_id, can_see_audit)


def _dispute(dispute_id) -> Dispute:
    return get_visible_or_404(Dispute, dispute_id, services.can_see_dispute)


def _back(audit_id):
    return redirect(url_for("audits.view_audit", audit_id=audit_id) + "#disputes")


def _run(action, audit_id, success: str):
    """Run a service call, commit, and go back to the audit page saying how it went."""
    try:
        action()
        db.session.commit()
    except (AuditConflict, AuditInvalid, PhotoTooLarge) as exc:  # refusals (403, 404) go to the error page
        db.session.rollback()
        problems = getattr(exc, "problems", None) or []
        flash(" ".join(dict.fromkeys([exc.message, *[m for _k, m in problems]])), "error")
        return _back(audit_id)
    flash(success, "success")
    return _back(audit_id)


@bp.route("/audits/<int:audit_id>/disputes", methods=["POST"])
@login_required
def open_dispute(audit_id):
    audit = _audit(audit_id)
    form = DisputeForm()

    def open_with_evidence():
        dispute = services.open_dispute(audit, current_user, request.form.getlist("criteria"), form.reason.data or "")
        _attach(dispute)

    return _run(open_with_evidence, audit.id, _("The dispute was opened."))


def _attach(dispute):
    """The photos of the form's ``evidence`` field, in the dispute's transaction: a refused one
    refuses the whole request, and no stored file stays behind without its row."""
    evidence.require_may_add(dispute, current_user)
    stored = []
    try:
        for upload in request.files.getlist("evidence"):
            if upload and upload.filename:
                stored.append(evidence.add_evidence(dispute, current_user, upload.stream,
                                                    max_bytes=current_app.config["PHOTO_MAX_BYTES"]).filename)
    except AuditError as exc:
        for name in stored:
            remove_photo(name)
        if exc.status == 413:
            raise PhotoTooLarge(exc.message, status=413) from None
        raise


@bp.route("/disputes/<int:dispute_id>/evidence", methods=["POST"])
@login_required
def add_evidence(dispute_id):
    dispute = _dispute(dispute_id)
    return _run(lambda: _attach(dispute), dispute.audit_id, _("The photos were added to the dispute."))


@bp.route("/disputes/<int:dispute_id>/evidence/<int:evidence_id>")
@login_required
def evidence_photo(dispute_id, evidence_id):
    photo = evidence.evidence_of(_dispute(dispute_id), evidence_id) or abort(404)
    return storage.send(photo.filename, "image/jpeg", "private, max-age=3600")


@bp.route("/disputes/<int:dispute_id>/comment", methods=["POST"])
@login_required
def comment(dispute_id):
    dispute = _dispute(dispute_id)
    return _run(lambda: services.comment(dispute, current_user, request.form.get("comment", "")),
                dispute.audit_id, _("Your comment was saved."))


@bp.route("/disputes/<int:dispute_id>/decide", methods=["POST"])
@login_required
def decide(dispute_id):
    dispute = _dispute(dispute_id)
    answers = {key[len("answer-"):]: value for key, value in request.form.items()
               if key.startswith("answer-")}
    outcome = request.form.get("outcome", "")
    if outcome == "upheld":
        answers = {}
    else:  # only what the decider changed: an untouched field keeps its answer
        current = {a.criterion_key: field_text(a.value) for a in dispute.audit.answers}
        answers = {k: v for k, v in answers.items() if v != current.get(k, "")}
    return _run(lambda: services.decide(dispute, current_user, outcome, answers, request.form.get("note", "")),
                dispute.audit_id, _("The dispute was decided."))


@bp.route("/disputes/<int:dispute_id>/withdraw", methods=["POST"])
@login_required
def withdraw(dispute_id):
    dispute = _dispute(dispute_id)
    return _run(lambda: services.withdraw(dispute, current_user), dispute.audit_id,
                _("The dispute was withdrawn."))


@bp.route("/disputes")
@login_required
def list_disputes():
    """The disputes of the audits the user may see; open ones first by default."""
    status = request.args.get("status", "open")
    if status not in (*DISPUTE_STATUSES, "all"):
        abort(404)
    query = services.dispute_query(current_user, None if status == "all" else status)
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template("disputes/list.html", pagination=pagination, status=status,
                           statuses=("open", "upheld", "overturned", "withdrawn", "all"))


@bp.route("/reports/auditors")
@roles_required("admin", "hr")
def auditors_report():
    """Per auditor over a period: audits done, on-time and return rates, disputes and overturn rate,
    calibration by month (admins, HR); the figures are calibration.auditors.auditor_report's, as
    the API's GET /api/v1/reports/auditors."""
    from calibration.auditors import auditor_report
    from reports.filters import FilterError, parse_filters

    try:
        f = parse_filters({k: request.args.get(k) for k in ("from", "to")}, current_user)
    except FilterError as exc:
        flash(" ".join(str(m) for m in exc.messages.values()), "error")
        f = parse_filters({}, current_user)
    report = auditor_report(f.date_from, f.date_to, current_user)
    return render_template("disputes/auditors.html", rows=report["auditors"], report=report)
