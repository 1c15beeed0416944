"""The managers' survey pages: links and their posters, the responses with their comments (hiding
one), and the admin's survey settings. Who may do what: services.py and docs/surveys.md."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts.permissions import branch_ids_in_scope, can_see_branch, get_visible_or_404, roles_required
from branches.models import Branch, Employee
from core.i18n import LANGUAGES
from extensions import db
from reports import pdf
from surveys import poster, services
from surveys.forms import LinkForm, SettingsForm
from surveys.models import QUESTIONS, SurveyLink, SurveyResponse, survey_settings
from surveys.wording import defaults

bp = Blueprint("surveys", __name__)
LINK_ROLES = ("admin", "manager")
READ_ROLES = ("admin", "manager", "hr")
PAGE_SIZE = 30


def _branches():
    query = db.select(Branch).where(Branch.active.is_(True)).order_by(Branch.name)
    scope = branch_ids_in_scope(current_user)
    if current_user.role != "admin":
        query = query.where(Branch.id.in_(sorted(scope or ())))
    return db.session.scalars(query).all()


def _link_form():
    form = LinkForm()
    branches = _branches()
    form.branch_id.choices = [(b.id, b.name) for b in branches]
    employees = db.session.scalars(db.select(Employee).where(
        Employee.branch_id.in_([b.id for b in branches]), Employee.active.is_(True)).order_by(Employee.name)).all()
    form.employee_id.choices = [(0, _("None: the branch's link"))] + [
        (e.id, f"{e.name} · {e.branch.name}") for e in employees]
    return form


@bp.route("/surveys")
@roles_required(*LINK_ROLES)
def links():
    """The survey links of the branches the user manages, with their posters."""
    rows = db.session.scalars(services.links_query(current_user).limit(500)).all()
    return render_template("surveys/links.html", links=rows, form=_link_form(), survey_url=poster.survey_url)


@bp.route("/surveys/links", methods=["POST"])
@roles_required(*LINK_ROLES)
def create_link():
    form = _link_form()
    if not form.validate_on_submit():
        rows = db.session.scalars(services.links_query(current_user).limit(500)).all()
        return render_template("surveys/links.html", links=rows, form=form, survey_url=poster.survey_url), 400
    services.create_link(current_user, form.branch_id.data, form.employee_id.data or None,
                         language=form.language.data)
    db.session.commit()
    flash(_("The survey link was made."), "success")
    return redirect(url_for("surveys.links"))


def _link(link_id) -> SurveyLink:
    return get_visible_or_404(SurveyLink, link_id, services.can_see_link)


@bp.route("/surveys/links/<int:link_id>/revoke", methods=["POST"])
@roles_required(*LINK_ROLES)
def revoke_link(link_id):
    services.revoke_link(current_user, _link(link_id))
    db.session.commit()
    flash(_("The link was revoked: it no longer takes answers."), "success")
    return redirect(url_for("surveys.links"))


@bp.route("/surveys/links/<int:link_id>/poster.pdf")
@roles_required(*LINK_ROLES)
def link_poster(link_id):
    link = _link(link_id)
    return pdf.download(lambda: poster.poster_pdf(link), f"survey-{link.branch.code}-{link.id}.pdf")


def _day(name):
    raw = request.args.get(name) or ""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, _("Dates are written 2026-01-31."))


@bp.route("/surveys/responses")
@roles_required(*READ_ROLES)
def responses():
    """Responses of the branches in scope, newest first, with their comments."""
    branch_id = request.args.get("branch", type=int)
    if branch_id is not None:
        get_visible_or_404(Branch, branch_id, lambda user, b: can_see_branch(user, b.id))
    date_from, date_to = _day("from"), _day("to")
    query = services.responses_query(current_user, branch_id, date_from, date_to)
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    args = {k: v for k, v in {"branch": branch_id, "from": request.args.get("from") or None,
                              "to": request.args.get("to") or None}.items() if v}
    return render_template("surveys/responses.html", pagination=pagination, branches=_branches_read(),
                           branch_id=branch_id, args=args, can_hide=services.can_hide)


def _branches_read():
    query = db.select(Branch).order_by(Branch.name)
    scope = branch_ids_in_scope(current_user)
    if scope is not None:
        query = query.where(Branch.id.in_(sorted(scope)))
    return db.session.scalars(query).all()


@bp.route("/surveys/responses/<int:response_id>/hide", methods=["POST"])
@roles_required(*LINK_ROLES)
def hide_comment(response_id):
    response = get_visible_or_404(SurveyResponse, response_id, lambda user, r: can_see_branch(user, r.branch_id))
    services.hide_comment(current_user, response)
    db.session.commit()
    flash(_("The comment is hidden. It is kept, with your name."), "success")
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("surveys.responses")
    return redirect(target)


@bp.route("/surveys/settings", methods=["GET", "POST"])
@roles_required("admin")
def settings():
    """Wording of each question in each language, the optional questions, retention, minimum."""
    row = survey_settings()
    form = SettingsForm(obj=row)
    wording = row.wording or {}
    if form.validate_on_submit():
        typed = {lang: {q: request.form.get(f"wording-{lang}-{q}", "") for q in QUESTIONS} for lang in LANGUAGES}
        services.save_settings(current_user, retention_months=form.retention_months.data,
                               min_responses=form.min_responses.data, ask_wait=form.ask_wait.data,
                               ask_comment=form.ask_comment.data, wording=typed)
        db.session.commit()
        flash(_("The survey settings were saved."), "success")
        return redirect(url_for("surveys.settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("surveys/settings.html", form=form, wording=wording, questions=QUESTIONS,
                           defaults={lang: defaults(lang) for lang in LANGUAGES}, languages=LANGUAGES), status
