"""The audited employee confirms they have read an approved audit: timestamped, in its history.

Acknowledging says "I have read it", not "I agree": a dispute is the way to disagree."""
from flask_babel import gettext as _

from accounts.permissions import is_own_employee
from audits.errors import AuditForbidden
from audits.models import Audit
from audits.policy import require_visible
from audits.queries import acknowledged_at
from extensions import db


def can_acknowledge(user, audit: Audit) -> bool:
    """Only the employee the audit is about, once it is approved, and only once."""
    return (audit.status == "approved" and is_own_employee(user, audit.employee_id)
            and acknowledged_at(audit) is None)


def acknowledge(audit: Audit, user) -> bool:
    """Record that ``user`` (the audited employee) has read ``audit``. Acknowledging twice changes
    nothing (a double tap); returns whether it was recorded now."""
    require_visible(user, audit)
    if not is_own_employee(user, audit.employee_id):
        raise AuditForbidden(_("Only the employee this audit is about can acknowledge it."))
    if acknowledged_at(audit) is not None:
        return False
    audit.record(user, "acknowledged")
    db.session.flush()
    return True
