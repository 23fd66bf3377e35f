"""The context-growth benchmark in miniature: a 12-turn session with a small budget. The
bounded prompt stays near the budget while the naive full-history figure grows with every turn
(it counts the whole stored transcript); timing is never asserted."""

from __future__ import annotations

import itertools
import uuid

from bench.context_growth import report, run


async def test_the_naive_baseline_grows_with_the_session_and_the_bounded_prompt_does_not(
    pg_admin_url: str,
) -> None:
    rows = await run(pg_admin_url, f"renos_cg_{uuid.uuid4().hex[:10]}", turns=12, budget=600)

    assert [row.turn for row in rows] == list(range(1, 13))
    naive = [row.naive for row in rows]
    assert all(later > earlier for earlier, later in itertools.pairwise(naive)), naive
    assert naive[-1] > 3 * naive[1]
    assert max(row.bounded for row in rows) < naive[-1]
    assert all(row.bounded <= 600 + 400 for row in rows[1:]), [r.bounded for r in rows]
    assert "bounded" in report(rows, 600) and "naive" in report(rows, 600)
