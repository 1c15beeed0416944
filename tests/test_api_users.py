"""An HR system manages people through the API alone: managers of branches, auditors, employee
logins, and a nightly synchronisation that changes nothing when nothing changed."""
import pytest

from accounts.models import ApiToken, User
from branches.models import Employee
from extensions import db

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")  # before the world is made


def token_for(api, email):
    """What the user does on their profile page (or the admin with create-token)."""
    result = api.app.test_cli_runner().invoke(args=["create-token", email, "--name", "laptop"])
    assert result.exit_code == 0, result.output
    return {"Authorization": f"Bearer {result.output.strip()}"}


def me(api, headers):
    return api.client.get("/api/v1/me", headers=headers)


def test_an_admin_sets_up_a_manager_an_auditor_and_an_employee_login(api):
    a, b = api.world["branch_a"], api.world["branch_b"]
    manager = api.post("admin", "/api/v1/users", json={
        "email": "Lucia.Romero@Example.com", "name": "Lucía Romero", "role": "manager", "branch_ids": [a, b],
        "password": "a-long-password-1"})
    assert manager.status_code == 201, manager.get_json()
    assert manager.get_json()["email"] == "lucia.romero@example.com"
    assert {x["id"] for x in manager.get_json()["branches"]} == {a, b}
    auditor = api.post("admin", "/api/v1/users", json={"email": "pablo@example.com", "name": "Pablo",
                                                         "role": "auditor", "language": "en"})
    assert auditor.status_code == 201 and auditor.get_json()["branches"] == []
    employee = api.post("admin", "/api/v1/users", json={"email": "bruno@example.com", "name": "Bruno",
                                                          "role": "employee", "employee_id": api.world["employee_b"]})
    assert employee.status_code == 201 and employee.get_json()["employee_id"] == api.world["employee_b"]
    assert api.get("admin", f"/api/v1/users/{employee.get_json()['id']}").get_json()["role"] == "employee"

    as_manager = token_for(api, "lucia.romero@example.com")
    assert {x["id"] for x in me(api, as_manager).get_json()["branches"]} == {a, b}
    assert api.client.get(f"/api/v1/branches/{b}", headers=as_manager).status_code == 200

    moved = api.patch("admin", f"/api/v1/users/{manager.get_json()['id']}", json={"branch_ids": [a]})
    assert moved.status_code == 200 and [x["id"] for x in moved.get_json()["branches"]] == [a]
    # on the very next request
    assert [x["id"] for x in me(api, as_manager).get_json()["branches"]] == [a]
    assert api.client.get(f"/api/v1/branches/{b}", headers=as_manager).status_code == 404


def test_deactivating_an_auditor_stops_their_token_and_web_session_at_once(api, app):
    auditor = api.post("admin", "/api/v1/users", json={"email": "pablo@example.com", "name": "Pablo",
                                                         "role": "auditor", "password": "a-long-password-1"})
    as_auditor = token_for(api, "pablo@example.com")
    browser = app.test_client()
    login = browser.post("/login", data={"email": "pablo@example.com", "password": "a-long-password-1"})
    assert login.status_code == 302
    assert me(api, as_auditor).status_code == 200 and browser.get("/profile").status_code == 200

    off = api.patch("admin", f"/api/v1/users/{auditor.get_json()['id']}", json={"active": False})
    assert off.status_code == 200 and off.get_json()["active"] is False
    response = me(api, as_auditor)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "user_inactive"
    assert browser.get("/profile").status_code == 302  # sent to the login page
    with app.app_context():
        assert db.session.scalar(db.select(ApiToken.revoked_at).where(ApiToken.name == "laptop")) is not None
    # switched on again, the old token stays revoked
    api.patch("admin", f"/api/v1/users/{auditor.get_json()['id']}", json={"active": True})
    assert me(api, as_auditor).status_code == 401


def test_the_nightly_synchronisation_changes_nothing_the_second_time(api, app):
    a = api.world["branch_a"]
    person = {"name": "Lucía Romero", "role": "manager", "language": "es", "branch_ids": [a],
              "password": "a-long-password-1"}
    first = api.call("admin", "PUT", "/api/v1/users/by-email/lucia@example.com", json=person)
    assert first.status_code == 201 and first.get_json()["result"] == "created"
    assert first.get_json()["email"] == "lucia@example.com"
    with app.app_context():
        before = db.session.scalar(db.select(User).where(User.email == "lucia@example.com"))
        stamp = (before.password_hash, before.session_token)
    again = api.call("admin", "PUT", "/api/v1/users/by-email/lucia@example.com", json=person)
    assert again.status_code == 200 and again.get_json()["result"] == "unchanged"
    with app.app_context():
        after = db.session.scalar(db.select(User).where(User.email == "lucia@example.com"))
        assert (after.password_hash, after.session_token) == stamp  # still logged in, same password

    changed = api.call("admin", "PUT", "/api/v1/users/by-email/LUCIA@example.com",
                       json={**person, "branch_ids": [a, api.world["branch_b"]]})
    assert changed.status_code == 200 and changed.get_json()["result"] == "updated"
    assert len(changed.get_json()["branches"]) == 2
    assert api.call("admin", "PUT", "/api/v1/users/by-email/lucia@example.com",
                    json={**person, "branch_ids": [a, api.world["branch_b"]]}).get_json()["result"] == "unchanged"

    no_role = api.call("admin", "PUT", "/api/v1/users/by-email/new@example.com", json={"name": "New"})
    # no user has this e-mail: the body must say what the new user is (a conflict with what is stored)
    assert no_role.status_code == 409 and no_role.get_json()["error"]["code"] == "role_needed"
    assert "role" in no_role.get_json()["error"]["details"]["json"]
    no_employee = api.call("admin", "PUT", "/api/v1/users/by-email/new@example.com",
                           json={"name": "New", "role": "employee"})
    assert no_employee.status_code == 409 and "employee_id" in no_employee.get_json()["error"]["details"]["json"]
    bad = api.call("admin", "PUT", "/api/v1/users/by-email/not-an-email", json=person)
    assert bad.status_code == 422 and "email" in bad.get_json()["error"]["details"]["path"]
    assert api.call("manager_a", "PUT", "/api/v1/users/by-email/x@example.com", json=person).status_code == 403


def test_wrong_users_are_refused_naming_each_field(api):
    taken = api.post("admin", "/api/v1/users", json={"email": "HR@test.example", "name": "Again", "role": "hr"})
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "duplicate_email"

    wrong = api.post("admin", "/api/v1/users", json={"email": "x@example.com", "name": "X", "role": "auditor",
                                                       "branch_ids": [api.world["branch_a"]],
                                                       "employee_id": api.world["employee_b"]})
    assert wrong.status_code == 422
    assert set(wrong.get_json()["error"]["details"]["json"]) == {"branch_ids", "employee_id"}
    unknown = api.post("admin", "/api/v1/users", json={"email": "y@example.com", "name": "Y", "role": "manager",
                                                         "branch_ids": [999_999]})
    # a body naming nothing: 404 when making the user, 409 when changing one
    assert unknown.status_code == 404 and "999999" in unknown.get_json()["error"]["details"]["json"]["branch_ids"]
    schema = api.post("admin", "/api/v1/users", json={"email": "nope", "name": " ", "role": "boss", "colour": 1})
    assert schema.status_code == 422
    assert {"email", "name", "role", "colour"} <= set(schema.get_json()["error"]["details"]["json"])

    # an employee login needs an employee without a login (Ana already has one in the world)
    missing = api.post("admin", "/api/v1/users", json={"email": "e@example.com", "name": "E", "role": "employee"})
    assert missing.status_code == 422 and "employee_id" in missing.get_json()["error"]["details"]["json"]
    second = api.post("admin", "/api/v1/users", json={"email": "e@example.com", "name": "E", "role": "employee",
                                                        "employee_id": api.world["employee_a"]})
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "user_conflict"
    assert "employee_id" in second.get_json()["error"]["details"]["json"]

    alone = api.post("admin", "/api/v1/users", json={"email": "m@example.com", "name": "M", "role": "manager"})
    assert alone.status_code == 201 and alone.get_json()["branches"] == []  # branches may come later
    clash = api.patch("admin", f"/api/v1/users/{alone.get_json()['id']}", json={"email": "hr@test.example"})
    assert clash.status_code == 409
    # changing a user: a branch that does not exist, or a field their stored role does not take, is 409
    alone_url = f"/api/v1/users/{alone.get_json()['id']}"
    gone = api.patch("admin", alone_url, json={"branch_ids": [999_999]})
    assert gone.status_code == 409 and "branch_ids" in gone.get_json()["error"]["details"]["json"]
    not_employee = api.patch("admin", alone_url, json={"employee_id": api.world["employee_b"]})
    assert not_employee.status_code == 409 and not_employee.get_json()["error"]["code"] == "user_conflict"
    assert "employee_id" in not_employee.get_json()["error"]["details"]["json"]
    # the same with the role sent: the body contradicts itself (the document's anyOf says so)
    assert api.patch("admin", alone_url, json={"role": "auditor", "branch_ids": [api.world["branch_a"]]}
                     ).status_code == 422
    assert api.patch("admin", "/api/v1/users/999999", json={"name": "Nobody"}).status_code == 404
    assert api.post("manager_a", "/api/v1/users", json={"email": "z@example.com", "name": "Z",
                                                        "role": "auditor"}).status_code == 403
    assert api.get("hr", f"/api/v1/users/{api.world['auditor']['id']}").status_code == 403


def test_nobody_deactivates_or_demotes_the_last_active_admin(api):
    admin_id = api.world["admin"]["id"]
    for change in ({"active": False}, {"role": "hr"}):
        response = api.patch("admin", f"/api/v1/users/{admin_id}", json=change)
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "last_admin"
    second = api.post("admin", "/api/v1/users", json={"email": "boss2@example.com", "name": "Boss", "role": "admin"})
    as_second = token_for(api, "boss2@example.com")
    demoted = api.client.patch(f"/api/v1/users/{admin_id}", json={"role": "hr"}, headers=as_second)
    assert demoted.status_code == 200 and demoted.get_json()["role"] == "hr"
    # now the second admin is the last one: not even another user's call takes their role
    with api.app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id)).where(User.role == "admin", User.active)) == 1
    refused = api.client.patch(f"/api/v1/users/{second.get_json()['id']}", json={"active": False}, headers=as_second)
    assert refused.status_code == 409


def test_the_user_list_filters_by_branch_active_and_search(api):
    a = api.world["branch_a"]
    emails = lambda query, who="admin": [u["email"] for u in api.get(who, "/api/v1/users" + query).get_json()["items"]]  # noqa: E731
    assert emails(f"?branch_id={a}") == ["manager.a@test.example"]
    assert emails("?q=AUDITOR2") == ["auditor2@test.example"]
    assert emails("?active=false") == ["gone@test.example"]
    assert "gone@test.example" not in emails("?active=true")
    assert emails("?role=employee") == ["employee.a@test.example"]
    # a manager lists the active auditors they may assign, with the same filters
    assert emails("", "manager_a") == ["auditor@test.example", "auditor2@test.example"]
    assert emails("?q=auditor2", "manager_a") == ["auditor2@test.example"]
    assert emails(f"?branch_id={a}", "manager_a") == []
    assert api.get("admin", "/api/v1/users?active=maybe").status_code == 422


def test_an_employee_login_sees_its_own_page_and_profile_and_nothing_else(api, app, login_as):
    client = login_as("employee")
    assert client.get("/").headers["Location"].endswith("/me")  # their own audits (none approved here)
    assert client.get("/me").status_code == 200
    assert client.get("/profile").status_code == 200
    for path in ("/reports", "/branches", "/users", "/my/assignments", "/assignments"):
        assert client.get(path).status_code == 403, path
    assert client.get("/audits").status_code == 200  # open to every login: only their approved audits (none)
    me_ = api.get("employee", "/api/v1/me").get_json()
    assert me_["role"] == "employee" and me_["employee_id"] == api.world["employee_a"]
    assert api.get("employee", "/api/v1/audits").get_json()["total"] == 0
    assert api.get("employee", "/api/v1/assignments").get_json()["total"] == 0
    for path in ("/api/v1/branches", "/api/v1/employees", f"/api/v1/branches/{api.world['branch_a']}",
                 "/api/v1/users"):
        assert api.get("employee", path).status_code == 403, path
    assert api.get("employee", f"/api/v1/audits/{api.ids['submitted_a']}").status_code == 404


def test_create_user_on_the_command_line_gives_branches_and_employee_logins(app, runner, world):
    result = runner.invoke(args=["create-user", "--email", "m@example.com", "--name", "M", "--role", "manager",
                                 "--branch", "A-1", "--branch", "B-1", "--password", "a-long-password-1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        employee_code = db.session.get(Employee, world["employee_b"]).code
    result = runner.invoke(args=["create-user", "--email", "e@example.com", "--name", "E", "--role", "employee",
                                 "--employee", employee_code, "--password", "a-long-password-1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        manager = db.session.scalar(db.select(User).where(User.email == "m@example.com"))
        assert manager.branch_ids == {world["branch_a"], world["branch_b"]}
        login = db.session.scalar(db.select(User).where(User.email == "e@example.com"))
        assert (login.role, login.employee_id) == ("employee", world["employee_b"])
    unknown = runner.invoke(args=["create-user", "--email", "x@example.com", "--name", "X", "--role", "manager",
                                  "--branch", "NOPE", "--password", "a-long-password-1"])
    assert unknown.exit_code != 0 and "NOPE" in unknown.output
    taken = runner.invoke(args=["create-user", "--email", "y@example.com", "--name", "Y", "--role", "employee",
                                "--employee", employee_code, "--password", "a-long-password-1"])
    assert taken.exit_code != 0 and "employee_id" in taken.output  # the field at fault, in either language


def test_the_admin_links_an_employee_login_on_the_user_form(app, client, login_as, world):
    login_as("admin")
    response = client.post("/users/new", data={"email": "bruno@example.com", "name": "Bruno", "role": "employee",
                                               "language": "en", "employee_id": world["employee_b"], "active": "y",
                                               "password": "a-long-password-1"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "bruno@example.com"))
        assert (user.role, user.employee_id) == ("employee", world["employee_b"])
    page = client.post(f"/users/{user.id}", data={"email": "bruno@example.com", "name": "Bruno", "role": "employee",
                                                  "language": "en", "employee_id": world["employee_a"], "active": "y"})
    assert page.status_code == 200 and "This employee already has a login." in page.get_data(as_text=True)
