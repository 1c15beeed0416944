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


def test_an_employee_in_a_branch_that_does_not_exist_is_404_and_moving_one_there_409(api):
    response = api.post("admin", "/api/v1/employees", json={"code": "E-9", "name": "Nadie", "branch_id": 99999})
    assert response.status_code == 404 and "branch_id" in response.get_json()["error"]["details"]["json"]
    # the path's employee exists: a 404 would say it is gone
    moved = api.patch("admin", f"/api/v1/employees/{api.world['employee_a']}", json={"branch_id": 99999})
    assert moved.status_code == 409 and "branch_id" in moved.get_json()["error"]["details"]["json"]


def test_one_of_two_keys_is_in_the_document_too(api):
    assert api.post("admin", "/api/v1/notifications/read", json={"ids": [1], "all": True}).status_code == 422
    schemas = api.get("admin", "/api/v1/openapi.json").get_json()["components"]["schemas"]
    by_id, by_email = (schemas[ref["$ref"].rsplit("/", 1)[1]] for ref in schemas["AssignmentIn"]["oneOf"])
    assert by_id["not"] == {"required": ["auditor_email"]} and by_email["not"] == {"required": ["auditor_id"]}
    assert "auditor_id" in by_id["required"] and "auditor_email" in by_email["required"]
    assert len(schemas["MarkReadIn"]["oneOf"]) == 2
    # a new audit: from an assignment, or a scorecard and a branch; each way a model of its own
    ways = [schemas[ref["$ref"].rsplit("/", 1)[1]]["required"] for ref in schemas["AuditIn"]["anyOf"]]
    assert ways == [["assignment_id", "client_id"], ["branch_id", "client_id", "scorecard"]]


def test_a_period_that_ends_before_it_starts_holds_no_audit(api):
    """OpenAPI cannot say "to is not before from": the API does what the document allows."""
    response = api.get("admin", "/api/v1/reports/overview?from=2026-05-01&to=2026-01-01")
    assert response.status_code == 200 and response.get_json()["audits"] == 0


def test_every_operation_documents_its_errors_in_the_one_error_body(api):
    document = api.get("admin", "/api/v1/openapi.json").get_json()
    error = {"$ref": "#/components/schemas/Error"}
    for name, response in document["components"]["responses"].items():
        assert response["content"]["application/json"]["schema"] == error, name
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            codes = set(operation["responses"])
            assert "401" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                assert {"400", "422"} <= codes, (method, path)


def test_making_something_links_to_what_uses_its_new_id(api):
    paths = api.get("admin", "/api/v1/openapi.json").get_json()["paths"]
    links = paths["/api/v1/audits"]["post"]["responses"]["201"]["links"]
    assert links["submitAudit"] == {"operationId": "submitAudit", "parameters": {"audit_id": "$response.body#/id"}}
    assert {"getAudit", "updateAudit", "openDispute", "uploadPhoto"} <= set(links)
    photo = paths["/api/v1/audits/{audit_id}/photos"]["post"]["responses"]["201"]["links"]["deletePhoto"]
    assert photo["parameters"] == {"audit_id": "$request.path.audit_id", "photo_id": "$response.body#/id"}
    scorecard = paths["/api/v1/scorecards"]["post"]["responses"]["201"]["links"]["publishScorecard"]
    assert scorecard["parameters"] == {"slug": "$response.body#/slug"}


def test_text_no_column_can_store_is_refused_as_the_document_says(api):
    """A NUL character: in a value, 422, and the document's pattern says so; in the key of an
    object keyed by criteria, 409 (it names no criterion, like any unknown key)."""
    draft = f"/api/v1/audits/{api.ids['draft_a']}"
    value = api.patch("auditor", draft, json={"notes": "a\x00b"})
    assert value.status_code == 422 and "notes" in value.get_json()["error"]["details"]["json"]
    key = api.patch("auditor", draft, json={"answers": {"a\x00": "yes"}})
    assert key.status_code == 409 and "answers" in key.get_json()["error"]["details"]["json"]
    assert key.get_json()["error"]["code"] == "conflict"  # a documented 409 code
    assert api.patch("auditor", draft, json={"notes": "fine"}).status_code == 200
    schemas = api.get("admin", "/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["AuditPatch"]["properties"]["notes"]["pattern"] == "^[^\\x00]*$"
