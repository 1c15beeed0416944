"""The refusals of audits/services.py and its neighbours: core.errors.DomainError with the status
each deserves. The app's error handler (core/errors.py) answers any that a view lets through."""
from core.errors import DomainError


class AuditError(DomainError):
    """An action on an audit or an assignment refused by the rules (see DomainError)."""

    status = 400
    code = "bad_request"


class AuditNotFound(AuditError):
    """The thing does not exist or is not the user's to see (404, no hint that it exists)."""

    status, code = 404, "not_found"


class AuditForbidden(AuditError):
    """The user may see the thing but their role may not do this (403)."""

    status, code = 403, "forbidden"


class AuditConflict(AuditError):
    """The action does not fit the audit's current state, or someone else acted first (409)."""

    status, code = 409, "conflict"


class AuditInvalid(AuditError):
    """Values that do not fit (422). ``problems`` is a list of (criterion key or field, message),
    in scorecard order; ``details`` is ``{"problems": [{"criterion": key, "message": msg}, ...]}``."""

    status, code = 422, "invalid"

    def __init__(self, message, problems=(), **kw):
        self.problems = list(problems)
        details = kw.pop("details", None) or {
            "problems": [{"criterion": key, "message": msg} for key, msg in self.problems]}
        super().__init__(message, details=details, **kw)
