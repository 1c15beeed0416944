"""The scorecard builder (admins only): ``pages`` lists, creates, imports, exports and publishes;
``builder`` edits a draft's sections and criteria; ``common`` holds what both use.

Every change to a draft goes through services.save_draft, which checks the whole draft against the
file format's rules; a published version is refused by services and, below them, by the model guard
(PublishedVersionError answers 409 here, whatever route raised it).
"""
from flask_babel import gettext as _

from extensions import db
from scorecards import services
from scorecards.forms import CHANNEL_LABELS, KPI_LABELS, OP_LABELS, TYPE_LABELS
from scorecards.models import PublishedVersionError
from scorecards.routes import builder, pages  # noqa: F401  (their routes join the blueprint)
from scorecards.routes.common import bp


def register(app):
    from scorecards.cli import scorecards_cli

    app.register_blueprint(bp)
    app.cli.add_command(scorecards_cli)
    app.register_error_handler(PublishedVersionError, published_version_error)
    app.register_error_handler(services.ScorecardError, scorecard_error)


def published_version_error(_exc):
    """Any attempt to change a published version, from any route: 409 with a clear message."""
    from core.web import error_response

    db.session.rollback()
    return error_response(409, _("This version is published and cannot be changed. "
                                 "Use “Edit” on the scorecard to start a new draft version."), code="published")


def scorecard_error(exc):
    from core.web import error_response

    db.session.rollback()
    return error_response(409, str(exc))


@bp.app_template_global()
def scorecard_labels():
    return {"channels": CHANNEL_LABELS, "types": TYPE_LABELS, "kpis": KPI_LABELS, "ops": OP_LABELS}
