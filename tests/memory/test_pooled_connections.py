"""Pooled connections: one idle for a while is pinged before use and replaced if the server
dropped it; one in use a moment ago is handed out again without a round trip."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from memory.database import PING_IDLE_S, Database, create_database


@pytest.fixture
def sent() -> Iterator[list[str]]:
    """Every statement the engines of this process send, pings included."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen.append(re.sub(r"\s+", " ", sql).strip())

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


async def _backend_pid(db: Database) -> int:
    async with db.transaction() as s:
        return int((await s.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_the_server_dropped_while_idle_is_replaced_not_failed(
    db_url: str,
) -> None:
    app, admin = create_database(db_url, pool_size=1), create_database(db_url, pool_size=1)
    try:
        before = await _backend_pid(app)
        async with admin.transaction() as s:  # as a restart, or an idle timeout, would
            await s.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
        await asyncio.sleep(PING_IDLE_S + 0.2)

        after = await _backend_pid(app)  # no error: the dead connection was replaced

        assert after != before
    finally:
        await app.dispose()
        await admin.dispose()


async def test_a_connection_used_a_moment_ago_is_not_pinged(
    db: Database, sent: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dialect = db.engine.sync_engine.dialect
    pings: list[object] = []
    real_ping = dialect.do_ping

    def counted_ping(dbapi: Any) -> bool:
        pings.append(dbapi)
        return real_ping(dbapi)

    monkeypatch.setattr(dialect, "do_ping", counted_ping)
    await _backend_pid(db)
    sent.clear()
    for _ in range(5):
        await _backend_pid(db)
    assert (pings, sent) == ([], ["SELECT pg_backend_pid()"] * 5)  # no ping between them

    await asyncio.sleep(PING_IDLE_S + 0.2)
    await _backend_pid(db)
    assert len(pings) == 1  # idle for a while: pinged once before use
