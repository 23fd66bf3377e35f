"""Stores a running turn's events in their order, as fast as the database takes them.

The turn hands each event over without waiting (:meth:`TurnEventWriter.put`); one write is in
flight at a time, and the events that arrived meanwhile go together in the next one (one
statement, one commit: a burst of tokens costs one round trip, not one each). Each committed
batch is published to the turn's feed (its streams in this process) and wakes the session's
other streams. Every write checks that the turn still holds the session's lock; the batch
that carries the turn's ``done`` gives the lock back in the same transaction.

A failed write (the database went away, the lock was taken over) stops the writer: nothing
after it is stored, and the turn learns of it at its next :meth:`put` or at :meth:`flush`.
"""

from __future__ import annotations

import asyncio
import uuid

from api import sse
from api.event_signals import EventSignals
from api.turn_feed import TurnFeed
from memory.models.base import JsonDict
from memory.repositories.chat_events import ChatEventLog, PendingEvent, StoredEvent


class TurnTakenOverError(Exception):
    """The session's turn lock is no longer this turn's: another took it over."""


class TurnEventWriter:
    def __init__(
        self,
        log: ChatEventLog,
        session_id: uuid.UUID,
        claim: str,
        feed: TurnFeed,
        signals: EventSignals,
        *,
        linger_s: float = 0.0,
    ) -> None:
        self._log, self._session_id, self._claim = log, session_id, claim
        self._linger_s = linger_s
        self._feed, self._signals = feed, signals
        self._pending: list[PendingEvent] = []
        self._task: asyncio.Task[None] | None = None
        self._error: BaseException | None = None
        self._written = False  # the turn's first event is stored
        self.released = False  # the turn's done was stored and the lock given back with it
        self.done_stored = False

    def put(self, run_id: str, kind: str, data: JsonDict) -> None:
        """Queue one event to be stored after those before it; raises what stopped the
        writer, if something did."""
        self._raise_if_failed()
        if self.done_stored:
            raise RuntimeError("the turn's done is stored already")
        self._pending.append(PendingEvent(run_id=run_id, kind=kind, data=data))
        if self._task is None:
            self._task = asyncio.create_task(self._drain(), name=f"events {self._session_id}")

    async def flush(self) -> None:
        """Until every queued event is stored; raises what stopped the writer."""
        while self._task is not None:
            await asyncio.shield(self._task)
        self._raise_if_failed()

    async def settle(self) -> None:
        """Until the write in flight (if any) ends, without raising: before a failing turn
        stores its error after the events already handed over."""
        if self._task is not None:
            await asyncio.wait([self._task])

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    async def _drain(self) -> None:
        try:
            while self._pending and self._error is None:
                if self._linger_s > 0 and self._written and self._pending[-1].kind != sse.DONE:
                    # Wait a moment for the events that follow (the rest of a burst of text,
                    # the tool call after it): they go in the same write. Not for the turn's
                    # first event (the client sees at once that its turn runs) nor its done.
                    await asyncio.sleep(self._linger_s)
                batch, self._pending = self._pending, []
                await self._write(batch)
        except Exception as exc:  # noqa: BLE001 - handed to the turn at its next put or flush
            self._error = exc
            self._pending = []
        finally:
            self._task = None

    async def _write(self, batch: list[PendingEvent]) -> None:
        ending = batch[-1].kind == sse.DONE
        ids = await self._log.append_many(
            self._session_id, batch, holding=self._claim, release=ending
        )
        if ids is None:
            raise TurnTakenOverError(f"the turn in session {self._session_id} was taken over")
        if len(ids) != len(batch):
            raise RuntimeError(f"stored {len(ids)} of {len(batch)} events")
        stored = [
            StoredEvent(id=i, run_id=e.run_id, kind=e.kind, data=e.data)
            for i, e in zip(ids, batch, strict=True)
        ]
        self._feed.publish(stored)
        self._written = True
        if ending:
            self.done_stored = self.released = True
            self._feed.end(complete=True)
        self._signals.notify(self._session_id)
