"""The scoring engine on its own (no Flask, no database): docs/scoring.md's rules, one by one."""
import copy

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scorecards import scoring
from tests.factories import WORKED_ANSWERS, WORKED_EXAMPLE


def spec(data=WORKED_EXAMPLE, **kw):
    return scoring.spec_from_dict({**data, **kw})


def test_worked_example_scores_61_1_percent():
    result = scoring.score(spec(), WORKED_ANSWERS)
    assert result.score == pytest.approx(61.111, abs=0.001)
    assert [s.score for s in result.sections] == [pytest.approx(50.0), pytest.approx(83.333, abs=0.001)]
    assert result.sections[1].earned == pytest.approx(2.5) and result.sections[1].possible == 3
    assert not result.passed and not result.critical_failure


def test_critical_no_zeroes_the_score_but_keeps_section_results():
    data = {**WORKED_EXAMPLE, "sections": [WORKED_EXAMPLE["sections"][0], {
        **WORKED_EXAMPLE["sections"][1],
        "criteria": [{**c, "critical": c["key"] == "b_yes"} for c in WORKED_EXAMPLE["sections"][1]["criteria"]]}]}
    result = scoring.score(spec(data), {**WORKED_ANSWERS, "b_yes": "no"})
    assert result.score == 0.0 and result.critical_failure and not result.passed
    assert result.sections[1].score == pytest.approx(50.0)
    kept = scoring.score(spec(data, critical_zeroes_score=False), {**WORKED_ANSWERS, "b_yes": "no"})
    assert kept.critical_failure and not kept.passed
    assert kept.score == pytest.approx((2 * 50 + 50) / 3)


# -- one criterion of each type ------------------------------------------------------------------

def one(criterion: dict, **card):
    """A scorecard with a single section holding ``criterion``."""
    return scoring.spec_from_dict({"sections": [{"key": "s", "criteria": [{"key": "c", **criterion}]}], **card})


def test_yes_no_earns_all_or_nothing():
    card = one({"type": "yes_no", "weight": 3})
    assert scoring.score(card, {"c": "yes"}).score == 100.0
    no = scoring.score(card, {"c": "no"})
    assert no.score == 0.0 and no.sections[0].earned == 0 and no.sections[0].possible == 3
    with pytest.raises(scoring.AnswerError, match="c: expected"):
        scoring.score(card, {"c": "maybe"})
    with pytest.raises(scoring.AnswerError):
        scoring.score(card, {"c": True})


@pytest.mark.parametrize(("low", "high", "value", "expected"), [
    (1, 5, 1, 0.0), (1, 5, 5, 1.0), (1, 5, 4, 0.75), (1, 5, 3, 0.5), (0, 10, 7, 0.7), (-2, 2, 0, 0.5)])
def test_scale_earns_its_share_of_the_range(low, high, value, expected):
    result = scoring.score(one({"type": "scale", "min": low, "max": high}), {"c": value})
    assert result.criteria["c"].fraction == pytest.approx(expected)
    assert result.score == pytest.approx(100 * expected)


@pytest.mark.parametrize("bad", [0, 6, 2.5, "4", True, float("nan")])
def test_scale_refuses_values_outside_it_or_not_whole(bad):
    with pytest.raises(scoring.AnswerError, match="whole number from 1 to 5"):
        scoring.score(one({"type": "scale"}), {"c": bad})


def test_choice_earns_the_option_s_own_fraction():
    card = one({"type": "choice", "options": [{"key": "full", "score": 1}, {"key": "partial", "score": 0.5},
                                             {"key": "none", "score": 0}]})
    assert scoring.score(card, {"c": "partial"}).score == 50.0
    assert scoring.score(card, {"c": "none"}).score == 0.0
    with pytest.raises(scoring.AnswerError, match="expected one of: full, partial, none"):
        scoring.score(card, {"c": "other"})


@pytest.mark.parametrize(("op", "value", "answer", "earned"), [
    ("<=", 5, 5, 1.0), ("<=", 5, 5.5, 0.0), ("<=", 5, 0, 1.0), (">=", 3, 3, 1.0), (">=", 3, 2.9, 0.0)])
def test_number_meets_its_target_or_not(op, value, answer, earned):
    result = scoring.score(one({"type": "number", "target": {"op": op, "value": value}, "kpi": "wait_time"}),
                           {"c": answer})
    assert result.criteria["c"].fraction == earned
    assert result.kpis["wait_time"].numbers == [answer]


def test_number_without_target_is_not_scored_but_its_mean_is_kept():
    card = scoring.spec_from_dict({"sections": [{"key": "s", "criteria": [
        {"key": "n", "type": "number", "kpi": "wait_time"}, {"key": "y", "type": "yes_no"}]}]})
    result = scoring.score(card, {"n": 12, "y": "yes"})
    assert result.criteria["n"].fraction is None and result.sections[0].possible == 1
    assert result.kpis["wait_time"].mean == 12 and result.kpis["wait_time"].answered == 0
    with pytest.raises(scoring.AnswerError, match="n: expected a number"):
        scoring.score(card, {"n": "twelve"})


def test_text_photo_and_info_are_never_scored():
    card = scoring.spec_from_dict({"sections": [{"key": "s", "criteria": [
        {"key": "y", "type": "yes_no"}, {"key": "t", "type": "text"}, {"key": "p", "type": "photo"},
        {"key": "i", "type": "info"}]}]})
    result = scoring.score(card, {"y": "no", "t": "All fine"})
    assert result.sections[0].possible == 1 and result.score == 0.0
    assert all(result.criteria[k].fraction is None for k in "tpi")
    assert [str(p) for p in scoring.check_answers(card, {"y": "yes", "t": 5})] == ["t: expected text"]


# -- N/A, optional answers, sections with nothing possible -----------------------------------------

def test_na_leaves_earned_and_possible_where_allowed():
    card = scoring.spec_from_dict({"sections": [{"key": "s", "criteria": [
        {"key": "a", "type": "yes_no"}, {"key": "b", "type": "scale", "allow_na": True, "weight": 5}]}]})
    result = scoring.score(card, {"a": "yes", "b": "na"})
    assert result.score == 100.0 and result.sections[0].possible == 1 and result.criteria["b"].na


def test_na_is_refused_where_not_allowed():
    card = one({"type": "yes_no"})
    with pytest.raises(scoring.AnswerError, match="c: N/A is not allowed"):
        scoring.score(card, {"c": "na"})
    problems = scoring.check_answers(card, {"c": "na"})
    assert [p.key for p in problems] == ["c"]


def test_optional_unanswered_criteria_count_for_nothing_and_required_ones_are_asked_for():
    card = scoring.spec_from_dict({"sections": [{"key": "s", "criteria": [
        {"key": "must", "type": "yes_no"}, {"key": "may", "type": "scale", "required": False, "weight": 4},
        {"key": "notes", "type": "text"}]}]})
    result = scoring.score(card, {"must": "yes"})
    assert result.score == 100.0 and result.sections[0].possible == 1
    assert scoring.check_answers(card, {"must": "yes"}) == []
    missing = scoring.check_answers(card, {"may": 3})
    assert [(p.key, p.message) for p in missing] == [("must", "an answer is required")]
    assert scoring.check_answers(card, {"may": 3}, submit=False) == []


def test_check_answers_names_unknown_keys_and_every_wrong_value():
    problems = scoring.check_answers(spec(), {**WORKED_ANSWERS, "a_yes": "si", "b_scale": 9, "ghost": 1})
    assert [p.key for p in problems] == ["ghost", "a_yes", "b_scale"]


def test_a_section_with_nothing_possible_is_left_out_of_the_total():
    data = {"sections": [
        {"key": "a", "weight": 5, "criteria": [{"key": "x", "type": "yes_no", "allow_na": True},
                                               {"key": "t", "type": "text"}]},
        {"key": "b", "weight": 1, "criteria": [{"key": "y", "type": "yes_no"}, {"key": "z", "type": "yes_no"}]}]}
    result = scoring.score(scoring.spec_from_dict(data), {"x": "na", "y": "yes", "z": "no"})
    assert result.sections[0].score is None and result.sections[0].possible == 0
    assert result.score == 50.0


def test_an_audit_with_nothing_possible_has_no_score_and_does_not_pass():
    result = scoring.score(one({"type": "yes_no", "allow_na": True}), {"c": "na"})
    assert result.score is None and not result.passed and not result.critical_failure


# -- critical criteria and the pass mark ---------------------------------------------------------

def critical_card(**card):
    return scoring.spec_from_dict({"sections": [{"key": "s", "criteria": [
        {"key": "ok", "type": "yes_no", "weight": 9},
        {"key": "crit", "type": "scale", "critical": True, "allow_na": True}]}], **card})


def test_a_critical_zero_zeroes_the_score_by_default():
    result = scoring.score(critical_card(), {"ok": "yes", "crit": 1})
    assert result.critical_failure and result.failed_critical == ["crit"]
    assert result.score == 0.0 and not result.passed
    assert result.sections[0].score == pytest.approx(90.0)  # the section's figures are kept


def test_a_critical_zero_only_flags_when_the_scorecard_says_so():
    result = scoring.score(critical_card(critical_zeroes_score=False), {"ok": "yes", "crit": 1})
    assert result.critical_failure and result.score == pytest.approx(90.0) and not result.passed


@pytest.mark.parametrize("answer", [2, 5, "na", None])
def test_a_critical_criterion_that_earns_something_or_is_na_is_no_failure(answer):
    answers = {"ok": "yes"} if answer is None else {"ok": "yes", "crit": answer}
    result = scoring.score(critical_card(), answers)
    assert not result.critical_failure and result.score > 0


def test_the_audit_passes_when_it_reaches_the_pass_mark():
    card = scoring.spec_from_dict({"pass_mark": 75, "sections": [{"key": "s", "criteria": [
        {"key": f"q{i}", "type": "yes_no"} for i in range(4)]}]})
    answers = {"q0": "yes", "q1": "yes", "q2": "yes", "q3": "no"}
    assert scoring.score(card, answers).passed
    assert not scoring.score(card, {**answers, "q2": "no"}).passed


def test_kpi_results_count_answered_tagged_criteria_and_full_points():
    result = scoring.score(spec(), WORKED_ANSWERS)
    assert result.kpis["greeting"].rate == 100.0 and result.kpis["name_given"].rate == 0.0
    assert result.kpis["courtesy"].as_dict() == {"answered": 1, "full": 0, "rate": 0.0}


# -- properties -----------------------------------------------------------------------------------

def _criterion(draw, key):
    kind = draw(st.sampled_from(["yes_no", "scale", "choice", "number", "number_no_target", "text"]))
    c = {"key": key, "type": kind, "weight": draw(st.floats(0.1, 10)), "allow_na": draw(st.booleans()),
         "critical": draw(st.booleans()) and kind not in ("text", "number_no_target")}
    if kind == "scale":
        low = draw(st.integers(-3, 3))
        c.update(min=low, max=low + draw(st.integers(1, 10)))
    elif kind == "choice":
        c["options"] = [{"key": f"o{i}", "score": draw(st.floats(0, 1))} for i in range(draw(st.integers(2, 4)))]
    elif kind == "number":
        c["target"] = {"op": draw(st.sampled_from(["<=", ">="])), "value": draw(st.floats(0, 30))}
    elif kind == "number_no_target":
        c["type"] = "number"
    return c


def _answer(draw, c):
    options = [None]
    if c["allow_na"]:
        options.append("na")
    kind = c["type"]
    if kind == "yes_no":
        options += ["yes", "no"]
    elif kind == "scale":
        options += list(range(c["min"], c["max"] + 1))
    elif kind == "choice":
        options += [o["key"] for o in c["options"]]
    elif kind == "number":
        options += [draw(st.floats(0, 60, allow_nan=False)), draw(st.integers(0, 60))]
    else:
        options += ["some text"]
    return draw(st.sampled_from(options))


@st.composite
def audits(draw):
    """A random scorecard file structure and a set of valid answers for it."""
    sections, answers, n = [], {}, 0
    for s in range(draw(st.integers(1, 4))):
        criteria = []
        for _ in range(draw(st.integers(0, 5))):
            n += 1
            c = _criterion(draw, f"c{n}")
            criteria.append(c)
            value = _answer(draw, c)
            if value is not None:
                answers[c["key"]] = value
        sections.append({"key": f"s{s}", "weight": draw(st.floats(0.1, 10)), "criteria": criteria})
    card = {"sections": sections, "pass_mark": draw(st.floats(0, 100)),
            "critical_zeroes_score": draw(st.booleans())}
    return card, answers


def _same(a, b):
    assert (a.score is None) == (b.score is None)
    if a.score is not None:
        assert a.score == pytest.approx(b.score, rel=1e-9, abs=1e-9)
    assert a.critical_failure == b.critical_failure
    assert [s.score is None for s in a.sections] == [s.score is None for s in b.sections]
    for x, y in zip(a.sections, b.sections, strict=True):
        if x.score is not None:
            assert x.score == pytest.approx(y.score, rel=1e-9, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(audits())
def test_the_score_stays_within_0_and_100(case):
    card, answers = case
    result = scoring.score(scoring.spec_from_dict(card), answers)
    assert result.score is None or 0.0 <= result.score <= 100.0
    for section in result.sections:
        assert section.score is None or 0.0 <= section.score <= 100.0 + 1e-9
    if result.critical_failure and card["critical_zeroes_score"]:
        assert result.score == 0.0


@settings(max_examples=300, deadline=None)
@given(audits(), st.floats(0.01, 1000))
def test_multiplying_every_weight_by_a_constant_changes_nothing(case, factor):
    card, answers = case
    scaled = copy.deepcopy(card)
    for section in scaled["sections"]:
        section["weight"] *= factor
        for criterion in section["criteria"]:
            criterion["weight"] *= factor
    before = scoring.score(scoring.spec_from_dict(card), answers)
    after = scoring.score(scoring.spec_from_dict(scaled), answers)
    _same(before, after)
    assert before.passed == after.passed or abs(before.score - card["pass_mark"]) < 1e-6


@settings(max_examples=300, deadline=None)
@given(audits(), st.data())
def test_adding_an_na_answer_changes_nothing(case, data):
    card, answers = case
    open_na = [c["key"] for s in card["sections"] for c in s["criteria"] if c["allow_na"] and c["key"] not in answers]
    assume(open_na)
    key = data.draw(st.sampled_from(open_na))
    before = scoring.score(scoring.spec_from_dict(card), answers)
    after = scoring.score(scoring.spec_from_dict(card), {**answers, key: "na"})
    _same(before, after)
    assert before.passed == after.passed
