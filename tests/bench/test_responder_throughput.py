"""The responder throughput benchmark in miniature: twenty generated mails (and the demo
data's pending ones) worked off by one, then two real `renos inbox work` processes, each on a
fresh copy of the prepared database. Every mail must be finished, none twice answered, none
failed; the figures are printed. Timing is never asserted."""

from __future__ import annotations

from bench.responder_throughput import ThroughputConfig, report, run_throughput


async def test_a_small_backlog_is_worked_off_once_by_one_and_two_workers(
    pg_admin_url: str,
) -> None:
    config = ThroughputConfig(mails=20, workers=(1, 2), drain_seconds=120)
    result = await run_throughput(config, admin_url=pg_admin_url)
    text = report(result)
    assert result.ok, text
    assert result.backlog >= 20
    assert [level.workers for level in result.levels] == [1, 2]
    for level in result.levels:
        assert level.errors == [], text
        assert level.exit_codes == [0] * level.workers, text
        assert level.duplicates == 0 and level.unfinished == 0 and level.failed == 0, text
        assert level.finished == result.backlog, text
        assert level.processed_by_workers == result.backlog, text
        # auto-send with the cap lifted: every generated request is answered, once
        assert level.by_status.get("replied", 0) >= 20, text
        assert level.outbound >= 20, text
        assert level.drain_s > 0 and level.mails_per_s > 0, text
    assert "os.cpu_count() = " in text
    assert "mails/s" in text and "speed-up" in text and "x1.00" in text
    assert "duplicates (inbound mails with more than one outbound row): 0" in text
    assert text.endswith("result: OK")
