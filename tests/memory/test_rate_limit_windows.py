"""Rate-limit windows and the token's last-used mark at the repository level: what each call
writes, what the sweep removes, and that concurrent processes never move the mark back."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select

from api.auth.tokens import generate_token
from memory.database import Database, create_database
from memory.gdpr import purge
from memory.models import ApiToken, RateLimitWindow
from memory.models.enums import StaffRole
from memory.repositories.rate_limits import RateLimitHit, RateLimitRepository
from memory.repositories.staff import StaffRepository

T0 = datetime(2026, 12, 8, 12, 0, 15, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """The verbs and tables of the statements sent meanwhile, e.g. ``DELETE rate_limits``."""
    seen: list[str] = []

    def execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+([a-z_]+)", statement)
        seen.append(f"{statement.split()[0]} {table.group(1) if table else '?'}")

    event.listen(db.engine.sync_engine, "before_cursor_execute", execute)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", execute)


async def windows(db: Database) -> set[tuple[str, datetime, int]]:
    async with db.transaction() as s:
        rows = await s.execute(
            select(RateLimitWindow.key, RateLimitWindow.window_start, RateLimitWindow.count)
        )
        return {(key, start, count) for key, start, count in rows.all()}


async def hits(db: Database, limits: dict[str, int], now: datetime) -> dict[str, RateLimitHit]:
    async with db.transaction() as s:
        return await RateLimitRepository(s).hit_many(limits, MINUTE, now)


async def test_only_a_new_window_deletes_and_the_sweep_takes_the_rest(db: Database) -> None:
    w0, w1 = datetime(2026, 12, 8, 12, 0, tzinfo=UTC), datetime(2026, 12, 8, 12, 1, tzinfo=UTC)
    with statements(db) as opening:
        await hits(db, {"api:a": 5, "chat:a": 5, "api:b": 5}, T0)
    with statements(db) as repeat:
        await hits(db, {"api:a": 5, "chat:a": 5}, T0 + timedelta(seconds=10))
    # One statement counts every key; the old windows are looked for only by a new one.
    assert opening == ["INSERT rate_limits", "DELETE rate_limits"]
    assert repeat == ["INSERT rate_limits"]

    with statements(db) as next_window:
        await hits(db, {"api:a": 5}, T0 + MINUTE)
    assert next_window == ["INSERT rate_limits", "DELETE rate_limits"]
    assert await windows(db) == {
        ("api:a", w1, 1),
        ("chat:a", w0, 2),  # not called since: left for the sweep
        ("api:b", w0, 1),
    }

    async with db.transaction() as s:
        assert await RateLimitRepository(s).sweep(before=w1) == 2
    assert await windows(db) == {("api:a", w1, 1)}


async def test_several_limits_in_one_statement_each_answer_for_itself(db: Database) -> None:
    for _ in range(2):
        await hits(db, {"api:a": 3, "chat:a": 1}, T0)
    assert await hits(db, {"api:a": 3, "chat:a": 1}, T0) == {
        "api:a": RateLimitHit(allowed=True, retry_after_s=0),
        "chat:a": RateLimitHit(allowed=False, retry_after_s=45),
    }
    assert await hits(db, {}, T0) == {}


async def _token(db: Database) -> str:
    token = generate_token()
    async with db.transaction() as s:
        repo = StaffRepository(s)
        row = await repo.create_user(email="a@rendetalje.dk", name="a", role=StaffRole.STAFF)
        await repo.add_token(
            user_id=row.id, name="t", token_hash=token.hash, prefix=token.prefix, expires_at=None
        )
    return token.hash


async def _last_used(db: Database) -> datetime | None:
    async with db.transaction() as s:
        return (await s.execute(select(ApiToken.last_used_at))).scalar_one()


async def test_last_used_at_is_written_once_a_minute(db: Database) -> None:
    token_hash = await _token(db)
    for offset_s, expected, written in [
        (0, T0, True),
        (30, T0, False),
        (59, T0, False),
        (60, T0 + MINUTE, True),
        (61, T0 + MINUTE, False),
    ]:
        with statements(db) as seen:
            async with db.transaction() as s:
                now = T0 + timedelta(seconds=offset_s)
                assert await StaffRepository(s).principal_for(token_hash, now=now) is not None
        assert seen == ["SELECT api_tokens", "UPDATE api_tokens"][: 2 if written else 1]
        assert await _last_used(db) == expected, offset_s


async def test_last_used_at_never_goes_back_when_two_processes_race(db_url: str) -> None:
    # Two engines: two API processes. Both read the mark before either has written it; the
    # one with the later clock writes first, the other then finds nothing to write.
    a, b = create_database(db_url, pool_size=1), create_database(db_url, pool_size=1)
    try:
        token_hash = await _token(a)
        later, earlier = T0 + timedelta(seconds=5), T0
        async with a.transaction() as sa:
            assert await StaffRepository(sa).principal_for(token_hash, now=later) is not None

            async def other() -> None:
                async with b.transaction() as sb:
                    await StaffRepository(sb).principal_for(token_hash, now=earlier)

            racing = asyncio.create_task(other())
            await asyncio.sleep(0.3)
            assert not racing.done()  # waits for a's row lock
        await asyncio.wait_for(racing, timeout=10)
        assert await _last_used(a) == later
    finally:
        await a.dispose()
        await b.dispose()


async def test_the_retention_purge_sweeps_the_windows_of_quiet_tokens(db: Database) -> None:
    await hits(db, {"api:quiet": 5}, T0)
    await hits(db, {"api:busy": 5}, T0 + timedelta(minutes=70))
    async with db.transaction() as s:
        report = await purge(
            s,
            now=T0 + timedelta(minutes=71),
            raw_mail_days=30,
            transcript_days=365,
            audit_detail_days=365,
        )
    assert report.rate_limit_windows == 1
    assert {key for key, _, _ in await windows(db)} == {"api:busy"}
