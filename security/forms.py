from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange


class RetentionForm(FlaskForm):
    security_log_days = IntegerField(_l("Days the security log keeps an event"), validators=[
        InputRequired(), NumberRange(min=30, max=3650)],
        description=_l("Older events are deleted by the daily job (30 to 3650)."))
    audit_retention_months = IntegerField(_l("Months after which audits are pseudonymised"), validators=[
        InputRequired(), NumberRange(min=0, max=240)],
        description=_l("0: never. Older audits lose the names given and the texts that name the employee; "
                       "their scores stay."))


class EraseForm(FlaskForm):
    reason = TextAreaField(_l("Why is this employee erased?"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("Kept in the security log and the erasure record."))
    confirm_code = StringField(_l("Type the employee's code to confirm"), validators=[DataRequired(), Length(max=32)])
    understood = BooleanField(_l("I understand that this cannot be undone"), validators=[DataRequired()])
