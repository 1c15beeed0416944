"""Validators shared by forms across areas."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import FloatField
from wtforms.validators import Length
from wtforms.widgets import TextInput

from core.i18n import typed_number

# Password rules of every form that sets one; accounts.services checks the same for the API and CLI.
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128


def password_length():
    return Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                  message=_l("Use between %(min)d and %(max)d characters.",
                             min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH))


class DecimalNumberField(FloatField):
    """A decimal as the reader's language writes it: 0,5 in Spanish, 0.5 in English.

    Either decimal sign is read (a Spanish phone keyboard may offer only one of them); grouping is
    neither shown nor needed, so what the field shows reads back unchanged."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = str(valuelist[0]).strip().replace(",", ".")
        try:
            self.data = float(text)
        except ValueError:
            self.data = None
            raise ValueError(_("Enter a number, such as 2 or 0.5.")) from None
        if self.data != self.data or self.data in (float("inf"), float("-inf")):  # nan, inf
            self.data = None
            raise ValueError(_("Enter a number, such as 2 or 0.5."))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else typed_number(self.data)
