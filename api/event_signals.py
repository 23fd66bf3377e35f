"""Wake-ups for SSE streams: a turn running in this process tells the streams of its session
that an event was stored, so they read it at once instead of polling the database.

Each session has a version that every stored event bumps. A stream notes the version before
it reads the database and waits only while the version is unchanged, so an event stored
between its read and its wait is never missed. Turns running in another process (a stream
resumed elsewhere) are still seen: a stream that hears nothing reads again after a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict


class EventSignals:
    def __init__(self) -> None:
        self._versions: dict[uuid.UUID, int] = {}
        self._waiters: defaultdict[uuid.UUID, set[asyncio.Event]] = defaultdict(set)

    def version(self, session_id: uuid.UUID) -> int:
        return self._versions.get(session_id, 0)

    def notify(self, session_id: uuid.UUID) -> None:
        """An event of this session was committed."""
        self._versions[session_id] = self.version(session_id) + 1
        for event in self._waiters.get(session_id, ()):
            event.set()

    def forget(self, session_id: uuid.UUID) -> None:
        """The session's turn is over: drop its version (a waiter just wakes up once more)."""
        self._versions.pop(session_id, None)
        for event in self._waiters.get(session_id, ()):
            event.set()

    async def wait(self, session_id: uuid.UUID, seen: int, timeout_s: float) -> None:
        """Until the session's version differs from ``seen``, or at most ``timeout_s``."""
        if self.version(session_id) != seen:
            return
        event = asyncio.Event()
        self._waiters[session_id].add(event)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=timeout_s)
        finally:
            waiters = self._waiters.get(session_id)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._waiters[session_id]
