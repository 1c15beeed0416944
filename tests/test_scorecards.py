"""Scorecards as files and versions: the defaults, import and export, the CLI, frozen versions.

(The builder's pages are in test_scorecards_builder.py; the scoring engine alone in test_scoring.py.)
"""
import copy
import json

import pytest

from extensions import db
from scorecards import defaults, drafts, formats, services
from scorecards.models import KPI_TAGS, Criterion, PublishedVersionError, Scorecard, ScorecardVersion, Section
from tests import factories
from tests.factories import WORKED_ANSWERS, WORKED_EXAMPLE


@pytest.fixture
def app(make_app):
    """Messages outside a request follow the default language: English here, so assertions read as source."""
    return make_app(BABEL_DEFAULT_LOCALE="en")


def counts():
    return [db.session.scalar(db.select(db.func.count()).select_from(m)) for m in
            (Scorecard, ScorecardVersion, Section, Criterion)]


def snapshot():
    """Everything stored about scorecards, as exported files."""
    return {(v.scorecard.slug, v.number, v.status): services.export_json(v)
            for v in db.session.scalars(db.select(ScorecardVersion))}


def critical_variant():
    data = copy.deepcopy(WORKED_EXAMPLE)
    data["slug"] = "worked-critical"
    data["sections"][1]["criteria"][1]["critical"] = True  # b_yes
    return data


# -- the default scorecards ---------------------------------------------------------------------

@pytest.mark.parametrize("path", defaults.default_files(), ids=lambda p: p.name)
def test_every_file_in_the_defaults_folder_imports_cleanly(app, path):
    with app.app_context():
        version = services.import_scorecard(path.read_bytes(), publish=True)
        db.session.commit()
        data = json.loads(path.read_text("utf-8"))
        assert version.is_published and version.scorecard.slug == data["slug"] == path.stem
        criteria = version.criteria
        assert any(c.critical for c in criteria), "at least one critical criterion"
        assert {c.kpi for c in criteria if c.kpi} == set(KPI_TAGS), "every KPI tag is covered"
        for c in criteria:
            assert set(c.text) == {"es", "en"}
            assert c.guidance is None or set(c.guidance) == {"es", "en"}
        assert {c.key for c in criteria} >= {"name_given", "accurate_information", "farewell", "follow_up_offered"}
        wait = [c for c in criteria if c.kpi == "wait_time"]
        assert wait and all(c.type == "number" and c.settings["target"]["op"] == "<=" for c in wait)
        promised = [c for c in criteria if c.kpi == "promise_kept" and ("wait" in c.key or "time" in c.key)]
        assert promised, "every scorecard asks whether a promised wait or time was kept"
        assert all(c.allow_na for c in promised), "a promised wait exceeded is a broken promise (N/A if none)"


def test_the_defaults_cover_every_channel_kind_and_every_criterion_type(app):
    with app.app_context():
        versions = defaults.load_defaults()
        db.session.commit()
        assert {v.scorecard.channel for v in versions} >= {"visit", "call", "email", "chat"}
        assert {c.type for v in versions for c in v.criteria} == {"yes_no", "scale", "choice", "number", "text",
                                                                  "photo", "info"}
        assert all(v.is_published for v in versions)


def test_load_defaults_is_idempotent_and_leaves_an_edited_scorecard_alone(app):
    with app.app_context():
        first = defaults.load_defaults()
        db.session.commit()
        card = first[0].scorecard
        draft = services.start_new_draft(card)
        db.session.commit()
        before = counts()
        again = defaults.load_defaults()
        db.session.commit()
        assert counts() == before
        assert [v.id for v in again] == [v.id for v in first]
        assert card.draft is draft


# -- import and export ----------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["worked", *[p.name for p in defaults.default_files()]])
def test_export_then_import_then_export_gives_identical_json(app, source):
    raw = (json.dumps(WORKED_EXAMPLE) if source == "worked"
           else (defaults.DEFAULTS_DIR / source).read_text("utf-8"))
    with app.app_context():
        first = services.import_scorecard(raw, publish=True)
        db.session.commit()
        exported = services.export_json(first)
        second = services.import_scorecard(exported.encode())
        db.session.commit()
        assert second.number == 2 and second.status == "draft"
        assert services.export_json(second) == exported
        third = services.import_scorecard(json.loads(exported), publish=True)  # replaces the draft
        db.session.commit()
        assert third.id == second.id and services.export_json(third) == exported
        assert json.loads(exported)["sections"][0]["criteria"][0]["weight"] is not None  # defaults written out


def test_importing_an_existing_slug_makes_a_new_draft_and_replaces_a_draft_rather_than_stacking(app):
    with app.app_context():
        v1 = services.import_scorecard(WORKED_EXAMPLE, publish=True)
        changed = copy.deepcopy(WORKED_EXAMPLE)
        changed["name"] = {"es": "Otro nombre", "en": "Another name"}
        v2 = services.import_scorecard(changed)
        changed["sections"][0]["weight"] = 7
        v2_again = services.import_scorecard(changed)
        db.session.commit()
        card = v1.scorecard
        assert [(v.number, v.status) for v in card.versions] == [(1, "published"), (2, "draft")]
        assert v2_again.id == v2.id and v2.sections[0].weight == 7
        assert card.name["en"] == "Another name"
        assert v1.sections[0].weight == 2  # the published version is untouched



def test_a_draft_that_audits_already_use_is_not_rewritten_by_an_import(app, world):
    with app.app_context():
        draft = factories.scorecard(publish=False)
        factories.audit(draft, world["auditor"]["id"], world["branch_a"], status="draft")
        changed = {**copy.deepcopy(WORKED_EXAMPLE), "slug": draft.scorecard.slug}
        changed["sections"][0]["weight"] = 7
        with pytest.raises(services.ScorecardError, match="Audits use this draft"):
            services.import_scorecard(changed)
        assert services.audit_count(draft) == 1 and services.audit_counts(draft.scorecard) == {draft.id: 1}

BAD_FILES = {
    "not json": (b'{"slug": "x",', "not valid JSON"),
    "not utf-8": (b'\xff\xfe{"slug": 1}', "not UTF-8"),
    "a list": (b"[]", "expected an object"),
    "unknown key": ({**WORKED_EXAMPLE, "colour": "red"}, 'colour: unknown key "colour"'),
    "one option": (None, "sections[1].criteria[0].options: a choice needs at least two options"),
    "duplicate key": (None, "sections[1].criteria[1].key: \"a_yes\" is already the key of sections[0].criteria[0]"),
    "scale upside down": (None, "sections[1].criteria[0].max: a scale's max must be above its min"),
    "bad channel": ({**WORKED_EXAMPLE, "channel": "fax"}, "channel: expected one of: visit, call"),
    "NaN weight": (json.dumps(WORKED_EXAMPLE).replace('"weight": 2', '"weight": NaN', 1).encode(),
                   "NaN and Infinity"),
    "zero weight": (None, "sections[0].weight: a weight is a number above 0"),
    "bad kpi": (None, "sections[0].criteria[0].kpi: expected one of: name_given"),
    "bad slug": ({**WORKED_EXAMPLE, "slug": "Worked Example"}, 'slug: "Worked Example" is not allowed'),
}


def bad_file(kind):
    raw, message = BAD_FILES[kind]
    if raw is None:
        raw = copy.deepcopy(WORKED_EXAMPLE)
        s0, s1 = raw["sections"]
        if kind == "one option":
            s1["criteria"][0] = {"key": "pick", "type": "choice", "text": "Pick",
                                 "options": [{"key": "only", "score": 1, "label": "Only"}]}
        elif kind == "duplicate key":
            s1["criteria"][1]["key"] = "a_yes"
        elif kind == "scale upside down":
            s1["criteria"][0].update(min=5, max=1)
        elif kind == "zero weight":
            s0["weight"] = 0
        elif kind == "bad kpi":
            s0["criteria"][0]["kpi"] = "smiles"
    return raw, message


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_malformed_file_leaves_the_database_untouched_and_says_why(app, kind):
    raw, message = bad_file(kind)
    with app.app_context():
        services.import_scorecard(WORKED_EXAMPLE)  # an existing draft that a bad file must not touch
        db.session.commit()
        before, stored = counts(), snapshot()
        with pytest.raises(formats.ScorecardFileError) as caught:
            services.import_scorecard(raw)
        db.session.rollback()
        assert counts() == before and snapshot() == stored
        assert any(message in m for m in caught.value.messages), caught.value.messages


def test_every_problem_of_a_file_is_listed_at_once():
    data = copy.deepcopy(WORKED_EXAMPLE)
    data["extra"] = 1
    data["sections"][0]["criteria"][0]["type"] = "stars"
    data["sections"][1]["criteria"][0]["weight"] = -1
    data["sections"][1]["criteria"][2]["critical"] = True  # a text criterion
    messages = formats.problems(data)
    assert messages == [
        'extra: unknown key "extra"; allowed here: slug, name, channel, pass_mark, critical_zeroes_score, sections',
        "sections[0].criteria[0].type: expected one of: yes_no, scale, choice, number, text, photo, info",
        "sections[1].criteria[0].weight: a weight is a number above 0",
        "sections[1].criteria[2].critical: only a scored criterion can be critical (a number needs a target)",
    ]


def test_text_fields_may_be_plain_strings_or_objects_of_languages():
    data = copy.deepcopy(WORKED_EXAMPLE)
    data["name"] = "Solo un nombre"
    data["sections"][0]["title"] = {"fr": "Accueil"}
    data["sections"][0]["criteria"][0]["text"] = {"es": ""}
    data["sections"][0]["criteria"][1]["guidance"] = 42
    assert formats.problems(data) == [
        "sections[0].criteria[0].text.es: expected a text that is not empty",
        "sections[0].criteria[1].guidance: expected a text, or an object of language code to text",
    ]


def test_type_settings_belong_to_their_type():
    data = copy.deepcopy(WORKED_EXAMPLE)
    data["sections"][0]["criteria"][0]["options"] = []
    data["sections"][0]["criteria"][1]["target"] = {"op": "<", "value": "5", "unit": "min"}
    assert formats.problems(data) == [
        "sections[0].criteria[0].options: options does not apply to a yes_no criterion",
        "sections[0].criteria[1].target: target does not apply to a yes_no criterion",
    ]
    number = {**WORKED_EXAMPLE, "sections": [{"key": "s", "criteria": [
        {"key": "n", "type": "number", "text": "N", "target": {"op": "<", "value": "5", "unit": "min"}},
        {"key": "c", "type": "choice", "text": "C", "options": [
            {"key": "na", "score": 1, "label": "A"}, {"key": "b", "score": 1.5, "label": "B"}]}]}]}
    assert formats.problems(number) == [
        'sections[0].criteria[0].target.unit: unknown key "unit"; allowed here: op, value',
        'sections[0].criteria[0].target.op: expected "<=" (at most) or ">=" (at least)',
        "sections[0].criteria[0].target.value: expected a number",
        'sections[0].criteria[1].options[0].key: "na" is kept for N/A answers; choose another key',
        "sections[0].criteria[1].options[1].score: an option's score is a number from 0 to 1",
    ]


def test_a_file_may_not_change_an_existing_scorecard_s_channel(app):
    with app.app_context():
        services.import_scorecard(WORKED_EXAMPLE, publish=True)
        db.session.commit()
        before = counts()
        with pytest.raises(formats.ScorecardFileError, match="channel: the scorecard worked-example exists"):
            services.import_scorecard({**WORKED_EXAMPLE, "channel": "call"})
        db.session.rollback()
        assert counts() == before


def test_publishing_needs_a_scored_criterion_in_non_empty_sections(app):
    with app.app_context():
        version = services.create_scorecard("empty", {"en": "Empty"}, "visit")
        with pytest.raises(formats.ScorecardFileError, match="add at least one section"):
            services.publish_version(version)
        services.import_scorecard({"slug": "empty", "name": "Empty", "channel": "visit", "sections": [
            {"key": "s", "criteria": [{"key": "n", "type": "text", "text": "Notes"}]}, {"key": "t"}]})
        with pytest.raises(formats.ScorecardFileError) as caught:
            services.publish_version(version)
        assert caught.value.messages == ["sections[1].criteria: a section needs at least one criterion",
                                         "sections: add at least one scored criterion before publishing"]
        assert version.status == "draft"


# -- the command line -----------------------------------------------------------------------------

def test_cli_imports_a_file_and_says_what_it_did(app, runner, tmp_path):
    path = tmp_path / "worked.json"
    path.write_text(json.dumps(WORKED_EXAMPLE), "utf-8")
    result = runner.invoke(args=["scorecards", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "created scorecard worked-example: version 1 (draft), 2 section(s), 6 criteria" in result.output
    result = runner.invoke(args=["scorecards", "import", str(path), "--publish"])
    assert result.exit_code == 0 and "replaced the draft of worked-example: version 1 (published)" in result.output
    result = runner.invoke(args=["scorecards", "import", str(path)])
    assert "added a new version to worked-example: version 2 (draft)" in result.output
    with app.app_context():
        card = services.get_by_slug("worked-example")
        assert [(v.number, v.status) for v in card.versions] == [(1, "published"), (2, "draft")]


def test_cli_refuses_a_bad_file_listing_its_problems_and_changes_nothing(app, runner, tmp_path):
    raw, _message = bad_file("one option")
    raw["sections"][0]["weight"] = -2
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw), "utf-8")
    with app.app_context():
        before = counts()
    result = runner.invoke(args=["scorecards", "import", str(path)])
    assert result.exit_code == 1
    assert "not imported, the file has 2 problem(s)" in result.output
    assert "sections[0].weight" in result.output and "sections[1].criteria[0].options" in result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert counts() == before


def test_cli_exports_the_latest_or_a_given_version(app, runner):
    with app.app_context():
        v1 = services.import_scorecard(WORKED_EXAMPLE, publish=True)
        changed = copy.deepcopy(WORKED_EXAMPLE)
        changed["pass_mark"] = 70
        services.import_scorecard(changed)
        db.session.commit()
        expected_v1 = services.export_json(v1)
    latest = runner.invoke(args=["scorecards", "export", "worked-example"])
    assert latest.exit_code == 0 and json.loads(latest.output)["pass_mark"] == 70
    first = runner.invoke(args=["scorecards", "export", "worked-example", "--version", "1"])
    assert first.exit_code == 0 and first.output == expected_v1
    missing = runner.invoke(args=["scorecards", "export", "worked-example", "--version", "9"])
    assert missing.exit_code != 0 and "has no version 9 (versions: 1, 2)" in missing.output
    unknown = runner.invoke(args=["scorecards", "export", "nope"])
    assert unknown.exit_code != 0 and "no scorecard has the slug 'nope'" in unknown.output


def test_cli_import_then_export_round_trips_through_files(app, runner, tmp_path):
    source = defaults.DEFAULTS_DIR / "phone-call.json"
    assert runner.invoke(args=["scorecards", "import", str(source), "--publish"]).exit_code == 0
    exported = runner.invoke(args=["scorecards", "export", "phone-call"]).output
    path = tmp_path / "again.json"
    path.write_text(exported, "utf-8")
    assert runner.invoke(args=["scorecards", "import", str(path)]).exit_code == 0
    assert runner.invoke(args=["scorecards", "export", "phone-call", "--version", "2"]).output == exported


# -- scores through audits, and versions that never change ------------------------------------------

def test_the_worked_example_imported_from_json_scores_61_1_and_0_with_a_critical_failure(app, world):
    with app.app_context():
        version = services.import_scorecard(json.dumps(WORKED_EXAMPLE).encode(), publish=True)
        audit = factories.audit(version, world["auditor"]["id"], world["branch_a"])
        critical = services.import_scorecard(json.dumps(critical_variant()).encode(), publish=True)
        failed = factories.audit(critical, world["auditor"]["id"], world["branch_a"],
                                 answers={**WORKED_ANSWERS, "b_yes": "no"})
        fine = factories.audit(critical, world["auditor"]["id"], world["branch_a"])
        db.session.commit()
        assert round(audit.score, 1) == 61.1 and not audit.critical_failure and not audit.passed
        assert failed.score == 0.0 and failed.critical_failure
        assert [s.score for s in failed.section_scores] == [pytest.approx(50.0), pytest.approx(50.0)]
        assert round(fine.score, 1) == 61.1 and not fine.critical_failure


def test_a_published_version_cannot_be_changed_by_model_calls(app):
    with app.app_context():
        version = services.import_scorecard(WORKED_EXAMPLE, publish=True)
        db.session.commit()
        stored = services.export_json(version)
        changes = [
            lambda v: setattr(v, "pass_mark", 50),
            lambda v: setattr(v, "status", "draft"),
            lambda v: setattr(v.sections[0], "weight", 9),
            lambda v: setattr(v.sections[0], "title", {"en": "Changed"}),
            lambda v: setattr(v.criteria[0], "weight", 9),
            lambda v: setattr(v.criteria[3], "settings", {"min": 0, "max": 10}),
            lambda v: v.sections[0].criteria.pop(),
            lambda v: v.sections[1].criteria.append(Criterion(key="new", type="yes_no", text="New")),
            lambda v: db.session.delete(v.sections[1]),
        ]
        for change in changes:
            change(version)
            with pytest.raises(PublishedVersionError):
                db.session.flush()
            db.session.rollback()
        version = db.session.get(ScorecardVersion, version.id)
        assert services.export_json(version) == stored
        for service_call in (lambda v: services.save_draft(v, services.version_to_dict(v)),
                             lambda v: services.replace_content(v, services.version_to_dict(v)),
                             lambda v: services.publish_version(v),
                             lambda v: drafts.put_section(v, None, {"key": "z", "title": "Z"}),
                             lambda v: drafts.remove_criterion(v, "a_yes"),
                             lambda v: drafts.move_section(v, "a", 1)):
            with pytest.raises(PublishedVersionError):
                service_call(version)
            db.session.rollback()
        assert services.export_json(db.session.get(ScorecardVersion, version.id)) == stored


def test_editing_makes_version_2_and_audits_on_version_1_keep_their_score(app, world):
    with app.app_context():
        v1 = factories.scorecard()
        audit = factories.audit(v1, world["auditor"]["id"], world["branch_a"])
        db.session.commit()
        assert round(audit.score, 1) == 61.1
        v2 = services.start_new_draft(v1.scorecard)
        assert v2.number == 2 and services.start_new_draft(v1.scorecard) is v2  # one draft at a time
        drafts.put_criterion(v2, "b", "b_scale", {"key": "b_scale", "type": "scale", "min": 1, "max": 5,
                                                    "weight": 10, "text": "Courtesy"})
        drafts.put_section(v2, "a", {"key": "a", "weight": 1})
        services.publish_version(v2)
        on_v2 = factories.audit(v2, world["auditor"]["id"], world["branch_a"])
        db.session.commit()
        audit_id, on_v2_score = audit.id, on_v2.score
    with app.app_context():
        from audits.answers import score_and_store
        from audits.models import Audit

        audit = db.session.get(Audit, audit_id)
        assert audit.version.number == 1 and round(audit.score, 1) == 61.1
        assert round(score_and_store(audit).score, 1) == 61.1  # scored again: the same
        assert on_v2_score == pytest.approx((50 + 100 * 8.5 / 11) / 2)  # the new weights, on version 2 only
        assert services.audit_counts(audit.version.scorecard) == {audit.version_id: 1,
                                                                  audit.version.scorecard.versions[1].id: 1}


def test_archiving_hides_a_scorecard_from_new_audits_only(app, world):
    with app.app_context():
        version = factories.scorecard()
        factories.audit(version, world["auditor"]["id"], world["branch_a"])
        card = version.scorecard
        assert card in services.scorecards_for_new_audits()
        services.archive(card)
        assert card.archived and card not in services.scorecards_for_new_audits()
        assert services.audit_counts(card) == {version.id: 1}
        services.unarchive(card)
        assert card in services.scorecards_for_new_audits("visit")
        assert card not in services.scorecards_for_new_audits("call")


def test_problems_are_told_in_spanish_by_default(make_app, tmp_path):
    app = make_app()  # the default language: Spanish
    raw, _message = bad_file("one option")
    path = tmp_path / "malo.json"
    path.write_text(json.dumps(raw), "utf-8")
    result = app.test_cli_runner().invoke(args=["scorecards", "import", str(path)])
    assert result.exit_code == 1
    assert "sections[1].criteria[0].options: una elección necesita al menos dos opciones" in result.output
