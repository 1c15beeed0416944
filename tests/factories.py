"""Factories for test data: small functions with sensible defaults, overridable by keyword."""
import itertools

from accounts import services as account_services
from branches.models import Branch, Employee
from extensions import db

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def branch(**kw) -> Branch:
    n = next(_seq)
    values = {"code": f"B{n:03d}", "name": f"Branch {n}", "city": "Madrid", "region": "Centro", "address": ""}
    values.update(kw)
    obj = Branch(**values)
    db.session.add(obj)
    db.session.flush()
    return obj


def employee(branch, **kw) -> Employee:
    n = next(_seq)
    values = {"code": f"E{n:04d}", "name": f"Employee {n}", "position": "Asesor"}
    values.update(kw)
    obj = Employee(branch=branch, **values)
    db.session.add(obj)
    db.session.flush()
    return obj


def user(role, email=None, branches=(), language="en", **kw):
    n = next(_seq)
    email = email or f"{role}{n}@test.example"
    return account_services.create_user(email, kw.get("name", f"{role.title()} {n}"), role, PASSWORD,
                                        language, branch_ids=[b.id for b in branches])


def world() -> dict:
    """Plain ids and emails (no ORM objects leave the app context)."""
    a = branch(code="A-1", name="Branch A", city="Madrid", region="Centro")
    b = branch(code="B-1", name="Branch B", city="Barcelona", region="Noreste")
    ea = employee(a, name="Ana Employee")
    eb = employee(b, name="Bruno Employee")
    users = {
        "admin": user("admin", "admin@test.example"),
        "manager_a": user("manager", "manager.a@test.example", branches=[a]),
        "manager_b": user("manager", "manager.b@test.example", branches=[b]),
        "auditor": user("auditor", "auditor@test.example"),
        "auditor2": user("auditor", "auditor2@test.example"),
        "hr": user("hr", "hr@test.example"),
    }
    out = {name: {"id": u.id, "email": u.email} for name, u in users.items()}
    out.update(branch_a=a.id, branch_b=b.id, employee_a=ea.id, employee_b=eb.id)
    return out
