"""The admin's webhook forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length

from webhooks.models import EVENTS

EVENT_LABELS = {
    "audit.submitted": _l("An audit is submitted"),
    "audit.approved": _l("An audit is approved"),
    "audit.returned": _l("An audit is returned to its auditor"),
    "dispute.opened": _l("A dispute is opened"),
    "dispute.decided": _l("A dispute is decided"),
    "action.overdue": _l("An action is overdue"),
    "survey.response": _l("A survey is answered"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class WebhookForm(FlaskForm):
    url = StringField(_l("URL"), validators=[DataRequired(), Length(max=2000)],
                      description=_l("Where Veraz sends each event: an https:// address of your system."))
    description = StringField(_l("Description"), validators=[Length(max=200)])
    events = MultiCheckboxField(_l("Events"), choices=[(e, EVENT_LABELS[e]) for e in EVENTS],
                                validators=[DataRequired(_l("Choose at least one event."))])
    active = BooleanField(_l("Active"), default=True)
