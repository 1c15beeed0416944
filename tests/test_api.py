"""The JSON API's ground rules: who gets in (tokens), the error format, and for every operation
who may do what — the same answers as the web pages give each role."""
import json
import re

import pytest

from accounts.models import ApiToken, User
from audits.models import Assignment, Audit
from branches.models import Branch
from core.models import get_setting
from extensions import db
from tests import factories
from tests.support.api import OUTSIDERS, cid, issue_token

# The shared fixtures (pytest finds them as module attributes).
pytestmark = pytest.mark.usefixtures("cheap_password_hashing")  # before the world is made

ALL = ("admin", "manager_a", "manager_b", "auditor", "auditor2", "hr")


def spec_operations(client):
    """(method, path) of every operation in the document, its path parameters filled with the
    document's own examples."""
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, item in spec["paths"].items():
        examples = {p["name"]: p["example"] for p in item.get("parameters", []) if p["in"] == "path"}
        concrete = re.sub(r"\{([^}]+)\}", lambda m: str(examples[m.group(1)]), path)
        for method in item:
            if method in ("get", "post", "patch", "delete", "put"):
                yield method.upper(), concrete


# --- getting in -----------------------------------------------------------------------------------

def test_every_operation_refuses_callers_without_a_valid_token(api):
    """No token, a revoked one, a deactivated user's or a made-up one: 401 in the error format,
    never a redirect to the login page, for every operation the document lists."""
    operations = list(spec_operations(api.client))
    assert len(operations) >= 30
    for method, path in operations:
        for who in OUTSIDERS:
            response = api.call(who, method, path, json={})
            assert response.status_code == 401, (who, method, path, response.status_code)
            error = response.get_json()["error"]
            assert error["code"] in ("unauthorized", "invalid_token", "user_inactive")
            assert "Location" not in response.headers
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_acts_as_its_user_with_role_and_branches(api):
    me = api.get("manager_a", "/api/v1/me").get_json()
    assert me["email"] == "manager.a@test.example" and me["role"] == "manager"
    assert [b["id"] for b in me["branches"]] == [api.world["branch_a"]]
    assert api.get("auditor", "/api/v1/me").get_json()["branches"] == []


def test_a_session_cookie_does_not_authenticate_the_api(api, login_as):
    client = login_as("admin")  # the same test client as api.client: it now holds a session
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/profile").status_code == 200  # while the web session works


def test_revoking_a_token_on_the_profile_page_stops_it_at_once(api, login_as):
    assert api.get("auditor", "/api/v1/me").status_code == 200
    with api.app.app_context():
        token = db.session.scalar(db.select(ApiToken).where(ApiToken.name == "auditor token"))
        token_id = token.id
    login_as("auditor").post(f"/profile/tokens/{token_id}/revoke")
    api.client.post("/logout")
    response = api.get("auditor", "/api/v1/me")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"


def test_deactivating_a_user_stops_their_tokens_at_once(api):
    from accounts import services

    assert api.get("hr", "/api/v1/me").status_code == 200
    with api.app.app_context():
        hr = db.session.get(User, api.world["hr"]["id"])
        services.update_user(hr, email=hr.email, name=hr.name, role="hr", language="en", branch_ids=[],
                             active=False)
        db.session.commit()
    response = api.get("hr", "/api/v1/me")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "user_inactive"


def test_a_tokens_last_use_is_recorded(api):
    with api.app.app_context():
        assert db.session.scalar(db.select(ApiToken.last_used_at).where(ApiToken.name == "hr token")) is None
    api.get("hr", "/api/v1/me")
    with api.app.app_context():
        assert db.session.scalar(db.select(ApiToken.last_used_at).where(ApiToken.name == "hr token")) is not None


def test_create_token_prints_a_working_token(app, runner, client, world):
    result = runner.invoke(args=["create-token", "HR@test.example", "--name", "BI export"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert secret.startswith("vz_") and len(secret) > 30
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.get_json()["role"] == "hr"
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken).where(ApiToken.name == "BI export"))
        assert token.token_hash == ApiToken.hash(secret) and secret not in (token.token_hash, token.prefix)


def test_create_token_refuses_unknown_and_deactivated_users(app, runner, world):
    assert runner.invoke(args=["create-token", "nobody@test.example"]).exit_code != 0
    with app.app_context():
        factories.user("auditor", "left@test.example").active = False
        db.session.commit()
    result = runner.invoke(args=["create-token", "left@test.example"])
    assert result.exit_code != 0 and "deactivated" in result.output


def test_the_api_needs_no_csrf_token(make_app, world):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.support.api import issue_token

        secret = issue_token(world["admin"]["id"])
        db.session.commit()
    client = app.test_client()
    response = client.post("/api/v1/branches", json={"code": "C-1", "name": "Centro"},
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 201
    # while the same form posted on the web by a logged-in admin without its CSRF token is refused
    login_page = client.get("/login").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    assert client.post("/login", data={"email": world["admin"]["email"], "password": factories.PASSWORD,
                                       "csrf_token": csrf_token}).status_code == 302
    refused = client.post("/branches/new", data={"code": "C-2", "name": "x"}, headers={"Accept-Language": "en"})
    assert refused.status_code == 400
    assert "The form expired or was not sent from Veraz" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(Branch.id).where(Branch.code == "C-2")) is None


# --- the error format -------------------------------------------------------------------------------

def error_of(response):
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]


def test_bad_json_is_400(api):
    response = api.post("admin", "/api/v1/branches", data='{"code": "X"', content_type="application/json")
    assert response.status_code == 400 and error_of(response)["code"] == "bad_request"
    response = api.post("admin", "/api/v1/scorecards", data="[1, 2", content_type="application/json")
    assert response.status_code == 400 and error_of(response)["code"] == "bad_request"
    deep = "[" * 100_000 + "]" * 100_000
    response = api.post("admin", "/api/v1/scorecards", data=deep, content_type="application/json")
    assert response.status_code == 400


def test_invalid_values_are_422_naming_each_field(api):
    response = api.post("admin", "/api/v1/branches", json={"code": "has space", "name": " ", "colour": "red"})
    error = error_of(response)
    assert response.status_code == 422 and error["code"] == "invalid"
    assert set(error["details"]["json"]) == {"code", "name", "colour"}
    assert "colour" in error["message"] and "code" in error["message"]


def test_values_no_database_can_store_are_422_not_500(api):
    for body in ({"code": "N\u0000UL", "name": "x"}, {"code": "S1", "name": "\ud800"}):
        response = api.post("admin", "/api/v1/branches", data=json.dumps(body), content_type="application/json")
        assert response.status_code == 422, body
    answers = {"b_scale": 10**400, "a_yes": 1e400}
    response = api.patch("auditor", f"/api/v1/audits/{api.ids['draft_a']}",
                         data=json.dumps({"answers": answers}).replace("Infinity", "1e400"),
                         content_type="application/json")
    assert response.status_code == 422
    assert api.get("admin", "/api/v1/audits?branch=99999999999999999999").status_code == 422
    assert api.get("admin", "/api/v1/audits/99999999999999999999").status_code == 404
    assert api.get("admin", "/api/v1/audits?to=9999-12-31").status_code == 422


def test_unknown_paths_and_methods_answer_in_the_error_format(api):
    response = api.get("admin", "/api/v1/nothing-here")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    response = api.call("admin", "PUT", "/api/v1/me")
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"


def test_the_openapi_document_describes_the_api(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": spec["components"]["securitySchemes"]["bearerAuth"][
            "description"]}
    assert spec["security"] == [{"bearerAuth": []}]
    paths = spec["paths"]
    for path in ("/api/v1/me", "/api/v1/users", "/api/v1/settings", "/api/v1/branches", "/api/v1/branches/{branch_id}",
                 "/api/v1/employees", "/api/v1/employees/{employee_id}", "/api/v1/scorecards",
                 "/api/v1/scorecards/{slug}", "/api/v1/scorecards/{slug}/publish", "/api/v1/assignments",
                 "/api/v1/assignments/{assignment_id}", "/api/v1/audits", "/api/v1/audits/{audit_id}",
                 "/api/v1/audits/{audit_id}/submit", "/api/v1/audits/{audit_id}/approve",
                 "/api/v1/audits/{audit_id}/return"):
        assert path in paths, path
    create = paths["/api/v1/audits"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AuditIn"}
    assert {"200", "201", "422", "401", "403", "409", "default"} <= set(create["responses"])
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    status = spec["components"]["schemas"]["Assignment"]["properties"]["status"]
    assert status["enum"] == ["open", "in_progress", "done", "overdue"] and "in progress" in status["description"]
    section = spec["components"]["schemas"]["SectionScore"]["properties"]["score"]
    assert section["nullable"] is True and "0-100" in section["description"]


# --- every operation, each role -------------------------------------------------------------------

def test_me_for_every_role(api):
    responses = api.expect("GET", "/api/v1/me", {who: 200 for who in ALL})
    assert {who: r.get_json()["id"] for who, r in responses.items()} == {
        who: api.world[who]["id"] for who in ALL}


def test_users_admin_sees_all_manager_the_auditors(api):
    responses = api.expect("GET", "/api/v1/users", {"admin": 200, "manager_a": 200, "manager_b": 200,
                                                    "auditor": 403, "auditor2": 403, "hr": 403})
    everyone = {u["email"] for u in responses["admin"].get_json()["items"]}
    assert {api.world[who]["email"] for who in ALL} <= everyone
    assert {u["email"] for u in responses["manager_a"].get_json()["items"]} == {
        "auditor@test.example", "auditor2@test.example"}
    managers = api.get("admin", "/api/v1/users?role=manager").get_json()["items"]
    assert {u["email"] for u in managers} == {"manager.a@test.example", "manager.b@test.example"}


def test_settings_only_admins_read_and_change(api):
    api.expect("GET", "/api/v1/settings", {"admin": 200, "manager_a": 403, "auditor": 403, "hr": 403})
    api.expect("PATCH", "/api/v1/settings", {"manager_a": 403, "auditor": 403, "hr": 403, "admin": 200},
               json={"allow_unplanned_audits": False})
    with api.app.app_context():
        assert get_setting("allow_unplanned_audits") is False
    response = api.patch("admin", "/api/v1/settings", json={"brand_color": "#FFF"})
    assert response.status_code == 422 and "brand_color" in error_of(response)["details"]["json"]
    # Any #rrggbb: on a light one the pages write near-black, and links take a darker shade of it.
    response = api.patch("admin", "/api/v1/settings", json={"brand_color": "#FFFF00"})
    assert response.status_code == 200 and response.get_json()["brand_color"] == "#ffff00"
    theme = api.app.test_client().get("/theme.css").get_data(as_text=True)
    assert "--brand:#ffff00" in theme and "--on-brand:#111111" in theme and "--brand-ink:#737300" in theme
    response = api.patch("admin", "/api/v1/settings", json={"brand_color": "#123ABC", "company_name": " Acme "})
    assert response.get_json() == {"allow_unplanned_audits": False, "brand_color": "#123abc", "company_name": "Acme",
                                   "dispute_window_days": 14, "require_2fa_for": [],
                                   "calibration_tolerance_points": 5, "actions_on_critical": True,
                                   "recognition_min_audits": 3, "recognition_threshold": 90}
    response = api.patch("admin", "/api/v1/settings", json={"dispute_window_days": 30})
    assert response.get_json()["dispute_window_days"] == 30
    assert api.patch("admin", "/api/v1/settings", json={"dispute_window_days": -1}).status_code == 422
    response = api.patch("admin", "/api/v1/settings", json={"require_2fa_for": ["hr", "admin", "hr"]})
    assert response.get_json()["require_2fa_for"] == ["admin", "hr"]  # in the order of the roles, once each
    assert api.patch("admin", "/api/v1/settings", json={"require_2fa_for": ["boss"]}).status_code == 422
    assert api.patch("admin", "/api/v1/settings", json={"allow_unplanned_audits": "no"}).status_code == 422


def test_branches_list_follows_the_scope(api):
    responses = api.expect("GET", "/api/v1/branches", {who: 200 for who in ALL})
    ids = {who: {b["id"] for b in r.get_json()["items"]} for who, r in responses.items()}
    a, b = api.world["branch_a"], api.world["branch_b"]
    assert ids == {"admin": {a, b}, "manager_a": {a}, "manager_b": {b}, "hr": {a, b}, "auditor": {a, b},
                   "auditor2": {a, b}}


def test_auditors_see_open_branches_only_while_unplanned_audits_are_allowed(api):
    """As on the web, where an auditor picks the branch of an unplanned audit."""
    api.patch("admin", f"/api/v1/branches/{api.world['branch_b']}", json={"active": False})
    assert [b["id"] for b in api.get("auditor", "/api/v1/branches?active=false").get_json()["items"]] == [
        api.world["branch_a"]]
    assert [e["id"] for e in api.get("auditor", "/api/v1/employees").get_json()["items"]] == [
        api.world["employee_a"]]
    api.expect("GET", f"/api/v1/branches/{api.world['branch_b']}", {"auditor": 404, "hr": 200})
    api.expect("GET", f"/api/v1/employees/{api.world['employee_b']}", {"auditor": 404, "hr": 200})
    api.patch("admin", "/api/v1/settings", json={"allow_unplanned_audits": False})
    for path in ("/api/v1/branches", f"/api/v1/branches/{api.world['branch_a']}", "/api/v1/employees",
                 f"/api/v1/employees/{api.world['employee_a']}"):
        api.expect("GET", path, {"auditor": 403, "manager_a": 200})


def test_one_branch_read_by_those_who_see_it_changed_by_admins(api):
    path = f"/api/v1/branches/{api.world['branch_a']}"
    api.expect("GET", path, {"admin": 200, "manager_a": 200, "manager_b": 404, "auditor": 200, "hr": 200})
    api.expect("PATCH", path, {"manager_a": 403, "manager_b": 404, "auditor": 403, "hr": 403, "admin": 200},
               json={"city": "Toledo"})
    assert api.get("hr", path).get_json()["city"] == "Toledo"
    api.expect("GET", "/api/v1/branches/999", {"admin": 404})


def test_creating_branches_is_for_admins(api):
    api.expect("POST", "/api/v1/branches", {"manager_a": 403, "auditor": 403, "hr": 403, "admin": 201},
               json={"code": "C-9", "name": "Centro"})
    response = api.post("admin", "/api/v1/branches", json={"code": "C-9", "name": "Again"})
    assert response.status_code == 409 and "C-9" in error_of(response)["message"]
    response = api.patch("admin", f"/api/v1/branches/{api.world['branch_a']}", json={"code": "C-9"})
    assert response.status_code == 409


def test_employees_filtered_by_branch_and_scope(api):
    responses = api.expect("GET", "/api/v1/employees", {"admin": 200, "manager_a": 200, "manager_b": 200,
                                                        "auditor": 200, "hr": 200})
    ids = {who: {e["id"] for e in r.get_json()["items"]} for who, r in responses.items()}
    ea, eb = api.world["employee_a"], api.world["employee_b"]
    assert ids == {"admin": {ea, eb}, "manager_a": {ea}, "manager_b": {eb}, "hr": {ea, eb}, "auditor": {ea, eb}}
    only_b = api.get("admin", f"/api/v1/employees?branch={api.world['branch_b']}").get_json()["items"]
    assert [e["id"] for e in only_b] == [eb]
    assert api.get("manager_a", f"/api/v1/employees?branch={api.world['branch_b']}").get_json()["items"] == []


def test_one_employee_and_changing_employees(api):
    path = f"/api/v1/employees/{api.world['employee_a']}"
    api.expect("GET", path, {"admin": 200, "manager_a": 200, "manager_b": 404, "auditor": 200, "hr": 200})
    api.expect("PATCH", path, {"manager_a": 403, "manager_b": 404, "hr": 403, "auditor": 403, "admin": 200},
               json={"position": "Cajera"})
    api.expect("POST", "/api/v1/employees", {"manager_a": 403, "hr": 403, "auditor": 403, "admin": 201},
               json={"code": "E-NEW", "name": "Nuevo", "branch_id": api.world["branch_b"]})
    response = api.post("admin", "/api/v1/employees", json={"code": "E-X", "name": "X", "branch_id": 999})
    assert response.status_code == 404 and "branch_id" in error_of(response)["details"]["json"]
    response = api.patch("admin", path, json={"branch_id": api.world["branch_b"]})
    assert response.status_code == 200 and response.get_json()["branch_id"] == api.world["branch_b"]


def test_scorecards_everyone_reads_published_ones_admins_also_drafts(api):
    responses = api.expect("GET", "/api/v1/scorecards", {who: 200 for who in ALL})
    slugs = {who: {c["slug"] for c in r.get_json()["items"]} for who, r in responses.items()}
    assert slugs["admin"] == {api.ids["slug"], api.ids["draft_slug"]}
    assert all(found == {api.ids["slug"]} for who, found in slugs.items() if who != "admin")
    card = api.expect("GET", f"/api/v1/scorecards/{api.ids['slug']}", {who: 200 for who in ALL})["auditor"]
    body = card.get_json()
    assert body["version"] == 1 and body["status"] == "published"
    assert [s["key"] for s in body["sections"]] == ["a", "b"]
    api.expect("GET", f"/api/v1/scorecards/{api.ids['draft_slug']}", {"admin": 200, "manager_a": 404,
                                                                       "auditor": 404, "hr": 404})
    api.expect("GET", f"/api/v1/scorecards/{api.ids['slug']}?version=2", {"admin": 404, "auditor": 404})
    api.expect("GET", "/api/v1/scorecards/no-such-card", {"admin": 404})


def test_importing_and_publishing_scorecards_is_for_admins(api):
    data = dict(factories.WORKED_EXAMPLE, slug="imported")
    api.expect("POST", "/api/v1/scorecards", {"manager_a": 403, "auditor": 403, "hr": 403, "admin": 201}, json=data)
    api.expect("POST", "/api/v1/scorecards/imported/publish",
               {"manager_a": 403, "auditor": 403, "hr": 403, "admin": 200})
    response = api.post("admin", "/api/v1/scorecards/imported/publish")
    assert response.status_code == 409 and error_of(response)["code"] == "no_draft"


def test_a_bad_scorecard_file_is_422_listing_every_problem_and_saves_nothing(api):
    data = json.loads(json.dumps(factories.WORKED_EXAMPLE))
    data.update(slug="broken", channel="fax", extra=True)
    data["sections"][1]["criteria"][0]["max"] = 0
    response = api.post("admin", "/api/v1/scorecards", json=data)
    error = error_of(response)
    assert response.status_code == 422
    paths = {p["path"] for p in error["details"]["problems"]}
    assert {"channel", "extra", "sections[1].criteria[0].max"} <= paths
    assert api.get("admin", "/api/v1/scorecards/broken").status_code == 404
    assert api.post("admin", "/api/v1/scorecards", json=[1, 2]).status_code == 422


def test_audits_list_follows_the_scope(api):
    responses = api.expect("GET", "/api/v1/audits", {who: 200 for who in ALL})
    seen = {who: {a["id"] for a in r.get_json()["items"]} for who, r in responses.items()}
    i = api.ids
    at_a = {i["submitted_a"], i["submitted_a2"], i["draft_a"]}
    assert seen == {"admin": at_a | {i["submitted_b"]}, "hr": at_a | {i["submitted_b"]}, "manager_a": at_a,
                    "manager_b": {i["submitted_b"]}, "auditor": at_a, "auditor2": {i["submitted_b"]}}


def test_audits_list_filters_and_pages(api):
    def ids(query):
        response = api.get("admin", "/api/v1/audits" + query)
        assert response.status_code == 200, response.get_json()
        return {a["id"] for a in response.get_json()["items"]}

    i = api.ids
    assert ids(f"?branch={api.world['branch_b']}") == {i["submitted_b"]}
    assert ids(f"?employee={api.world['employee_a']}") == {i["submitted_a"]}
    assert ids("?status=draft") == {i["draft_a"]}
    assert ids(f"?scorecard={i['slug']}&status=submitted") == {i["submitted_a"], i["submitted_a2"], i["submitted_b"]}
    assert ids("?scorecard=unknown") == set()
    assert ids(f"?auditor={api.world['auditor2']['id']}") == {i["submitted_b"]}
    assert ids("?from=2000-01-01&to=2000-12-31") == set()
    assert len(ids("?from=2000-01-01")) == 4
    page = api.get("admin", "/api/v1/audits?per_page=3&page=2").get_json()
    assert (page["total"], page["pages"], page["page"], len(page["items"])) == (4, 2, 2, 1)
    response = api.get("admin", "/api/v1/audits?status=lost&from=yesterday")
    assert response.status_code == 422 and {"status", "from"} <= set(error_of(response)["details"]["query"])


def test_one_audit_for_those_who_may_see_it(api):
    path = f"/api/v1/audits/{api.ids['submitted_a']}"
    responses = api.expect("GET", path, {"admin": 200, "manager_a": 200, "manager_b": 404, "auditor": 200,
                                         "auditor2": 404, "hr": 200})
    audit = responses["hr"].get_json()
    assert audit["status"] == "submitted" and audit["score"] == pytest.approx(61.1111111111)
    assert audit["answers"] == factories.WORKED_ANSWERS


def test_filling_a_draft_is_for_its_auditor_only(api):
    path = f"/api/v1/audits/{api.ids['draft_a']}"
    api.expect("PATCH", path, {"auditor2": 404, "manager_b": 404, "admin": 403, "manager_a": 403, "hr": 403,
                               "auditor": 200}, json={"answers": {"a_yes": "yes"}})
    api.expect("POST", path + "/submit", {"auditor2": 404, "manager_b": 404, "admin": 403, "manager_a": 403,
                                          "hr": 403})
    response = api.post("auditor", path + "/submit")
    error = error_of(response)
    assert response.status_code == 422
    assert [p["criterion"] for p in error["details"]["problems"]] == ["a_no", "a_na", "b_scale", "b_yes"]
    assert "b_scale" in error["message"]


def test_a_wrong_answer_is_409_naming_the_criterion_and_saves_nothing(api):
    # which keys and values are answers is the audit's scorecard version's: a conflict with it
    path = f"/api/v1/audits/{api.ids['draft_a']}"
    response = api.patch("auditor", path, json={"answers": {"a_yes": "yes", "b_scale": 9, "nope": "x"}})
    error = error_of(response)
    assert response.status_code == 409 and error["code"] == "answers_conflict"
    assert {p["criterion"] for p in error["details"]["problems"]} == {"b_scale", "nope"}
    assert api.get("auditor", path).get_json()["answers"] == {}


def test_approving_is_for_admins_and_the_branch_manager(api):
    path_a = f"/api/v1/audits/{api.ids['submitted_a']}/approve"
    api.expect("POST", path_a, {"manager_b": 404, "auditor2": 404, "auditor": 403, "hr": 403, "manager_a": 200})
    api.expect("POST", path_a, {"admin": 409})  # already approved
    api.expect("POST", f"/api/v1/audits/{api.ids['submitted_a2']}/approve", {"admin": 200})
    api.expect("POST", f"/api/v1/audits/{api.ids['draft_a']}/approve", {"admin": 409})
    response = api.post("manager_b", f"/api/v1/audits/{api.ids['submitted_b']}/approve", json={"lock_version": 99})
    assert response.status_code == 409


def test_returning_needs_a_reason_and_the_right_reviewer(api):
    path = f"/api/v1/audits/{api.ids['submitted_b']}/return"
    body = {"reason": "Photo of the receipt is missing"}
    api.expect("POST", path, {"manager_a": 404, "auditor": 404, "auditor2": 403, "hr": 403}, json=body)
    response = api.post("manager_b", path, json={"reason": "  "})
    assert response.status_code == 422 and "reason" in error_of(response)["details"]["json"]
    response = api.expect("POST", path, {"manager_b": 200}, json=body)["manager_b"]
    audit = response.get_json()
    assert audit["status"] == "returned" and audit["return_reason"] == body["reason"]
    assert audit["history"][-1]["action"] == "returned" and audit["history"][-1]["reason"] == body["reason"]


def test_a_manager_cannot_approve_or_return_their_own_audit_but_another_manager_of_the_branch_can(api):
    with api.app.app_context():
        colleague = factories.user("manager", "colleague.a@test.example",
                                   branches=[db.session.get(Branch, api.world["branch_a"])])
        api.tokens["colleague_a"] = issue_token(colleague.id, "colleague")
        db.session.commit()
    made = api.post("manager_a", "/api/v1/audits", json={
        "client_id": cid(), "scorecard": api.ids["slug"], "branch_id": api.world["branch_a"],
        "answers": {"a_yes": "yes", "a_no": "yes", "a_na": "yes", "b_scale": 5, "b_yes": "yes"}, "submit": True})
    assert made.status_code == 201 and made.get_json()["score"] == 100
    audit_id = made.get_json()["id"]

    for action, body in (("approve", {}), ("return", {"reason": "Looks too good"})):
        refused = api.post("manager_a", f"/api/v1/audits/{audit_id}/{action}", json=body)
        assert refused.status_code == 403
        assert error_of(refused)["message"] == ("You made this audit, so you cannot review it: another manager "
                                                "of the branch or an administrator approves or returns it.")
    assert api.get("manager_a", f"/api/v1/audits/{audit_id}").get_json()["status"] == "submitted"
    approved = api.post("colleague_a", f"/api/v1/audits/{audit_id}/approve", json={})
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert approved.get_json()["reviewed_by"]["name"] != api.get("manager_a", f"/api/v1/audits/{audit_id}") \
        .get_json()["auditor"]["name"]


def test_creating_audits_by_role(api):
    def body(**kw):
        return {"client_id": cid(), "scorecard": api.ids["slug"], "branch_id": api.world["branch_a"], **kw}

    api.expect("POST", "/api/v1/audits", {"hr": 403}, json=body())
    api.expect("POST", "/api/v1/audits", {"manager_b": 404}, json=body())
    for who in ("admin", "manager_a", "auditor"):
        assert api.post(who, "/api/v1/audits", json=body()).status_code == 201, who
    response = api.post("auditor", "/api/v1/audits", json=body(scorecard=api.ids["draft_slug"]))
    assert response.status_code == 404 and error_of(response)["details"]["problems"][0]["criterion"] == "scorecard"
    response = api.post("auditor", "/api/v1/audits", json=body(version=7))
    assert response.status_code == 409 and error_of(response)["details"] == {"version": 1}
    response = api.post("auditor", "/api/v1/audits", json={"client_id": cid()})
    assert response.status_code == 422
    response = api.post("auditor", "/api/v1/audits", json=body(employee_id=api.world["employee_b"]))
    assert response.status_code == 409 and "employee_id" in error_of(response)["message"]
    assert error_of(response)["code"] == "not_at_branch"


def test_unplanned_audits_can_be_turned_off_for_auditors(api):
    api.patch("admin", "/api/v1/settings", json={"allow_unplanned_audits": False})
    body = {"client_id": cid(), "scorecard": api.ids["slug"], "branch_id": api.world["branch_a"]}
    response = api.post("auditor", "/api/v1/audits", json=body)
    error = error_of(response)
    assert response.status_code == 403 and "turned off" in error["message"]
    body["client_id"] = cid()
    assert api.post("manager_a", "/api/v1/audits", json=body).status_code == 201
    with api.app.app_context():
        assert db.session.scalar(db.select(db.func.count(Audit.id))) == 5


def test_assignments_list_follows_the_scope(api):
    responses = api.expect("GET", "/api/v1/assignments", {who: 200 for who in ALL})
    seen = {who: {a["id"] for a in r.get_json()["items"]} for who, r in responses.items()}
    a, b = api.ids["assignment_a"], api.ids["assignment_b"]
    assert seen == {"admin": {a, b}, "hr": {a, b}, "manager_a": {a}, "manager_b": {b}, "auditor": {a},
                    "auditor2": {b}}
    item = responses["auditor"].get_json()["items"][0]
    assert item["status"] == "open" and item["audit"] is None and item["scorecard"] == api.ids["slug"]


def test_one_assignment_and_its_changes(api):
    path = f"/api/v1/assignments/{api.ids['assignment_a']}"
    api.expect("GET", path, {"admin": 200, "manager_a": 200, "manager_b": 404, "auditor": 200, "auditor2": 404,
                             "hr": 200})
    api.expect("PATCH", path, {"manager_b": 404, "auditor2": 404, "auditor": 403, "hr": 403, "manager_a": 200},
               json={"notes": "Ask about the loyalty card"})
    assert api.get("auditor", path).get_json()["notes"] == "Ask about the loyalty card"
    api.expect("DELETE", path, {"manager_b": 404, "auditor2": 404, "auditor": 403, "hr": 403, "admin": 204})
    api.expect("GET", path, {"admin": 404})


def test_planning_assignments_is_for_admins_and_managers_of_the_branch(api):
    def body(**kw):
        return {"auditor_email": "auditor2@test.example", "branch_id": api.world["branch_a"],
                "scorecard": api.ids["slug"], "due_date": "2031-05-01", **kw}

    api.expect("POST", "/api/v1/assignments", {"auditor": 403, "hr": 403, "manager_b": 404, "manager_a": 201,
                                                "admin": 201}, json=body())
    # someone who does not audit, a scorecard not yet published: 409, naming the field; nobody: 404
    response = api.post("admin", "/api/v1/assignments", json=body(auditor_email="hr@test.example"))
    assert response.status_code == 409 and error_of(response)["details"]["problems"][0]["criterion"] == "auditor_id"
    response = api.post("admin", "/api/v1/assignments", json=body(scorecard=api.ids["draft_slug"]))
    assert response.status_code == 409
    response = api.post("admin", "/api/v1/assignments", json=body(auditor_email="nobody@test.example"))
    assert response.status_code == 404 and error_of(response)["details"]["problems"][0]["criterion"] == "auditor_id"
    response = api.post("admin", "/api/v1/assignments",
                        json=body(auditor_id=api.world["auditor"]["id"]))
    assert response.status_code == 422  # auditor_id and auditor_email both
    response = api.post("admin", "/api/v1/assignments", json=body(auditor_email=None))
    assert response.status_code == 422


def test_an_assignment_with_an_audit_cannot_be_deleted_or_moved(api):
    path = f"/api/v1/assignments/{api.ids['assignment_a']}"
    made = api.post("auditor", "/api/v1/audits", json={"client_id": cid(), "assignment_id": api.ids["assignment_a"]})
    assert made.status_code == 201
    assignment = api.get("auditor", path).get_json()
    assert assignment["status"] == "in_progress" and assignment["audit"]["id"] == made.get_json()["id"]
    response = api.delete("admin", path)
    assert response.status_code == 409 and error_of(response)["details"] == {"audit_id": made.get_json()["id"]}
    response = api.patch("admin", path, json={"branch_id": api.world["branch_b"]})
    assert response.status_code == 409
    assert api.patch("admin", path, json={"due_date": "2031-01-31"}).get_json()["due_date"] == "2031-01-31"
    with api.app.app_context():
        assert db.session.get(Assignment, api.ids["assignment_a"]) is not None


def test_paths_naming_nothing_storable_are_404(api):
    assert api.get("admin", "/api/v1/scorecards/%00").status_code == 404
    assert api.post("admin", "/api/v1/scorecards/a%00b/publish").status_code == 404
    assert api.get("admin", "/api/v1/scorecards/%ED%A0%80").status_code == 404


def test_pdfs_and_exports_are_for_admins_managers_of_the_branch_and_hr(api):
    """As on the web: an auditor gets their own audit's PDF and no other report, managers only their
    branches'; drafts have no PDF."""
    a, b = api.world["branch_a"], api.world["branch_b"]
    audit_id = api.ids["submitted_a"]
    responses = api.expect("GET", f"/api/v1/reports/audits/{audit_id}.pdf",
                           {"manager_b": 404, "auditor": 200, "auditor2": 404, "hr": 200, "manager_a": 200,
                            "admin": 200})
    assert all(r.data.startswith(b"%PDF") for r in responses.values() if r.status_code == 200)
    assert responses["admin"].headers["Content-Disposition"] == f'attachment; filename="audit-{audit_id}.pdf"'
    api.expect("GET", f"/api/v1/reports/audits/{api.ids['draft_a']}.pdf", {"admin": 404})
    api.expect("GET", f"/api/v1/reports/branches/{b}.pdf", {"manager_a": 404, "auditor": 403, "auditor2": 403,
                                                             "manager_b": 200})
    api.expect("GET", f"/api/v1/reports/employees/{api.world['employee_a']}.pdf",
               {"manager_b": 404, "auditor": 403, "auditor2": 403, "manager_a": 200})
    api.expect("GET", f"/api/v1/reports/branches/{a}.pdf?from=2026-13-01", {"admin": 422})
    for fmt in ("csv", "xlsx"):
        for what in ("audits", "answers"):
            api.expect("GET", f"/api/v1/exports/{what}.{fmt}", {"auditor": 403, "auditor2": 403, "admin": 200,
                                                                "manager_a": 200, "manager_b": 200, "hr": 200})
    api.expect("GET", "/api/v1/exports/audits.pdf", {"admin": 404})
