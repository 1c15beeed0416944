"""Shared set-up for the API tests: the conftest world, a token for each of its users, a revoked
token, a deactivated user's token, a published scorecard, audits and assignments of each branch.

The fixtures ``api`` and ``cheap_password_hashing`` (tests/conftest.py) call ``api_world`` and
``cheap_hashes``; a module that wants cheap hashes sets
``pytestmark = pytest.mark.usefixtures("cheap_password_hashing")``.
"""
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from accounts.models import ApiToken, User
from audits.models import Assignment
from core.timeutil import utcnow
from extensions import db
from tests import factories

ROLES = ("admin", "manager_a", "manager_b", "auditor", "auditor2", "hr", "employee")
# Callers that must never get in, whatever the operation.
OUTSIDERS = ("anonymous", "revoked", "inactive", "garbage")


def cid() -> str:
    return str(uuid.uuid4())


def cheap_hashes(monkeypatch):
    """Argon2 at its real cost takes a second a user on a busy machine; the API tests are about
    tokens, so the world's users get cheap hashes (set before the world is made)."""
    from argon2 import PasswordHasher

    import accounts.models

    monkeypatch.setattr(accounts.models, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@dataclass
class ApiWorld:
    client: object
    app: object
    world: dict
    tokens: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)

    def headers(self, who):
        if who == "anonymous":
            return {}
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def call(self, who, method, path, **kw):
        headers = {**self.headers(who), **kw.pop("headers", {})}
        response = self.client.open(path, method=method, headers=headers, **kw)
        response.get_data()  # read a streamed body (an export) inside this request, then close it
        response.close()
        return response

    def get(self, who, path, **kw):
        return self.call(who, "GET", path, **kw)

    def post(self, who, path, **kw):
        return self.call(who, "POST", path, **kw)

    def patch(self, who, path, **kw):
        return self.call(who, "PATCH", path, **kw)

    def delete(self, who, path, **kw):
        return self.call(who, "DELETE", path, **kw)

    def expect(self, method, path, expected: dict, **kw):
        """Call ``path`` as each user in ``expected`` (in its order) and compare the statuses;
        returns the responses by user. Every error must be in the API's error format."""
        got, responses = {}, {}
        for who, status in expected.items():
            response = self.call(who, method, path, **kw)
            responses[who] = response
            got[who] = response.status_code
            if response.status_code >= 400:
                body = response.get_json()
                assert body and set(body["error"]) == {"code", "message", "details"}, (who, body)
        assert got == expected, f"{method} {path}"
        return responses


def issue_token(user_id, name="test"):
    user = db.session.get(User, user_id)
    _token, secret = ApiToken.issue(user, name)
    return secret


def api_world(app, client, world) -> ApiWorld:
    """Tokens for every user of the world, plus:

    - ``version``: a published worked-example scorecard (``slug``), and a draft-only scorecard
      (``draft_slug``) that only admins may see;
    - audits: ``submitted_a`` and ``submitted_a2`` (auditor, branch A), ``submitted_b`` (auditor2,
      branch B), ``draft_a`` (auditor, branch A, unanswered);
    - assignments: ``assignment_a`` (auditor, branch A), ``assignment_b`` (auditor2, branch B).
    """
    aw = ApiWorld(client=client, app=app, world=world)
    with app.app_context():
        for role in ROLES:
            aw.tokens[role] = issue_token(world[role]["id"], f"{role} token")
        # A revoked token of the auditor, and a token of a user deactivated since.
        aw.tokens["revoked"] = issue_token(world["auditor"]["id"], "old laptop")
        token = db.session.scalar(db.select(ApiToken).where(ApiToken.name == "old laptop"))
        token.revoked_at = utcnow()
        gone = factories.user("admin", "gone@test.example")
        aw.tokens["inactive"] = issue_token(gone.id, "left the company")
        gone.active = False
        aw.tokens["garbage"] = "vz_not-a-real-token"

        version = factories.scorecard()
        draft = factories.scorecard(publish=False)
        a, b = world["branch_a"], world["branch_b"]
        audits = {
            "submitted_a": factories.audit(version, world["auditor"]["id"], a, status="submitted",
                                           employee_id=world["employee_a"]),
            "submitted_a2": factories.audit(version, world["auditor"]["id"], a, status="submitted"),
            "submitted_b": factories.audit(version, world["auditor2"]["id"], b, status="submitted",
                                           employee_id=world["employee_b"]),
            "draft_a": factories.audit(version, world["auditor"]["id"], a, answers={}, status="draft"),
        }
        assignments = {
            "assignment_a": Assignment(auditor_id=world["auditor"]["id"], branch_id=a,
                                       scorecard_id=version.scorecard_id, due_date=date.today() + timedelta(days=7),
                                       created_by_id=world["manager_a"]["id"]),
            "assignment_b": Assignment(auditor_id=world["auditor2"]["id"], branch_id=b,
                                       scorecard_id=version.scorecard_id, due_date=date.today() + timedelta(days=7),
                                       created_by_id=world["manager_b"]["id"]),
        }
        db.session.add_all(assignments.values())
        db.session.commit()
        aw.ids.update({name: obj.id for name, obj in {**audits, **assignments}.items()})
        aw.ids.update(slug=version.scorecard.slug, draft_slug=draft.scorecard.slug, version_id=version.id,
                      gone=gone.id)
    return aw
