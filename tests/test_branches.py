"""Branches and employees: the admin manages them, managers see their own, nothing is deleted."""
from branches.models import Branch, Employee
from extensions import db


def test_admin_creates_and_edits_a_branch(app, client, login_as):
    login_as("admin")
    response = client.post("/branches/new", data={"code": "SEV-1", "name": "Sevilla", "city": "Sevilla",
                                                  "region": "Sur", "address": "Calle Sierpes 1", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        branch = db.session.scalar(db.select(Branch).where(Branch.code == "SEV-1"))
        branch_id = branch.id
    client.post(f"/branches/{branch_id}", data={"code": "SEV-1", "name": "Sevilla Centro", "city": "Sevilla",
                                                "region": "Sur", "address": ""})
    with app.app_context():
        branch = db.session.get(Branch, branch_id)
        assert branch.name == "Sevilla Centro" and branch.active is False  # deactivated, still there


def test_duplicate_branch_code_is_refused_with_a_message(client, login_as):
    login_as("admin")
    response = client.post("/branches/new", data={"code": "A-1", "name": "Clash"})
    assert response.status_code == 200
    assert b"already used" in response.data


def test_search_finds_branches_and_employees(client, login_as):
    login_as("admin")
    assert b"Branch B" in client.get("/branches?q=barcelona").data
    assert b"Branch A" not in client.get("/branches?q=barcelona").data
    assert b"Bruno" in client.get("/employees?q=bruno").data


def test_manager_sees_only_their_branches_people(client, login_as, world):
    login_as("manager_a")
    page = client.get("/employees").data
    assert b"Ana Employee" in page and b"Bruno Employee" not in page
    assert client.get(f"/employees/{world['employee_b']}").status_code == 404
    assert client.get(f"/branches/{world['branch_b']}").status_code == 404
    assert client.get(f"/branches/{world['branch_a']}").status_code == 200
    assert client.post(f"/branches/{world['branch_a']}", data={"code": "A-1", "name": "x"}).status_code == 403


def test_admin_creates_an_employee_and_deactivates_them(app, client, login_as, world):
    login_as("admin")
    client.post("/employees/new", data={"code": "E-900", "name": "Nueva Persona", "branch_id": world["branch_a"],
                                        "position": "Cajera", "active": "y"})
    with app.app_context():
        employee = db.session.scalar(db.select(Employee).where(Employee.code == "E-900"))
        employee_id = employee.id
    client.post(f"/employees/{employee_id}", data={"code": "E-900", "name": "Nueva Persona",
                                                   "branch_id": world["branch_a"], "position": "Cajera"})
    assert b"E-900" not in client.get("/employees").data
    assert b"E-900" in client.get("/employees?show=all").data


def test_bad_employee_input_gets_a_message_not_a_500(client, login_as, world):
    login_as("admin")
    response = client.post("/employees/new", data={"code": "bad code!", "name": "", "branch_id": "999999"})
    assert response.status_code == 200
    assert b"Use letters" in response.data
