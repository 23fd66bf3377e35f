"""The events of the turns running in this process, handed to their streams in memory.

A turn stores every event before any client sees it (the event's id is its row id, what a
client resumes from). The streams of a turn running in the same process then take the
stored events from the turn's feed instead of reading each one back from the database: the
common case, a client streaming the turn it just started, costs the database nothing more
than the writes. Streams of a turn running in another process, or resuming from before the
turn, read the database (api/routes/chat.py).

A feed ends with the turn's ``done``, or is handed over: the turn stopped without storing its
own ``done`` through the feed (it failed, the database went away, it was taken over), and its
streams go on reading the database from the last event they had.
"""

from __future__ import annotations

import asyncio
import bisect
import uuid
from collections.abc import AsyncIterator

from memory.repositories.chat_events import StoredEvent


class TurnFeed:
    """One running turn's stored events, in order; ``base`` is the session's last event id
    before the turn."""

    def __init__(self, base: int) -> None:
        self.base = base
        self._events: list[StoredEvent] = []
        self._ids: list[int] = []
        self._ended = False
        self._complete = False
        self._wake = asyncio.Event()

    def publish(self, events: list[StoredEvent]) -> None:
        """Events just committed, in id order. Once the feed has ended they are not kept: its
        streams read on from the database, which has them."""
        if self._ended:
            return
        self._events.extend(events)
        self._ids.extend(e.id for e in events)
        self._signal()

    def end(self, *, complete: bool) -> None:
        """No more events come here; ``complete``: the turn's ``done`` was published."""
        if not self._ended:
            self._ended, self._complete = True, complete
            self._signal()

    @property
    def handed_over(self) -> bool:
        """The feed ended without the turn's last event: read on from the database."""
        return self._ended and not self._complete

    def _signal(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    async def follow(self, after: int) -> AsyncIterator[StoredEvent]:
        """The feed's events with an id above ``after``, as they are published, until it
        ends (check :attr:`handed_over` then)."""
        i = bisect.bisect_right(self._ids, after)
        while True:
            while i < len(self._events):
                event = self._events[i]
                i += 1
                if event.id > after:  # published after the follower came
                    yield event
            wake = self._wake
            if self._ended:
                return
            await wake.wait()


class TurnFeeds:
    """The feeds of the turns running in this process, by session."""

    def __init__(self) -> None:
        self._feeds: dict[uuid.UUID, TurnFeed] = {}

    def open(self, session_id: uuid.UUID, base: int) -> TurnFeed:
        feed = TurnFeed(base)
        old = self._feeds.get(session_id)
        if old is not None:  # a turn of this process that was taken over and still winds down
            old.end(complete=False)
        self._feeds[session_id] = feed
        return feed

    def get(self, session_id: uuid.UUID) -> TurnFeed | None:
        return self._feeds.get(session_id)

    def close(self, session_id: uuid.UUID, feed: TurnFeed) -> None:
        """The turn is over: its feed ends (handed over unless its done was published)."""
        feed.end(complete=False)
        if self._feeds.get(session_id) is feed:
            del self._feeds[session_id]
