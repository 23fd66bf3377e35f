"""pass^k against hand computations (acceptance point 1 of the eval issue)."""

from __future__ import annotations

import pytest

from evals.passk import pass_hat_k, pass_k_row, pass_k_table, scenario_pass_k
from evals.results import Observation, ScenarioSummary, TrialResult


def summary(scenario_id: str, outcomes: str, tags: list[str]) -> ScenarioSummary:
    """outcomes: one letter per trial, "p" passed, "f" failed."""
    trials = [
        TrialResult(scenario_id=scenario_id, trial=i, passed=o == "p", observation=Observation())
        for i, o in enumerate(outcomes, start=1)
    ]
    return ScenarioSummary(
        scenario_id=scenario_id,
        title=scenario_id,
        channel="chat",
        tags=tags,
        file="x.yaml",
        trials=trials,
    )


def test_pass_hat_k_is_combinations_over_combinations() -> None:
    assert pass_hat_k(3, 3, 3) == 1.0
    assert pass_hat_k(3, 2, 1) == pytest.approx(2 / 3)
    assert pass_hat_k(3, 2, 2) == pytest.approx(1 / 3)  # C(2,2)/C(3,2)
    assert pass_hat_k(5, 3, 2) == pytest.approx(3 / 10)  # C(3,2)/C(5,2)
    assert pass_hat_k(3, 1, 2) == 0.0  # c < k
    assert pass_hat_k(3, 0, 1) == 0.0


@pytest.mark.parametrize(("n", "c", "k"), [(3, 3, 4), (3, 1, 0), (3, 4, 1), (3, -1, 1), (0, 0, 1)])
def test_pass_hat_k_rejects_impossible_arguments(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError, match=r"pass\^k|passes"):
        pass_hat_k(n, c, k)


def test_the_table_averages_over_scenarios_not_powers_of_pass_1() -> None:
    scenarios = [
        summary("a", "ppp", ["quote"]),
        summary("b", "pfp", ["quote", "booking"]),
        summary("c", "fff", ["booking"]),
    ]
    table = pass_k_table(scenarios, 3)
    assert set(table) == {"quote", "booking", "overall"}
    overall = table["overall"]
    assert overall["1"] == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert overall["2"] == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert overall["3"] == pytest.approx((1 + 0 + 0) / 3)
    assert overall["2"] != pytest.approx(overall["1"] ** 2)
    assert table["quote"] == pytest.approx({"1": (1 + 2 / 3) / 2, "2": (1 + 1 / 3) / 2, "3": 0.5})
    assert table["booking"] == pytest.approx({"1": (2 / 3) / 2, "2": (1 / 3) / 2, "3": 0.0})


def test_scenarios_with_fewer_trials_than_k_are_left_out_of_that_k() -> None:
    scenarios = [summary("a", "ppp", []), summary("b", "f", []), summary("none", "", [])]
    assert scenario_pass_k(scenarios[1], 2) is None
    row = pass_k_row(scenarios, 4)
    assert row == pytest.approx({"1": 0.5, "2": 1.0, "3": 1.0})  # no "4": nobody ran 4 trials
    assert pass_k_table(scenarios, 4) == {"overall": row}


def test_an_empty_run_has_an_empty_overall_row() -> None:
    assert pass_k_table([], 3) == {"overall": {}}
