"""A second factor: an admin or HR (when the setting requires it) gives a code from an
authenticator app after the password, and reaches no page before; someone without one is sent to
set it up; recovery codes work once; creating an API token on the web asks for the code."""
import re
import time

import pyotp
import pytest

from accounts import second_factor
from accounts.models import User
from core.models import Setting, get_setting, set_setting
from extensions import db
from tests import factories
from tests.conftest import PG_URL
from tests.support.account_events import assert_nothing_secret, named, recorded

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
PAGES = ["/", "/reports", "/users", "/settings", "/profile", "/audits", "/notifications"]


class Clock:
    """The time the TOTP codes are checked at, moved on by the test (a code works once)."""

    def __init__(self):
        self.now = time.time()

    def time(self):
        return self.now

    def code(self, secret):
        self.now += 30
        return pyotp.TOTP(secret).at(self.now)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(second_factor, "time", clock)
    monkeypatch.setattr(second_factor, "HASH_METHOD", "pbkdf2:sha256:1000")  # cheap, as for passwords
    return clock


@pytest.fixture
def required(app, world):
    """The setting of a new installation: admins and HR must have a second factor."""
    with app.app_context():
        set_setting("require_2fa_for", ["admin", "hr"])
        db.session.commit()


def enrolled(app, clock, user_id) -> tuple[str, list[str]]:
    """The user's second factor set up as the page does it; returns (secret, recovery codes)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        secret = second_factor.new_secret()
        codes = second_factor.enrol(user, secret, clock.code(secret))
        db.session.commit()
        return secret, codes


def password_step(client, email, next_url=None):
    return client.post("/login" + (f"?next={next_url}" if next_url else ""),
                       data={"email": email, "password": factories.PASSWORD})


def test_an_admin_with_a_second_factor_reaches_no_page_until_the_code(app, client, world, required, clock):
    secret, _codes = enrolled(app, clock, world["admin"]["id"])
    response = password_step(client, world["admin"]["email"], next_url="/users")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    for page in PAGES:
        answer = client.get(page)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], page
    assert client.post("/settings", data={"company_name": "Hacked", "brand_color": "#000000"}).status_code == 302
    wrong = client.post("/login/code", data={"code": "000000"})
    assert wrong.status_code == 200 and b"That code is not right" in wrong.data
    assert client.get("/users").status_code == 302

    done = client.post("/login/code", data={"code": clock.code(secret)})
    assert done.status_code == 302 and done.headers["Location"] == "/users"
    for page in ("/users", "/settings", "/profile"):
        assert client.get(page).status_code == 200, page


def test_a_code_works_once(app, client, world, clock):
    secret, _codes = enrolled(app, clock, world["hr"]["id"])
    code = clock.code(secret)
    password_step(client, world["hr"]["email"])
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")
    password_step(client, world["hr"]["email"])
    again = client.post("/login/code", data={"code": code})
    assert again.status_code == 200 and b"That code is not right" in again.data


def test_an_admin_without_one_is_sent_to_set_it_up_from_every_page(app, client, world, required, clock, api):
    assert password_step(client, world["admin"]["email"]).status_code == 302
    for page in PAGES:
        answer = client.get(page)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/profile/two-factor"), page
    # API tokens are a credential of their own: unaffected.
    assert api.get("admin", "/api/v1/me").status_code == 200

    page = client.get("/profile/two-factor")
    assert page.status_code == 200 and b"<svg" in page.data and b'role="img"' in page.data
    with client.session_transaction() as session:
        secret = session["enrol_secret"]
    assert secret.encode() in page.data  # the key, for an app that cannot scan
    refused = client.post("/profile/two-factor", data={"code": "123456"})
    assert b"That code is not right" in refused.data
    with recorded() as seen:
        done = client.post("/profile/two-factor", data={"code": clock.code(secret)})
    assert done.status_code == 302
    shown = client.get("/profile/two-factor").get_data(as_text=True)
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", shown)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert not re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", client.get("/profile/two-factor").get_data(
        as_text=True))  # shown once
    assert client.get("/users").status_code == 200
    [(who, _kwargs)] = named(seen, "two-factor-enrolled")
    assert who["id"] == world["admin"]["id"]
    assert_nothing_secret(seen, secret, *codes)
    with app.app_context():  # stored hashed, never as typed
        stored = [c.code_hash for c in db.session.scalars(db.select(second_factor.RecoveryCode))]
        assert len(stored) == 10 and not any(code.replace("-", "") in h for h in stored for code in codes)


def test_a_recovery_code_logs_in_once(app, client, world, required, clock):
    _secret, codes = enrolled(app, clock, world["hr"]["id"])
    password_step(client, world["hr"]["email"])
    with recorded() as seen:
        assert client.post("/login/code", data={"code": codes[0].upper()}).status_code == 302
    assert client.get("/reports/employees").status_code == 200
    [(_who, succeeded)] = named(seen, "login-succeeded")
    assert succeeded["details"] == {"second_factor": True}
    client.post("/logout")

    password_step(client, world["hr"]["email"])
    with recorded() as seen:
        again = client.post("/login/code", data={"code": codes[0]})
    assert again.status_code == 200 and b"That code is not right" in again.data
    [(_who, failed)] = named(seen, "login-failed")
    assert failed["details"] == {"step": "code"} and failed["email"] == world["hr"]["email"]
    assert_nothing_secret(seen, codes[0])
    assert client.post("/login/code", data={"code": codes[1]}).status_code == 302
    assert b"8 recovery codes left" in client.get("/profile/two-factor").data


def test_the_code_step_needs_the_password_step_first(client, world):
    response = client.post("/login/code", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_creating_an_api_token_on_the_web_asks_for_the_code_and_the_command_does_not(app, client, world, clock,
                                                                                   runner):
    secret, _codes = enrolled(app, clock, world["manager_a"]["id"])
    password_step(client, world["manager_a"]["email"])
    client.post("/login/code", data={"code": clock.code(secret)})
    assert b"tok-code" in client.get("/profile").data
    refused = client.post("/profile/tokens", data={"tok-name": "laptop"}, follow_redirects=True)
    assert b"Enter a right code" in refused.data
    with recorded() as seen:
        made = client.post("/profile/tokens", data={"tok-name": "laptop", "tok-code": clock.code(secret)},
                           follow_redirects=True)
    assert b"Copy the token now" in made.data
    [(who, created)] = named(seen, "token-created")
    assert who["id"] == world["manager_a"]["id"] and created["details"]["name"] == "laptop"
    token = re.search(rb'<code class="token">(vz_[^<]+)</code>', made.data).group(1).decode()
    assert_nothing_secret(seen, token)
    with recorded() as seen:
        printed = runner.invoke(args=["create-token", world["manager_a"]["email"], "--name", "cron"]).output.strip()
    assert printed.startswith("vz_")
    [(_who, created)] = named(seen, "token-created")
    assert created["actor"] is None and created["details"]["name"] == "cron"


def test_others_may_switch_it_off_with_a_code_a_required_role_may_not(app, client, login_as, world, required,
                                                                     clock):
    secret, _codes = enrolled(app, clock, world["auditor"]["id"])
    password_step(client, world["auditor"]["email"])
    client.post("/login/code", data={"code": clock.code(secret)})
    assert b"Switch it off" in client.get("/profile/two-factor").data
    assert b"That code is not right" in client.post("/profile/two-factor/remove", data={"off-code": "000000"},
                                                    follow_redirects=True).data
    with recorded() as seen:
        client.post("/profile/two-factor/remove", data={"off-code": clock.code(secret)})
    assert named(seen, "two-factor-removed")
    with app.app_context():
        assert not second_factor.is_enrolled(db.session.get(User, world["auditor"]["id"]))

    secret, _codes = enrolled(app, clock, world["hr"]["id"])
    client.post("/logout")
    password_step(client, world["hr"]["email"])
    client.post("/login/code", data={"code": clock.code(secret)})
    page = client.get("/profile/two-factor")
    assert b"cannot be switched off" in page.data and b"Switch it off" not in page.data
    client.post("/profile/two-factor/remove", data={"off-code": clock.code(secret)})
    with app.app_context():
        assert second_factor.is_enrolled(db.session.get(User, world["hr"]["id"]))


def test_an_admin_switches_off_the_second_factor_of_someone_who_lost_their_phone(app, client, world, required,
                                                                                 clock):
    enrolled(app, clock, world["hr"]["id"])
    admin_secret, _codes = enrolled(app, clock, world["admin"]["id"])
    password_step(client, world["admin"]["email"])
    client.post("/login/code", data={"code": clock.code(admin_secret)})
    assert b"Switch off the second factor" in client.get(f"/users/{world['hr']['id']}").data
    with recorded() as seen:
        client.post(f"/users/{world['hr']['id']}/two-factor/remove")
    [(who, removed)] = named(seen, "two-factor-removed")
    assert who["id"] == world["hr"]["id"] and removed["actor"]["id"] == world["admin"]["id"]
    client.post("/logout")
    # HR's role requires one: their next login goes to setting up a new one.
    assert password_step(client, world["hr"]["email"]).status_code == 302
    assert client.get("/reports/employees").headers["Location"].endswith("/profile/two-factor")


def test_the_admin_chooses_the_roles_in_the_settings(app, client, login_as, world):
    login_as("admin")
    with recorded() as seen:
        client.post("/settings", data={"company_name": "Veraz", "brand_color": "#0b5c55",
                                       "require_2fa_for": ["admin", "manager"]})
    [(_none, changed)] = named(seen, "settings-changed")
    assert changed["details"]["changes"]["require_2fa_for"] == [[], ["admin", "manager"]]
    assert client.get("/reports").headers["Location"].endswith("/profile/two-factor")


@pytest.mark.skipif(bool(PG_URL), reason="the data step is plain SQL; this walks it on a SQLite copy")
def test_an_installation_that_had_users_keeps_its_password_logins_after_the_upgrade(make_app):
    """A new installation requires a second factor of admins and HR; one upgraded with users in
    it does not, until its admin says so (the migration writes [])."""
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, upgrade

    app = make_app()
    with app.app_context():
        db.session.execute(db.delete(Setting))
        db.session.commit()
        assert get_setting("require_2fa_for") == ["admin", "hr"]  # as installed today
        # back to just before the second factor's migration (wherever it sits among the others)
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        downgrade(revision=script.get_revision("618d818ca469").down_revision)
        factories.user("admin")
        db.session.commit()
        upgrade()
        assert get_setting("require_2fa_for") == []
        db.session.remove()


def test_the_demo_switches_it_off_and_leaves_an_admins_choice(app):
    import demo

    with app.app_context():
        db.session.execute(db.delete(Setting))
        demo._second_factor_off()
        assert get_setting("require_2fa_for") == []
        set_setting("require_2fa_for", ["admin"])
        demo._second_factor_off()
        assert get_setting("require_2fa_for") == ["admin"]
