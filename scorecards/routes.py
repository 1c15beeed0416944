from flask import Blueprint

bp = Blueprint("scorecards", __name__)


def register(app):
    from scorecards.cli import scorecards_cli

    app.register_blueprint(bp)
    app.cli.add_command(scorecards_cli)
