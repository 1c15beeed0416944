"""The API does what its OpenAPI document says: the answers schemathesis' conformance checks
expect, one story each."""


def test_a_method_a_route_does_not_support_answers_405_with_the_methods_it_does(api):
    response = api.client.open("/api/v1/settings", method="TRACE", headers=api.headers("admin"))
    assert response.status_code == 405
    assert response.headers["Allow"].split(", ") == ["GET", "HEAD", "OPTIONS", "PATCH"]
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_a_page_refusing_a_method_says_which_it_accepts_too(client):
    response = client.delete("/login")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]


def test_a_change_needs_a_body_that_changes_something(api):
    for path in ("/api/v1/settings", f"/api/v1/branches/{api.world['branch_a']}",
                 f"/api/v1/assignments/{api.ids['assignment_a']}"):
        missing = api.patch("admin", path)
        assert missing.status_code == 400, path
        assert api.patch("admin", path, json={}).status_code == 422, path
    document = api.get("admin", "/api/v1/openapi.json").get_json()
    assert document["components"]["schemas"]["SettingsPatch"]["minProperties"] == 1
    assert document["paths"]["/api/v1/settings"]["patch"]["requestBody"]["required"] is True


def test_report_filters_are_as_strict_as_the_document(api):
    assert api.get("admin", "/api/v1/reports/overview?to=").status_code == 422
    assert api.get("admin", "/api/v1/reports/overview?from=0104-10-14").status_code == 422
    assert api.get("admin", "/api/v1/reports/overview?from=2025-01-01").status_code == 200
    unknown = api.get("admin", "/api/v1/reports/overview?scorecard=no-such-card")
    assert unknown.status_code == 404 and "scorecard" in unknown.get_json()["error"]["details"]["query"]
    document = api.get("admin", "/api/v1/openapi.json").get_json()
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/reports/overview"]["get"]["parameters"]}
    assert parameters["from"]["schema"]["pattern"].startswith("^(20")


def test_an_employee_in_a_branch_that_does_not_exist_is_404(api):
    response = api.post("admin", "/api/v1/employees", json={"code": "E-9", "name": "Nadie", "branch_id": 99999})
    assert response.status_code == 404 and "branch_id" in response.get_json()["error"]["details"]["json"]


def test_one_of_two_keys_is_in_the_document_too(api):
    assert api.post("admin", "/api/v1/notifications/read", json={"ids": [1], "all": True}).status_code == 422
    schemas = api.get("admin", "/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["AssignmentIn"]["not"] == {"required": ["auditor_id", "auditor_email"]}
    assert len(schemas["MarkReadIn"]["oneOf"]) == 2
