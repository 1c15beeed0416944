"""The new-session form. The scoring form reuses the audit fill page's fields (names a-KEY, na-KEY,
c-KEY), read by audits.routes.fill.read_form, so it needs no WTForms class of its own."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    scorecard = SelectField(_l("Scorecard"), validators=[DataRequired()])
    subject = TextAreaField(_l("What everyone scores"), validators=[Optional(), Length(max=4000)],
                            description=_l("A link to the call recording or chat transcript, or the visit "
                                           "described."))
    participants = MultiCheckboxField(_l("Participants (two or more)"), coerce=str, validators=[Optional()])
    expert = SelectField(_l("Expert (optional)"), validators=[Optional()],
                         description=_l("Their answers are the key. Not also a participant."))
    branch = SelectField(_l("Branch"), validators=[Optional()])
    due_date = DateField(_l("Deadline"), validators=[Optional()],
                         description=_l("The last day to score; the session closes the day after."))
