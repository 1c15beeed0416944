"""The replay rules (scorecards/replay.py), on a small scorecard worked by hand.

Version 1. Section A, weight 2: "greet" and "name" (yes/no, weight 1). Section B, weight 1:
"courtesy" (scale 1-5, weight 2). Answers greet yes, name no, courtesy 4:
A = 1 of 2 = 50 %, B = 0.75 = 75 %, score (2 x 50 + 75) / 3 = 58.33 %.
"""
import pytest

from scorecards.replay import PastAudit, fitting_answers, points_lost, replay
from scorecards.scoring import CriterionSpec, ScorecardSpec, SectionSpec, score


def card(name_weight=1.0, name_critical=False, courtesy_max=5, extra=(), pass_mark=50.0):
    return ScorecardSpec((
        SectionSpec("a", 2.0, (CriterionSpec("greet", "yes_no"),
                               CriterionSpec("name", "yes_no", weight=name_weight, critical=name_critical))),
        SectionSpec("b", 1.0, (CriterionSpec("courtesy", "scale", weight=2.0, max=courtesy_max), *extra)),
    ), pass_mark=pass_mark)


V1 = card()
ANSWERS = {"greet": "yes", "name": "no", "courtesy": 4}


def past(answers=ANSWERS, spec=V1, audit_id=1, branch_id=1, employee_id=1):
    result = score(spec, answers)
    return PastAudit(audit_id, branch_id, employee_id, 1, answers, result.score, result.passed,
                     result.critical_failure)


def test_the_worked_answers_score_58_3_under_version_1():
    assert score(V1, ANSWERS).score == pytest.approx(175 / 3)


def test_a_heavier_criterion_moves_the_mean_and_the_effect_is_its_own():
    # "name" weighs 3: A = 1 of 4 = 25 %, score (2 x 25 + 75) / 3 = 41.67 %.
    impact = replay(card(name_weight=3), [past()], {1: V1})
    assert impact.mean_before == pytest.approx(175 / 3)
    assert impact.mean_after == pytest.approx(125 / 3)
    # name cost 2/3 x 1/2 = 33.33 points before and 2/3 x 3/4 = 50 after; courtesy 8.33 both times.
    assert impact.criteria == (("name", pytest.approx(-50 / 3)),)


def test_points_lost_add_up_to_what_the_score_misses():
    lost = points_lost(V1, score(V1, ANSWERS))
    assert lost == {"name": pytest.approx(100 / 3), "courtesy": pytest.approx(25 / 3)}
    assert 100 - sum(lost.values()) == pytest.approx(score(V1, ANSWERS).score)


def test_a_criterion_made_critical_zeroes_the_score_and_takes_the_whole_drop():
    impact = replay(card(name_critical=True), [past()], {1: V1})
    assert impact.mean_after == 0.0
    assert (impact.critical_before, impact.critical_after, impact.critical_added) == (0, 1, 1)
    assert impact.critical_changes[0].key == "name" and impact.critical_changes[0].added == 1
    assert impact.criteria == (("name", pytest.approx(-175 / 3)),)


def test_a_new_required_criterion_is_not_answered_and_never_invented():
    draft = card(extra=(CriterionSpec("smile", "yes_no"),))
    impact = replay(draft, [past()], {1: V1})
    assert impact.not_answered == (("smile", 1),)
    assert impact.mean_after == pytest.approx(175 / 3)  # unanswered: out of the points possible


def test_a_new_optional_criterion_is_left_out_silently():
    draft = card(extra=(CriterionSpec("smile", "yes_no", required=False),))
    impact = replay(draft, [past()], {1: V1})
    assert impact.not_answered == () and impact.left_out == ()


def test_a_removed_criterion_drops_out():
    draft = ScorecardSpec((SectionSpec("a", 2.0, (CriterionSpec("greet", "yes_no"),)),
                           SectionSpec("b", 1.0, (CriterionSpec("courtesy", "scale", weight=2.0),))))
    # A = 100 %, B = 75 %: (200 + 75) / 3 = 91.67 %
    assert replay(draft, [past()], {1: V1}).mean_after == pytest.approx(275 / 3)


def test_an_answer_that_no_longer_fits_its_scale_is_reported_and_left_out():
    kept, left_out, unanswered = fitting_answers(card(courtesy_max=3), ANSWERS)
    assert kept == {"greet": "yes", "name": "no"} and left_out == ["courtesy"] and unanswered == []
    impact = replay(card(courtesy_max=3), [past()], {1: V1})
    assert impact.left_out == (("courtesy", 1),)
    assert impact.mean_after == pytest.approx(50.0)  # only section A is left, at 50 %


def test_a_changed_type_refuses_the_old_answers():
    draft = ScorecardSpec((SectionSpec("a", 1.0, (CriterionSpec("greet", "scale"), CriterionSpec("name", "yes_no"))),))
    assert replay(draft, [past()], {1: V1}).left_out == (("greet", 1),)


def test_employees_crossing_the_pass_mark_up_or_down_are_named_with_their_means():
    # Employee 1: 58.33 before (passes 50), 41.67 after (fails). Employee 2: all yes, 100 both times.
    audits = [past(), past({"greet": "yes", "name": "yes", "courtesy": 5}, audit_id=2, employee_id=2)]
    impact = replay(card(name_weight=3), audits, {1: V1})
    assert [(g.id, round(g.mean_before, 2), round(g.mean_after, 2)) for g in impact.employees_crossing] == [
        (1, 58.33, 41.67)]
    assert impact.pass_rate_before == 100.0 and impact.pass_rate_after == 50.0


def test_branches_are_tallied_apart():
    audits = [past(), past({"greet": "yes", "name": "yes", "courtesy": 5}, audit_id=2, branch_id=2)]
    impact = replay(card(name_weight=3), audits, {1: V1})
    assert [(b.id, b.audits, round(b.mean_after, 2)) for b in impact.branches] == [(1, 1, 41.67), (2, 1, 100.0)]
