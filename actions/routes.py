"""Action pages: "My actions", a branch's actions with filters, one action (its changes of state
and its details), a new action from an audit, the photo evidence; and the actions panel of the
audit page (a template include fed by a context helper, so the audits package knows nothing of
actions). Every rule is actions/services.py's."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from accounts.permissions import can_see_audit, can_see_branch, get_visible_or_404, roles_required
from actions import queries, services
from actions.forms import ActionForm, CancelForm, DoneForm, EditActionForm
from actions.models import ACTION_STATUSES, STATUS_LABELS, Action
from audits.errors import AuditError, AuditForbidden, AuditInvalid
from audits.models import Audit
from branches.models import Branch
from core import storage
from core.texts import pick
from core.timeutil import utcnow
from extensions import db

bp = Blueprint("actions", __name__)
PRIORITY_LABELS = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High")}
CHANGE_LABELS = {"in_progress": _l("Start it"), "done": _l("Mark it done"), "verified": _l("Verify it"),
                 "cancelled": _l("Cancel it")}
PAGE_SIZE = 30


def register(app):
    app.register_blueprint(bp)

    @app.context_processor
    def action_helpers():
        return {"action_panel": action_panel, "action_status_labels": STATUS_LABELS,
                "action_priority_labels": PRIORITY_LABELS}


def action_panel(audit: Audit) -> dict | None:
    """What the audit page shows of actions: those that follow it, and whether the reader may add one."""
    if not current_user.is_authenticated:
        return None
    visible = [a for a in queries.actions_of_audit(audit.id) if services.can_see_action(current_user, a)]
    may_create = services.can_create(current_user, audit)
    if not visible and not may_create:
        return None
    return {"actions": visible, "can_create": may_create}


def _action(action_id) -> Action:
    return get_visible_or_404(Action, action_id, services.can_see_action)


def _page(query):
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def _status_filter(default: str) -> tuple[str, str | None]:
    status = request.args.get("status", default)
    if status not in (*ACTION_STATUSES, "pending", "all"):
        abort(404)
    return status, None if status in ("pending", "all") else status


def _pending_only(query, status: str):
    from actions.models import PENDING

    return query.where(Action.status.in_(PENDING)) if status == "pending" else query


@bp.route("/my/actions")
@login_required
def my_actions():
    """The actions the user owns: still to do by default."""
    status, exact = _status_filter("pending")
    query = queries.action_query(current_user, queries.ActionFilters(status=exact, owner_id=current_user.id))
    return render_template("actions/mine.html", pagination=_page(_pending_only(query, status)), status=status,
                           statuses=("pending", *ACTION_STATUSES, "all"), today=utcnow().date())


@bp.route("/branches/<int:branch_id>/actions")
@roles_required("admin", "hr", "manager")
def branch_actions(branch_id):
    """A branch's actions, filtered by state, overdue, owner and criterion."""
    branch = get_visible_or_404(Branch, branch_id, lambda user, b: can_see_branch(user, b.id))
    status, exact = _status_filter("pending")
    owners = services.possible_owners(branch.id)
    owner_id = request.args.get("owner", type=int)
    criterion = request.args.get("criterion") or None
    overdue = request.args.get("overdue") == "1"
    filters = queries.ActionFilters(status=exact, branch_id=branch.id, owner_id=owner_id,
                                    criterion_key=criterion, overdue=overdue)
    query = _pending_only(queries.action_query(current_user, filters), status)
    return render_template("actions/branch.html", branch=branch, pagination=_page(query), status=status,
                           statuses=("pending", *ACTION_STATUSES, "all"), owners=owners, owner_id=owner_id,
                           criteria=queries.criteria_with_actions(branch.id), criterion=criterion, overdue=overdue,
                           today=utcnow().date())


def _target_choices(audit: Audit) -> list[tuple[str, str]]:
    from core.i18n import lang

    answers = audit.answers_by_key()
    choices = [("audit", _("The whole audit"))]
    for section in audit.version.sections:
        choices.append((f"section:{section.key}", _("Section: %(title)s", title=pick(section.title, lang()))))
        for c in section.criteria:
            answer = answers.get(c.key)
            if answer is not None and answer.fraction is not None and answer.fraction < 1:
                choices.append((f"criterion:{c.key}", _("Failed: %(text)s", text=pick(c.text, lang()))))
    return choices


@bp.route("/audits/<int:audit_id>/actions/new", methods=["GET", "POST"])
@roles_required("admin", "manager")
def new_action(audit_id):
    """A new action on an approved audit, by a manager of its branch or an admin."""
    audit = get_visible_or_404(Audit, audit_id, can_see_audit)
    if not services.can_create(current_user, audit):  # a page that cannot be used here (the API: 409)
        raise AuditForbidden(_("Actions follow approved audits of your branches."))
    form = ActionForm()
    form.target.choices = _target_choices(audit)
    form.owner_id.choices = [(u.id, u.name) for u in services.possible_owners(audit.branch_id)]
    if request.method == "GET" and request.args.get("target"):
        form.target.data = request.args["target"]
    if form.validate_on_submit():
        kind, _sep, key = form.target.data.partition(":")
        try:
            action = services.create_action(
                audit, current_user, title=form.title.data, owner_id=form.owner_id.data, due_date=form.due_date.data,
                description=form.description.data or "", priority=form.priority.data,
                criterion_key=key if kind == "criterion" else None, section_key=key if kind == "section" else None)
            db.session.commit()
        except AuditInvalid as exc:
            db.session.rollback()
            flash(" ".join([exc.message, *[m for _k, m in exc.problems]]), "error")
        else:
            flash(_("The action was created."), "success")
            return redirect(url_for("actions.view_action", action_id=action.id))
    return render_template("actions/new.html", form=form, audit=audit)


@bp.route("/actions/<int:action_id>")
@login_required
def view_action(action_id):
    action = _action(action_id)
    edit = None
    if services.can_manage(current_user, action) and action.status in ("open", "in_progress"):
        edit = EditActionForm(obj=action)
        edit.owner_id.choices = [(u.id, u.name) for u in services.possible_owners(action.branch_id)]
    criterion = next((c for c in action.audit.version.criteria if c.key == action.criterion_key), None)
    section = next((s for s in action.audit.version.sections if s.key == action.section_key), None)
    return render_template("actions/view.html", action=action, changes=services.allowed_changes(current_user, action),
                           change_labels=CHANGE_LABELS, done_form=DoneForm(), cancel_form=CancelForm(),
                           edit_form=edit, criterion=criterion, section=section, today=utcnow().date(),
                           shown=lambda person: services.shown_person(current_user, action, person))


def _back(action_id):
    return redirect(url_for("actions.view_action", action_id=action_id), 303)


def _refused(exc: AuditError, action_id):
    db.session.rollback()
    if exc.status in (403, 404):  # refusals go to the app's error page
        raise exc
    flash(" ".join([exc.message, *[m for _k, m in getattr(exc, "problems", [])]]), "error")
    return _back(action_id)


@bp.route("/actions/<int:action_id>/status", methods=["POST"])
@login_required
def change_status(action_id):
    """One change of state from the action's page; ``to`` names it."""
    action = _action(action_id)
    to = request.form.get("to", "")
    if to not in services.TRANSITIONS:
        abort(400)
    try:
        if to == "done":
            upload = request.files.get("photo")
            stream = upload.stream if upload is not None and upload.filename else None
            services.complete(action, current_user, request.form.get("closing_note", ""), stream)
        elif to == "cancelled":
            services.cancel(action, current_user, request.form.get("cancel_reason", ""))
        else:
            services.change_status(action, current_user, to)
        db.session.commit()
    except AuditError as exc:
        return _refused(exc, action.id)
    flash(_("The action is now: %(status)s.", status=STATUS_LABELS[action.status]), "success")
    return _back(action.id)


@bp.route("/actions/<int:action_id>/edit", methods=["POST"])
@login_required
def edit_action(action_id):
    """Change the details of an action still to be done (a manager of the branch)."""
    action = _action(action_id)
    if not services.can_manage(current_user, action):
        raise AuditForbidden(_("Only a manager of the branch or an admin can change an action."))
    form = EditActionForm()
    form.owner_id.choices = [(u.id, u.name) for u in services.possible_owners(action.branch_id)]
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return _back(action.id)
    try:
        services.update_action(action, current_user, title=form.title.data, description=form.description.data or "",
                               owner_id=form.owner_id.data, due_date=form.due_date.data, priority=form.priority.data)
        db.session.commit()
    except AuditError as exc:
        return _refused(exc, action.id)
    flash(_("The action was saved."), "success")
    return _back(action.id)


@bp.route("/actions/<int:action_id>/photo")
@login_required
def action_photo(action_id):
    """The photo evidence, to whoever may see the action (streamed or redirected: core/storage.py)."""
    action = _action(action_id)
    if not action.photo:
        abort(404)
    return storage.send(action.photo, "image/jpeg", "private, max-age=3600")
