"""Hostile and clumsy input to every web form: malformed, huge, unicode, negative, out of range,
wrong type. The answer is never a server error, and a refused request (4xx) changes nothing saved.
(The API gets the same from schemathesis against its OpenAPI document, in tests/test_api_schema*.)"""
import hashlib
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extensions import db
from tests import factories
from tests.test_access import ON_A_DRAFT, urls

NASTY_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "-1", "0", "99999999999999999999", "1e308", "NaN", "-0.5", "2147483648",
                     "<script>alert(1)</script>", "' OR 1=1 --", "\x00", "\U0001F600" * 3, "é" * 300,
                     "A" * 5000, "../../etc/passwd", "=cmd|' /C calc'!A0", "2026-02-30", "yes", "na", "true"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def snapshot():
    """A fingerprint of every row of every table."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select().order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def form_fields(client, url):
    """Names of the inputs of the forms on the page (as a person would find them)."""
    page = client.get(url)
    if page.status_code != 200 or page.mimetype != "text/html":
        return []
    names = set(re.findall(r'name="([^"]+)"', page.get_data(as_text=True)))
    return sorted(names - {"csrf_token", "next"})


@pytest.mark.parametrize("person", ["admin", "auditor", "manager_a"])
def test_no_form_answers_garbage_with_a_server_error(app, world, objects, person):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/login", data={"email": world[person]["email"], "password": factories.PASSWORD})
    targets = []
    for endpoint, method, url in urls(app, objects):
        if method != "POST" or url.startswith("/api/") or endpoint in ("accounts.logout", "accounts.login"):
            continue
        get_url = url
        if endpoint in ON_A_DRAFT and endpoint != "audits.fill":
            get_url = f"/audits/{objects['draft_audit_id']}/fill"
        fields = form_fields(client, get_url) or ["name", "value"]
        targets.append((endpoint, url, fields))

    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def check(data):
        endpoint, url, fields = data.draw(st.sampled_from(targets))
        chosen = data.draw(st.lists(st.sampled_from(fields), unique=True, max_size=len(fields)))
        form = {name: data.draw(NASTY_TEXT) for name in chosen}
        with app.app_context():
            before = snapshot()
        response = client.post(url, data=form)
        assert response.status_code < 500, f"{endpoint} {url} {form!r} -> {response.status_code}"
        assert b"Traceback" not in response.data
        if 400 <= response.status_code < 500:
            with app.app_context():
                assert snapshot() == before, f"{endpoint} refused {form!r} but changed data"

    check()
