"""Audit pages: assignments, my assignments, the fill page with autosave, photos, the audit page and
review. The rules live in audits/services.py; these views read requests, check who may see what
(someone else's audit or assignment is a 404), call the services and commit once."""
import uuid
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from accounts.models import User
from accounts.permissions import branch_ids_in_scope, can_see_audit, roles_required
from audits import photos as photo_files
from audits import services
from audits.display import display_value, field_text
from audits.forms import (
    ASSIGNMENT_STATUS_LABELS,
    CHANNEL_LABELS,
    STATUS_LABELS,
    AssignmentForm,
    ReturnForm,
    StartAuditForm,
)
from audits.models import Assignment, Audit, Photo
from branches.models import Branch, Employee
from core.i18n import lang, number
from core.texts import pick
from core.timeutil import minutes_between, utcnow
from core.web import error_response
from extensions import db
from scorecards.models import CHANNELS, Scorecard

bp = Blueprint("audits", __name__)

PAGE_SIZE = 30
ANSWERABLE = ("yes_no", "scale", "choice", "number", "text")


def register(app):
    app.register_blueprint(bp)
    # Any view (web or API) that lets an AuditError through gets its status and message.
    app.register_error_handler(services.AuditError, _audit_error)

    @app.context_processor
    def audit_labels():
        return {"status_labels": STATUS_LABELS, "channel_labels": CHANNEL_LABELS,
                "assignment_status_labels": ASSIGNMENT_STATUS_LABELS}


def _audit_error(exc):
    db.session.rollback()
    return error_response(exc.status, exc.message, exc.details, code=exc.code)


def _page() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))


def _visible_audit(audit_id) -> Audit:
    audit = db.session.get(Audit, audit_id)
    if audit is None or not can_see_audit(current_user, audit):
        abort(404)
    return audit


def _new_client_id() -> str:
    return str(uuid.uuid4())


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


# --- Lists: my assignments, all assignments, audits ------------------------------------------------

def _scorecard_choices():
    cards = db.session.scalars(db.select(Scorecard).where(Scorecard.archived.is_(False))
                               .order_by(Scorecard.slug)).all()
    return [(c.id, c.title()) for c in cards if c.latest_published is not None]


def _branches_for(user, plan=False):
    """Active branches to choose from: auditors any (unplanned audits); ``plan``: those the user
    plans for (admin all, manager their own); else the user's scope."""
    query = db.select(Branch).where(Branch.active.is_(True)).order_by(Branch.name)
    if user.role == "auditor":
        scope = None
    elif plan:
        scope = None if user.role == "admin" else user.branch_ids
    else:
        scope = branch_ids_in_scope(user)
    if scope is not None:
        query = query.where(Branch.id.in_(scope or [-1]))
    return db.session.scalars(query).all()


def _employee_choices(branches):
    ids = [b.id for b in branches]
    employees = db.session.scalars(db.select(Employee).where(Employee.branch_id.in_(ids or [-1]),
                                                             Employee.active.is_(True))
                                   .order_by(Employee.name)).all()
    names = {b.id: b.name for b in branches}
    return [("", _("Not named"))] + [(e.id, f"{e.name} · {names[e.branch_id]}") for e in employees]


def _start_form(user):
    if not services.may_start_unplanned(user):
        return None
    form = StartAuditForm(prefix="start")
    branches = _branches_for(user, plan=True)
    form.branch_id.choices = [(b.id, f"{b.name} · {b.city}" if b.city else b.name) for b in branches]
    form.scorecard_id.choices = _scorecard_choices()
    form.employee_id.choices = _employee_choices(branches)
    if not form.client_id.data:
        form.client_id.data = _new_client_id()
    if not form.branch_id.choices or not form.scorecard_id.choices:
        return None
    return form


@bp.route("/my/assignments")
@roles_required("auditor", "manager", "admin")  # HR audits nobody: 403, not a redirect
def my_assignments():
    """The auditor's start page (the installed app opens here); managers and admins may audit too."""
    assignments = db.session.scalars(services.assignment_query(current_user, status="pending")
                                     .where(Assignment.auditor_id == current_user.id)).all()
    open_audits = services.open_audits_of(current_user)
    returned = [a for a in open_audits if a.status == "returned"]
    drafts = [a for a in open_audits if a.status == "draft" and a.assignment_id is None]
    recent = db.session.scalars(services.audit_query(current_user, auditor_id=current_user.id)
                                .where(Audit.status.in_(("submitted", "approved"))).limit(5)).all()
    return render_template("audits/my_assignments.html", assignments=assignments, returned=returned,
                           drafts=drafts, recent=recent, start_form=_start_form(current_user),
                           today=utcnow().date(), client_ids={a.id: _new_client_id() for a in assignments})


@bp.route("/audits/start", methods=["POST"])
@roles_required("auditor", "manager", "admin")
def start_audit():
    """Start (or, with the same client id, find again) an audit from an assignment or unplanned."""
    client_id = request.form.get("client_id") or request.form.get("start-client_id") or ""
    assignment_id = request.form.get("assignment_id", type=int)
    try:
        if assignment_id:
            audit = services.create_audit(current_user, assignment=assignment_id, client_id=client_id)
        else:
            employee_id = request.form.get("start-employee_id", type=int)
            audit = services.create_audit(current_user, scorecard=request.form.get("start-scorecard_id", type=int),
                                          branch=request.form.get("start-branch_id", type=int),
                                          employee=employee_id or None, client_id=client_id)
        db.session.commit()
    except services.AuditInvalid as exc:
        db.session.rollback()
        flash(exc.message + " " + " ".join(m for _k, m in exc.problems), "error")
        return redirect(url_for("audits.my_assignments"))
    except services.AuditConflict as exc:
        db.session.rollback()
        existing = services.find_by_client_id(client_id)
        if existing is not None and existing.auditor_id == current_user.id:
            return redirect(url_for("audits.fill", audit_id=existing.id))
        if assignment_id:
            assignment = db.session.get(Assignment, assignment_id)
            if assignment is not None and assignment.audit is not None \
                    and assignment.audit.auditor_id == current_user.id:
                return redirect(url_for("audits.fill", audit_id=assignment.audit.id))
        flash(exc.message, "error")
        return redirect(url_for("audits.my_assignments"))
    return redirect(url_for("audits.fill", audit_id=audit.id))


@bp.route("/assignments")
@roles_required("admin", "manager")
def assignments():
    status = request.args.get("status") or ""
    status = status if status in (*services.ASSIGNMENT_STATUSES, "pending") else ""
    auditor_id = request.args.get("auditor", type=int)
    branch_id = request.args.get("branch", type=int)
    query = services.assignment_query(current_user, status=status or None, auditor_id=auditor_id,
                                      branch_id=branch_id)
    pagination = db.paginate(query, page=_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("audits/assignments.html", pagination=pagination, status=status,
                           auditor_id=auditor_id, branch_id=branch_id, auditors=services.assignable_auditors(),
                           branches=_branches_for(current_user, plan=True), today=utcnow().date(),
                           can_plan=services.can_plan(current_user))


def _assignment_form(assignment=None):
    form = AssignmentForm(obj=assignment)
    branches = _branches_for(current_user, plan=True)
    if assignment is not None and assignment.branch not in branches:
        branches.append(assignment.branch)
    form.auditor_id.choices = [(u.id, u.name) for u in services.assignable_auditors()]
    if assignment is not None and assignment.auditor_id not in dict(form.auditor_id.choices):
        form.auditor_id.choices.append((assignment.auditor_id, assignment.auditor.name))
    form.branch_id.choices = [(b.id, b.name) for b in branches]
    form.scorecard_id.choices = _scorecard_choices()
    if assignment is not None and assignment.scorecard_id not in dict(form.scorecard_id.choices):
        form.scorecard_id.choices.append((assignment.scorecard_id, assignment.scorecard.title()))
    form.employee_id.choices = _employee_choices(branches)
    return form


def _save_assignment(form, assignment=None):
    values = {"auditor": form.auditor_id.data, "branch": form.branch_id.data, "scorecard": form.scorecard_id.data,
              "employee": form.employee_id.data, "due_date": form.due_date.data, "notes": form.notes.data}
    try:
        if assignment is None:
            assignment = services.plan_assignment(current_user, **values)
        else:
            services.update_assignment(assignment, current_user, **values)
        db.session.commit()
    except (services.AuditInvalid, services.AuditConflict) as exc:
        db.session.rollback()
        fields = {"auditor_id": form.auditor_id, "branch_id": form.branch_id, "scorecard": form.scorecard_id,
                  "employee_id": form.employee_id, "due_date": form.due_date}
        problems = getattr(exc, "problems", []) or [(None, exc.message)]
        for key, message in problems:
            field = fields.get(key)
            if field is not None:
                field.errors = [*field.errors, message]
            else:
                flash(message, "error")
        return None
    return assignment


@bp.route("/assignments/new", methods=["GET", "POST"])
@roles_required("admin", "manager")
def create_assignment():
    if not services.can_plan(current_user):
        abort(403)
    form = _assignment_form()
    if request.method == "GET":
        form.branch_id.data = request.args.get("branch", type=int)
        form.auditor_id.data = request.args.get("auditor", type=int)
    if form.validate_on_submit():
        assignment = _save_assignment(form)
        if assignment is not None:
            flash(_("The audit was planned for %(name)s.", name=assignment.auditor.name), "success")
            return redirect(url_for("audits.assignments"))
    return render_template("audits/assignment_form.html", form=form, assignment=None)


def _visible_assignment(assignment_id) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not services.can_see_assignment(current_user, assignment):
        abort(404)
    return assignment


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
@roles_required("admin", "manager")
def edit_assignment(assignment_id):
    assignment = _visible_assignment(assignment_id)
    form = _assignment_form(assignment)
    if form.validate_on_submit():
        if _save_assignment(form, assignment) is not None:
            flash(_("The assignment was saved."), "success")
            return redirect(url_for("audits.assignments"))
    return render_template("audits/assignment_form.html", form=form, assignment=assignment)


@bp.route("/assignments/<int:assignment_id>/delete", methods=["POST"])
@roles_required("admin", "manager")
def delete_assignment(assignment_id):
    assignment = _visible_assignment(assignment_id)
    try:
        services.delete_assignment(assignment, current_user)
        db.session.commit()
    except services.AuditConflict as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("audits.edit_assignment", assignment_id=assignment_id))
    flash(_("The assignment was deleted."), "success")
    return redirect(url_for("audits.assignments"))


def _date_arg(name):
    from datetime import date

    try:
        return date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return None


@bp.route("/audits")
@login_required
def list_audits():
    filters = {
        "status": request.args.get("status") if request.args.get("status") in STATUS_LABELS else None,
        "branch_id": request.args.get("branch", type=int),
        "auditor_id": request.args.get("auditor", type=int) if current_user.role != "auditor" else None,
        "channel": request.args.get("channel") if request.args.get("channel") in CHANNELS else None,
        "scorecard_id": request.args.get("scorecard", type=int),
        "date_from": _date_arg("from"), "date_to": _date_arg("to"),
        "awaiting_review": request.args.get("review") == "1",
    }
    query = services.audit_query(current_user, **filters)
    pagination = db.paginate(query, page=_page(), per_page=PAGE_SIZE, error_out=False)
    reviewer = current_user.role in ("admin", "manager")
    awaiting = db.session.scalar(db.select(db.func.count()).select_from(
        services.audit_query(current_user, awaiting_review=True).order_by(None).subquery())) if reviewer else 0
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    auditors = (db.session.scalars(db.select(User).where(User.role.in_(("auditor", "admin", "manager")))
                                   .order_by(User.name)).all() if current_user.role != "auditor" else [])
    return render_template("audits/audits.html", pagination=pagination, filters=filters, args=args,
                           awaiting=awaiting, reviewer=reviewer, auditors=auditors,
                           branches=_branches_for(current_user) if current_user.role != "auditor"
                           else db.session.scalars(db.select(Branch).order_by(Branch.name)).all(),
                           scorecards=db.session.scalars(db.select(Scorecard).order_by(Scorecard.slug)).all())


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


def _read_form(audit, form):
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
    if audit.auditor_id != current_user.id or audit.status not in services.EDITABLE_STATUSES:
        return redirect(url_for("audits.view_audit", audit_id=audit.id))
    return None


@bp.route("/audits/<int:audit_id>/fill", methods=["GET", "POST"])
@login_required
def fill(audit_id):
    audit = _visible_audit(audit_id)
    other = _editable_or_redirect(audit)
    if other is not None:
        if request.method == "POST" and audit.auditor_id == current_user.id:
            flash(_("This audit is %(status)s and can no longer be changed.",
                    status=services.status_label(audit.status)), "error")
        return other
    if request.method == "POST":
        answers, comments, details = _read_form(audit, request.form)
        try:
            services.save_draft(audit, current_user, answers, comments, **details)
            db.session.commit()
        except services.AuditInvalid as exc:
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


@bp.route("/audits/<int:audit_id>/autosave", methods=["POST"])
@login_required
def autosave(audit_id):
    """fill.js posts each change here as JSON: {client_id, answers, comments, details}."""
    audit = _visible_audit(audit_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return error_response(400, _("Send the changes as a JSON object."))
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
    answered = {k for k, v in services.answer_values(audit).items()}
    total = [c for c in audit.version.criteria if c.type in ANSWERABLE]
    return jsonify({"ok": True, "revision": audit.lock_version, "status": audit.status,
                    "answered": len([c for c in total if c.key in answered]), "total": len(total),
                    "saved_at": utcnow().isoformat() + "Z"})


@bp.route("/audits/<int:audit_id>/submit", methods=["POST"])
@login_required
def submit(audit_id):
    audit = _visible_audit(audit_id)
    client_id = request.form.get("client_id")
    if client_id and client_id != audit.client_id:
        return error_response(409, _("This form belongs to another audit. Reload the page."))
    if audit.auditor_id == current_user.id and audit.status in ("submitted", "approved"):
        # A double tap or a retried request: the audit is already in; nothing more to do.
        flash(_("The audit was submitted."), "success")
        return redirect(url_for("audits.view_audit", audit_id=audit.id))
    if audit.auditor_id != current_user.id or audit.status not in services.EDITABLE_STATUSES:
        abort(403)
    answers, comments, details = _read_form(audit, request.form)
    try:
        services.save_draft(audit, current_user, answers, comments, **details)
    except services.AuditInvalid as exc:
        db.session.rollback()
        raw = {k: field_text(v) for k, v in answers.items()}
        return _render_fill(db.session.get(Audit, audit_id), 422, values=_merge_values(audit, raw),
                            comments=comments, problems=exc.problems)
    try:
        services.submit(audit, current_user, client_id=client_id or None)
        db.session.commit()
    except services.AuditInvalid as exc:
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
    audit = _visible_audit(audit_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return error_response(400, _("Send the position as a JSON object."))
    services.set_checkin(audit, current_user, data.get("lat"), data.get("lng"), data.get("accuracy"),
                         data.get("at"))
    db.session.commit()
    return jsonify({"ok": True, "checkin_at": audit.checkin_at.isoformat() + "Z"})


# --- Photos ----------------------------------------------------------------------------------------

def _save_posted_form(audit):
    """Without JS, photo buttons post the whole fill form: save its answers first (best effort)."""
    if audit.auditor_id != current_user.id or audit.status not in services.EDITABLE_STATUSES:
        return audit
    answers, comments, details = _read_form(audit, request.form)
    if answers or comments or details:
        try:
            services.save_draft(audit, current_user, answers, comments, **details)
            db.session.commit()
        except services.AuditInvalid:
            db.session.rollback()
            audit = db.session.get(Audit, audit.id)
    return audit


@bp.route("/audits/<int:audit_id>/photos", methods=["POST"])
@login_required
def upload_photo(audit_id):
    """A photo from the camera or gallery. Without JS the whole fill form comes along (its answers
    are saved first, so nothing typed is lost); with JS only the file is sent."""
    audit = _visible_audit(audit_id)
    wants_json = request.accept_mimetypes.best == "application/json"
    if not wants_json:
        audit = _save_posted_form(audit)
    criterion_key = request.form.get("criterion") or None
    upload = _chosen_file(criterion_key)
    if upload is None:
        message = _("Choose a photo first.")
        if wants_json:
            return error_response(422, message, {"problems": [{"criterion": "photo", "message": message}]})
        flash(message, "error")
        return redirect(url_for("audits.fill", audit_id=audit_id) + "#photos")
    try:
        photo = services.add_photo(audit, current_user, upload.stream, criterion_key=criterion_key,
                                   folder=current_app.config["UPLOAD_FOLDER"],
                                   max_bytes=current_app.config["PHOTO_MAX_BYTES"])
        db.session.commit()
    except services.AuditError as exc:
        db.session.rollback()
        if wants_json:
            return error_response(exc.status, exc.message, exc.details, code=exc.code)
        flash(exc.message, "error")
        return redirect(url_for("audits.fill", audit_id=audit_id) + _anchor(criterion_key)), 303
    if wants_json:
        return jsonify({"id": photo.id, "criterion": photo.criterion_key, "width": photo.width,
                        "height": photo.height, "url": url_for("audits.photo", audit_id=audit_id, photo_id=photo.id),
                        "delete_url": url_for("audits.delete_photo", audit_id=audit_id, photo_id=photo.id)}), 201
    flash(_("The photo was added."), "success")
    return redirect(url_for("audits.fill", audit_id=audit_id) + _anchor(criterion_key))


def _chosen_file(criterion_key):
    """The file sent: "photo" from fill.js, else the camera or gallery input of that criterion."""
    base = f"photo-{criterion_key or '_audit'}"
    for name in ("photo", base, base + "-g"):
        upload = request.files.get(name)
        if upload is not None and upload.filename:
            return upload
    return None


def _anchor(criterion_key):
    return f"#q-{criterion_key}" if criterion_key else "#photos"


@bp.route("/audits/<int:audit_id>/photos/<int:photo_id>")
@login_required
def photo(audit_id, photo_id):
    audit = _visible_audit(audit_id)
    row = db.session.get(Photo, photo_id)
    if row is None or row.audit_id != audit.id:
        abort(404)
    response = send_from_directory(current_app.config["UPLOAD_FOLDER"], row.filename, mimetype="image/jpeg",
                                   max_age=0)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/audits/<int:audit_id>/photos/<int:photo_id>/delete", methods=["POST"])
@login_required
def delete_photo(audit_id, photo_id):
    audit = _visible_audit(audit_id)
    row = db.session.get(Photo, photo_id)
    if row is None or row.audit_id != audit.id:
        abort(404)
    criterion_key = row.criterion_key
    if request.accept_mimetypes.best != "application/json":
        audit = _save_posted_form(audit)
        row = db.session.get(Photo, photo_id)
    name = services.delete_photo(row, current_user)
    db.session.commit()
    photo_files.remove(current_app.config["UPLOAD_FOLDER"], name)
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"ok": True})
    flash(_("The photo was removed."), "success")
    return redirect(url_for("audits.fill", audit_id=audit_id) + _anchor(criterion_key))


# --- The audit page and review ---------------------------------------------------------------------

def _audit_page(audit, status=200, return_form=None):
    answers = audit.answers_by_key()
    section_scores = {s.section_key: s for s in audit.section_scores}
    photos_by_key = {}
    for item in audit.photos:
        photos_by_key.setdefault(item.criterion_key, []).append(item)
    sections = []
    for section in audit.version.sections:
        rows = []
        for c in section.criteria:
            answer = answers.get(c.key)
            rows.append({"criterion": c, "text": pick(c.text, lang()),
                         "value": display_value(c, answer.value if answer else None) if c.type != "info" else "",
                         "comment": answer.comment if answer else "",
                         "fraction": answer.fraction if answer else None,
                         "photos": photos_by_key.get(c.key, [])})
        sections.append({"title": pick(section.title, lang()), "weight": section.weight,
                         "score": section_scores.get(section.key), "rows": rows})
    criteria_text = {c.key: pick(c.text, lang()) for c in audit.version.criteria}
    criteria = {c.key: c for c in audit.version.criteria}
    events = []
    for entry in services.history(audit):
        criterion = criteria.get(entry["criterion"])
        events.append({**entry, "criterion_text": criteria_text.get(entry["criterion"], entry["criterion"]),
                       "before_text": display_value(criterion, entry["before"]) if criterion
                       and entry["action"] == "answer_changed" else entry["before"],
                       "after_text": display_value(criterion, entry["after"]) if criterion
                       and entry["action"] == "answer_changed" else entry["after"]})
    duration = minutes_between(audit.started_at, audit.ended_at)
    can_review = services.can_review(current_user, audit)
    return render_template("audits/audit.html", audit=audit, sections=sections, events=events,
                           duration=duration, can_review=can_review,
                           return_form=return_form or (ReturnForm() if can_review else None),
                           audit_photos=photos_by_key.get(None, []),
                           pdf_url=url_for("reports.audit_pdf", audit_id=audit.id)
                           if "reports.audit_pdf" in current_app.view_functions and audit.status != "draft" else None,
                           can_edit=services.can_edit(current_user, audit)), status


@bp.route("/audits/<int:audit_id>")
@login_required
def view_audit(audit_id):
    return _audit_page(_visible_audit(audit_id))


@bp.route("/audits/<int:audit_id>/review", methods=["POST"])
@roles_required("admin", "manager")
def review(audit_id):
    """Approve or return a submitted audit; two reviewers at once: the second gets a clear 409."""
    audit = _visible_audit(audit_id)
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
    except services.AuditInvalid as exc:
        db.session.rollback()
        form.reason.errors = [m for _k, m in exc.problems]
        return _audit_page(db.session.get(Audit, audit_id), 422, return_form=form)
    except (services.AuditConflict, StaleDataError) as exc:
        db.session.rollback()
        db.session.expire_all()
        audit = db.session.get(Audit, audit_id)
        text = exc.message if isinstance(exc, services.AuditConflict) else services.conflict_message(audit)
        flash(text, "error")
        return _audit_page(audit, 409)
    flash(message, "success")
    if request.form.get("next") == "queue":
        return redirect(url_for("audits.list_audits", review="1"))
    return redirect(url_for("audits.view_audit", audit_id=audit.id))
