"""pass^k: how likely a scenario passes k trials in a row, estimated from n trials with c passes.

For one scenario pass^k = C(c, k) / C(n, k) (the chance that k trials drawn without replacement
from the n run all passed; τ-bench's estimator). A group's pass^k is the plain mean over its
scenarios, not (pass^1)^k. A scenario with fewer than k trials cannot say anything about k, so
it is left out of that k's mean (it still counts for the smaller k); a k no scenario of a group
reaches is absent from the group's row, and a scenario without trials is left out entirely.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import comb

from evals.results import ScenarioSummary

OVERALL = "overall"


def pass_hat_k(n: int, c: int, k: int) -> float:
    """C(c, k) / C(n, k); 0 when c < k. Raises ValueError unless 1 <= k <= n and 0 <= c <= n."""
    if k < 1 or k > n:
        raise ValueError(f"pass^k needs 1 <= k <= n trials, got k={k}, n={n}")
    if c < 0 or c > n:
        raise ValueError(f"passes must be between 0 and n={n}, got {c}")
    return comb(c, k) / comb(n, k)


def scenario_pass_k(summary: ScenarioSummary, k: int) -> float | None:
    """The scenario's pass^k, or None when it ran fewer than k trials."""
    n = len(summary.trials)
    if n < k:
        return None
    return pass_hat_k(n, sum(1 for trial in summary.trials if trial.passed), k)


def pass_k_row(scenarios: Sequence[ScenarioSummary], k_max: int) -> dict[str, float]:
    """{"1": mean pass^1, ..., "k_max": mean pass^k_max} over the scenarios that reach each k."""
    row: dict[str, float] = {}
    for k in range(1, k_max + 1):
        values = [v for s in scenarios if (v := scenario_pass_k(s, k)) is not None]
        if values:
            row[str(k)] = sum(values) / len(values)
    return row


def pass_k_table(scenarios: list[ScenarioSummary], k_max: int) -> dict[str, dict[str, float]]:
    """Each tag (sorted) and "overall" → its `pass_k_row`. A tag literally named "overall"
    would be shadowed by the overall row."""
    tags = sorted({tag for summary in scenarios for tag in summary.tags})
    table = {tag: pass_k_row([s for s in scenarios if tag in s.tags], k_max) for tag in tags}
    table[OVERALL] = pass_k_row(scenarios, k_max)
    return table
