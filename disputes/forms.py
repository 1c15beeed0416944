"""The dispute forms of the audit page. The new answers of an overturn are read from the request
(``answer-KEY``), one per disputed criterion, and checked by the scoring engine's rules."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DisputeForm(FlaskForm):
    criteria = MultiCheckboxField(_l("Questions you dispute"), validators=[Optional()],
                                  description=_l("Tick none to dispute the whole audit."))
    reason = TextAreaField(_l("Why do you dispute it?"), validators=[DataRequired(), Length(max=4000)])


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Your comment as the auditor"), validators=[DataRequired(), Length(max=4000)])


class DecideForm(FlaskForm):
    outcome = RadioField(_l("Decision"), choices=[("upheld", _l("Upheld: the score stands")),
                                                  ("overturned", _l("Overturned: change the answers below"))],
                         validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
