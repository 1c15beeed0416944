"""The forms of the action pages. Choices (owners, criteria, sections) are filled by the route
from the audit; the service checks them again (the API sends the same values)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

PRIORITY_CHOICES = [("low", _l("Low")), ("normal", _l("Normal")), ("high", _l("High"))]


class ActionForm(FlaskForm):
    target = SelectField(_l("What it follows"), validators=[DataRequired()],
                         description=_l("A failed criterion, a section, or the whole audit."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("What must be done"), validators=[Optional(), Length(max=4000)])
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[DataRequired()])
    due_date = DateField(_l("Due date"), validators=[DataRequired()])
    priority = SelectField(_l("Priority"), choices=PRIORITY_CHOICES, default="normal", validators=[DataRequired()])


class EditActionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("What must be done"), validators=[Optional(), Length(max=4000)])
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[DataRequired()])
    due_date = DateField(_l("Due date"), validators=[DataRequired()])
    priority = SelectField(_l("Priority"), choices=PRIORITY_CHOICES, validators=[DataRequired()])


class DoneForm(FlaskForm):
    closing_note = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=4000)])
    photo = FileField(_l("Photo evidence (optional)"))


class CancelForm(FlaskForm):
    cancel_reason = TextAreaField(_l("Why is it cancelled?"), validators=[DataRequired(), Length(max=4000)])
