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
