from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

CODE = Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Use letters, digits, '.', '-' or '_'."))


class BranchForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=80)])
    region = StringField(_l("Region"), validators=[Optional(), Length(max=80)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(min=-90, max=90)],
                          description=_l("Optional, e.g. 40.4203: a check-in far from the branch is flagged."))
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(min=-180, max=180)])
    active = BooleanField(_l("Active"), default=True)


class EmployeeForm(FlaskForm):
    code = StringField(_l("Employee code"), validators=[DataRequired(), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    branch_id = SelectField(_l("Branch"), coerce=int, validators=[DataRequired()])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=80)])
    active = BooleanField(_l("Active"), default=True)
