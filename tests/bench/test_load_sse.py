"""The load benchmark's core in miniature: a real `renos serve` and two `renos inbox work`
processes on a fresh database of the test server, five chat streams for three seconds and
twenty mails; nothing may go wrong, get lost or happen twice."""

from __future__ import annotations

from bench.load_sse import LoadConfig, percentile, report, run_load


async def test_a_small_load_loses_and_repeats_nothing(pg_admin_url: str) -> None:
    config = LoadConfig(streams=5, seconds=3, mails=20, workers=2, drain_seconds=60)
    result = await run_load(config, admin_url=pg_admin_url)
    text = report(result)
    assert result.ok, f"{text}\n{result.server_log_tail}"
    assert not result.errors, text
    assert result.lost_events == result.repeated_events == result.unknown_events == 0, text
    assert result.mail_duplicates == 0 and result.mails_unfinished == 0, text
    assert all(s.session_id is not None and s.turns for s in result.streams), text
    assert result.mails_total >= 20
    assert result.mails_processed == result.mails_total, text
    assert result.rss_start_kib is None or result.rss_start_kib > 0


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) == 0.0
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([float(i) for i in range(1, 101)], 0.95) == 95.0
    assert percentile([1.0, 2.0], 0.95) == 2.0
