"""How the response schemas (api/<area>_schemas.py) read the models: the schema dumps the model
object itself; these few helpers cover what a plain ``fields.X(attribute=...)`` cannot.

- ``StringOrEmpty``: a text column that may be NULL is "" on the wire, as the document promises.
- ``computed(field, func)``: a value worked out from the object (a method's result, a person the
  viewer may not know). marshmallow's ``fields.Function``/``fields.Method`` would do the same, but
  apispec gives them no type, so the document (and the clients generated from it) would lose it;
  here the field keeps its class and only its value comes from ``func``.
- ``viewer()``: who reads the answer. The token's user while answering a request; nobody (the
  system) while ``as_system()`` dumps a webhook's payload.
"""
from contextlib import contextmanager

from flask import has_request_context
from flask_login import current_user
from marshmallow import fields, missing
from marshmallow.experimental.context import Context

_SYSTEM = object()


class StringOrEmpty(fields.String):
    """A string that is "" rather than null when the column is empty."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(value or "", attr, obj, **kwargs)


def computed(field: fields.Field, func) -> fields.Field:
    """``field`` whose value is ``func(obj)`` instead of an attribute of ``obj``."""
    field.get_value = lambda obj, attr, accessor=None, default=missing: func(obj)
    return field


def viewer():
    """The user an answer is dumped for: the token's user in a request, None for the system."""
    if Context.get({}).get("viewer") is _SYSTEM:
        return None
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


@contextmanager
def as_system():
    """Dump for no one in particular (a webhook's payload): nothing is hidden from a viewer."""
    with Context({"viewer": _SYSTEM}):
        yield
