"""Logging in and out, passwords, the admin's user management, safe redirects, slowed logins."""
from accounts.models import User
from extensions import db
from tests import factories


def test_login_and_logout(client, auth, world):
    response = auth.login("auditor@test.example")
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    auth.logout()
    response = client.get("/profile")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wrong_password_is_refused_with_a_message(client, auth, world):
    response = auth.login("auditor@test.example", "not-the-password")
    assert response.status_code == 200
    assert b"Wrong email or password" in response.data


def test_deactivated_user_cannot_log_in_and_is_logged_out_at_once(app, client, auth, world):
    auth.login("auditor@test.example")
    with app.app_context():
        user = db.session.get(User, world["auditor"]["id"])
        user.active = False
        db.session.commit()
    assert client.get("/profile").status_code == 302
    assert auth.login("auditor@test.example").status_code == 200


def test_next_redirect_only_to_this_site(client, world):
    data = {"email": "hr@test.example", "password": factories.PASSWORD}
    ok = client.post("/login?next=/profile", data=data)
    assert ok.headers["Location"] == "/profile"
    for evil in ("https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"):
        client.post("/logout")
        response = client.post("/login", query_string={"next": evil}, data=data)
        assert "evil" not in response.headers["Location"] and "javascript" not in response.headers["Location"]


def test_change_password_needs_the_current_one_and_a_long_new_one(app, client, login_as):
    login_as("auditor")
    short = client.post("/profile/password", data={"pw-current": factories.PASSWORD, "pw-new": "short",
                                                   "pw-confirm": "short"}, follow_redirects=True)
    assert b"between 10 and 128" in short.data
    wrong = client.post("/profile/password", data={"pw-current": "nope-nope-nope", "pw-new": "a-new-password-1",
                                                   "pw-confirm": "a-new-password-1"}, follow_redirects=True)
    assert b"current password is wrong" in wrong.data
    ok = client.post("/profile/password", data={"pw-current": factories.PASSWORD, "pw-new": "a-new-password-1",
                                                "pw-confirm": "a-new-password-1"}, follow_redirects=True)
    assert b"password was changed" in ok.data
    client.post("/logout")
    assert client.post("/login", data={"email": "auditor@test.example",
                                       "password": "a-new-password-1"}).status_code == 302


def test_admin_creates_edits_resets_and_deactivates_users(app, client, login_as, world):
    login_as("admin")
    response = client.post("/users/new", data={"email": "New.Person@Test.example", "name": "New Person",
                                               "role": "manager", "language": "es",
                                               "branches": [world["branch_a"]], "active": "y",
                                               "password": "long-enough-pw"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "new.person@test.example"))
        assert user.role == "manager" and user.branch_ids == {world["branch_a"]}
        user_id = user.id
    duplicate = client.post("/users/new", data={"email": "new.person@test.example", "name": "Again",
                                                "role": "hr", "language": "es", "password": "long-enough-pw"})
    assert b"already exists" in duplicate.data
    client.post(f"/users/{user_id}", data={"email": "new.person@test.example", "name": "Renamed",
                                           "role": "hr", "language": "en", "password": "reset-password-1"})
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.name == "Renamed" and user.role == "hr" and user.branch_ids == set()
        assert user.active is False  # the box was not ticked: deactivated
        assert user.check_password("reset-password-1")


def test_admin_cannot_deactivate_themselves(client, login_as, world):
    login_as("admin")
    response = client.post(f"/users/{world['admin']['id']}", data={
        "email": "admin@test.example", "name": "Admin", "role": "admin", "language": "en"})
    assert b"cannot deactivate yourself" in response.data


def test_repeated_failed_logins_are_slowed_down(make_app, world):
    from extensions import limiter

    client = make_app(RATELIMIT_ENABLED=True).test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    limiter.reset()
    statuses = [client.post("/login", data={"email": "hr@test.example", "password": "wrong-wrong"}).status_code
                for _ in range(7)]
    assert statuses[:5] == [200] * 5
    assert statuses[-1] == 429
    page = client.post("/login", data={"email": "hr@test.example", "password": "wrong-wrong"})
    assert b"Too many attempts" in page.data
    limiter.reset()


def test_forms_without_csrf_token_are_refused(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/login", data={"email": "hr@test.example", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert b"form expired" in response.data


def test_language_follows_user_then_browser_then_spanish(client, login_as, world):
    assert b'lang="es"' in client.get("/login", headers={"Accept-Language": ""}).data
    assert b'lang="en"' in client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).data
    login_as("auditor")  # the factory gives users English
    assert b'lang="en"' in client.get("/profile", headers={"Accept-Language": "es"}).data
    client.post("/language/es")
    assert b'lang="es"' in client.get("/profile").data


def test_spanish_interface_is_translated(client):
    page = client.get("/login", headers={"Accept-Language": "es"}).data.decode()
    assert "Iniciar sesión" in page and "Contraseña" in page
