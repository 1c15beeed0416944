"""Forms of the audits area. The fill page is a plain form read by the route (its fields come
from the scorecard), so only the fixed forms live here."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.labels import AUDIT_STATUS_LABELS as STATUS_LABELS  # noqa: F401  (the audits area reads both here)
from core.labels import CHANNEL_LABELS  # noqa: F401

ASSIGNMENT_STATUS_LABELS = {"open": _l("Open"), "in_progress": _l("In progress"), "done": _l("Done"),
                            "overdue": _l("Overdue")}


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class AssignmentForm(FlaskForm):
    auditor_id = SelectField(_l("Auditor"), coerce=int, validators=[DataRequired()])
    branch_id = SelectField(_l("Branch"), coerce=int, validators=[DataRequired()])
    scorecard_id = SelectField(_l("Scorecard"), coerce=int, validators=[DataRequired()])
    employee_id = SelectField(_l("Employee (optional)"), coerce=_int_or_none, validate_choice=False,
                              validators=[Optional()])
    due_date = DateField(_l("Due date"), validators=[Optional()])
    notes = TextAreaField(_l("Notes for the auditor"), validators=[Optional(), Length(max=4000)])


class StartAuditForm(FlaskForm):
    """An unplanned audit; ``client_id`` is made when the page is drawn, so a double tap starts one."""

    client_id = HiddenField()
    scorecard_id = SelectField(_l("Scorecard"), coerce=int, validators=[DataRequired()])
    branch_id = SelectField(_l("Branch"), coerce=int, validators=[DataRequired()])
    employee_id = SelectField(_l("Employee (optional)"), coerce=_int_or_none, validate_choice=False,
                              validators=[Optional()])


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Reason for returning"), validators=[DataRequired(), Length(max=2000)])
