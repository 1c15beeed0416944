"""The customer's page, ``/s/<token>``: no account, no JavaScript, in the customer's language.

Abuse and privacy (docs/surveys.md): the form's CSRF token is bound to a random device id kept in
the one cookie this page sets; one response per device and link per day (a keyed hash, see
services.receipt); a honeypot field; a rate limit per address (Flask-Limiter, counted in its store,
never in the database). No address, no user agent, nothing of the customer is stored."""
import re
import secrets

from flask import Blueprint, current_app, render_template, request
from flask_babel import force_locale

from core.i18n import LANGUAGES
from extensions import csrf, db, limiter
from surveys import services
from surveys.forms import SurveyForm
from surveys.models import survey_settings
from surveys.wording import questions

bp = Blueprint("surveys_public", __name__)

DEVICE_COOKIE = "veraz_survey_device"
DEVICE_DAYS = 400
_DEVICE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _rate_limit() -> str:
    return current_app.config.get("SURVEY_RATE_LIMIT", "20 per hour")


def _language(link) -> str:
    """?lang= (the page's switch), else the browser's, else the link's (the branch's) language."""
    wanted = request.values.get("lang")
    if wanted in LANGUAGES:
        return wanted
    return request.accept_languages.best_match(LANGUAGES) or link.language or "es"


def _device() -> tuple[str, bool]:
    """The device id from the cookie, or a new one (and whether it must be set)."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    if _DEVICE.match(value):
        return value, False
    return secrets.token_urlsafe(18), True


def _page(link, lang, device, new_device, *, state="form", form=None, status=200, message=""):
    with force_locale(lang):
        body = render_template("surveys/public.html", link=link, lang_code=lang, state=state, form=form,
                               message=message, questions=questions(lang), settings_=survey_settings(),
                               other_lang="en" if lang == "es" else "es")
    response = current_app.make_response((body, status))
    if new_device:
        response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_DAYS * 86400, httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False), path="/s/")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.errorhandler(429)
def too_many(exc):
    """Past the rate limit: the customer's page says so politely, and sets no cookie."""
    return _closed(request.accept_languages.best_match(LANGUAGES) or "es", 429, state="limited")


def _closed(lang, status, state="closed"):
    with force_locale(lang):
        body = render_template("surveys/public.html", link=None, lang_code=lang, state=state, form=None,
                               message="", questions={}, settings_=None, other_lang=None)
    return current_app.make_response((body, status))


@bp.route("/s/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form has its own CSRF token, bound to the device (forms.DeviceCSRF)
@limiter.limit(_rate_limit, methods=["POST"])
def survey(token):
    link = services.link_by_token(token)
    if link is None or link.revoked_at is not None:
        return _closed(request.accept_languages.best_match(LANGUAGES) or "es", 404)
    lang = _language(link)
    device, new_device = _device()
    if not link.open:
        return _page(link, lang, device, new_device, state="used", status=410)
    if request.method == "GET":
        if services.already_answered(link, device):
            return _page(link, lang, device, new_device, state="already")
        return _page(link, lang, device, new_device, form=SurveyForm(meta={"csrf_context": device}, lang=lang))
    # A new device (the cookie did not come back) cannot match the posted token: refused, with a
    # fresh token on the page for the next try.
    form = SurveyForm(request.form, meta={"csrf_context": device})
    if form.website.data:  # a robot: thanked, and nothing kept
        return _page(link, lang, device, new_device, state="thanks")
    with force_locale(lang):
        valid = form.validate()
    if not valid:
        return _page(link, lang, device, new_device, form=form, status=400)
    try:
        services.record_response(link, device, nps=form.nps.data, csat=form.csat.data, resolved=form.resolved.data,
                                 wait=form.wait.data or None, comment=form.comment.data or "", language=lang)
        db.session.commit()
    except services.AlreadyAnswered:
        db.session.rollback()
        return _page(link, lang, device, new_device, state="already", status=409)
    return _page(link, lang, device, new_device, state="thanks")
