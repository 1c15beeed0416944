"""The command line: create-user and demo."""
from accounts.models import User
from branches.models import Branch, Employee
from extensions import db


def test_create_user_and_refuse_a_duplicate(app, runner):
    result = runner.invoke(args=["create-user", "--email", "Boss@Example.com", "--name", "Boss",
                                 "--role", "admin", "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["create-user", "--email", "boss@example.com", "--name", "Boss",
                                "--role", "admin", "--password", "a-long-password"])
    assert again.exit_code != 0 and "boss@example.com" in again.output and "Traceback" not in again.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_create_user_prompts_for_the_password(app, runner):
    result = runner.invoke(args=["create-user", "--email", "p@example.com", "--name", "P", "--role", "hr"],
                           input="prompted-password\nprompted-password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.email == "p@example.com")).check_password(
            "prompted-password")


def test_demo_loads_and_is_safe_to_run_twice(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@veraz.example" in first.output and "auditor@veraz.example" in first.output
    with app.app_context():
        counts = [db.session.scalar(db.select(db.func.count(m.id))) for m in (User, Branch, Employee)]
        cities = set(db.session.scalars(db.select(Branch.city)))
        roles = set(db.session.scalars(db.select(User.role)))
    assert counts[1] >= 3 and counts[2] >= 15 and len(cities) >= 3
    assert roles == {"admin", "manager", "auditor", "hr", "employee"}
    assert "empleada@veraz.example" in first.output  # an employee's own login, to try what they see
    assert "second factor" in first.output  # switched off for the demo, and it says so
    assert runner.invoke(args=["verify-seals"]).exit_code == 0  # the demo's approved audits are sealed
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert [db.session.scalar(db.select(db.func.count(m.id))) for m in (User, Branch, Employee)] == counts
