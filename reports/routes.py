from flask import Blueprint

bp = Blueprint("reports", __name__)


def register(app):
    app.register_blueprint(bp)
