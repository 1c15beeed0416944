"""What happens to an account is told through accounts/signals.py, from the web, the API and the
command line alike, with who acted and what changed, and never a password or a token."""
import pytest

from tests import factories
from tests.support.account_events import assert_nothing_secret, named, recorded

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
SECRET = "a-password-nobody-knows"  # nosec B105: a test's password


def test_creating_changing_and_deactivating_a_user_through_the_api(api):
    admin = api.world["admin"]
    with recorded() as seen:
        made = api.post("admin", "/api/v1/users", json={"email": "new.hr@test.example", "name": "New HR",
                                                        "role": "hr", "password": SECRET})
        user_id = made.get_json()["id"]
        api.patch("admin", f"/api/v1/users/{user_id}", json={"role": "manager", "branch_ids": [api.world["branch_a"]],
                                                             "password": SECRET + "-2"})
        api.patch("admin", f"/api/v1/users/{user_id}", json={"active": False})
    [(who, created)] = named(seen, "user-created")
    assert who["id"] == user_id and created["details"] == {"role": "hr"} and created["actor"]["id"] == admin["id"]
    [(_who, first), (_again, second)] = named(seen, "user-changed")
    assert first["details"]["changes"] == {"role": ["hr", "manager"], "branch_ids": [[], [api.world["branch_a"]]]}
    assert second["details"]["changes"] == {"active": [True, False]}
    [(_who, deactivated)] = named(seen, "user-deactivated")
    assert deactivated["actor"]["id"] == admin["id"]
    [(_who, password)] = named(seen, "password-changed")
    assert password["details"] == {"how": "admin"}
    assert_nothing_secret(seen, SECRET, "argon2")


def test_changing_ones_password_revoking_a_token_and_the_settings_on_the_web(app, client, login_as, world):
    login_as("manager_a")
    client.post("/profile/tokens", data={"tok-name": "laptop"})
    with recorded() as seen:
        client.post("/profile/password", data={"pw-current": factories.PASSWORD, "pw-new": SECRET,
                                               "pw-confirm": SECRET})
    [(who, changed)] = named(seen, "password-changed")
    assert who["id"] == world["manager_a"]["id"] and changed["details"] == {"how": "change"}
    assert changed["address"] == "127.0.0.1"
    with app.app_context():
        from accounts.models import ApiToken
        from extensions import db

        token_id = db.session.scalar(db.select(ApiToken.id))
    with recorded() as seen:
        client.post(f"/profile/tokens/{token_id}/revoke")
    [(_who, revoked)] = named(seen, "token-revoked")
    assert revoked["details"] == {"name": "laptop", "token_id": token_id}

    login_as("admin")
    with recorded() as seen:
        client.post("/settings", data={"company_name": "Acme", "brand_color": "#0b5c55",
                                       "allow_unplanned_audits": "y", "actions_on_critical": "y"})
    [(sender, settings)] = named(seen, "settings-changed")
    assert sender is None and settings["details"]["changes"] == {"company_name": ["Veraz", "Acme"]}
    assert_nothing_secret(seen, SECRET)


def test_a_user_made_on_the_command_line_has_no_actor(runner, world):
    with recorded() as seen:
        runner.invoke(args=["create-user", "--email", "cli@test.example", "--name", "CLI", "--role", "auditor",
                            "--password", SECRET])
    [(who, created)] = named(seen, "user-created")
    assert who["email"] == "cli@test.example" and created["actor"] is None
