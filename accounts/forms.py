from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields import FloatField
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from accounts.models import LANGUAGES, ROLES
from core.forms import password_length

ROLE_LABELS = {"admin": _l("Administrator"), "manager": _l("Manager"), "auditor": _l("Auditor"),
               "hr": _l("Human resources"), "employee": _l("Employee")}
LANGUAGE_LABELS = {"es": "Español", "en": "English"}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password"), validators=[DataRequired(), password_length()],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new", message=_l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(_l("Language"), choices=[(k, v) for k, v in LANGUAGE_LABELS.items()])


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=[(r, ROLE_LABELS[r]) for r in ROLES])
    language = SelectField(_l("Language"), choices=[(k, v) for k, v in LANGUAGE_LABELS.items()])
    branches = MultiCheckboxField(_l("Branches managed"), coerce=int)
    employee_id = SelectField(_l("Employee"), coerce=lambda v: int(v) if v else None, validate_choice=False)
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(_l("Password"), validators=[Optional(), password_length()],
                             description=_l("Leave empty to keep the current password."),
                             render_kw={"autocomplete": "new-password"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), password_length()],
                             render_kw={"autocomplete": "new-password"})


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)])
    # Asked (and checked) only of a user with a second factor: accounts.routes.create_token.
    code = StringField(_l("Code from your authenticator app"), validators=[Optional(), Length(max=32)],
                       render_kw={"autocomplete": "one-time-code"})


class SettingsForm(FlaskForm):
    company_name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=80)])
    brand_color = StringField(_l("Brand colour"), validators=[DataRequired(), Length(min=7, max=7)],
                              description=_l("Any colour as #rrggbb: text on it is white, or near-black when "
                                                          "white would be hard to read."))
    allow_unplanned_audits = BooleanField(_l("Auditors may start audits without an assignment"))
    dispute_window_days = IntegerField(_l("Days to dispute an approved audit"), default=14,
                                       validators=[Optional(), NumberRange(min=0, max=365)],
                                       description=_l("The audited employee, or a manager on their behalf, may "
                                                      "dispute an audit for this many days after its approval."))
    # Recognition (coaching/recognition.py; docs/coaching.md)
    recognition_min_audits = IntegerField(_l("Approved audits needed for recognition"), default=3,
                                          validators=[Optional(), NumberRange(min=1, max=1000)],
                                          description=_l("An employee is recognised for a period only with at "
                                                         "least this many approved audits in it."))
    recognition_threshold = IntegerField(_l("Lowest mean score for recognition (0-100)"), default=90,
                                         validators=[Optional(), NumberRange(min=0, max=100)])
    require_2fa_for = MultiCheckboxField(_l("Roles that must use a second factor"),
                                         choices=[(r, ROLE_LABELS[r]) for r in ROLES],
                                         description=_l("People in these roles set up an authenticator app "
                                                        "before they can use Veraz, and give its code at "
                                                        "every login."))
    calibration_tolerance_points = FloatField(
        _l("Calibration tolerance (points)"), default=5,
        validators=[Optional(), NumberRange(min=0, max=100)],
        description=_l("A calibration participant whose score is further than this from the expert's is flagged."))
    actions_on_critical = BooleanField(_l("A critical failure opens a corrective action"),
                                       description=_l("On approval, owned by the branch's first manager and due "
                                                      "in 7 days; every manager of the branch is told."))

    def validate_brand_color(self, field):
        import re

        from wtforms.validators import ValidationError

        if not re.fullmatch(r"#[0-9a-fA-F]{6}", field.data or ""):
            raise ValidationError(_l("Use the form #0b5c55."))
        # Any colour: the text on it is chosen to be readable (core/colors.py).


def language_choices():
    return [(code, LANGUAGE_LABELS[code]) for code in LANGUAGES]
