"""The LangGraph checkpointer on the same PostgreSQL (its own tables, created by its setup)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from memory.database import Database


@asynccontextmanager
async def open_checkpointer(
    db: Database, *, max_size: int = 5
) -> AsyncIterator[AsyncPostgresSaver]:
    conninfo = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    kwargs: dict[str, Any] = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        conninfo, kwargs=kwargs, min_size=1, max_size=max_size, open=False
    )
    await pool.open()
    try:
        saver = AsyncPostgresSaver(pool)
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
