"""Lists: my assignments (the auditor's start page), starting an audit, planning assignments, the
list of audits and the review queue."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts.models import User
from accounts.permissions import branch_ids_in_scope, branches_readable, may_start_unplanned, roles_required
from audits import assignments as assignment_services
from audits import services
from audits.errors import AuditConflict, AuditInvalid
from audits.forms import STATUS_LABELS, AssignmentForm, StartAuditForm
from audits.models import Assignment, Audit
from audits.policy import can_plan
from audits.queries import audit_query, open_audits_of, unacknowledged
from audits.routes.common import PAGE_SIZE, bp, new_client_id, page_arg, visible_assignment
from branches.models import Branch, Employee
from core.timeutil import utcnow
from core.web import commit_or_flash
from extensions import db
from scorecards.models import CHANNELS, Scorecard


def _scorecard_choices():
    cards = db.session.scalars(db.select(Scorecard).where(Scorecard.archived.is_(False))
                               .order_by(Scorecard.slug)).all()
    return [(c.id, c.title()) for c in cards if c.latest_published is not None]


def _branches_for(user, plan=False):
    """Active branches to choose from: auditors those they may read (every active one while
    unplanned audits are allowed); ``plan``: those the user plans for (admin all, manager their
    own); else the user's scope."""
    query = db.select(Branch).where(Branch.active.is_(True)).order_by(Branch.name)
    if user.role == "auditor":
        reading = branches_readable(user)
        scope = set() if reading is None else reading.ids
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
    if not may_start_unplanned(user):
        return None
    form = StartAuditForm(prefix="start")
    branches = _branches_for(user, plan=True)
    form.branch_id.choices = [(b.id, f"{b.name} · {b.city}" if b.city else b.name) for b in branches]
    form.scorecard_id.choices = _scorecard_choices()
    form.employee_id.choices = _employee_choices(branches)
    if not form.client_id.data:
        form.client_id.data = new_client_id()
    if not form.branch_id.choices or not form.scorecard_id.choices:
        return None
    return form


@bp.route("/my/assignments")
@roles_required("auditor", "manager", "admin")  # HR audits nobody: 403, not a redirect
def my_assignments():
    """The auditor's start page (the installed app opens here); managers and admins may audit too."""
    assignments = db.session.scalars(assignment_services.assignment_query(current_user, status="pending")
                                     .where(Assignment.auditor_id == current_user.id)).all()
    open_audits = open_audits_of(current_user)
    returned = [a for a in open_audits if a.status == "returned"]
    drafts = [a for a in open_audits if a.status == "draft" and a.assignment_id is None]
    recent = db.session.scalars(audit_query(current_user, auditor_id=current_user.id)
                                .where(Audit.status.in_(("submitted", "approved"))).limit(5)).all()
    start_form = _start_form(current_user)
    # Offline, the unplanned form opens the kept page of the chosen scorecard (offline/routes.py).
    offline_starts = {} if start_form is None else {
        str(card.id): (card.title(), url_for("offline.prepared_unplanned", slug=card.slug))
        for card in db.session.scalars(db.select(Scorecard).where(Scorecard.id.in_(
            [i for i, _t in start_form.scorecard_id.choices])).order_by(Scorecard.slug))}
    return render_template("audits/my_assignments.html", assignments=assignments, returned=returned,
                           drafts=drafts, recent=recent, start_form=start_form, offline_starts=offline_starts,
                           today=utcnow().date(), client_ids={a.id: new_client_id() for a in assignments})


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
    except AuditInvalid as exc:
        db.session.rollback()
        flash(exc.message + " " + " ".join(m for _k, m in exc.problems), "error")
        return redirect(url_for("audits.my_assignments"))
    except AuditConflict as exc:
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
    status = status if status in (*assignment_services.ASSIGNMENT_STATUSES, "pending") else ""
    auditor_id = request.args.get("auditor", type=int)
    branch_id = request.args.get("branch", type=int)
    query = assignment_services.assignment_query(current_user, status=status or None, auditor_id=auditor_id,
                                      branch_id=branch_id)
    pagination = db.paginate(query, page=page_arg(), per_page=PAGE_SIZE, error_out=False)
    return render_template("audits/assignments.html", pagination=pagination, status=status,
                           auditor_id=auditor_id, branch_id=branch_id,
                           auditors=assignment_services.assignable_auditors(),
                           branches=_branches_for(current_user, plan=True), today=utcnow().date(),
                           can_plan=can_plan(current_user))


def _assignment_form(assignment=None):
    form = AssignmentForm(obj=assignment)
    branches = _branches_for(current_user, plan=True)
    if assignment is not None and assignment.branch not in branches:
        branches.append(assignment.branch)
    form.auditor_id.choices = [(u.id, u.name) for u in assignment_services.assignable_auditors()]
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
            assignment = assignment_services.plan_assignment(current_user, **values)
        else:
            assignment_services.update_assignment(assignment, current_user, **values)
        db.session.commit()
    except (AuditInvalid, AuditConflict) as exc:
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
    if not can_plan(current_user):
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


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
@roles_required("admin", "manager")
def edit_assignment(assignment_id):
    assignment = visible_assignment(assignment_id)
    form = _assignment_form(assignment)
    if form.validate_on_submit():
        if _save_assignment(form, assignment) is not None:
            flash(_("The assignment was saved."), "success")
            return redirect(url_for("audits.assignments"))
    return render_template("audits/assignment_form.html", form=form, assignment=assignment)


@bp.route("/assignments/<int:assignment_id>/delete", methods=["POST"])
@roles_required("admin", "manager")
def delete_assignment(assignment_id):
    assignment = visible_assignment(assignment_id)
    if not commit_or_flash(AuditConflict, assignment_services.delete_assignment, assignment, current_user):
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
    query = audit_query(current_user, **filters)
    pagination = db.paginate(query, page=page_arg(), per_page=PAGE_SIZE, error_out=False)
    reviewer = current_user.role in ("admin", "manager")
    awaiting = db.session.scalar(db.select(db.func.count()).select_from(
        audit_query(current_user, awaiting_review=True).order_by(None).subquery())) if reviewer else 0
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    auditors = (db.session.scalars(db.select(User).where(User.role.in_(("auditor", "admin", "manager")))
                                   .order_by(User.name)).all()
                if current_user.role not in ("auditor", "employee") else [])
    return render_template("audits/audits.html", pagination=pagination, filters=filters, args=args,
                           not_read=unacknowledged(pagination.items) if reviewer or current_user.role == "hr"
                           else set(),
                           awaiting=awaiting, reviewer=reviewer, auditors=auditors,
                           branches=_branches_for(current_user) if current_user.role != "auditor"
                           else db.session.scalars(db.select(Branch).order_by(Branch.name)).all(),
                           scorecards=db.session.scalars(db.select(Scorecard).order_by(Scorecard.slug)).all())
