"""Employees' data rights: everything held about a person as one document (and a ZIP with their
PDFs), their erasure (asked twice on the web; irreversible; every figure unchanged; seals still
verify), and the pseudonymising of old audits."""
import io
import json
import zipfile
from datetime import timedelta

import pytest

from accounts.models import User
from audits import services as audit_services
from audits.models import Audit
from branches.models import Employee
from core.models import set_setting
from core.timeutil import utcnow
from disputes.models import Dispute
from extensions import db
from records.models import Seal
from scorecards.models import ScorecardVersion
from security import personal_data
from security.models import SecurityEvent
from tests import factories
from tests.support.api import issue_token

NAME, CODE, LOGIN = "Ximena Quintanilla", "E-XQ-77", "ximena.q@test.example"
PERIOD = "from=2026-01-01&to=2026-12-31"


def _approved(version, world, employee_id, branch_id, admin, **kw):
    audit = factories.audit(version, world["auditor"]["id"], branch_id, status="submitted", employee_id=employee_id,
                            started_at=utcnow() - timedelta(days=3), **kw)
    audit_services.approve(audit, admin)
    return audit


@pytest.fixture
def person(app, world):
    """Ximena of branch A, with a login; two approved, sealed audits about her that name her in
    texts, her dispute of one, and an audit of Bruno (branch B) whose comment mentions her."""
    with app.app_context():
        admin = db.session.get(User, world["admin"]["id"])
        ximena = db.session.get(Employee, world["employee_a"])
        ximena.name, ximena.code = NAME, CODE
        login = db.session.get(User, world["employee"]["id"])
        login.name, login.email = NAME, LOGIN
        version = factories.scorecard()
        first = _approved(version, world, ximena.id, world["branch_a"], admin, employee_name_given="Ximena",
                          comments={"a_no": "Ximena did not say her name", "a_yes": "Warm welcome at the door"},
                          notes="Served by Ximena Quintanilla at the till",
                          answers={**factories.WORKED_ANSWERS, "b_notes": f"{NAME} explained the offer"})
        second = _approved(version, world, ximena.id, world["branch_a"], admin, employee_name_given="Xime",
                           comments={"b_yes": "Said goodbye"})
        other = _approved(version, world, world["employee_b"], world["branch_b"], admin,
                          comments={"a_yes": f"{NAME} from Madrid helped too", "b_yes": "Quick farewell"})
        db.session.add(Dispute(audit=first, opened_by_id=login.id, reason="I, Ximena, gave my name twice",
                               criteria=["a_no"]))
        tokens = {w: issue_token(world[w]["id"], "t") for w in ("admin", "hr", "manager_a")}
        db.session.commit()
        return {"id": ximena.id, "audits": [first.id, second.id], "other": other.id, "tokens": tokens,
                "version": version.id}


def _get(client, person, who, url):
    return client.get(url, headers={"Authorization": f"Bearer {person['tokens'][who]}"})


def test_the_personal_data_document_holds_their_audits_without_the_auditor(app, client, person, world):
    response = _get(client, person, "hr", f"/api/v1/employees/{person['id']}/personal-data")
    assert response.status_code == 200, response.get_json()
    sections = response.get_json()["sections"]
    assert sections["employee"]["name"] == NAME and sections["login"]["email"] == LOGIN
    assert [a["id"] for a in sections["audits"]] == person["audits"]
    first = sections["audits"][0]
    assert {"criterion": "a_no", "question": "Gave their name", "value": "no",
            "comment": "Ximena did not say her name"} in first["answers"]
    assert first["employee_name_given"] == "Ximena" and first["score"] == pytest.approx(61.111, abs=0.001)
    assert sections["disputes"][0]["reason"] == "I, Ximena, gave my name twice"
    assert "Auditor" not in json.dumps(sections)  # the auditor's name ("Auditor N") is not in it
    assert _get(client, person, "manager_a", f"/api/v1/employees/{person['id']}/personal-data").status_code == 403
    with app.app_context():
        event = db.session.scalar(db.select(SecurityEvent).where(SecurityEvent.type == "personal_data_exported"))
        assert event.actor_id == world["hr"]["id"] and event.details["employee_id"] == person["id"]


def test_the_employee_page_downloads_a_zip_with_the_document_and_their_pdfs(app, client, login_as, person):
    page = login_as("hr").get(f"/employees/{person['id']}").get_data(as_text=True)
    assert f"/employees/{person['id']}/personal-data.zip" in page and "/erase" not in page
    response = client.get(f"/employees/{person['id']}/personal-data.zip?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert names == {"personal-data.json", f"employee-{CODE}.pdf",
                     *(f"audits/audit-{i}.pdf" for i in person["audits"])}
    document = json.loads(archive.read("personal-data.json"))
    assert [a["id"] for a in document["sections"]["audits"]] == person["audits"]
    _pages, text = factories.pdf_text(archive.read(f"audits/audit-{person['audits'][0]}.pdf"))
    assert NAME in text


def test_a_section_added_by_another_package_is_collected_and_erased(app, client, person):
    erased = []
    personal_data.register_section("coaching", lambda employee: [{"topic": "greeting", "who": employee.code}],
                                   lambda erasure: erased.append(erasure.pseudonym))
    try:
        body = _get(client, person, "admin", f"/api/v1/employees/{person['id']}/personal-data").get_json()
        assert body["sections"]["coaching"] == [{"topic": "greeting", "who": CODE}]
        done = client.post(f"/api/v1/employees/{person['id']}/erase", json={"reason": "Asked to be forgotten"},
                           headers={"Authorization": f"Bearer {person['tokens']['admin']}"})
        assert done.status_code == 200 and erased == [done.get_json()["pseudonym"]]
    finally:
        personal_data.SECTIONS.pop("coaching", None)


def _api_text(client, person, world) -> str:
    urls = ["/api/v1/audits?per_page=200", "/api/v1/employees?per_page=200", f"/api/v1/employees/{person['id']}",
            "/api/v1/users?per_page=200", "/api/v1/disputes", f"/api/v1/reports/overview?{PERIOD}",
            f"/api/v1/reports/branches/{world['branch_a']}?{PERIOD}",
            f"/api/v1/reports/employees/{person['id']}?{PERIOD}",
            "/api/v1/security-events?per_page=200", f"/api/v1/employees/{person['id']}/personal-data"]
    urls += [f"/api/v1/audits/{i}" for i in [*person["audits"], person["other"]]]
    out = []
    for url in urls:
        response = _get(client, person, "admin", url)
        assert response.status_code == 200, url
        out.append(response.get_data(as_text=True))
    return "\n".join(out)


def _pages_text(client, login_as, person, world) -> str:
    login_as("admin")
    urls = [f"/employees/{person['id']}", "/employees", "/audits", "/disputes", f"/reports/employees?{PERIOD}",
            f"/reports/branches/{world['branch_a']}?{PERIOD}", f"/reports/employees/{person['id']}?{PERIOD}",
            "/security/events", "/users"]
    urls += [f"/audits/{i}" for i in [*person["audits"], person["other"]]]
    out = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        out.append(response.get_data(as_text=True))
    for url in [f"/reports/audits/{person['audits'][0]}.pdf?lang=en", f"/reports/audits/{person['other']}.pdf?lang=en",
                f"/reports/employees/{person['id']}.pdf?{PERIOD}&lang=en"]:
        response = client.get(url)
        assert response.status_code == 200, url
        out.append(factories.pdf_text(response.data)[1])
    out.append(client.get(f"/reports/exports/answers.csv?{PERIOD}&status=scored").get_data(as_text=True))
    return "\n".join(out)


def _figures(client, person, world) -> list:
    return [_get(client, person, "admin", url).get_json() for url in (
        f"/api/v1/reports/branches/{world['branch_a']}?{PERIOD}",
        f"/api/v1/reports/branches/{world['branch_b']}?{PERIOD}",
        f"/api/v1/reports/overview?{PERIOD}", f"/api/v1/reports/employees/{person['id']}?{PERIOD}")]


def _by_id(value):
    if isinstance(value, dict):
        return {k: _by_id(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_by_id(v) for v in value]
        return sorted(items, key=lambda v: v["id"]) if all(isinstance(v, dict) and "id" in v for v in items) else items
    return value


def test_after_erasure_the_name_is_nowhere_and_every_figure_is_unchanged(app, client, login_as, runner, person, world):
    assert NAME in _api_text(client, person, world) and NAME in _pages_text(client, login_as, person, world)
    before = _figures(client, person, world)

    done = client.post(f"/api/v1/employees/{person['id']}/erase", json={"reason": "Ximena left and asked for it"},
                       headers={"Authorization": f"Bearer {person['tokens']['admin']}"})
    assert done.status_code == 200, done.get_json()
    result = done.get_json()
    pseudonym = result["pseudonym"]
    assert result["login_removed"] is True and result["audits_resealed"] == 3  # hers, and Bruno's naming her

    after = _figures(client, person, world)
    # the same JSON, digit for digit; only the name and code read the pseudonym (and a ranking's
    # ties, ordered by name, may come in another order)
    assert _by_id(json.loads(json.dumps(after).replace(pseudonym, NAME))) == _by_id(
        json.loads(json.dumps(before).replace(CODE, NAME)))
    for text in (_api_text(client, person, world), _pages_text(client, login_as, person, world)):
        folded = text.casefold()
        for word in ("ximena", "xime", "quintanilla", CODE.casefold(), LOGIN):
            assert word not in folded, word
        assert pseudonym in text
    with app.app_context():
        first = db.session.get(Audit, person["audits"][0])
        assert first.employee_name_given == pseudonym
        comments = {a.criterion_key: a.comment for a in first.answers}
        assert comments["a_no"] == "" and comments["a_yes"] == "Warm welcome at the door"
        assert first.answers_by_key()["a_no"].value == "no"  # scored answers stay
        assert {a.criterion_key: a.comment for a in db.session.get(Audit, person["other"]).answers
                if a.comment} == {"b_yes": "Quick farewell"}
        login = db.session.get(User, world["employee"]["id"])
        assert not login.active and login.employee_id is None and login.email.endswith("@erased.invalid")
        assert {s.reason for s in db.session.scalars(db.select(Seal))} == {"approved", "erased"}
        event = db.session.scalar(db.select(SecurityEvent).where(SecurityEvent.type == "employee_erased"))
        assert event.actor_id == world["admin"]["id"]
        assert event.details["reason"] == f"{pseudonym} left and asked for it"  # the name in it replaced
    verified = runner.invoke(args=["verify-seals"])
    assert verified.exit_code == 0 and "all match" in verified.output

    again = client.post(f"/api/v1/employees/{person['id']}/erase", json={"reason": "twice"},
                        headers={"Authorization": f"Bearer {person['tokens']['admin']}"})
    assert again.status_code == 409


def test_the_web_asks_twice_before_erasing(app, client, login_as, person):
    login_as("admin")
    page = client.get(f"/employees/{person['id']}").get_data(as_text=True)
    assert f"/employees/{person['id']}/erase" in page
    url = f"/employees/{person['id']}/erase"
    assert client.get(url).status_code == 200
    # no checkbox, then a wrong code: nothing happens
    assert client.post(url, data={"reason": "Left", "confirm_code": CODE}).status_code == 400
    wrong = client.post(url, data={"reason": "Left", "confirm_code": "E-0000", "understood": "y"})
    assert wrong.status_code == 400 and "not the employee&#39;s code" in wrong.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Employee, person["id"]).name == NAME
    done = client.post(url, data={"reason": "Left", "confirm_code": CODE, "understood": "y"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Employee, person["id"]).name.startswith("ANON-")
    assert "was erased on" in client.get(url).get_data(as_text=True)
    assert login_as("hr").get(url).status_code == 403


def test_old_audits_are_pseudonymised_after_the_retention_months(app, client, runner, person, world):
    with app.app_context():
        admin = db.session.get(User, world["admin"]["id"])
        version = db.session.get(ScorecardVersion, person["version"])
        old = factories.audit(version, world["auditor"]["id"], world["branch_a"], status="submitted",
                              employee_id=person["id"], started_at=utcnow() - timedelta(days=300),
                              employee_name_given="Ximena", comments={"a_no": "Ximena was busy"})
        audit_services.approve(old, admin)
        old_id, score = old.id, old.score
        db.session.commit()
    assert runner.invoke(args=["privacy-daily"]).output.endswith("pseudonymised 0 audits.\n")  # off by default
    with app.app_context():
        set_setting("audit_retention_months", 6)
        db.session.commit()
    result = runner.invoke(args=["privacy-daily"])
    assert "pseudonymised 1 audits" in result.output, result.output
    with app.app_context():
        audit = db.session.get(Audit, old_id)
        assert audit.employee_name_given.startswith("ANON-") and audit.score == score
        assert audit.answers_by_key()["a_no"].comment == ""
        recent = db.session.get(Audit, person["audits"][0])
        assert recent.employee_name_given == "Ximena"  # within the retention: untouched
    assert runner.invoke(args=["verify-seals"]).exit_code == 0
    assert "pseudonymised 0 audits" in runner.invoke(args=["privacy-daily"]).output  # done once


def test_coaching_actions_and_customers_comments_are_in_the_document_and_erased(app, client, person, world):
    from datetime import date

    from actions.models import Action
    from coaching.models import CoachingSession
    from surveys.models import SurveyResponse

    with app.app_context():
        coaching = CoachingSession(employee_id=person["id"], coach_id=world["manager_a"]["id"],
                                   held_on=date(2026, 3, 2), criteria=["a_no"],
                                   notes="Ximena practised the greeting", goals="Say your name")
        action = Action(audit_id=person["audits"][0], branch_id=world["branch_a"], employee_id=person["id"],
                        title="Ximena greets with her name", description="Coach Ximena at the door",
                        owner_id=world["manager_a"]["id"], due_date=date(2026, 3, 9))
        survey = SurveyResponse(branch_id=world["branch_a"], employee_id=person["id"], month=date(2026, 3, 1),
                                receipt="r1", nps=10, csat=5, resolved="yes", comment="Ximena was lovely")
        db.session.add_all([coaching, action, survey])
        db.session.commit()
    document = _get(client, person, "hr", f"/api/v1/employees/{person['id']}/personal-data").get_json()["sections"]
    assert [s["notes"] for s in document["coaching"]] == ["Ximena practised the greeting"]
    assert [a["title"] for a in document["actions"]] == ["Ximena greets with her name"]
    assert [r["comment"] for r in document["survey_responses"]] == ["Ximena was lovely"]

    erased = client.post(f"/api/v1/employees/{person['id']}/erase", json={"reason": "left"},
                         headers={"Authorization": f"Bearer {person['tokens']['admin']}"}).get_json()
    document = _get(client, person, "hr", f"/api/v1/employees/{person['id']}/personal-data").get_json()["sections"]
    assert document["coaching"][0]["notes"] == "" and document["coaching"][0]["goals"] == "Say your name"
    assert document["actions"][0]["title"] == f"{erased['pseudonym']} greets with her name"
    assert document["actions"][0]["description"] == ""
    assert document["survey_responses"][0]["comment"] == "" and document["survey_responses"][0]["nps"] == 10
