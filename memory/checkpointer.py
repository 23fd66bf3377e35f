"""The LangGraph checkpointer on the same PostgreSQL (its own tables, created by its setup)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
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
            await conn.execute("SELECT pg_advisory_lock(hashtext('renos:checkpointer-setup'))")
            try:
                await saver.setup()
            finally:
                await conn.execute(
                    "SELECT pg_advisory_unlock(hashtext('renos:checkpointer-setup'))"
                )
        yield saver
    finally:
        await pool.close()
