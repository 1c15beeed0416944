from flask import Blueprint

bp = Blueprint("audits", __name__)


def register(app):
    app.register_blueprint(bp)
