"""The JSON API under /api/v1."""


def register(app):
    pass
