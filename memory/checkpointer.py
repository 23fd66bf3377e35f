"""The LangGraph checkpointer on the same PostgreSQL (its own tables, created by its setup).

LangGraph's saver keeps every checkpoint a thread ever had, each step's with a fresh copy of
every channel that changed: the message list is stored again at every step of every turn, so
a session's checkpoint rows grow with the square of its length. Nothing here reads an old
checkpoint (no time travel: the transcript is in ``chat_messages``), so when a checkpoint is
saved on a thread :class:`LatestCheckpointSaver` drops what only older ones needed: every
checkpoint of the thread but the new one and its parent (kept whole with its pending writes),
and the blobs neither refers to. The chat runs its graph with ``durability="exit"`` (one
checkpoint per run, saved when it ends, pauses for an approval or fails), so that is once per
turn; with LangGraph's default durability it would be at every step.

Its connections commit without waiting for the disk (see ``ASYNC_COMMIT``), and with a pool it
does not serialise the process's checkpoint reads and writes behind one lock.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import ChannelVersions, Checkpoint, CheckpointMetadata
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import AsyncConnection, AsyncCursor
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from memory.database import PING_IDLE_S, Database

# A checkpoint write does not wait for its WAL to reach the disk (each of the ~9 writes of a
# turn would wait for a flush of its own). What it costs: were the PostgreSQL server itself to
# crash, the checkpoints of the last fraction of a second could be lost, never half written;
# the next durable commit of any session (the turn's next event, at most milliseconds later)
# flushes them anyway. Other connections see a checkpoint as soon as it is committed, as
# before. LangGraph's default durability ("async": a step's checkpoint is saved while the next
# step already runs) makes the same trade.
ASYNC_COMMIT = "-c synchronous_commit=off"

# Each statement on its own is safe to run (or to be cut short after): writes of dropped
# checkpoints are never read, and blobs no kept checkpoint refers to are garbage, found again
# by the next prune if a crash leaves some behind.
_DROP_SUPERSEDED = (
    """DELETE FROM checkpoint_writes
        WHERE thread_id = %(thread)s AND checkpoint_ns = %(ns)s
          AND NOT checkpoint_id = ANY(%(keep)s)""",
    """DELETE FROM checkpoints
        WHERE thread_id = %(thread)s AND checkpoint_ns = %(ns)s
          AND NOT checkpoint_id = ANY(%(keep)s)""",
    """DELETE FROM checkpoint_blobs b
        WHERE b.thread_id = %(thread)s AND b.checkpoint_ns = %(ns)s
          AND NOT EXISTS (
              SELECT 1 FROM checkpoints c,
                   jsonb_each_text(c.checkpoint -> 'channel_versions') AS v(channel, version)
               WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
                 AND v.channel = b.channel AND v.version = b.version)""",
)


class _IdleCheck:
    """The pool's connection check, done only for a connection idle for a while (as the
    engine's, :data:`memory.database.PING_IDLE_S`): one that died with a restarted database
    is replaced, not handed out, and a turn's dozen checkouts within milliseconds cost no
    round trip each."""

    def __init__(self) -> None:
        self._since: weakref.WeakKeyDictionary[AsyncConnection[Any], float] = (
            weakref.WeakKeyDictionary()
        )

    async def mark(self, conn: AsyncConnection[Any]) -> None:
        """A new connection, or one given back to the pool: in use just now."""
        self._since[conn] = time.monotonic()

    async def check(self, conn: AsyncConnection[Any]) -> None:
        since = self._since.get(conn)
        if since is None or time.monotonic() - since >= PING_IDLE_S:
            await AsyncConnectionPool.check_connection(conn)


class LatestCheckpointSaver(AsyncPostgresSaver):
    """``AsyncPostgresSaver`` that keeps a thread's storage to the current run (see the
    module's docstring): linear in the session's length instead of quadratic."""

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        saved = await super().aput(config, checkpoint, metadata, new_versions)
        parent = config["configurable"].get("checkpoint_id")
        if parent:
            await self._drop_superseded(saved, [checkpoint["id"], str(parent)])
        return saved

    @asynccontextmanager
    async def _cursor(self, *, pipeline: bool = False) -> AsyncIterator[AsyncCursor[DictRow]]:
        """As LangGraph's, but without its process-wide lock when the saver has a pool: that
        lock guards one shared connection, and with a pool it made every checkpoint read and
        write of every concurrent turn in the process wait for the one before it."""
        pool = self.conn
        if self.pipe is not None or not isinstance(pool, AsyncConnectionPool):
            async with super()._cursor(pipeline=pipeline) as cur:
                yield cur
            return
        async with pool.connection() as conn:
            if pipeline and self.supports_pipeline:
                async with conn.pipeline(), conn.cursor(binary=True, row_factory=dict_row) as cur:
                    yield cur
            elif pipeline:
                async with (
                    conn.transaction(),
                    conn.cursor(binary=True, row_factory=dict_row) as cur,
                ):
                    yield cur
            else:
                async with conn.cursor(binary=True, row_factory=dict_row) as cur:
                    yield cur

    async def _drop_superseded(self, saved: RunnableConfig, keep: list[str]) -> None:
        params = {
            "thread": str(saved["configurable"]["thread_id"]),
            "ns": saved["configurable"].get("checkpoint_ns", ""),
            "keep": keep,
        }
        async with self._cursor(pipeline=True) as cur:  # one round trip for the three
            for sql in _DROP_SUPERSEDED:
                await cur.execute(sql, params)


@asynccontextmanager
async def open_checkpointer(
    db: Database, *, max_size: int = 5
) -> AsyncIterator[LatestCheckpointSaver]:
    url = db.engine.url.set(drivername="postgresql")
    conninfo = url.render_as_string(hide_password=False)
    given = url.query.get("options")
    options = " ".join([*([given] if isinstance(given, str) else given or ()), ASYNC_COMMIT])
    kwargs: dict[str, Any] = {
        "autocommit": True,
        "prepare_threshold": 0,
        "row_factory": dict_row,
        "options": options,
    }
    idle = _IdleCheck()
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        conninfo,
        kwargs=kwargs,
        min_size=1,
        max_size=max_size,
        open=False,
        check=idle.check,
        configure=idle.mark,
        reset=idle.mark,
    )
    await pool.open()
    try:
        saver = LatestCheckpointSaver(pool)
        # setup() migrates its own tables (with CREATE INDEX CONCURRENTLY, which waits for open
        # transactions): serialise the processes with a session lock outside any transaction.
        async with pool.connection() as conn:
            await _advisory_lock(conn, "renos:checkpointer-setup")
            try:
                await saver.setup()
            finally:
                await conn.execute(
                    "SELECT pg_advisory_unlock(hashtext('renos:checkpointer-setup'))"
                )
        yield saver
    finally:
        await pool.close()


async def _advisory_lock(conn: AsyncConnection[Any], key: str) -> None:
    """Poll for the lock instead of waiting inside ``pg_advisory_lock``: a waiting statement
    holds a snapshot, and the holder's CREATE INDEX CONCURRENTLY waits for every older
    snapshot, a deadlock PostgreSQL cannot detect (it runs through the holder's process)."""
    while True:
        cur = await conn.execute("SELECT pg_try_advisory_lock(hashtext(%s)) AS locked", (key,))
        row = await cur.fetchone()
        if row is not None and row["locked"]:
            return
        await asyncio.sleep(0.1)
