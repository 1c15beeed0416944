"""The coaching form (record or change a session) and the recognition period form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from coaching.services import MAX_TEXT


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CoachingForm(FlaskForm):
    employee = SelectField(_l("Employee"), coerce=int, validators=[DataRequired()])
    held_on = DateField(_l("Day of the session"), validators=[DataRequired()])
    criteria = MultiCheckboxField(_l("Criteria worked on"), validators=[DataRequired()],
                                  description=_l("Their rate of full points before and after the session shows "
                                                 "whether it worked."))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=MAX_TEXT)])
    goals = TextAreaField(_l("Goals agreed"), validators=[Optional(), Length(max=MAX_TEXT)])
    follow_up_on = DateField(_l("Follow-up day"), validators=[Optional()])


class PeriodForm(FlaskForm):
    """GET filters of the recognition page (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), name="from", validators=[Optional()])
    date_to = DateField(_l("To"), name="to", validators=[Optional()])
    branch = SelectField(_l("Branch"), coerce=str, validators=[Optional()])
