"""Calibration pages: the list, a new session, a session (scoring form for its participants while
open, results once closed), closing, the PDF, and the agreement statistics of a period."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts.models import User
from accounts.permissions import roles_required
from audits.display import field_text
from audits.errors import AuditConflict, AuditInvalid
from audits.routes.fill import _criterion_view, read_form
from branches.models import Branch
from calibration import agreement, services
from calibration.display import LEVEL_TEXTS, answer_text, criterion_text, reason_text
from calibration.forms import SessionForm
from calibration.models import CalibrationSession
from core.errors import error_response
from core.i18n import lang
from core.texts import pick
from core.web import commit_or_flash
from extensions import db
from reports.filters import default_period
from reports.pdf import PdfError
from scorecards.models import Scorecard

bp = Blueprint("calibration", __name__)
PAGE_SIZE = 30


def register(app):
    app.register_blueprint(bp)


@bp.errorhandler(PdfError)
def pdf_failed(exc):
    return error_response(500, _("The PDF could not be made. Please try again; if it fails again, "
                                 "tell your administrator."))


def _session(session_id) -> CalibrationSession:
    return services.get_visible(current_user, session_id)


@bp.route("/calibration")
@roles_required("admin", "manager", "auditor", "hr")
def list_sessions():
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    pagination = db.paginate(services.session_query(current_user), page=page, per_page=PAGE_SIZE, error_out=False)
    cards = db.session.scalars(db.select(Scorecard).where(Scorecard.archived.is_(False)).order_by(Scorecard.slug))
    return render_template("calibration/list.html", pagination=pagination,
                           may_create=services.may_create(current_user),
                           cards=[c for c in cards if c.latest_published is not None])


def _choices(form: SessionForm) -> None:
    cards = db.session.scalars(db.select(Scorecard).where(Scorecard.archived.is_(False)).order_by(Scorecard.slug))
    form.scorecard.choices = [(c.slug, c.title(lang())) for c in cards if c.latest_published is not None]
    people = db.session.scalars(db.select(User).where(User.active.is_(True), User.role.in_(services.RATERS))
                                .order_by(User.name)).all()
    form.participants.choices = [(u.email, f"{u.name} ({u.email})") for u in people]
    form.expert.choices = [("", _("No expert: agreement with the majority"))] + form.participants.choices
    branches = db.session.scalars(db.select(Branch).where(Branch.active.is_(True)).order_by(Branch.name)).all()
    if current_user.role == "manager":
        branches = [b for b in branches if b.id in current_user.branch_ids]
        form.branch.choices = [(str(b.id), b.name) for b in branches]
    else:
        form.branch.choices = [("", _("None"))] + [(str(b.id), b.name) for b in branches]


@bp.route("/calibration/new", methods=["GET", "POST"])
@roles_required("admin", "manager")
def new_session():
    form = SessionForm()
    _choices(form)
    problems = []
    if form.validate_on_submit():
        try:
            version = services.version_for(form.scorecard.data)
            session = services.create_session(
                current_user, version=version, title=form.title.data, subject=form.subject.data or "",
                participants=form.participants.data or [], expert=form.expert.data or None,
                due_date=form.due_date.data, branch_id=int(form.branch.data) if form.branch.data else None)
            db.session.commit()
        except AuditInvalid as exc:
            db.session.rollback()
            problems = [m for _k, m in exc.problems]
        else:
            flash(_("The calibration session was created and its participants told."), "success")
            return redirect(url_for("calibration.view_session", session_id=session.id))
    return render_template("calibration/new.html", form=form, problems=problems), 422 if problems else 200


def _questions(session, participant, values=None, problems=()):
    """The fill page's view of each question (audits.routes.fill._criterion_view), without photos."""
    stored = participant.answers or {} if participant is not None else {}
    values = values if values is not None else {k: field_text(v) for k, v in stored.items()}
    comments = (participant.comments or {}) if participant is not None else {}
    problem_map = dict(problems)
    sections = []
    for section in session.version.sections:
        items = [_criterion_view(c, values, comments, {}, problem_map) for c in section.criteria
                 if c.type != "photo"]
        sections.append({"key": section.key, "title": pick(section.title, lang()), "items": items})
    return sections


def _render(session, status=200, values=None, problems=()):
    participant = session.participant_of(current_user.id)
    closed = session.is_closed()
    result = services.results(session) if closed else None
    texts = {c.key: criterion_text(c) for c in session.version.criteria}
    return render_template(
        "calibration/session.html", session=session, participant=participant, closed=closed, result=result,
        sections=_questions(session, participant, values, problems) if participant is not None and not closed else [],
        problems=[(k, texts.get(k, k), m) for k, m in problems], can_close=services.can_close(current_user, session),
        criterion_text=criterion_text, answer_text=answer_text), status


@bp.route("/calibration/<int:session_id>")
@login_required
def view_session(session_id):
    return _render(_session(session_id))[0]


@bp.route("/calibration/<int:session_id>/answers", methods=["POST"])
@login_required
def save_answers(session_id):
    session = _session(session_id)
    answers, comments, _details = read_form(session, request.form)
    submit = request.form.get("submit") == "1"
    try:
        services.save_answers(session, current_user, answers, comments, submit=submit)
        db.session.commit()
    except AuditInvalid as exc:
        db.session.rollback()
        session = _session(session_id)
        return _render(session, 422, values={k: field_text(v) for k, v in answers.items()}, problems=exc.problems)
    except AuditConflict as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("calibration.view_session", session_id=session_id))
    flash(_("Your answers were submitted.") if submit else _("Your answers were saved."), "success")
    return redirect(url_for("calibration.view_session", session_id=session_id))


@bp.route("/calibration/<int:session_id>/close", methods=["POST"])
@login_required
def close_session(session_id):
    session = _session(session_id)
    if commit_or_flash(AuditConflict, services.close, session, current_user):
        flash(_("The session is closed: here are the results."), "success")
    return redirect(url_for("calibration.view_session", session_id=session_id))


@bp.route("/calibration/<int:session_id>.pdf")
@login_required
def session_pdf(session_id):
    from calibration.pdf import session_pdf as make
    from reports.pdf import download

    result = services.results(_session(session_id))
    return download(lambda: make(result, request.args.get("lang") or lang()), f"calibration-{session_id}.pdf")


@bp.route("/calibration/agreement")
@roles_required("admin", "manager", "hr")
def agreement_page():
    """Agreement over a period for one scorecard: alpha per criterion, kappa per auditor."""
    from datetime import date

    cards = [c for c in db.session.scalars(db.select(Scorecard).order_by(Scorecard.slug)) if c.latest_published]
    slug = request.args.get("scorecard") or (cards[0].slug if cards else "")
    card = next((c for c in cards if c.slug == slug), None)
    start, end = default_period()
    try:
        date_from = date.fromisoformat(request.args.get("from") or start.isoformat())
        date_to = date.fromisoformat(request.args.get("to") or end.isoformat())
    except ValueError:
        date_from, date_to = start, end
        flash(_("Use a date like 2025-01-31."), "error")
    figures = None
    if card is not None:
        figures = agreement.agreement(agreement.closed_sessions(current_user, date_from, date_to, card.id))
    return render_template("calibration/agreement.html", cards=cards, card=card, figures=figures,
                           date_from=date_from, date_to=date_to, reason_text=reason_text, levels=LEVEL_TEXTS)
