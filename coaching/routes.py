"""Coaching pages (the list, recording, a session with its effect, acknowledging), the coaching
block of an employee's report page (a template include fed by a context helper, so the reports
package knows nothing of coaching), and recognition with its certificates."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts.permissions import branch_ids_in_scope, can_see_branch, get_visible_or_404, roles_required
from audits.errors import AuditInvalid
from branches.models import Branch, Employee
from coaching import effect as effects
from coaching import pdf, services
from coaching import recognition as rec
from coaching.forms import CoachingForm, PeriodForm
from coaching.models import CoachingSession
from core.texts import pick
from core.timeutil import utcnow
from extensions import db
from reports.pdf import download

bp = Blueprint("coaching", __name__)
PAGE_SIZE = 30
READERS = ("admin", "manager", "hr", "employee")
COACHES = ("admin", "manager")
RECOGNITION_ROLES = ("admin", "manager", "hr")


def register(app):
    app.register_blueprint(bp)

    @app.context_processor
    def coaching_helpers():
        return {"coaching_block": coaching_block}


def _effect_rows(session: CoachingSession, texts: dict) -> list[dict]:
    return [{"key": e.criterion, "text": texts.get(e.criterion) or e.criterion, "effect": e}
            for e in effects.effect(session)]


def coaching_block(employee: Employee) -> dict | None:
    """What an employee's report page shows of coaching: the latest sessions, each with its effect,
    and whether the reader may record one (None for a reader who may see no session)."""
    user = current_user
    if not user.is_authenticated or user.role not in READERS:
        return None
    sessions = [s for s in services.sessions_of(employee.id, limit=5) if services.can_see_session(user, s)]
    texts = services.criterion_texts({k for s in sessions for k in s.criteria or []})
    return {"sessions": [{"session": s, "rows": _effect_rows(s, texts)} for s in sessions],
            "can_record": services.can_record(user, employee), "employee": employee}


def _session(coaching_id) -> CoachingSession:
    return get_visible_or_404(CoachingSession, coaching_id, services.can_see_session)


def _employee_choices(user):
    query = db.select(Employee.id, Employee.name, Branch.name).join(Branch, Branch.id == Employee.branch_id) \
        .where(Employee.active.is_(True)).order_by(Employee.name)
    scope = branch_ids_in_scope(user)
    if scope is not None:
        query = query.where(Employee.branch_id.in_(sorted(scope)) if scope else db.false())
    return [(eid, f"{name} · {branch}") for eid, name, branch in db.session.execute(query)]


def _criterion_choices(lang_code):
    return [(key, f"{pick(text, lang_code)} ({key})") for key, text in services.criterion_choices()]


def _form(session: CoachingSession | None = None) -> CoachingForm:
    from core.i18n import lang

    form = CoachingForm(obj=None)
    if session is not None and request.method == "GET":
        form = CoachingForm(data={"employee": session.employee_id, "held_on": session.held_on,
                                  "criteria": list(session.criteria or []), "notes": session.notes,
                                  "goals": session.goals, "follow_up_on": session.follow_up_on})
    form.employee.choices = _employee_choices(current_user)
    form.criteria.choices = _criterion_choices(lang())
    if session is not None:  # keys no longer in any scorecard stay choosable on their session
        known = {k for k, _label in form.criteria.choices}
        form.criteria.choices += [(k, k) for k in session.criteria or [] if k not in known]
    return form


def _values(form: CoachingForm) -> dict:
    return {"held_on": form.held_on.data, "criteria": form.criteria.data or [], "notes": form.notes.data or "",
            "goals": form.goals.data or "", "follow_up_on": form.follow_up_on.data}


def _problems_to_form(form, exc) -> None:
    """A service's refusal shown on the form: each problem under its field (an unknown criterion
    under the criteria, named)."""
    for key, message in exc.problems:
        if key in ("held_on", "criteria", "notes", "goals", "follow_up_on"):
            form[key].errors = [*form[key].errors, message]
        else:
            form.criteria.errors = [*form.criteria.errors, f"{key}: {message}"]


@bp.route("/coaching")
@roles_required(*READERS)
def list_sessions():
    """The sessions the reader may see (an employee: their own), newest first."""
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    pagination = db.paginate(services.session_query(current_user), page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template("coaching/list.html", pagination=pagination)


@bp.route("/coaching/new", methods=["GET", "POST"])
@roles_required(*COACHES)
def record_session():

    form = _form()
    if request.method == "GET":
        form.employee.data = request.args.get("employee", type=int)
        form.held_on.data = utcnow().date()
    if form.validate_on_submit():
        employee = db.session.get(Employee, form.employee.data)
        if employee is None or not can_see_branch(current_user, employee.branch_id):
            abort(404)
        saved = _save(form, lambda: services.record(current_user, employee, _values(form)))
        if saved is not None:
            return saved
    return render_template("coaching/form.html", form=form, session=None), 200 if not form.errors else 400


def _save(form, save):
    """Run ``save`` (a service call returning the session), commit and go to the session's page;
    a refusal goes to the form's fields (None: show the form again)."""
    try:
        session = save()
    except AuditInvalid as exc:
        db.session.rollback()
        _problems_to_form(form, exc)
        return None
    db.session.commit()
    flash(_("The coaching session was saved."), "success")
    return redirect(url_for("coaching.view_session", coaching_id=session.id))


@bp.route("/coaching/<int:coaching_id>")
@roles_required(*READERS)
def view_session(coaching_id):
    session = _session(coaching_id)
    texts = services.criterion_texts(session.criteria or [])
    return render_template("coaching/session.html", session=session, rows=_effect_rows(session, texts),
                           can_change=services.can_change(current_user, session),
                           can_acknowledge=services.can_acknowledge(current_user, session),
                           min_audits=effects.MIN_AUDITS)


@bp.route("/coaching/<int:coaching_id>/edit", methods=["GET", "POST"])
@roles_required(*COACHES)
def edit_session(coaching_id):

    session = _session(coaching_id)
    if not services.can_change(current_user, session):
        abort(403)
    form = _form(session)
    form.employee.choices = [(session.employee_id, session.employee.name)]  # the employee stays
    if request.method == "POST":
        form.employee.data = session.employee_id
    if form.validate_on_submit():
        saved = _save(form, lambda: services.change(current_user, session, _values(form)) or session)
        if saved is not None:
            return saved
    return render_template("coaching/form.html", form=form, session=session), 200 if not form.errors else 400


@bp.route("/coaching/<int:coaching_id>/acknowledge", methods=["POST"])
@roles_required("employee")
def acknowledge(coaching_id):
    session = _session(coaching_id)  # (the app's CSRFProtect has checked the form's token)
    services.acknowledge(current_user, session)
    db.session.commit()
    flash(_("You acknowledged the coaching session."), "success")
    return redirect(url_for("coaching.view_session", coaching_id=session.id))


# ---- recognition ----------------------------------------------------------------------------------

def _period_form():
    """(form, (from, to, branch id)) from the query string; a branch out of scope is 404."""
    form = PeriodForm(request.args)
    scope = branch_ids_in_scope(current_user)
    branches = db.session.execute(db.select(Branch.id, Branch.name).order_by(Branch.name)).all()
    form.branch.choices = [("", _("Every branch I see"))] + [(str(i), n) for i, n in branches
                                                              if scope is None or i in scope]
    if not form.validate():
        return form, None
    date_from, date_to = form.date_from.data, form.date_to.data
    if date_from is not None and date_to is not None and date_from > date_to:
        form.date_to.errors = [_("The end of the period comes before its start.")]
        return form, None
    date_from, date_to = rec.period_of(date_from, date_to, utcnow().date())
    branch_id = int(form.branch.data) if (form.branch.data or "").isdigit() else None
    if branch_id is not None and not can_see_branch(current_user, branch_id):
        abort(404)
    form.date_from.data, form.date_to.data = date_from, date_to
    return form, (date_from, date_to, branch_id)


@bp.route("/recognition")
@roles_required(*RECOGNITION_ROLES)
def recognition():
    """The employees recognised for a period, and the most improved (docs/coaching.md)."""
    form, period = _period_form()
    if period is None:
        return render_template("coaching/recognition.html", form=form, data=None), 400
    data = rec.recognition(current_user, *period)
    args = {"from": period[0].isoformat(), "to": period[1].isoformat()}
    if period[2] is not None:
        args["branch"] = period[2]
    return render_template("coaching/recognition.html", form=form, data=data, args=args)


@bp.route("/recognition/<int:employee_id>/certificate.pdf")
@roles_required(*RECOGNITION_ROLES)
def certificate(employee_id):
    """A one-page certificate for an employee recognised in the period (404 for anyone else)."""
    employee = get_visible_or_404(Employee, employee_id, lambda user, e: can_see_branch(user, e.branch_id))
    form, period = _period_form()
    if period is None:
        abort(404)
    found = rec.recognised(current_user, employee.id, *period)
    if found is None:
        abort(404)
    kind, row, data = found
    lang = request.args.get("lang")
    return download(lambda: pdf.certificate(employee, kind, row, data, lang),
                    f"certificate-{employee.code}-{period[0].isoformat()}-{period[1].isoformat()}.pdf")
