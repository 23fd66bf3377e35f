"""The long-session benchmark in miniature: ten turns in one session through a real `renos
serve` and on one thread of the bare graph. Checks what is counted, never how fast."""

from __future__ import annotations

from bench.long_session import CHECKPOINT_TABLES, growth_points, report, run_long


async def test_a_short_long_session_counts_the_right_rows(pg_admin_url: str) -> None:
    result = await run_long(10, admin_url=pg_admin_url)
    text = report(result)
    assert not result.problems, text
    assert len(result.service) == len(result.bare) == 10
    assert all(len(t.tools_finished) == 1 for t in result.service), text
    assert all(t.tool_calls == 1 for t in result.bare), text
    assert sorted(result.ours) == sorted(result.theirs) == growth_points(10) == [1, 2, 5, 10]

    ours, theirs = result.ours[10], result.theirs[10]
    # The chat graph saves one checkpoint per turn, when it ends: no pending writes stay.
    assert ours["checkpoint_writes"] == result.warm_bytes["checkpoint_writes"] == 0, text
    kept = [t for t in CHECKPOINT_TABLES if t != "checkpoint_writes"]
    for table in (*kept, "chat_messages", "chat_events", "audit", "session row"):
        assert ours[table] > 0, (table, text)
    assert all(theirs[table] > 0 for table in CHECKPOINT_TABLES), text
    # Only that session's rows: the warm-up session's and the bare thread's are elsewhere,
    # and together they never exceed what the tables hold.
    for table, total in result.all_rows.items():
        counted = ours[table] + result.warm_bytes[table] + theirs.get(table, 0)
        assert counted <= total, (table, counted, total)
        if table != "checkpoint_writes":
            assert result.warm_bytes[table] > 0 and ours[table] < total, table
    # Storage grows with the session (the transcript and the events only ever grow)...
    assert sum(result.ours[1].values()) < sum(result.ours[5].values()) < sum(ours.values())
    assert result.ours[1]["chat_messages"] < ours["chat_messages"]
    # ...and the service keeps one run's checkpoints, where the stock saver keeps all.
    assert sum(ours[t] for t in CHECKPOINT_TABLES) < sum(theirs.values()), text
    for label in ("turn latency", "ratio turn 10/turn 1", "growth:", "total after 10 turns"):
        assert label in text, text


def test_growth_points_follow_the_run_length() -> None:
    assert growth_points(200) == [1, 50, 100, 200]
    assert growth_points(1) == [1]
