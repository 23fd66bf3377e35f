"""The concurrency benchmark in miniature: one real `renos serve` on a fresh database of the
test server, two levels of streams for three seconds each. Every level must finish turns with
no error and every stored event must reach its stream exactly once; the figures are printed.
Timing is never asserted."""

from __future__ import annotations

import pytest

from bench.concurrency import ConcurrencyConfig, _levels, main, report, run_concurrency


async def test_two_small_levels_lose_and_repeat_nothing(pg_admin_url: str) -> None:
    config = ConcurrencyConfig(levels=(2, 4), seconds=3)
    result = await run_concurrency(config, admin_url=pg_admin_url)
    text = report(result)
    assert result.ok, f"{text}\n{result.server_log_tail}"
    assert [level.level for level in result.levels] == [2, 4]
    for level in result.levels:
        assert not level.errors, text
        assert len(level.streams) == level.level
        assert all(s.session_id is not None and s.turns for s in level.streams), text
        assert level.completed > 0 and level.turns_per_s > 0, text
        assert level.events_received > 0, text
        assert level.events.lost == level.events.repeated == level.events.unknown == 0, text
    assert "os.cpu_count() = " in text
    assert "turns/s" in text and "first p95" in text and "turn p95" in text
    assert "throughput against 2 streams: 4/2 streams: x" in text
    assert text.endswith("result: OK")


def test_levels_are_parsed_and_checked() -> None:
    import argparse

    assert _levels("10,50,200") == (10, 50, 200)
    with pytest.raises(argparse.ArgumentTypeError):
        _levels("10,x")
    with pytest.raises(argparse.ArgumentTypeError):
        _levels("0")
    with pytest.raises(SystemExit):
        main(["--levels", "a"])
