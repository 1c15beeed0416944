"""Validators shared by forms across areas."""
from flask_babel import lazy_gettext as _l
from wtforms.validators import Length

from accounts.models import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


def password_length():
    return Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                  message=_l("Use between %(min)d and %(max)d characters.",
                             min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH))
