"""The scorecard builder's pages: admins only; drafts change, published versions never do; bad input is
refused with a message naming the field and the criterion."""
import json

import pytest

from extensions import db
from scorecards import services
from scorecards.models import ScorecardVersion
from tests import factories
from tests.factories import WORKED_ANSWERS, WORKED_EXAMPLE


def criterion(key, type_, text, section, **kw):
    """The criterion form as a browser sends it (unchecked boxes are simply absent)."""
    data = {"key": key, "type": type_, "text_en": text, "text_es": "", "guidance_es": "", "guidance_en": "",
            "section": section, "weight": "1", "kpi": "", "scale_min": "1", "scale_max": "5", "unit": "",
            "target_op": "", "target_value": ""}
    if kw.pop("required", True):
        data["required"] = "y"
    for flag in ("allow_na", "critical"):
        if kw.pop(flag, False):
            data[flag] = "y"
    for i, (okey, score, label) in enumerate(kw.pop("options", [])):
        data.update({f"options-{i}-key": okey, f"options-{i}-score": str(score), f"options-{i}-label_en": label,
                     f"options-{i}-label_es": ""})
    data.update({k: str(v) for k, v in kw.items()})
    return data


@pytest.fixture
def admin(login_as):
    return login_as("admin")


@pytest.fixture
def published(app, world):
    """The worked example, published as version 1, with one approved audit on it."""
    with app.app_context():
        version = factories.scorecard()
        audit = factories.audit(version, world["auditor"]["id"], world["branch_a"])
        db.session.commit()
        return {"card": version.scorecard_id, "version": version.id, "audit": audit.id,
                "base": f"/scorecards/{version.scorecard_id}/versions/1"}


def stored(app, version_id):
    with app.app_context():
        return services.export_json(db.session.get(ScorecardVersion, version_id))


# -- who may use the builder ----------------------------------------------------------------------

def all_routes(card, base):
    return [
        ("get", "/scorecards"), ("get", "/scorecards/new"), ("post", "/scorecards/new"),
        ("post", "/scorecards/import"), ("get", f"/scorecards/{card}"), ("post", f"/scorecards/{card}/archive"),
        ("post", f"/scorecards/{card}/edit"), ("get", base), ("get", base + "/export"),
        ("post", base + "/settings"), ("post", base + "/publish"), ("get", base + "/sections/new"),
        ("post", base + "/sections/new"), ("get", base + "/sections/a"), ("post", base + "/sections/a"),
        ("post", base + "/sections/a/move"), ("post", base + "/sections/a/delete"),
        ("get", base + "/sections/a/criteria/new"), ("post", base + "/sections/a/criteria/new"),
        ("get", base + "/criteria/a_yes"), ("post", base + "/criteria/a_yes"),
        ("post", base + "/criteria/a_yes/move"), ("post", base + "/criteria/a_yes/delete"),
    ]


@pytest.mark.parametrize("role", ["manager_a", "auditor", "hr"])
def test_every_builder_route_refuses_every_role_but_admin(app, login_as, published, role):
    client = login_as(role)
    before = stored(app, published["version"])
    for method, url in all_routes(published["card"], published["base"]):
        response = getattr(client, method)(url, data={"direction": "up"} if method == "post" else None)
        assert response.status_code == 403, (method, url, response.status_code)
    assert stored(app, published["version"]) == before
    nav = client.get("/profile")
    assert 'href="/scorecards"' not in nav.text


def test_the_builder_asks_anonymous_visitors_to_log_in(client, published):
    for method, url in all_routes(published["card"], published["base"]):
        response = getattr(client, method)(url)
        assert response.status_code in (302, 401), (method, url)


def test_admin_sees_the_list_the_scorecard_page_and_each_version(admin, published):
    listing = admin.get("/scorecards")
    assert listing.status_code == 200 and "Worked example" in listing.text and "Version 1" in listing.text
    page = admin.get(f"/scorecards/{published['card']}")
    assert page.status_code == 200 and "Versions" in page.text
    assert "Audits: 1" in page.text  # one audit uses version 1
    version = admin.get(published["base"])
    assert version.status_code == 200 and "Preview on a phone" in version.text and "Courtesy" in version.text
    assert 'href="/scorecards"' in version.text  # the menu offers the builder to admins


def test_unknown_scorecards_versions_sections_and_criteria_are_404(admin, published):
    base = published["base"]
    for url in ("/scorecards/999", f"/scorecards/{published['card']}/versions/7", "/scorecards/999/versions/1/export"):
        assert admin.get(url).status_code == 404
    admin.post(f"/scorecards/{published['card']}/edit")
    draft = base.replace("/versions/1", "/versions/2")
    for url in (draft + "/sections/nope", draft + "/criteria/nope", draft + "/sections/nope/criteria/new"):
        assert admin.get(url).status_code == 404
    assert admin.post(draft + "/criteria/nope/delete").status_code == 404


# -- building the worked example through the pages ---------------------------------------------------

def test_the_worked_example_built_through_the_ui_scores_61_1_and_its_critical_variant_0(app, admin, world):
    response = admin.post("/scorecards/new", data={"slug": "ui-worked", "name_es": "Ejemplo", "name_en": "Worked",
                                                   "channel": "visit"})
    assert response.status_code == 302
    base = response.headers["Location"]
    assert base.endswith("/versions/1")
    for section in WORKED_EXAMPLE["sections"]:
        response = admin.post(base + "/sections/new", data={
            "key": section["key"], "title_es": section["title"]["es"], "title_en": section["title"]["en"],
            "weight": section["weight"]})
        assert response.status_code == 302
        for c in section["criteria"]:
            data = criterion(c["key"], c["type"], c["text"]["en"], section["key"], text_es=c["text"]["es"],
                             weight=c.get("weight", 1), kpi=c.get("kpi", ""), allow_na=c.get("allow_na", False),
                             required=c["type"] != "text", scale_min=c.get("min", 1), scale_max=c.get("max", 5))
            response = admin.post(f"{base}/sections/{section['key']}/criteria/new", data=data)
            assert response.status_code == 302, response.text
    assert admin.post(base + "/publish").status_code == 302
    with app.app_context():
        card = services.get_by_slug("ui-worked")
        ui = services.export_version(card.versions[0])
        expected = {**WORKED_EXAMPLE, "slug": "ui-worked", "name": {"es": "Ejemplo", "en": "Worked"}}
        assert ui == services.export_version(services.import_scorecard(expected))
        audit = factories.audit(card.versions[0], world["auditor"]["id"], world["branch_a"])
        db.session.commit()
        assert round(audit.score, 1) == 61.1
        card_id, v1_audit = card.id, audit.id

    # Edit -> version 2; make b_yes critical there; version 1 and its audit stay as they were.
    assert admin.post(f"/scorecards/{card_id}/edit").headers["Location"].endswith("/versions/2")
    v2 = base.replace("/versions/1", "/versions/2")
    response = admin.post(v2 + "/criteria/b_yes", data=criterion("b_yes", "yes_no", "Farewell", "b",
                                                                 kpi="farewell", critical=True))
    assert response.status_code == 302
    assert admin.post(v2 + "/publish").status_code == 302
    with app.app_context():
        from audits.models import Audit

        card = services.get_by_slug("ui-worked")
        failed = factories.audit(card.versions[1], world["auditor"]["id"], world["branch_a"],
                                 answers={**WORKED_ANSWERS, "b_yes": "no"})
        db.session.commit()
        assert failed.score == 0.0 and failed.critical_failure
        old = db.session.get(Audit, v1_audit)
        assert old.version.number == 1 and round(old.score, 1) == 61.1
        assert not any(c.critical for c in card.versions[0].criteria)


def test_every_criterion_type_with_its_settings_can_be_saved_and_shown(app, admin):
    base = admin.post("/scorecards/new", data={"slug": "types", "name_en": "Types", "name_es": "Tipos",
                                               "channel": "call"}).headers["Location"]
    admin.post(base + "/sections/new", data={"key": "s", "title_en": "All", "title_es": "Todo", "weight": "1.5"})
    posts = [
        criterion("yn", "yes_no", "Yes or no", "s", allow_na=True, critical=True, kpi="accuracy",
                  guidance_en="Check it", guidance_es="Compruébelo", text_es="¿Sí o no?"),
        criterion("sc", "scale", "Scale", "s", scale_min=0, scale_max=10, weight=2.5),
        criterion("ch", "choice", "Choice", "s", options=[("full", 1, "Full"), ("half", 0.5, "Half"),
                                                          ("none", 0, "None")]),
        criterion("nu", "number", "Wait", "s", unit="min", target_op="<=", target_value=5, kpi="wait_time"),
        criterion("nt", "number", "Announced wait", "s", unit="min", required=False),
        criterion("tx", "text", "Notes", "s", required=False),
        criterion("ph", "photo", "Receipt", "s", required=False),
        criterion("in", "info", "Write down the time", "s", required=False),
    ]
    for data in posts:
        response = admin.post(base + "/sections/s/criteria/new", data=data)
        assert response.status_code == 302, response.text
    with app.app_context():
        exported = services.export_version(services.get_by_slug("types").versions[0])
    criteria = {c["key"]: c for c in exported["sections"][0]["criteria"]}
    assert exported["sections"][0]["weight"] == 1.5
    assert criteria["yn"]["allow_na"] and criteria["yn"]["critical"] and criteria["yn"]["kpi"] == "accuracy"
    assert criteria["yn"]["text"] == {"es": "¿Sí o no?", "en": "Yes or no"}
    assert criteria["yn"]["guidance"] == {"es": "Compruébelo", "en": "Check it"}
    assert (criteria["sc"]["min"], criteria["sc"]["max"], criteria["sc"]["weight"]) == (0, 10, 2.5)
    assert [(o["key"], o["score"]) for o in criteria["ch"]["options"]] == [("full", 1), ("half", 0.5), ("none", 0)]
    assert criteria["nu"]["target"] == {"op": "<=", "value": 5} and criteria["nu"]["unit"] == "min"
    assert "target" not in criteria["nt"] and not criteria["nt"]["required"]
    assert [criteria[k]["type"] for k in ("tx", "ph", "in")] == ["text", "photo", "info"]
    page = admin.get(base)
    assert page.status_code == 200
    preview = page.text.split("Preview on a phone", 1)[1]
    for text in ("Yes or no", "Check it", "Half", "Wait", "Target: at most 5 min", "Take a photo",
                 "Write down the time", "From 0 to 10"):
        assert text in preview, text
    form = admin.get(base + "/criteria/ch")
    assert form.status_code == 200 and 'value="half"' in form.text


def test_sections_and_criteria_can_be_reordered_edited_and_removed(app, admin):
    with app.app_context():
        version = factories.scorecard(publish=False)
        db.session.commit()
        base = f"/scorecards/{version.scorecard_id}/versions/1"
        version_id = version.id

    def layout():
        data = json.loads(stored(app, version_id))
        return [(s["key"], [c["key"] for c in s["criteria"]]) for s in data["sections"]]

    assert admin.post(base + "/sections/b/move", data={"direction": "up"}).status_code == 302
    assert admin.post(base + "/criteria/b_notes/move", data={"direction": "up"}).status_code == 302
    assert admin.post(base + "/criteria/a_yes/move", data={"direction": "up"}).status_code == 302  # already first
    assert layout() == [("b", ["b_scale", "b_notes", "b_yes"]), ("a", ["a_yes", "a_no", "a_na"])]
    # A criterion moved to another section goes to its end; a renamed key follows.
    response = admin.post(base + "/criteria/a_na", data=criterion("offer", "yes_no", "Offer", "b", allow_na=True))
    assert response.status_code == 302 and response.headers["Location"].endswith("#criterion-offer")
    assert layout() == [("b", ["b_scale", "b_notes", "b_yes", "offer"]), ("a", ["a_yes", "a_no"])]
    assert admin.post(base + "/criteria/b_notes/delete").status_code == 302
    assert admin.post(base + "/sections/a/delete").status_code == 302
    assert layout() == [("b", ["b_scale", "b_yes", "offer"])]
    response = admin.post(base + "/sections/b", data={"key": "main", "title_en": "Main", "title_es": "Principal",
                                                      "weight": "3"})
    assert response.status_code == 302
    assert json.loads(stored(app, version_id))["sections"][0]["title"] == {"es": "Principal", "en": "Main"}
    assert admin.post(base + "/settings", data={"name_es": "Nuevo", "name_en": "New", "pass_mark": "70",
                                                "critical_zeroes_score": ""}).status_code == 302
    data = json.loads(stored(app, version_id))
    assert data["pass_mark"] == 70 and data["critical_zeroes_score"] is False and data["name"]["en"] == "New"
    assert admin.post(base + "/sections/main/move", data={"direction": "sideways"}).status_code == 400


# -- bad input: a 4xx that says what and where ---------------------------------------------------------

def test_bad_criterion_input_is_refused_naming_the_field_and_the_criterion(app, admin):
    with app.app_context():
        version = factories.scorecard(publish=False)
        db.session.commit()
        base, version_id = f"/scorecards/{version.scorecard_id}/versions/1", version.id
    before = stored(app, version_id)
    cases = [
        (criterion("pick", "choice", "Pick", "a", options=[("only", 1, "Only")]),
         "a choice needs at least two options"),
        (criterion("pick", "choice", "Pick", "a", options=[("x", 2, "X"), ("y", 0, "Y")]),
         "an option&#39;s score is a number from 0 to 1"),
        (criterion("Bad Key", "yes_no", "Q", "a"), "is not allowed: use only lowercase letters"),
        (criterion("a_no", "yes_no", "Q", "a"), "is already the key of another criterion"),
        (criterion("q", "yes_no", "", "a"), "required: a text"),
        (criterion("q", "scale", "Q", "a", scale_min=5, scale_max=5), "a scale&#39;s max must be above its min"),
        (criterion("q", "number", "Q", "a", target_op="<=", target_value=""), "expected a number"),
        (criterion("q", "text", "Q", "a", critical=True), "only a scored criterion can be critical"),
        (criterion("q", "yes_no", "Q", "a", weight=0), "a weight is a number above 0"),
        (criterion("q", "yes_no", "Q", "a", weight="heavy"), "Enter a number, such as 2 or 0.5."),
        (criterion("q", "yes_no", "Q", "nowhere"), "Not a valid choice"),
    ]
    for data, message in cases:
        response = admin.post(base + "/sections/a/criteria/new", data=data)
        assert response.status_code == 422, (data["key"], response.status_code)
        assert message in response.text, (message, response.text[response.text.find("problems"):][:1500])
        assert f"Criterion “{data['key']}” was not saved" in response.text
        assert 'aria-invalid="true"' in response.text or 'class="error"' in response.text
    assert stored(app, version_id) == before


def test_bad_section_settings_and_scorecard_input_is_refused_with_a_message(app, admin):
    with app.app_context():
        version = factories.scorecard(publish=False)
        db.session.commit()
        base, version_id = f"/scorecards/{version.scorecard_id}/versions/1", version.id
        slug = version.scorecard.slug
    before = stored(app, version_id)
    response = admin.post(base + "/sections/new", data={"key": "a", "title_en": "Again", "weight": "1"})
    assert response.status_code == 422 and "is already the key of another section" in response.text
    response = admin.post(base + "/sections/b", data={"key": "b", "title_en": "B", "weight": "-1"})
    assert response.status_code == 422 and "a weight is a number above 0" in response.text
    response = admin.post(base + "/settings", data={"name_es": "", "name_en": "", "pass_mark": "120"})
    assert response.status_code == 422 and "Number must be between 0 and 100" in response.text
    response = admin.post(base + "/settings", data={"name_es": "", "name_en": "", "pass_mark": "80"})
    assert response.status_code == 422 and "required: a text" in response.text
    assert stored(app, version_id) == before
    response = admin.post("/scorecards/new", data={"slug": slug, "name_en": "Dup", "channel": "visit"})
    assert response.status_code == 422 and "is already the slug of another scorecard" in response.text
    response = admin.post("/scorecards/new", data={"slug": "Nice Name!", "name_en": "X", "channel": "fax"})
    assert response.status_code == 422 and "Not a valid choice" in response.text
    response = admin.post("/scorecards/new", data={"slug": "Nice Name!", "name_en": "X", "channel": "visit"})
    assert response.status_code == 422 and "is not allowed: use only lowercase letters" in response.text


def test_an_empty_draft_cannot_be_published_and_says_why(admin):
    base = admin.post("/scorecards/new", data={"slug": "empty", "name_en": "Empty", "channel": "chat"}
                      ).headers["Location"]
    response = admin.post(base + "/publish")
    assert response.status_code == 422 and "add at least one section before publishing" in response.text


# -- published versions never change ----------------------------------------------------------------

def test_no_builder_route_changes_a_published_version(app, admin, published):
    base = published["base"]
    before = stored(app, published["version"])
    attempts = [
        ("post", base + "/settings", {"name_en": "X", "name_es": "X", "pass_mark": "10"}),
        ("post", base + "/publish", {}),
        ("get", base + "/sections/new", None),
        ("post", base + "/sections/new", {"key": "z", "title_en": "Z", "weight": "1"}),
        ("get", base + "/sections/a", None),
        ("post", base + "/sections/a", {"key": "a", "title_en": "Changed", "weight": "9"}),
        ("post", base + "/sections/a/move", {"direction": "down"}),
        ("post", base + "/sections/a/delete", {}),
        ("get", base + "/sections/a/criteria/new", None),
        ("post", base + "/sections/a/criteria/new", criterion("z", "yes_no", "Z", "a")),
        ("get", base + "/criteria/a_yes", None),
        ("post", base + "/criteria/a_yes", criterion("a_yes", "yes_no", "Changed", "a", weight=9)),
        ("post", base + "/criteria/a_yes/move", {"direction": "down"}),
        ("post", base + "/criteria/a_yes/delete", {}),
    ]
    for method, url, data in attempts:
        response = getattr(admin, method)(url, data=data)
        assert response.status_code == 409, (method, url, response.status_code)
        assert "This version is published and cannot be changed" in response.text
    api = admin.post(base + "/criteria/a_yes/delete", headers={"Accept": "application/json"})
    assert api.status_code == 409 and api.json["error"]["code"] == "published"
    assert stored(app, published["version"]) == before
    with app.app_context():
        from audits.models import Audit

        assert round(db.session.get(Audit, published["audit"]).score, 1) == 61.1


def test_edit_starts_one_draft_copied_from_the_latest_version(app, admin, published):
    first = admin.post(f"/scorecards/{published['card']}/edit")
    second = admin.post(f"/scorecards/{published['card']}/edit")
    assert first.headers["Location"] == second.headers["Location"]
    assert first.headers["Location"].endswith("/versions/2")
    with app.app_context():
        card = db.session.get(ScorecardVersion, published["version"]).scorecard
        assert [(v.number, v.status) for v in card.versions] == [(1, "published"), (2, "draft")]
        assert json.loads(services.export_json(card.versions[1])) == json.loads(services.export_json(card.versions[0]))
    page = admin.get(f"/scorecards/{published['card']}")
    assert "Edit the draft (version 2)" in page.text


# -- files through the pages ------------------------------------------------------------------------

def upload(client, content, name="card.json", **data):
    from io import BytesIO

    raw = content if isinstance(content, bytes) else json.dumps(content).encode()
    return client.post("/scorecards/import", data={"file": (BytesIO(raw), name), **data},
                       content_type="multipart/form-data")


def test_import_and_export_through_the_pages(app, admin):
    response = upload(admin, WORKED_EXAMPLE, publish="y")
    assert response.status_code == 302
    page = admin.get(response.headers["Location"])
    assert "Imported worked-example as a new scorecard: version 1. It is published." in page.text
    with app.app_context():
        card = services.get_by_slug("worked-example")
        expected = services.export_json(card.versions[0])
        card_id = card.id
    download = admin.get(f"/scorecards/{card_id}/versions/1/export")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert 'filename="worked-example-v1.json"' in download.headers["Content-Disposition"]
    assert download.text == expected
    again = upload(admin, download.data, card_id=card_id)
    assert again.status_code == 302 and again.headers["Location"].endswith("/versions/2")
    assert admin.get(f"/scorecards/{card_id}/versions/2/export").text == expected


def test_a_bad_upload_is_refused_with_its_problems_and_changes_nothing(app, admin, published):
    with app.app_context():
        before = services.export_json(db.session.get(ScorecardVersion, published["version"]))
    bad = json.loads(json.dumps(WORKED_EXAMPLE))
    bad["sections"][1]["criteria"][0]["max"] = 0
    bad["sections"][0]["colour"] = "red"
    response = upload(admin, bad, name="bad.json")
    assert response.status_code == 422
    assert "bad.json was not imported; nothing was changed" in response.text
    assert "Section “Section A” › colour: unknown key" in response.text
    assert "Section “Section B” › criterion “b_scale” › max: a scale&#39;s max must be above its min" in response.text
    assert upload(admin, b"not json", name="x.json").status_code == 422
    missing = admin.post("/scorecards/import", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "Choose a scorecard file" in missing.text
    other = upload(admin, {**WORKED_EXAMPLE, "slug": "another"}, card_id=published["card"])
    assert other.status_code == 422 and "This file is for the scorecard “another”" in other.text
    with app.app_context():
        assert services.get_by_slug("another") is None
        assert services.get_by_slug("worked-example") is None
        assert services.export_json(db.session.get(ScorecardVersion, published["version"])) == before


def test_archiving_and_unarchiving_from_the_scorecard_page(app, admin, published):
    response = admin.post(f"/scorecards/{published['card']}/archive", data={"archived": "1"})
    assert response.status_code == 302
    assert "is archived: it is offered for no new audit" in admin.get(response.headers["Location"]).text
    with app.app_context():
        card = db.session.get(ScorecardVersion, published["version"]).scorecard
        assert card.archived and card not in services.scorecards_for_new_audits()
    assert "Archived" in admin.get("/scorecards").text
    admin.post(f"/scorecards/{published['card']}/archive", data={"archived": "0"})
    with app.app_context():
        assert not db.session.get(ScorecardVersion, published["version"]).scorecard.archived


def test_the_builder_speaks_spanish(app, client, published):
    with app.app_context():
        factories.user("admin", "admin.es@test.example", language="es")
        db.session.commit()
    client.post("/login", data={"email": "admin.es@test.example", "password": factories.PASSWORD})
    page = client.get(published["base"])
    assert page.status_code == 200 and "Vista previa en un teléfono" in page.text and "Versión 1" in page.text
    draft = client.post(f"/scorecards/{published['card']}/edit").headers["Location"]
    response = client.post(draft + "/sections/a/criteria/new",
                           data=criterion("pick", "choice", "Elija", "a", options=[("only", 1, "Única")]))
    assert response.status_code == 422
    assert "una elección necesita al menos dos opciones" in response.text
    assert "El criterio «pick» no se guardó" in response.text


def test_a_spanish_admin_writes_decimals_with_a_comma(app, world, admin):
    from accounts.models import User

    with app.app_context():
        db.session.get(User, world["admin"]["id"]).language = "es"
        version = factories.scorecard(publish=False)
        db.session.commit()
        base, version_id = f"/scorecards/{version.scorecard_id}/versions/1", version.id
    response = admin.post(base + "/sections/a/criteria/new", data=criterion(
        "wait", "number", "Wait", "a", weight="0,5", unit="min", target_op="<=", target_value="2,5"))
    assert response.status_code in (302, 303), response.text[:2000]
    sections = json.loads(stored(app, version_id))["sections"]
    saved = next(c for s in sections for c in s["criteria"] if c["key"] == "wait")
    assert saved["weight"] == 0.5 and saved["target"] == {"op": "<=", "value": 2.5}
    form = admin.get(base + "/criteria/wait").text
    assert 'value="0,5"' in form and 'value="2,5"' in form
