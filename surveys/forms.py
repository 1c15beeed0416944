"""The forms of surveys: the customer's (public.py) and the managers' and the admin's (routes.py).

The customer's form cannot use Flask-WTF's CSRF protection: it keeps its secret in the session
cookie, and a customer gets no cookie but the device id. So its token is the device id's hash,
signed and dated by itsdangerous: a form posted from elsewhere (no cookie, or another device's
token) is refused, and an old page expires like any other form."""
import hashlib

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms import BooleanField, Form, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.csrf.core import CSRF
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from surveys.models import MAX_COMMENT

TOKEN_SECONDS = 6 * 3600  # a page left open over lunch still posts


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="veraz-survey-form")


def _device_hash(device_id: str) -> str:
    return hashlib.sha256(f"survey-device|{device_id}".encode()).hexdigest()[:32]


class DeviceCSRF(CSRF):
    """A CSRF token bound to the device cookie (``meta.csrf_context``)."""

    def setup_form(self, form):
        self.device = form.meta.csrf_context
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field):
        return _serializer().dumps(_device_hash(self.device or ""))

    def validate_csrf_token(self, form, field):
        try:
            value = _serializer().loads(field.data or "", max_age=TOKEN_SECONDS)
        except BadData:
            raise ValidationError(_l("The form expired or was not sent from this page. Please reload it.")) from None
        if not self.device or value != _device_hash(self.device):
            raise ValidationError(_l("The form expired or was not sent from this page. Please reload it."))


NPS_CHOICES = [(n, str(n)) for n in range(11)]
CSAT_CHOICES = [(1, _l("1 · Very dissatisfied")), (2, _l("2 · Dissatisfied")), (3, _l("3 · Neutral")),
                (4, _l("4 · Satisfied")), (5, _l("5 · Very satisfied"))]
RESOLVED_CHOICES = [("yes", _l("Yes")), ("partly", _l("Partly")), ("no", _l("No"))]
WAIT_CHOICES = [("none", _l("I did not wait")), ("under_5", _l("Less than 5 minutes")),
                ("5_to_15", _l("5 to 15 minutes")), ("over_15", _l("More than 15 minutes"))]
ANSWER_REQUIRED = _l("Please choose an answer.")


class SurveyForm(Form):
    """Built with ``SurveyForm(formdata, meta={"csrf_context": device_id})``; labels are set by the
    page from the admin's wording."""

    class Meta:
        csrf = True
        csrf_class = DeviceCSRF
        csrf_field_name = "csrf_token"

    nps = RadioField(choices=NPS_CHOICES, coerce=int, validators=[InputRequired(ANSWER_REQUIRED)])
    csat = RadioField(choices=CSAT_CHOICES, coerce=int, validators=[InputRequired(ANSWER_REQUIRED)])
    resolved = RadioField(choices=RESOLVED_CHOICES, validators=[InputRequired(ANSWER_REQUIRED)])
    wait = RadioField(choices=WAIT_CHOICES, validators=[Optional()])
    comment = TextAreaField(validators=[Optional(), Length(max=MAX_COMMENT)])
    # The honeypot: hidden from people (and screen readers), filled in by careless robots.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])
    lang = HiddenField()


class LinkForm(FlaskForm):
    branch_id = SelectField(_l("Branch"), coerce=int, validators=[InputRequired()])
    employee_id = SelectField(_l("Employee (optional: a card they hand out)"), coerce=int, validators=[Optional()])
    language = SelectField(_l("Language of the poster"), choices=[("es", "Español"), ("en", "English")])


class SettingsForm(FlaskForm):
    retention_months = IntegerField(_l("Keep responses for (months)"),
                                    validators=[InputRequired(), NumberRange(min=1, max=120)])
    min_responses = IntegerField(_l("Fewest responses before figures are shown"),
                                 validators=[InputRequired(), NumberRange(min=1, max=1000)])
    ask_wait = BooleanField(_l("Ask how long the customer waited"))
    ask_comment = BooleanField(_l("Ask for a comment"))
