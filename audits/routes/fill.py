"""The fill page: answers as the auditor goes (autosave from fill.js, or the whole form without JS),
submit, and check-in. Dates are shown and read in the user's time zone."""
from datetime import datetime

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from audits import services
from audits.answers import answer_values
from audits.display import field_text
from audits.errors import AuditError, AuditInvalid
from audits.models import Audit
from audits.policy import EDITABLE_STATUSES, status_label
from audits.routes.common import ANSWERABLE, bp, visible_audit
from branches.models import Employee
from core.errors import error_response
from core.i18n import lang, number
from core.texts import pick
from core.timeutil import utcnow
from extensions import db
from scorecards.models import CHANNELS

# --- Dates in the user's time zone ------------------------------------------------------------------

def local_input(value) -> str:
    """A stored naive-UTC datetime as the value of an <input type=datetime-local>."""
    return to_user_timezone(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def parse_local(value):
    """An <input type=datetime-local> value (the user's time zone) as naive UTC; '' is None;
    anything unreadable is passed on for the service to refuse with a message."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if parsed.tzinfo is not None:
        return parsed
    return to_utc(parsed)


# --- The fill page ---------------------------------------------------------------------------------

def _criterion_view(c, values, comments, photos_by_key, problems):
    settings = c.settings or {}
    item = {"key": c.key, "type": c.type, "text": pick(c.text, lang()), "guidance": pick(c.guidance, lang()),
            "required": c.required and c.type in ANSWERABLE, "critical": c.critical, "allow_na": c.allow_na,
            "value": values.get(c.key), "comment": comments.get(c.key, ""), "photos": photos_by_key.get(c.key, []),
            "problem": problems.get(c.key), "answerable": c.type in ANSWERABLE}
    if c.type == "yes_no":
        item["options"] = [("yes", _("Yes")), ("no", _("No"))]
    elif c.type == "scale":
        item["range"] = list(range(int(settings.get("min", 1)), int(settings.get("max", 5)) + 1))
        item["options"] = [(str(n), str(n)) for n in item["range"]]
    elif c.type == "choice":
        item["options"] = [(o["key"], pick(o.get("label") or o["key"], lang())) for o in settings.get("options", [])]
    elif c.type == "number":
        item["unit"] = settings.get("unit") or ""
        target = settings.get("target") or {}
        if target:
            item["target"] = (_("Target: at most %(value)s", value=number(target.get("value")))
                              if target.get("op") == "<=" else
                              _("Target: at least %(value)s", value=number(target.get("value"))))
    return item


def _fill_context(audit, values=None, comments=None, details=None, problems=()):
    stored = audit.answers_by_key()
    if values is None:
        values = {k: field_text(a.value) for k, a in stored.items() if a.value is not None}
    if comments is None:
        comments = {k: a.comment for k, a in stored.items() if a.comment}
    problem_map = {}
    for key, message in problems:
        problem_map.setdefault(key, message)
    photos_by_key = {}
    for photo in audit.photos:
        photos_by_key.setdefault(photo.criterion_key, []).append(photo)
    sections, answered, total = [], 0, 0
    for section in audit.version.sections:
        items = [_criterion_view(c, values, comments, photos_by_key, problem_map) for c in section.criteria]
        count = [i for i in items if i["answerable"]]
        done = [i for i in count if i["value"] not in (None, "")]
        answered, total = answered + len(done), total + len(count)
        sections.append({"key": section.key, "title": pick(section.title, lang()), "items": items,
                         "answered": len(done), "total": len(count)})
    criteria_text = {i["key"]: i["text"] for s in sections for i in s["items"]}
    details = details or {
        "employee_id": audit.employee_id, "employee_name_given": audit.employee_name_given,
        "started_at": local_input(audit.started_at), "ended_at": local_input(audit.ended_at),
        "channel": audit.channel, "notes": audit.notes}
    employees = db.session.scalars(db.select(Employee).where(
        Employee.branch_id == audit.branch_id,
        db.or_(Employee.active.is_(True), Employee.id == (audit.employee_id or -1))).order_by(Employee.name)).all()
    problem_list = [(key, criteria_text.get(key) or _field_label(key), message) for key, message in problems]
    return {"audit": audit, "sections": sections, "answered": answered, "total": total, "details": details,
            "employees": employees, "problems": problem_list, "audit_photos": photos_by_key.get(None, []),
            "channels": CHANNELS}


def _field_label(key):
    return {"employee_id": _("Employee observed"), "employee_name_given": _("Name the employee gave"),
            "started_at": _("Started"), "ended_at": _("Ended"), "channel": _("Channel"), "notes": _("Notes"),
            "client_id": _("Form"), "photo": _("Photo")}.get(key, key)


def read_form(audit, form):
    """Answers, comments and details posted by the fill form (names a-<key>, c-<key>)."""
    answers, comments = {}, {}
    for c in audit.version.criteria:
        if c.type in ANSWERABLE and f"na-{c.key}" in form:
            answers[c.key] = "na"
        elif c.type in ANSWERABLE and f"a-{c.key}" in form:
            answers[c.key] = form.get(f"a-{c.key}")
        if f"c-{c.key}" in form:
            comments[c.key] = form.get(f"c-{c.key}")
    details = {}
    for key in ("employee_id", "employee_name_given", "channel", "notes"):
        if key in form:
            details[key] = form.get(key)
    for key in ("started_at", "ended_at"):
        if key in form:
            details[key] = parse_local(form.get(key))
    return answers, comments, details


def _render_fill(audit, status=200, **kw):
    return render_template("audits/fill.html", **_fill_context(audit, **kw)), status


def _editable_or_redirect(audit):
    """The fill page is for the audit's auditor while it can change; others see the audit page."""
    if audit.auditor_id != current_user.id or audit.status not in EDITABLE_STATUSES:
        return redirect(url_for("audits.view_audit", audit_id=audit.id))
    return None


@bp.route("/audits/<int:audit_id>/fill", methods=["GET", "POST"])
@login_required
def fill(audit_id):
    audit = visible_audit(audit_id)
    other = _editable_or_redirect(audit)
    if other is not None:
        if request.method == "POST" and audit.auditor_id == current_user.id:
            flash(_("This audit is %(status)s and can no longer be changed.",
                    status=status_label(audit.status)), "error")
        return other
    if request.method == "POST":
        answers, comments, details = read_form(audit, request.form)
        try:
            services.save_draft(audit, current_user, answers, comments, **details)
            db.session.commit()
        except AuditInvalid as exc:
            db.session.rollback()
            raw = {k: field_text(v) for k, v in answers.items()}
            return _render_fill(db.session.get(Audit, audit_id), 422, values=_merge_values(audit, raw),
                                comments=comments, problems=exc.problems)
        flash(_("Draft saved."), "success")
        return redirect(url_for("audits.fill", audit_id=audit.id))
    return _render_fill(audit)[0]


def _merge_values(audit, raw):
    values = {k: field_text(a.value) for k, a in audit.answers_by_key().items() if a.value is not None}
    values.update(raw)
    return values


def _json_object(message) -> dict:
    """The JSON object fill.js posts; anything else is refused (400, ``message``)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise AuditError(message)
    return data


@bp.route("/audits/<int:audit_id>/autosave", methods=["POST"])
@login_required
def autosave(audit_id):
    """fill.js posts each change here as JSON: {client_id, answers, comments, details}."""
    audit = visible_audit(audit_id)
    data = _json_object(_("Send the changes as a JSON object."))
    if data.get("client_id") and data["client_id"] != audit.client_id:
        return error_response(409, _("This page belongs to another audit. Reload it."))
    answers, comments, details = data.get("answers") or {}, data.get("comments") or {}, data.get("details") or {}
    if not all(isinstance(x, dict) for x in (answers, comments, details)):
        return error_response(400, _("Send the changes as a JSON object."))
    for key in ("started_at", "ended_at"):
        if key in details:
            details[key] = parse_local(details[key]) if isinstance(details[key], str) else details[key]
    try:
        services.save_draft(audit, current_user, answers, comments, **details)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return error_response(409, _("The audit changed at the same time. Your change will be sent again."))
    except AuditInvalid as exc:
        # The API answers values that do not fit the scorecard with 409; this page's script
        # (static/js/fill.js) shows any refused value at its question on a 422, and retries a 409.
        db.session.rollback()
        return error_response(422, exc.message, exc.details, code=exc.code)
    answered = {k for k, v in answer_values(audit).items()}
    total = [c for c in audit.version.criteria if c.type in ANSWERABLE]
    return jsonify({"ok": True, "revision": audit.lock_version, "status": audit.status,
                    "answered": len([c for c in total if c.key in answered]), "total": len(total),
                    "saved_at": utcnow().isoformat() + "Z"})


@bp.route("/audits/<int:audit_id>/submit", methods=["POST"])
@login_required
def submit(audit_id):
    audit = visible_audit(audit_id)
    client_id = request.form.get("client_id")
    if client_id and client_id != audit.client_id:
        return error_response(409, _("This form belongs to another audit. Reload the page."))
    if audit.auditor_id == current_user.id and audit.status in ("submitted", "approved"):
        # A double tap or a retried request: the audit is already in; nothing more to do.
        flash(_("The audit was submitted."), "success")
        return redirect(url_for("audits.view_audit", audit_id=audit.id))
    if audit.auditor_id != current_user.id or audit.status not in EDITABLE_STATUSES:
        abort(403)
    answers, comments, details = read_form(audit, request.form)
    try:
        services.save_draft(audit, current_user, answers, comments, **details)
    except AuditInvalid as exc:
        db.session.rollback()
        raw = {k: field_text(v) for k, v in answers.items()}
        return _render_fill(db.session.get(Audit, audit_id), 422, values=_merge_values(audit, raw),
                            comments=comments, problems=exc.problems)
    try:
        services.submit(audit, current_user, client_id=client_id or None)
        db.session.commit()
    except AuditInvalid as exc:
        db.session.commit()  # keep the answers that were sent; only the submission is refused
        return _render_fill(audit, 422, problems=exc.problems)
    except StaleDataError:
        db.session.rollback()
        audit = db.session.get(Audit, audit_id)
        if audit.status in ("submitted", "approved"):
            flash(_("The audit was submitted."), "success")
            return redirect(url_for("audits.view_audit", audit_id=audit.id))
        return error_response(409)
    flash(_("The audit was submitted. Score: %(score)s", score=_percent(audit.score)), "success")
    return redirect(url_for("audits.view_audit", audit_id=audit.id))


def _percent(value):
    from core.i18n import percent

    return percent(value)


@bp.route("/audits/<int:audit_id>/checkin", methods=["POST"])
@login_required
def checkin(audit_id):
    audit = visible_audit(audit_id)
    data = _json_object(_("Send the position as a JSON object."))
    services.set_checkin(audit, current_user, data.get("lat"), data.get("lng"), data.get("accuracy"),
                         data.get("at"))
    db.session.commit()
    return jsonify({"ok": True, "checkin_at": audit.checkin_at.isoformat() + "Z"})
