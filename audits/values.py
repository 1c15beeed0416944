"""Ids, slugs and strings from forms and JSON turned into objects and dates, for the services."""
from datetime import UTC, date, datetime

from flask_babel import gettext as _

from audits.errors import AuditInvalid
from extensions import db
from scorecards.models import Scorecard, ScorecardVersion


def get_obj(model, value):
    """An object from an object or an id (None stays None)."""
    if value is None or isinstance(value, model):
        return value
    try:
        ident = int(value)
    except (TypeError, ValueError):
        return None
    return db.session.get(model, ident)


def resolve_scorecard(scorecard=None, version=None) -> Scorecard | None:
    if version is not None:
        version = get_obj(ScorecardVersion, version)
        return version.scorecard if version is not None else None
    if isinstance(scorecard, str) and not scorecard.isdigit():
        return db.session.scalar(db.select(Scorecard).where(Scorecard.slug == scorecard))
    return get_obj(Scorecard, scorecard)


def naive_utc(value, field):
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise AuditInvalid(_("Some details are not valid."),
                               [(field, _("Expected a date and time."))]) from None
    if not isinstance(value, datetime):
        raise AuditInvalid(_("Some details are not valid."), [(field, _("Expected a date and time."))])
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def parse_date(value, field):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise AuditInvalid(_("Some details are not valid."), [(field, _("Expected a date."))]) from None
