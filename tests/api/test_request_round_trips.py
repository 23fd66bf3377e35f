"""What an authenticated call costs the database before the route runs: one transaction with
the token lookup and one statement counting every rate limit of the route; the token's
last-used mark written at most once a minute, a key's old windows deleted only when it
starts a new one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from api.auth.dependencies import Authentication
from api.auth.rate_limit import chat_rate_limit
from api.composition import Container
from api.errors import RateLimitedError
from memory.database import Database
from memory.models import ApiToken, RateLimitWindow
from memory.repositories.staff import StaffRepository
from tests.api.test_rate_limits import (
    T0,
    Clock,
    assert_limited,
    limited,
    serve,
    session_of,
    user,
)

AUTH_TABLES = ("api_tokens", "staff_users", "rate_limits")
FIRST_USE = ["SELECT api_tokens", "UPDATE api_tokens", "INSERT rate_limits", "DELETE rate_limits"]
REPEAT = ["SELECT api_tokens", "INSERT rate_limits"]


def kind(sql: str) -> str:
    """A statement's verb and first table, e.g. ``SELECT api_tokens``."""
    text = " ".join(sql.split())
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+([a-z_]+)", text, re.IGNORECASE)
    return f"{text.split(' ', 1)[0].upper()} {table.group(1) if table else '?'}"


@contextmanager
def transactions(db: Database) -> Iterator[list[list[str]]]:
    """The statements sent through ``db``'s engine meanwhile, one list per transaction."""
    seen: list[list[str]] = []
    engine = db.engine.sync_engine

    def begin(conn: Any) -> None:
        seen.append([])

    def execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not seen:
            seen.append([])
        seen[-1].append(kind(statement))

    event.listen(engine, "begin", begin)
    event.listen(engine, "before_cursor_execute", execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", execute)
        event.remove(engine, "begin", begin)


def auth_part(seen: list[list[str]]) -> list[list[str]]:
    """The transactions that touched the token or the counters."""
    return [t for t in seen if any(s.split(" ")[1] in AUTH_TABLES for s in t)]


async def last_used(db: Database) -> Any:
    async with db.transaction() as s:
        return (await s.execute(select(ApiToken.last_used_at))).scalar_one()


async def counters(db: Database) -> dict[str, int]:
    async with db.transaction() as s:
        rows = (await s.execute(select(RateLimitWindow.key, RateLimitWindow.count))).all()
    return {key.split(":")[0]: count for key, count in rows}


async def get(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    assert (await client.get("/v1/sessions", headers=auth)).status_code == 200


async def test_a_repeat_call_reads_the_token_and_counts_in_one_transaction(db_url: str) -> None:
    async with serve(limited(db_url), Clock(T0)) as api:
        _, auth = await user(api.db, "a@rendetalje.dk")
        with transactions(api.db) as first:
            await get(api.client, auth)
        with transactions(api.db) as second:
            await get(api.client, auth)
    assert auth_part(first) == [FIRST_USE]
    assert first[0] == FIRST_USE  # before the route's own work
    # Within the minute: no last-used write, no window to delete.
    assert auth_part(second) == [REPEAT]
    assert second[0] == REPEAT


async def test_a_chat_turn_counts_both_limits_in_the_same_statement(db_url: str) -> None:
    async with serve(limited(db_url), Clock(T0)) as api:
        owner, auth = await user(api.db, "a@rendetalje.dk")
        sessions = [await session_of(api.db, owner) for _ in range(2)]
        seen = []
        for session_id in sessions:
            with transactions(api.db) as turn:
                resp = await api.client.post(
                    f"/v1/sessions/{session_id}/messages?stream=false",
                    headers=auth,
                    json={"text": "Hej"},
                )
                assert resp.status_code == 200, resp.text
            seen.append(turn)
        assert await counters(api.db) == {"api": 2, "chat": 2}
    assert auth_part(seen[1]) == [REPEAT]
    assert seen[1][0] == REPEAT


async def test_last_used_at_is_set_on_first_use_and_refreshed_after_a_minute(
    db_url: str,
) -> None:
    clock = Clock(T0)
    async with serve(limited(db_url), clock) as api:
        _, auth = await user(api.db, "a@rendetalje.dk")
        assert await last_used(api.db) is None
        await get(api.client, auth)
        assert await last_used(api.db) == T0

        # 12:01:05: a new rate-limit window, but the mark is only 50 s old.
        clock.now = T0 + timedelta(seconds=50)
        with transactions(api.db) as within:
            await get(api.client, auth)
        assert await last_used(api.db) == T0

        # 12:01:16: the same window, the mark over a minute old.
        clock.now = T0 + timedelta(seconds=61)
        with transactions(api.db) as later:
            await get(api.client, auth)
        assert await last_used(api.db) == clock.now
    assert auth_part(within) == [["SELECT api_tokens", "INSERT rate_limits", "DELETE rate_limits"]]
    assert auth_part(later) == [["SELECT api_tokens", "UPDATE api_tokens", "INSERT rate_limits"]]


async def test_a_rejected_token_counts_nothing(db_url: str) -> None:
    async with serve(limited(db_url), Clock(T0)) as api:
        _, auth = await user(api.db, "a@rendetalje.dk")
        await get(api.client, auth)
        async with api.db.transaction() as s:
            (token,) = await StaffRepository(s).list_tokens()
            await StaffRepository(s).revoke_token(str(token.id), now=T0)
        with transactions(api.db) as seen:
            resp = await api.client.get("/v1/sessions", headers=auth)
        assert resp.status_code == 401
        assert resp.json()["error"]["message"] == "invalid, revoked or expired token"
        assert await counters(api.db) == {"api": 1}
    assert seen == [["SELECT api_tokens"]]


async def test_the_general_limit_refuses_a_turn_first_and_both_still_count(db_url: str) -> None:
    async with serve(limited(db_url, per_minute=1, chat_per_minute=5), Clock(T0)) as api:
        owner, auth = await user(api.db, "a@rendetalje.dk")
        session_id = await session_of(api.db, owner)
        url = f"/v1/sessions/{session_id}/messages?stream=false"
        sent = await api.client.post(url, headers=auth, json={"text": "Hej"})
        assert sent.status_code == 200, sent.text
        assert_limited(await api.client.post(url, headers=auth, json={"text": "Hej"}), 45)
        # A refused call counts, under every limit of the route.
        assert await counters(api.db) == {"api": 2, "chat": 2}


async def test_a_limit_not_counted_with_the_lookup_counts_on_its_own(db_url: str) -> None:
    # E.g. a route the lookup could not see: the limit still holds, in its own transaction.
    async with serve(limited(db_url, chat_per_minute=1), Clock(T0)) as api:
        _, auth = await user(api.db, "a@rendetalje.dk")
        await get(api.client, auth)
        container: Container = api.app.state.container
        async with api.db.transaction() as s:
            (token,) = await StaffRepository(s).list_tokens()
            principal = await StaffRepository(s).principal_for(token.token_hash, now=T0)
        assert principal is not None
        alone = Authentication(principal=principal, hits={})
        with transactions(api.db) as seen:
            assert await chat_rate_limit(alone, container) == principal
        with pytest.raises(RateLimitedError):
            await chat_rate_limit(alone, container)
        assert await counters(api.db) == {"api": 1, "chat": 2}
    assert seen == [["INSERT rate_limits", "DELETE rate_limits"]]
