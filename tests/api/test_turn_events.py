"""A turn's events on their way to its streams: stored in order in batches (api/turn_writer.py),
handed to the streams of this process from memory (api/turn_feed.py), and what that saves the
database on a real streamed turn."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from api.event_signals import EventSignals
from api.turn_feed import TurnFeed, TurnFeeds
from api.turn_writer import TurnEventWriter, TurnTakenOverError
from memory.database import Database
from memory.repositories.chat_events import ChatEventLog, PendingEvent, StoredEvent
from tests.api.test_chat_sse import (
    QUOTE,
    _names,
    _session,
    _stream,
    _user,
    client,
    start_server,
)

__all__ = ["client", "start_server"]  # fixtures used here


def _stored(i: int, kind: str = "token") -> StoredEvent:
    return StoredEvent(id=i, run_id="r", kind=kind, data={"n": i})


async def _collect(feed: TurnFeed, after: int) -> list[int]:
    return [e.id async for e in feed.follow(after)]


async def test_a_feed_hands_each_follower_its_events_in_order_as_they_are_published() -> None:
    feed = TurnFeed(base=10)
    early = asyncio.create_task(_collect(feed, 10))
    resumed = asyncio.create_task(_collect(feed, 12))
    await asyncio.sleep(0)
    feed.publish([_stored(11), _stored(12)])
    await asyncio.sleep(0)
    feed.publish([_stored(13), _stored(14, "done")])
    late = asyncio.create_task(_collect(feed, 10))  # starts after some were published
    await asyncio.sleep(0)
    assert not early.done()  # the feed is still open: followers wait
    feed.end(complete=True)
    assert await early == [11, 12, 13, 14]
    assert await resumed == [13, 14]
    assert await late == [11, 12, 13, 14]
    assert not feed.handed_over
    feed.publish([_stored(15)])  # after the end: the database has it, the feed does not
    assert await _collect(feed, 14) == []


async def test_a_feed_that_ends_without_its_done_is_handed_over_to_the_database() -> None:
    feeds = TurnFeeds()
    sid = uuid.uuid4()
    feed = feeds.open(sid, base=0)
    follower = asyncio.create_task(_collect(feed, 0))
    feed.publish([_stored(1, "run_started")])
    await asyncio.sleep(0)
    feeds.close(sid, feed)
    assert await follower == [1]
    assert feed.handed_over and feeds.get(sid) is None
    # A newer turn's feed replaces an older one still winding down, which is handed over.
    old = feeds.open(sid, base=1)
    new = feeds.open(sid, base=1)
    assert old.handed_over and feeds.get(sid) is new
    feeds.close(sid, old)  # the old turn's end does not drop the new feed
    assert feeds.get(sid) is new


@pytest.fixture
def statements() -> Iterator[Counter[str]]:
    """Statements sent by every engine of this process, by verb and table."""
    seen: Counter[str] = Counter()

    def count(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        words = re.sub(r"\s+", " ", sql).strip()
        verb = words.split(" ", 1)[0].upper()
        table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+([a-z_]+)", words, re.IGNORECASE)
        seen[f"{verb} {table.group(1) if table else '?'}"] += 1

    event.listen(Engine, "before_cursor_execute", count)
    yield seen
    event.remove(Engine, "before_cursor_execute", count)


async def _claimed(db: Database) -> tuple[ChatEventLog, uuid.UUID, str]:
    user = await _user(db, f"{uuid.uuid4().hex[:8]}@rendetalje.dk")
    sid, claim = await _session(db, user), uuid.uuid4().hex
    log = ChatEventLog(db)
    assert await log.claim_turn(sid, claim, lease=timedelta(minutes=1))
    return log, sid, claim


async def test_the_writer_stores_a_burst_in_order_in_few_statements_and_releases_with_done(
    db: Database, statements: Counter[str]
) -> None:
    log, sid, claim = await _claimed(db)
    feed, signals = TurnFeed(base=0), EventSignals()
    writer = TurnEventWriter(log, sid, claim, feed, signals)
    following = asyncio.create_task(_collect(feed, 0))
    statements.clear()

    writer.put("run-1", "run_started", {"run_id": "run-1"})
    await asyncio.sleep(0)  # its write starts
    for n in range(40):
        writer.put("run-1", "token", {"text": f"t{n} "})
    writer.put("run-1", "done", {"status": "completed"})
    await writer.flush()

    stored = await log.after(sid, 0)
    assert [e.kind for e in stored] == ["run_started", *["token"] * 40, "done"]
    assert [e.data.get("text") for e in stored[1:-1]] == [f"t{n} " for n in range(40)]
    assert [e.id for e in stored] == sorted({e.id for e in stored})
    # The first event went at once; the 41 that came while it was written go together.
    assert statements["INSERT chat_events"] == 2
    assert await following == [e.id for e in stored]  # the feed got the stored ids
    assert writer.released and not feed.handed_over
    assert not await log.turn_running(sid)  # the done gave the lock back
    assert signals.version(sid) == 2


async def test_a_lingering_writer_stores_the_first_event_at_once_and_groups_the_rest(
    db: Database, statements: Counter[str]
) -> None:
    log, sid, claim = await _claimed(db)
    feed = TurnFeed(base=0)
    writer = TurnEventWriter(log, sid, claim, feed, EventSignals(), linger_s=0.2)
    statements.clear()

    writer.put("run-1", "run_started", {})
    await asyncio.sleep(0.05)
    assert [e.kind for e in await log.after(sid, 0)] == ["run_started"]  # not held back
    writer.put("run-1", "token", {"text": "Et "})
    await asyncio.sleep(0.05)
    writer.put("run-1", "token", {"text": "øjeblik"})
    writer.put("run-1", "tool_started", {"name": "search_leads"})
    await asyncio.sleep(0.3)
    writer.put("run-1", "done", {"status": "completed"})  # never held back
    await asyncio.wait_for(writer.flush(), timeout=0.15)

    kinds = [e.kind for e in await log.after(sid, 0)]
    assert kinds == ["run_started", "token", "token", "tool_started", "done"]
    assert statements["INSERT chat_events"] == 3  # run_started | the three | done
    assert writer.released


async def test_a_writer_whose_turn_was_taken_over_stores_nothing_more_and_says_so(
    db: Database,
) -> None:
    log, sid, claim = await _claimed(db)
    writer = TurnEventWriter(log, sid, claim, TurnFeed(base=0), EventSignals())
    writer.put("run-1", "run_started", {})
    await writer.flush()
    # The lease ran out and another process took the session.
    await log.release_turn(sid, claim)
    assert await log.claim_turn(sid, "successor", lease=timedelta(minutes=1))

    writer.put("run-1", "token", {"text": "late"})
    with pytest.raises(TurnTakenOverError):
        await writer.flush()
    with pytest.raises(TurnTakenOverError):
        writer.put("run-1", "done", {})
    assert [e.kind for e in await log.after(sid, 0)] == ["run_started"]
    # The successor's lock is intact.
    assert (
        await log.append_many(sid, [PendingEvent("x", "token", {})], holding="successor")
        is not None
    )


async def test_a_streamed_turn_reads_no_event_back_from_the_database(
    start_server: Callable[[], str],
    client: httpx.AsyncClient,
    db: Database,
    statements: Counter[str],
) -> None:
    base = start_server()
    kasper = await _user(db, "kasper@rendetalje.dk")
    sid, auth = await _session(db, kasper), kasper.auth
    statements.clear()

    events = await _stream(
        client, "POST", f"{base}/v1/sessions/{sid}/messages", auth, json={"text": QUOTE}
    )

    assert _names(events)[-1] == "done"
    assert len(events) >= 7
    # One read: the session's last event, taken with the turn lock. The stream itself reads
    # nothing; the events are written in fewer statements than there are events.
    assert statements["SELECT chat_events"] == 1
    assert statements["SELECT chat_turns"] == 0
    assert 1 <= statements["INSERT chat_events"] < len(events)
    stored = await ChatEventLog(db).after(sid, 0)
    assert [(e.id, e.kind, e.data) for e in stored] == [(e.id, e.event, e.data) for e in events]


async def test_events_still_queued_when_the_feed_is_handed_over_are_stored(
    db: Database,
) -> None:
    log, sid, claim = await _claimed(db)
    feeds = TurnFeeds()
    feed = feeds.open(sid, base=0)
    writer = TurnEventWriter(log, sid, claim, feed, EventSignals())
    writer.put("run-1", "run_started", {})
    writer.put("run-1", "token", {"text": "Et øjeblik"})
    feeds.close(sid, feed)  # the turn fails: its streams go on from the database
    await writer.settle()
    writer.put("run-1", "error", {"code": "internal"})
    await writer.flush()
    assert [e.kind for e in await log.after(sid, 0)] == ["run_started", "token", "error"]
