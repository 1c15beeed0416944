"""Planned audits: admins plan anywhere, managers in their branches; auditors see their own, soonest
first with overdue ones marked, and make the audit from them; nobody sees someone else's."""
import re
import uuid
from datetime import date, timedelta

import pytest

from accounts.models import User
from audits import services
from audits.assignments import assignment_query, plan_assignment
from audits.errors import AuditForbidden, AuditInvalid, AuditNotFound
from audits.models import Assignment
from extensions import db
from tests import factories


@pytest.fixture
def card(app, world):
    with app.app_context():
        version = factories.scorecard()
        db.session.commit()
        return version.scorecard_id


def plan(client, world, card, **kw):
    data = {"auditor_id": world["auditor"]["id"], "branch_id": world["branch_a"], "scorecard_id": card,
            "employee_id": "", "due_date": (date.today() + timedelta(days=3)).isoformat(), "notes": ""}
    data.update(kw)
    return client.post("/assignments/new", data=data)


def assignments(app):
    with app.app_context():
        return [(a.id, a.auditor_id, a.branch_id, a.employee_id, a.due_date, a.notes)
                for a in db.session.scalars(db.select(Assignment).order_by(Assignment.id))]


def test_a_manager_plans_an_audit_in_their_branch_and_the_auditor_sees_it(app, client, login_as, world, card):
    login_as("manager_a")
    response = plan(client, world, card, employee_id=world["employee_a"], notes="Ask about the card")
    assert response.status_code == 302
    [(assignment_id, auditor_id, branch_id, employee_id, _due, notes)] = assignments(app)
    assert (auditor_id, branch_id, employee_id, notes) == (world["auditor"]["id"], world["branch_a"],
                                                          world["employee_a"], "Ask about the card")
    login_as("auditor")
    page = client.get("/my/assignments").data.decode()
    assert "Ask about the card" in page and f'name="assignment_id" value="{assignment_id}"' in page
    login_as("auditor2")
    assert "Ask about the card" not in client.get("/my/assignments").data.decode()


def test_a_manager_cannot_plan_for_another_branch_or_an_employee_elsewhere(app, client, login_as, world, card):
    login_as("manager_a")
    assert plan(client, world, card, branch_id=world["branch_b"]).status_code == 200  # not a choice for them
    response = plan(client, world, card, employee_id=world["employee_b"])
    assert response.status_code == 200 and b"does not work at this branch" in response.data
    assert assignments(app) == []


@pytest.mark.parametrize("role, status", [("auditor", 403), ("hr", 403), ("manager_a", 200), ("admin", 200)])
def test_the_assignments_page_is_for_planners(client, login_as, role, status, card):
    login_as(role)
    assert client.get("/assignments").status_code == status
    assert client.get("/assignments/new").status_code == status


def test_managers_see_and_edit_only_their_branches_assignments(app, client, login_as, world, card):
    login_as("admin")
    plan(client, world, card, branch_id=world["branch_b"], notes="In Barcelona")
    [(assignment_id, *_rest)] = assignments(app)
    login_as("manager_a")
    assert "In Barcelona" not in client.get("/assignments").data.decode()
    assert client.get(f"/assignments/{assignment_id}").status_code == 404
    assert client.post(f"/assignments/{assignment_id}/delete").status_code == 404
    login_as("manager_b")
    assert "In Barcelona" in client.get("/assignments").data.decode()
    response = client.post(f"/assignments/{assignment_id}", data={
        "auditor_id": world["auditor2"]["id"], "branch_id": world["branch_b"], "scorecard_id": card,
        "employee_id": world["employee_b"], "due_date": "2030-05-01", "notes": "Moved"})
    assert response.status_code == 302
    assert assignments(app)[0][1:] == (world["auditor2"]["id"], world["branch_b"], world["employee_b"],
                                       date(2030, 5, 1), "Moved")


def test_overdue_assignments_are_marked_and_the_soonest_comes_first(app, client, login_as, world, card):
    login_as("admin")
    today = date.today()
    for days, note in ((9, "later"), (-2, "late one"), (1, "tomorrow")):
        plan(client, world, card, due_date=(today + timedelta(days=days)).isoformat(), notes=note)
    login_as("auditor")
    page = client.get("/my/assignments").data.decode()
    assert page.index("late one") < page.index("tomorrow") < page.index("later")
    late = page[:page.index("late one")].rsplit("<li", 1)[1]
    assert 'class="overdue"' in late
    login_as("admin")
    overdue = client.get("/assignments?status=overdue").data.decode()
    assert overdue.count('class="overdue"') == 1
    with app.app_context():
        admin = db.session.get(User, world["admin"]["id"])
        rows = db.session.scalars(assignment_query(admin, status="overdue")).all()
        assert [a.notes for a in rows] == ["late one"]
        rows = db.session.scalars(assignment_query(admin, status="open")).all()
        assert [a.notes for a in rows] == ["tomorrow", "later"]


def test_the_auditor_starts_the_audit_once_and_the_assignment_follows_it(app, client, login_as, world, card):
    login_as("admin")
    plan(client, world, card, employee_id=world["employee_a"])
    [(assignment_id, *_rest)] = assignments(app)
    login_as("auditor2")
    assert client.post("/audits/start", data={"assignment_id": assignment_id,
                                              "client_id": str(uuid.uuid4())}).status_code == 404
    login_as("auditor")
    page = client.get("/my/assignments").data.decode()
    client_id = re.search(r'name="client_id" value="([^"]+)"', page).group(1)
    first = client.post("/audits/start", data={"assignment_id": assignment_id, "client_id": client_id})
    again = client.post("/audits/start", data={"assignment_id": assignment_id, "client_id": str(uuid.uuid4())})
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]  # a second start opens the same audit
    with app.app_context():
        assignment = db.session.get(Assignment, assignment_id)
        assert assignment.audit.employee_id == world["employee_a"]
        assert assignment.status() == "in_progress"
    login_as("admin")
    assert b"In progress" in client.get("/assignments").data


def test_an_assignment_with_an_audit_cannot_be_deleted_or_moved(app, client, login_as, world, card):
    login_as("admin")
    plan(client, world, card)
    plan(client, world, card, notes="spare")
    (used, *_a), (spare, *_b) = assignments(app)
    with app.app_context():
        auditor = db.session.get(User, world["auditor"]["id"])
        services.create_audit(auditor, assignment=used, client_id=str(uuid.uuid4()))
        db.session.commit()
    response = client.post(f"/assignments/{used}/delete")
    assert response.status_code == 302 and len(assignments(app)) == 2
    assert b"cannot be deleted" in client.get(response.headers["Location"]).data
    moved = client.post(f"/assignments/{used}", data={
        "auditor_id": world["auditor2"]["id"], "branch_id": world["branch_a"], "scorecard_id": card,
        "employee_id": "", "due_date": "", "notes": ""})
    assert moved.status_code == 200 and b"only its due date and notes can change" in moved.data
    assert client.post(f"/assignments/{spare}/delete").status_code == 302
    assert [a[0] for a in assignments(app)] == [used]


def test_plan_assignment_service_names_each_bad_field(app, world, card):
    with app.app_context():
        admin = db.session.get(User, world["admin"]["id"])
        with pytest.raises(AuditInvalid) as bad:
            plan_assignment(admin, auditor=world["hr"]["id"], branch=999, scorecard="no-such-card",
                                     due_date="31/12/2026")
        assert [k for k, _m in bad.value.problems] == ["auditor_id", "branch_id", "scorecard", "due_date"]
        by_email = plan_assignment(admin, auditor="AUDITOR@test.example", branch=world["branch_a"],
                                            scorecard=card, due_date="2026-12-31")
        assert by_email.auditor_id == world["auditor"]["id"] and by_email.due_date == date(2026, 12, 31)
        auditor = db.session.get(User, world["auditor"]["id"])
        with pytest.raises(AuditForbidden):
            plan_assignment(auditor, auditor=auditor, branch=world["branch_a"], scorecard=card)
        manager_b = db.session.get(User, world["manager_b"]["id"])
        with pytest.raises(AuditNotFound):
            plan_assignment(manager_b, auditor=auditor, branch=world["branch_a"], scorecard=card)
