"""Calibration sessions: create, read, answer (blind), close, results, the session's PDF, agreement
statistics over a period, and the Auditors report's figures (calibration/ has every rule)."""
from flask import Response
from flask_babel import gettext as _

from api import calibration_schemas as s
from api.common import ID, ApiError, current, fail, handle_http_error, make_blueprint, paginate, require_role
from calibration import agreement, services
from calibration.auditors import auditor_report
from calibration.models import CalibrationSession
from extensions import db
from reports.filters import default_period
from reports.pdf import PdfError
from scorecards.services import get_by_slug

blp = make_blueprint("calibrations_api", "Calibration: several auditors (and an expert) score the same call or "
                     "visit, blind; results per session and agreement statistics per period. Never counted in a "
                     "report.")


@blp.errorhandler(PdfError)
def pdf_failed(exc):
    return handle_http_error(ApiError(500, _("The PDF could not be made. Please try again; if it fails again, "
                                             "tell your administrator."), code="pdf_failed"))


def _visible(session_id) -> CalibrationSession:
    return services.get_visible(current(), session_id)


@blp.route("/calibrations", methods=["POST"])
@blp.arguments(s.CalibrationIn, example=s.EXAMPLE_CALIBRATION)
@blp.response(201, s.CalibrationSchema)
@blp.errors(401, 403, 404, 422)
def create_calibration(data):
    """Create a calibration session (admins; managers for one of their branches): a scorecard
    (``scorecard`` slug, optional ``version``), a ``title``, the ``subject``, two or more
    ``participants`` by e-mail, an optional ``expert`` whose answers are the key, and an optional
    ``due_date`` (from the day after, the session is closed). Participants are told. An unknown
    scorecard is 404; an e-mail naming no active auditor, manager or admin is 422."""
    user = current()
    require_role("admin", "manager")
    version = services.version_for(data["scorecard"], data.get("version"))
    session = services.create_session(user, version=version, title=data["title"], subject=data.get("subject", ""),
                                      participants=data["participants"], expert=data.get("expert"),
                                      due_date=data.get("due_date"), branch_id=data.get("branch_id"))
    db.session.commit()
    return session


@blp.route("/calibrations", methods=["GET"])
@blp.arguments(s.CalibrationQuery, location="query", as_kwargs=True)
@blp.response(200, s.CalibrationPage)
@blp.errors(401)
def list_calibrations(page, per_page, status=None):
    """The sessions you may see, newest first: those you take part in or created; managers their
    branches'; admins and HR every one."""
    query = services.session_query(current())
    if status is not None:
        # Closed by the deadline is derived (calibration/models.py): filter the few rows in Python.
        ids = [x.id for x in db.session.scalars(query) if (x.closed_on() is not None) == (status == "closed")]
        query = query.where(CalibrationSession.id.in_(ids or [-1]))
    return paginate(query, {"page": page, "per_page": per_page})


@blp.route(f"/calibrations/<{ID}:session_id>", methods=["GET"])
@blp.response(200, s.CalibrationSchema)
@blp.errors(401, 404)
def get_calibration(session_id):
    """One session: its participants (who has submitted, never what they answered) and your own
    answers."""
    return _visible(session_id)


@blp.route(f"/calibrations/<{ID}:session_id>/answers", methods=["PUT"])
@blp.arguments(s.AnswersIn, example=s.EXAMPLE_ANSWERS)
@blp.response(200, s.AnswersSchema)
@blp.errors(401, 403, 404, 409, 422)
def save_calibration_answers(data, session_id):
    """Save your own answers, in the same shape and with the same checks as an audit's: only the
    keys sent change, null removes one; ``submit: true`` needs every required answer. 403 for
    someone who does not take part, 409 once the session is closed, 422 naming each problem."""
    session = _visible(session_id)
    participant = services.save_answers(session, current(), data.get("answers") or {}, data.get("comments") or {},
                                        submit=data.get("submit", False))
    db.session.commit()
    return participant


@blp.route(f"/calibrations/<{ID}:session_id>/answers", methods=["GET"])
@blp.arguments(s.AnswersQuery, location="query", as_kwargs=True)
@blp.response(200, s.AnswersSchema)
@blp.errors(401, 403, 404)
def get_calibration_answers(session_id, participant=None):
    """A participant's answers: your own at any time; another's only once the session is closed
    (scoring is blind: 403 before)."""
    session = _visible(session_id)
    return services.answers_of(session, current(), participant)


@blp.route(f"/calibrations/<{ID}:session_id>/close", methods=["POST"])
@blp.response(200, s.CalibrationSchema)
@blp.errors(401, 403, 404, 409)
def close_calibration(session_id):
    """Close the session (its creator or an admin): the answers are shown and the results made.
    Closing a closed session is 409."""
    session = _visible(session_id)
    services.close(session, current())
    db.session.commit()
    return session


@blp.route(f"/calibrations/<{ID}:session_id>/results", methods=["GET"])
@blp.response(200, s.ResultsSchema)
@blp.errors(401, 404, 409)
def get_calibration_results(session_id):
    """A closed session's results: each participant's score, deviation from the expert's score (in
    points) and whether it is within the tolerance setting; per criterion the share who agree with
    the expert (or the majority), least agreement first, with each participant's answer. 409 before
    the session is closed."""
    return services.results(_visible(session_id))


@blp.route(f"/calibrations/<{ID}:session_id>.pdf", methods=["GET"])
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf",
              description="The session's results as a PDF.")
@blp.errors(401, 404, 409)
def calibration_pdf(session_id):
    """The closed session's results as a PDF (A4, in your language). 409 before it is closed."""
    from calibration.pdf import session_pdf  # WeasyPrint loads when a PDF is first asked for

    result = services.results(_visible(session_id))
    data = session_pdf(result, current().language or "es")
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="calibration-{session_id}.pdf"'})


def _period(date_from, date_to):
    start, end = default_period()
    # A ``to`` before ``from`` holds no day: no session and no audit falls in it (empty figures, as
    # in reports), rather than a refusal the document could not state.
    return date_from or start, date_to or end


@blp.route("/calibrations/agreement", methods=["GET"])
@blp.arguments(s.AgreementQuery, location="query", as_kwargs=True)
@blp.response(200, s.AgreementSchema)
@blp.errors(401, 403, 404, 422)
def get_calibration_agreement(scorecard=None, date_from=None, date_to=None):
    """Agreement over the sessions of a scorecard closed in a period (admins, HR; managers their
    branches'): Krippendorff's alpha per criterion (nominal for yes/no and choice, ordinal for
    scale, interval for number) and over all criteria; per auditor Cohen's kappa against the expert
    (yes/no and choice; quadratic-weighted for scale, apart) and mean deviation. A figure with too
    few ratings is null with its reason."""
    require_role("admin", "hr", "manager")
    date_from, date_to = _period(date_from, date_to)
    card = get_by_slug(scorecard) if scorecard else agreement.latest_scorecard(current())
    if card is None:
        fail(404, _("There is no scorecard %(slug)s.", slug=scorecard) if scorecard
             else _("There is no closed calibration session yet."))
    out = agreement.agreement(agreement.closed_sessions(current(), date_from, date_to, card.id))
    out.update(scorecard=card.slug, date_from=date_from, date_to=date_to)
    return out


@blp.route("/reports/auditors", methods=["GET"])
@blp.arguments(s.PeriodQuery, location="query", as_kwargs=True)
@blp.response(200, s.AuditorsReport)
@blp.errors(401, 403, 422)
def auditors_figures(date_from=None, date_to=None):
    """The Auditors report's figures (admins, HR), as its page shows them: per auditor, audits done,
    on-time and return rates, disputes, and calibration (kappa and mean deviation, also by month)."""
    require_role("admin", "hr")
    date_from, date_to = _period(date_from, date_to)
    return auditor_report(date_from, date_to, current())
