"""The security log (admin) and an employee's data rights: the personal-data document (admin, HR)
and the erasure (admin). The rules are the security package's (docs/security.md)."""
from datetime import datetime, time, timedelta

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from api.common import ID, current, fail, make_blueprint, not_found, page_schema, paginate, require_role
from api.schemas import ANY, Id, PageQuery, Strict, UTCDateTime
from branches.models import Employee
from extensions import db
from reports.filters import DAY_PATTERN, FIRST_DAY, LAST_DAY
from security import erasure, log, personal_data

blp = make_blueprint("security_api", "The security log (admin), and employees' data rights: their personal "
                     "data as one document (admin, hr) and their erasure (admin).")

DAY = validate.Range(min=FIRST_DAY, max=LAST_DAY, error=_l("Use a date between 2000 and 2100."))


class SecurityEventQuery(PageQuery):
    type = fields.String(validate=validate.OneOf(list(log.TYPES)), metadata={"description": "Only this kind."})
    user_id = Id(strict=False, metadata={"description": "Only events by or about this user."})
    date_from = fields.Date(data_key="from", validate=DAY, metadata={"description": "From this day (UTC).",
                                                                     "pattern": DAY_PATTERN})
    date_to = fields.Date(data_key="to", validate=DAY, metadata={"description": "To this day, included (UTC).",
                                                                 "pattern": DAY_PATTERN})


class SecurityEventSchema(ma.Schema):
    id = fields.Integer(required=True)
    type = fields.String(required=True, metadata={"enum": list(log.TYPES)})
    occurred_at = UTCDateTime(required=True)
    actor_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The user who acted; null: the system or an anonymous visitor."})
    subject_id = fields.Integer(required=True, allow_none=True, metadata={"description": "The user it is about."})
    email = fields.String(required=True, metadata={"description": "The e-mail as typed (a failed login)."})
    address = fields.String(required=True, metadata={"description": "The client's address."})
    details = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True, metadata=ANY), required=True,
                          metadata={"description": "What was done: changes, filters, counts."})


SecurityEventPage = page_schema(SecurityEventSchema, "SecurityEventPage")


class PersonalDataSchema(ma.Schema):
    generated_at = fields.String(required=True, metadata={"description": "When the document was made (UTC)."})
    employee_id = fields.Integer(required=True)
    sections = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True, metadata=ANY), required=True,
                           metadata={"description": "One key per kind of data: employee, login, audits, "
                                                    "disputes, notifications, security_events (and more as "
                                                    "packages add theirs)."})


class EraseIn(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000), metadata={
        "description": "Why (kept in the security log; the person's name in it is replaced)."})


class ErasureSchema(ma.Schema):
    employee_id = fields.Integer(required=True)
    pseudonym = fields.String(required=True, metadata={"description": "The employee's name and code from now on."})
    erased_at = UTCDateTime(required=True)
    audits_changed = fields.Integer(required=True)
    texts_deleted = fields.Integer(required=True)
    audits_resealed = fields.Integer(required=True)
    login_removed = fields.Boolean(required=True)


def _employee(employee_id) -> Employee:
    employee = db.session.get(Employee, employee_id)
    if employee is None:
        not_found()
    return employee


@blp.route("/security-events", methods=["GET"])
@blp.arguments(SecurityEventQuery, location="query", as_kwargs=True)
@blp.response(200, SecurityEventPage)
@blp.errors(401, 403)
def list_security_events(page, per_page, type=None, user_id=None, date_from=None, date_to=None):  # noqa: A002
    """The security log, newest first (admin).

    Logins and failed logins, password and second-factor changes, tokens, users, settings, every
    export, report PDF and batch, every personal-data export and erasure. ``from`` and ``to`` are
    days in UTC, both included; ``user_id`` matches who acted or whom it was about."""
    require_role("admin")
    query = log.event_query(type_=type, user_id=user_id,
                            date_from=datetime.combine(date_from, time.min) if date_from else None,
                            date_to=datetime.combine(date_to + timedelta(days=1), time.min) if date_to else None)
    return paginate(query, {"page": page, "per_page": per_page})


@blp.route(f"/employees/<{ID}:employee_id>/personal-data", methods=["GET"])
@blp.response(200, PersonalDataSchema)
@blp.errors(401, 403, 404)
def get_employee_personal_data(employee_id):
    """Everything Veraz holds about an employee (admin, hr).

    Their record, their login if they have one, every audit that names them with its answers,
    comments and history, their disputes, notifications and security events: one document to hand
    them (who audited them is left out). Recorded in the security log."""
    require_role("admin", "hr")
    employee = _employee(employee_id)
    document = personal_data.document(employee)
    log.record("personal_data_exported", details={"employee_id": employee.id, "format": "json"}, now=True)
    return document


@blp.route(f"/employees/<{ID}:employee_id>/erase", methods=["POST"])
@blp.arguments(EraseIn, example={"reason": "Left the company on 2026-05-31 and asked to be erased."})
@blp.response(200, ErasureSchema)
@blp.errors(401, 403, 404, 409, 422)
def erase_employee(data, employee_id):
    """Erase an employee, irreversibly (admin).

    Their name and code become a pseudonym, as does the name they gave in their audits; every
    comment, note or other free text that names them is deleted; their login is deactivated,
    unlinked and its e-mail scrubbed. Scores stay, so every figure stays exactly as it was; sealed
    audits are sealed again. 409 when the employee was already erased."""
    require_role("admin")
    employee = _employee(employee_id)
    if not data["reason"].strip():
        fail(422, _l("Say why the employee is erased."), {"json": {"reason": ["Say why."]}})
    row, summary = erasure.erase(employee, current(), data["reason"])
    db.session.commit()
    # The erasure's row and the service's counts of what it changed: no one model holds both.
    return {"employee_id": employee.id, "pseudonym": row.pseudonym, "erased_at": row.erased_at, **summary}
