"""The scoring engine on its own (no Flask, no database): PRODUCT.md's rules, one by one."""
import pytest

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
