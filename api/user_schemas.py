"""Schemas of the users API (api/users.py): what an admin or an HR synchronisation sends and gets."""
from marshmallow import fields, validate

from accounts.models import LANGUAGES, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, ROLES
from api.schemas import Bool, Id, PageQuery, Strict, UserSchema, not_blank

ROLE_HELP = ("admin, manager, auditor, hr, or employee (the login of an employee of a branch; it has no "
             "rights yet beyond its profile).")


class UserQuery(PageQuery):
    role = fields.String(validate=validate.OneOf(ROLES), metadata={"description": "Only users of this role."})
    branch_id = Id(strict=False, metadata={"description": "Only the managers of this branch."})
    active = fields.Boolean(metadata={"description": "true: active only; false: deactivated only; absent: all."})
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "Search name and email."})


class UserFields(Strict):
    """What a user is made of; the operations below say which fields they require."""

    name = fields.String(validate=[validate.Length(min=1, max=120), not_blank])
    role = fields.String(validate=validate.OneOf(ROLES), metadata={"description": ROLE_HELP})
    language = fields.String(validate=validate.OneOf(LANGUAGES), metadata={"description": "es or en (default es)."})
    branch_ids = fields.List(Id(), validate=validate.Length(max=1000), metadata={
        "description": "The branches a manager manages (a manager without branches is allowed); "
                       "empty for other roles."})
    employee_id = Id(allow_none=True, metadata={
        "description": "For an employee login: its employee, who has no other login."})
    password = fields.String(validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH),
                             metadata={"description": "Optional: without one the user cannot log in until the "
                                                      "admin sets a password."})


class UserIn(UserFields):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=[validate.Length(min=1, max=120), not_blank])
    role = fields.String(required=True, validate=validate.OneOf(ROLES), metadata={"description": ROLE_HELP})


class UserChange(UserFields):
    email = fields.Email(validate=validate.Length(max=254))
    active = Bool(metadata={"description": "false ends the user's sessions and revokes their tokens at once; "
                                           "the last active admin cannot be deactivated or demoted."})


class UserSync(UserFields):
    active = Bool()


class UserSyncResult(UserSchema):
    result = fields.String(required=True, validate=validate.OneOf(("created", "updated", "unchanged")),
                           metadata={"description": "created (status 201), updated, or unchanged (200)."})


EXAMPLE_USER = {"email": "lucia.romero@example.com", "name": "Lucía Romero", "role": "manager",
                "language": "es", "branch_ids": [1, 2]}
EXAMPLE_SYNC = {"name": "Lucía Romero", "role": "manager", "language": "es", "branch_ids": [1, 2], "active": True}
