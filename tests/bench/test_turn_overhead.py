"""The turn-overhead benchmark in miniature: three turns each way on a fresh database of the
test server, against a real `renos serve`. Figures are checked for sense, never for speed."""

from __future__ import annotations

from bench.sse_load_core import percentile
from bench.sse_turns import ONE_TOOL_TEXT, window_label, window_median
from bench.turn_overhead import report, run_overhead


async def test_both_sides_run_the_same_one_tool_turn_and_the_figures_are_printed(
    pg_admin_url: str,
) -> None:
    result = await run_overhead(3, 1, admin_url=pg_admin_url)
    text = report(result)
    assert not result.problems, text
    assert len(result.bare) == len(result.service) == 3
    # The bare graph really called the tool (once) and answered.
    assert all(t.tool_calls == 1 and t.answered for t in result.bare), text
    # The service streamed the whole turn, with one finished search_leads call...
    for turn in result.service:
        assert turn.kinds[0] == "run_started" and turn.kinds[-1] == "done", turn.kinds
        [finished] = turn.tools_finished
        assert finished["name"] == "search_leads" and finished["status"] == "succeeded"
    # ...each on a session of its own, each audited.
    assert len(set(result.service_sessions)) == 3
    assert result.audit_succeeded == 3
    assert all(t.seconds > 0 for t in result.bare)
    assert all(t.seconds > 0 for t in result.service)
    assert result.ms("bare", 0.5) > 0 and result.ms("service", 0.95) > 0
    assert ONE_TOOL_TEXT in text
    for label in ("p50 ms", "p95 ms", "(a) bare LangGraph", "(b) service over HTTP", "ratio b/a"):
        assert label in text, text


def test_percentiles_and_windows() -> None:
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([], 0.95) == 0.0
    values = [float(i) for i in range(1, 201)]
    assert window_median(values, 1) == 3.0 and window_label(1, 200) == "1-5"
    assert window_median(values, 50) == 50.0 and window_label(50, 200) == "48-52"
    assert window_median(values, 200) == 198.0 and window_label(200, 200) == "196-200"
    assert window_median([5.0, 7.0], 1) == 6.0 and window_label(2, 2) == "1-2"
