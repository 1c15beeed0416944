from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from core.memo import forget, remembered
from extensions import db

DEFAULT_SETTINGS = {
    "allow_unplanned_audits": True,
    "company_name": "Veraz",
    "brand_color": "#0b5c55",
    # Days after approval in which an audit may be disputed (disputes/services.py).
    "dispute_window_days": 14,
    # Recognition (coaching/recognition.py): the fewest approved audits in the period, and the
    # lowest mean score, that recognise an employee.
    "recognition_min_audits": 3,
    "recognition_threshold": 90,
    # The security log and employees' data rights (security/, docs/security.md): days an event is
    # kept; months after which an audit's texts are pseudonymised (0: never); how far that has run.
    "security_log_days": 365,
    "audit_retention_months": 0,
    "audit_retention_done_until": None,
    # Roles that must use a second factor to log in (accounts/second_factor.py). A new
    # installation requires it of admins and HR; the migration that added it kept existing
    # installations as they were ([]), and the demo data switches it off.
    "require_2fa_for": ["admin", "hr"],
    # How far (points of the 0-100 score) a calibration participant may be from the expert's score.
    "calibration_tolerance_points": 5,
    # A critical failure on approval opens a corrective action (actions/services.py).
    "actions_on_critical": True,
}


class Setting(db.Model):
    """An admin setting; absent rows fall back to DEFAULT_SETTINGS."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)


def get_setting(key: str):
    # A row is kept by the identity map; an absent one would be asked again each time (core/memo.py).
    row = remembered(("setting", key), lambda: db.session.get(Setting, key))
    return row.value if row is not None else DEFAULT_SETTINGS[key]


def all_settings() -> dict:
    values = dict(DEFAULT_SETTINGS)
    values.update({row.key: row.value for row in db.session.scalars(db.select(Setting))})
    return values


def set_setting(key: str, value) -> None:
    if key not in DEFAULT_SETTINGS:
        raise KeyError(key)
    forget()  # get_setting's kept answer, before the new row is flushed
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
