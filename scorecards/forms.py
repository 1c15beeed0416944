"""The builder's forms. They only gather values: every rule is checked once, by formats.parse, on the
whole draft, and its problems are shown next to the field they name."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from core.forms import DecimalNumberField
from core.labels import CHANNEL_LABELS, KPI_LABELS  # noqa: F401  (scorecards/routes.py reads them here)
from scorecards.models import CHANNELS, CRITERION_TYPES, KPI_TAGS

TYPE_LABELS = {
    "yes_no": _l("Yes / No"), "scale": _l("Scale"), "choice": _l("Choice"), "number": _l("Number"),
    "text": _l("Text"), "photo": _l("Photo"), "info": _l("Information (a note for the auditor)"),
}
OP_LABELS = {"": _l("No target (not scored)"), "<=": _l("At most"), ">=": _l("At least")}
KEY_HINT = _l("Lowercase letters, digits, - and _. Answers and reports refer to it.")


class NewScorecardForm(FlaskForm):
    slug = StringField(_l("Slug"), validators=[InputRequired(), Length(max=80)], description=KEY_HINT)
    name_es = StringField(_l("Name in Spanish"), validators=[Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[Length(max=200)])
    channel = SelectField(_l("Channel"), choices=[(c, CHANNEL_LABELS[c]) for c in CHANNELS])


class ImportForm(FlaskForm):
    file = FileField(_l("Scorecard file (JSON)"))
    publish = BooleanField(_l("Publish it at once"))


class SettingsForm(FlaskForm):
    name_es = StringField(_l("Name in Spanish"), validators=[Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[Length(max=200)])
    pass_mark = DecimalNumberField(_l("Pass mark (%)"), validators=[InputRequired(), NumberRange(0, 100)])
    critical_zeroes_score = BooleanField(_l("A critical failure makes the score 0"))


class SectionForm(FlaskForm):
    key = StringField(_l("Key"), validators=[InputRequired(), Length(max=64)], description=KEY_HINT)
    title_es = StringField(_l("Title in Spanish"), validators=[Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Length(max=200)])
    weight = DecimalNumberField(_l("Weight"), default=1, validators=[InputRequired()],
                        description=_l("How much the section counts in the audit's score (default 1)."))


class OptionForm(Form):
    key = StringField(_l("Option key"), validators=[Optional(), Length(max=64)])
    score = DecimalNumberField(_l("Score (0 to 1)"), validators=[Optional()])
    label_es = StringField(_l("Label in Spanish"), validators=[Length(max=200)])
    label_en = StringField(_l("Label in English"), validators=[Length(max=200)])


class CriterionForm(FlaskForm):
    key = StringField(_l("Key"), validators=[InputRequired(), Length(max=64)], description=KEY_HINT)
    section = SelectField(_l("Section"))
    type = SelectField(_l("Type"), choices=[(t, TYPE_LABELS[t]) for t in CRITERION_TYPES])
    text_es = TextAreaField(_l("Question in Spanish"), validators=[Length(max=4000)])
    text_en = TextAreaField(_l("Question in English"), validators=[Length(max=4000)])
    guidance_es = TextAreaField(_l("Guidance for the auditor in Spanish"), validators=[Length(max=4000)])
    guidance_en = TextAreaField(_l("Guidance for the auditor in English"), validators=[Length(max=4000)])
    weight = DecimalNumberField(_l("Weight"), default=1, validators=[InputRequired()],
                        description=_l("Points possible in its section (default 1)."))
    allow_na = BooleanField(_l("N/A allowed"))
    critical = BooleanField(_l("Critical: earning 0 here is a critical failure"))
    required = BooleanField(_l("An answer is required to submit"), default=True)
    kpi = SelectField(_l("KPI tag"), choices=[("", _l("None"))] + [(k, KPI_LABELS[k]) for k in KPI_TAGS])
    scale_min = IntegerField(_l("Lowest value"), default=1, validators=[Optional()])
    scale_max = IntegerField(_l("Highest value"), default=5, validators=[Optional()])
    options = FieldList(FormField(OptionForm), min_entries=0)
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=16)],
                       description=_l("For example min, h or €."))
    target_op = SelectField(_l("Target"), choices=list(OP_LABELS.items()))
    target_value = DecimalNumberField(_l("Target value"), validators=[Optional()])
