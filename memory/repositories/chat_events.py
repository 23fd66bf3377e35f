"""The chat stream's event log and turn lock.

Unlike the other repositories this one owns its transactions: each event is committed on its
own, at once, so a client reconnecting to another process can read it while the turn still
runs; and the turn lock must be visible to every process the moment it is taken.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from memory.database import Database
from memory.models.base import JsonDict
from memory.models.events import ChatEvent, ChatTurn


@dataclass(frozen=True)
class StoredEvent:
    id: int
    run_id: str
    kind: str
    data: JsonDict


class ChatEventLog:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def append(
        self,
        session_id: uuid.UUID,
        run_id: str,
        kind: str,
        data: JsonDict,
        *,
        release: str | None = None,
    ) -> int:
        """Store one event and commit; its id is the stream's event id. With ``release`` (the
        turn's claim) the turn lock is given back in the same transaction: a client that sees
        the last event may send its next message at once."""
        stmt = (
            insert(ChatEvent)
            .values(session_id=session_id, run_id=run_id, kind=kind, data=data)
            .returning(ChatEvent.id)
        )
        async with self._db.transaction() as s:
            event_id = int((await s.execute(stmt)).scalar_one())
            if release is not None:
                await s.execute(
                    delete(ChatTurn).where(
                        ChatTurn.session_id == session_id, ChatTurn.run_id == release
                    )
                )
            return event_id

    async def after(
        self, session_id: uuid.UUID, last_id: int, *, limit: int = 500
    ) -> list[StoredEvent]:
        """The session's events with an id above ``last_id``, oldest first."""
        stmt = (
            select(ChatEvent.id, ChatEvent.run_id, ChatEvent.kind, ChatEvent.data)
            .where(ChatEvent.session_id == session_id, ChatEvent.id > last_id)
            .order_by(ChatEvent.id)
            .limit(limit)
        )
        async with self._db.transaction() as s:
            rows = (await s.execute(stmt)).all()
        return [StoredEvent(id=r.id, run_id=r.run_id, kind=r.kind, data=r.data) for r in rows]

    async def last_id(self, session_id: uuid.UUID) -> int:
        """The id of the session's newest event, 0 if it has none."""
        stmt = select(func.coalesce(func.max(ChatEvent.id), 0)).where(
            ChatEvent.session_id == session_id
        )
        async with self._db.transaction() as s:
            return int((await s.execute(stmt)).scalar_one())

    async def claim_turn(self, session_id: uuid.UUID, run_id: str, *, lease: timedelta) -> bool:
        """Take the session's turn lock for ``run_id``; False while another turn holds an
        unexpired lease. Times are the database's, the one clock all processes share."""
        now = func.clock_timestamp()
        new = pg_insert(ChatTurn).values(
            session_id=session_id, run_id=run_id, started_at=now, lease_until=now + lease
        )
        stmt = new.on_conflict_do_update(
            index_elements=[ChatTurn.session_id],
            set_={
                "run_id": new.excluded.run_id,
                "started_at": new.excluded.started_at,
                "lease_until": new.excluded.lease_until,
            },
            # Only a dead process's turn is taken over.
            where=ChatTurn.lease_until < new.excluded.started_at,
        ).returning(ChatTurn.run_id)
        async with self._db.transaction() as s:
            return (await s.execute(stmt)).scalar_one_or_none() == run_id

    async def renew_turn(self, session_id: uuid.UUID, run_id: str, *, lease: timedelta) -> bool:
        """Extend the lease of a turn still held by ``run_id``; False if it was lost."""
        stmt = (
            update(ChatTurn)
            .where(ChatTurn.session_id == session_id, ChatTurn.run_id == run_id)
            .values(lease_until=func.clock_timestamp() + lease)
            .returning(ChatTurn.run_id)
        )
        async with self._db.transaction() as s:
            return (await s.execute(stmt)).scalar_one_or_none() is not None

    async def release_turn(self, session_id: uuid.UUID, run_id: str) -> None:
        """Give the lock back; a no-op if it was taken over in the meantime."""
        stmt = delete(ChatTurn).where(ChatTurn.session_id == session_id, ChatTurn.run_id == run_id)
        async with self._db.transaction() as s:
            await s.execute(stmt)

    async def turn_running(self, session_id: uuid.UUID) -> bool:
        """Whether some process holds the session's turn with a live lease."""
        stmt = select(ChatTurn.lease_until).where(
            ChatTurn.session_id == session_id, ChatTurn.lease_until >= func.clock_timestamp()
        )
        async with self._db.transaction() as s:
            return (await s.execute(stmt)).scalar_one_or_none() is not None
