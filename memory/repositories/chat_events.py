"""The chat stream's event log and turn lock.

Unlike the other repositories this one owns its transactions: a turn's events are committed
as they come (one at a time, or the few that arrived while the previous write was in flight,
in one statement), so a client reconnecting to another process can read them while the turn
still runs; and the turn lock must be visible to every process the moment it is taken.

A turn lock is a lease renewed while the turn runs, and it names the process holding it (the
``application_name`` of its database connections, :attr:`Database.instance`). A lock whose
lease ran out, or whose process has no connection left (it was killed), belongs to a dead
turn: the next claim takes it over at once instead of waiting for the lease.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from memory.database import Database
from memory.models.base import JsonDict
from memory.models.events import ChatEvent, ChatTurn

_RUN_ID_MAX = 64
# The holder of lock row ``t`` is gone: its run id names a process (``instance/claim``) and no
# connection of that process is open. Only trusted when this very connection shows our own
# application_name, i.e. names do reach the server (a transaction-pooling proxy may not pass
# them on, and then only the lease counts).
_HOLDER_GONE = """
    position('/' in t.run_id) > 0
    AND :me <> '' AND current_setting('application_name') = :me
    AND NOT EXISTS (
        SELECT 1 FROM pg_stat_activity a
         WHERE a.application_name = split_part(t.run_id, '/', 1))
"""
_CLAIM = text(
    f"""
    INSERT INTO chat_turns AS t (session_id, run_id, started_at, lease_until)
    VALUES (:session_id, :run_id, clock_timestamp(),
            clock_timestamp() + make_interval(secs => :lease_s))
    ON CONFLICT (session_id) DO UPDATE
       SET run_id = excluded.run_id,
           started_at = excluded.started_at,
           lease_until = excluded.lease_until
     WHERE t.lease_until < excluded.started_at OR ({_HOLDER_GONE})
    RETURNING t.run_id
    """  # noqa: S608 - constant fragments, no input
)
_RUNNING = text(
    f"""
    SELECT 1 FROM chat_turns t
     WHERE t.session_id = :session_id
       AND t.lease_until >= clock_timestamp()
       AND NOT ({_HOLDER_GONE})
    """  # noqa: S608 - constant fragments, no input
)
# A turn's events are stored only while that turn holds the lock (FOR SHARE: a takeover waits
# for the insert to commit), so a turn taken over cannot write after its successor.
# Several events of one turn in one statement, in their order (identity values are drawn in the
# order the rows are inserted, so the ids come back ascending), under the same lock check.
_APPEND_MANY_HOLDING = text(
    """
    INSERT INTO chat_events (session_id, run_id, kind, data)
    SELECT :session_id, e.value->>'run_id', e.value->>'kind', e.value->'data'
      FROM jsonb_array_elements(:batch) WITH ORDINALITY AS e(value, n)
     WHERE EXISTS (
           SELECT 1 FROM chat_turns
            WHERE session_id = :session_id AND run_id = :holder
              FOR SHARE)
     ORDER BY e.n
    RETURNING id
    """
).bindparams(bindparam("batch", type_=JSONB))
_RELEASE = text("DELETE FROM chat_turns WHERE session_id = :session_id AND run_id = :holder")
# The session exists and belongs to the caller (the claim below is only tried then).
_OWNED = text("SELECT 1 FROM chat_sessions WHERE id = :session_id AND owner_id = :owner_id")
_LAST = text(
    "SELECT id, run_id, kind, data FROM chat_events WHERE session_id = :session_id "
    "ORDER BY id DESC LIMIT 1"
)


@dataclass(frozen=True)
class PendingEvent:
    """An event of a turn not stored yet."""

    run_id: str
    kind: str
    data: JsonDict


class Claim(NamedTuple):
    """The answer to :meth:`ChatEventLog.claim_owned_turn`."""

    owned: bool  # False: no such session of this owner (nothing was claimed)
    claimed: bool  # False: another turn holds the session
    last: StoredEvent | None  # the session's newest event once claimed


@dataclass(frozen=True)
class StoredEvent:
    id: int
    run_id: str
    kind: str
    data: JsonDict


class ChatEventLog:
    def __init__(self, database: Database) -> None:
        self._db = database

    def _holder(self, claim: str) -> str:
        """The lock's run id: the claim, prefixed with the process that holds it."""
        held = f"{self._db.instance}/{claim}" if self._db.instance else claim
        return held if len(held) <= _RUN_ID_MAX else claim

    async def append_many(
        self,
        session_id: uuid.UUID,
        events: Sequence[PendingEvent],
        *,
        holding: str,
        release: bool = False,
    ) -> list[int] | None:
        """Store a turn's events in their order in one statement, only while ``holding`` (the
        turn's claim) holds the session's turn lock, and commit; their ids, or None (nothing
        written) if the lock is gone. With ``release`` the lock is given back in the same
        transaction (the batch ends with the turn's ``done``)."""
        if not events:
            return []
        batch = [{"run_id": e.run_id, "kind": e.kind, "data": e.data} for e in events]
        params = {"session_id": session_id, "holder": self._holder(holding), "batch": batch}
        async with self._db.engine.begin() as conn:
            ids = sorted(
                int(i) for i in (await conn.execute(_APPEND_MANY_HOLDING, params)).scalars()
            )
            if not ids:
                return None
            if release:
                await conn.execute(_RELEASE, params)
        return ids

    async def claim_owned_turn(
        self, session_id: uuid.UUID, owner_id: uuid.UUID, run_id: str, *, lease: timedelta
    ) -> Claim:
        """:meth:`claim_turn` for a session of ``owner_id`` (nothing is claimed otherwise),
        with the session's newest event read once the lock is held: one transaction."""
        async with self._db.engine.begin() as conn:
            params = {"session_id": session_id, "owner_id": owner_id}
            if (await conn.execute(_OWNED, params)).first() is None:
                return Claim(owned=False, claimed=False, last=None)
            if not await self._claim(conn, session_id, run_id, lease):
                return Claim(owned=True, claimed=False, last=None)
            # A statement of its own: it sees what a previous holder committed while the
            # claim waited for its lock.
            r = (await conn.execute(_LAST, {"session_id": session_id})).one_or_none()
        last = (
            None if r is None else StoredEvent(id=r.id, run_id=r.run_id, kind=r.kind, data=r.data)
        )
        return Claim(owned=True, claimed=True, last=last)

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

    async def last(self, session_id: uuid.UUID) -> StoredEvent | None:
        """The session's newest event, if it has any."""
        stmt = (
            select(ChatEvent.id, ChatEvent.run_id, ChatEvent.kind, ChatEvent.data)
            .where(ChatEvent.session_id == session_id)
            .order_by(ChatEvent.id.desc())
            .limit(1)
        )
        async with self._db.transaction() as s:
            r = (await s.execute(stmt)).one_or_none()
        return (
            None if r is None else StoredEvent(id=r.id, run_id=r.run_id, kind=r.kind, data=r.data)
        )

    async def last_id(self, session_id: uuid.UUID) -> int:
        """The id of the session's newest event, 0 if it has none."""
        stmt = select(func.coalesce(func.max(ChatEvent.id), 0)).where(
            ChatEvent.session_id == session_id
        )
        async with self._db.transaction() as s:
            return int((await s.execute(stmt)).scalar_one())

    async def claim_turn(self, session_id: uuid.UUID, run_id: str, *, lease: timedelta) -> bool:
        """Take the session's turn lock for ``run_id``; False while another turn holds it: a
        live process with an unexpired lease. Times are the database's, the one clock all
        processes share."""
        async with self._db.engine.begin() as conn:
            return await self._claim(conn, session_id, run_id, lease)

    async def _claim(
        self, conn: AsyncConnection, session_id: uuid.UUID, run_id: str, lease: timedelta
    ) -> bool:
        held = self._holder(run_id)
        params = {
            "session_id": session_id,
            "run_id": held,
            "lease_s": lease.total_seconds(),
            "me": self._db.instance,
        }
        return (await conn.execute(_CLAIM, params)).scalar_one_or_none() == held

    async def renew_turn(self, session_id: uuid.UUID, run_id: str, *, lease: timedelta) -> bool:
        """Extend the lease of a turn still held by ``run_id``; False if it was lost."""
        stmt = (
            update(ChatTurn)
            .where(ChatTurn.session_id == session_id, ChatTurn.run_id == self._holder(run_id))
            .values(lease_until=func.clock_timestamp() + lease)
            .returning(ChatTurn.run_id)
        )
        async with self._db.transaction() as s:
            return (await s.execute(stmt)).scalar_one_or_none() is not None

    async def release_turn(self, session_id: uuid.UUID, run_id: str) -> None:
        """Give the lock back; a no-op if it was taken over in the meantime."""
        stmt = delete(ChatTurn).where(
            ChatTurn.session_id == session_id, ChatTurn.run_id == self._holder(run_id)
        )
        async with self._db.transaction() as s:
            await s.execute(stmt)

    async def turn_running(self, session_id: uuid.UUID) -> bool:
        """Whether a live process holds the session's turn with an unexpired lease."""
        params = {"session_id": session_id, "me": self._db.instance}
        async with self._db.transaction() as s:
            return (await s.execute(_RUNNING, params)).first() is not None
