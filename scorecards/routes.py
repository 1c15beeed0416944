from flask import Blueprint

bp = Blueprint("scorecards", __name__)


def register(app):
    app.register_blueprint(bp)
