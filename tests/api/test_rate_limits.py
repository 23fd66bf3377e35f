"""Per-token rate limits: counted in PostgreSQL, so every API process shares them; checked
before the route runs, so a refused call writes nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from api.app import create_app
from api.auth.tokens import generate_token
from api.composition import Container
from api.config import Settings
from api.settings import ServerSettings
from memory.database import Database, create_database
from memory.models import ChatEvent, ChatMessage, ChatSession, ChatTurn, RateLimitWindow
from memory.models.enums import ChatChannel, StaffRole
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.rate_limits import RateLimitRepository, window_start
from memory.repositories.staff import StaffRepository
from tests.settings import make_settings

T0 = datetime(2026, 12, 8, 12, 0, 15, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def limited(db_url: str, *, per_minute: int = 120, chat_per_minute: int = 20) -> Settings:
    server = ServerSettings(
        _env_file=None,
        RENOS_ENV="test",
        RENOS_RATE_LIMIT_PER_MINUTE=per_minute,
        RENOS_CHAT_RATE_LIMIT_PER_MINUTE=chat_per_minute,
    )
    return dataclasses.replace(make_settings(db_url), server=server)


@dataclasses.dataclass
class Running:
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def db(self) -> Database:
        container: Container = self.app.state.container
        return container.database


@asynccontextmanager
async def serve(settings: Settings, clock: Clock) -> AsyncIterator[Running]:
    """One API process' worth: its own app, lifespan, container and connection pool."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        container: Container = app.state.container
        container.clock = clock
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Running(app=app, client=client)


async def user(db: Database, email: str) -> tuple[uuid.UUID, dict[str, str]]:
    token = generate_token()
    async with db.transaction() as s:
        repo = StaffRepository(s)
        row = await repo.create_user(email=email, name="t", role=StaffRole.STAFF)
        await repo.add_token(
            user_id=row.id, name="t", token_hash=token.hash, prefix=token.prefix, expires_at=None
        )
    return row.id, {"Authorization": f"Bearer {token.clear}"}


async def session_of(db: Database, owner: uuid.UUID) -> uuid.UUID:
    async with db.transaction() as s:
        row = await ChatSessionRepository(s).create(
            owner_id=owner, channel=ChatChannel.CHAT, title="t"
        )
        return row.id


def assert_limited(resp: httpx.Response, retry_after: int) -> None:
    assert resp.status_code == 429, resp.text
    assert resp.headers["Retry-After"] == str(retry_after)
    assert resp.json() == {
        "error": {"code": "rate_limited", "message": resp.json()["error"]["message"]}
    }


async def test_429_with_retry_after_once_the_limit_is_spent(db_url: str) -> None:
    async with serve(limited(db_url, per_minute=3), Clock(T0)) as api:
        _, auth = await user(api.db, "a@rendetalje.dk")
        _, other = await user(api.db, "b@rendetalje.dk")
        for _ in range(3):
            assert (await api.client.get("/v1/sessions", headers=auth)).status_code == 200
        assert_limited(await api.client.get("/v1/sessions", headers=auth), retry_after=45)
        # Refused calls count too, and the limit is per token: another one is untouched.
        assert_limited(await api.client.get("/v1/sessions", headers=auth), retry_after=45)
        assert (await api.client.get("/v1/sessions", headers=other)).status_code == 200
        # No token: 401 as before, nothing counted.
        assert (await api.client.get("/v1/sessions")).status_code == 401


async def test_two_processes_share_the_counters(db_url: str) -> None:
    clock = Clock(T0)
    settings = limited(db_url, per_minute=3)
    async with serve(settings, clock) as a, serve(settings, clock) as b:
        _, auth = await user(a.db, "a@rendetalje.dk")
        assert (await a.client.get("/v1/sessions", headers=auth)).status_code == 200
        assert (await b.client.get("/v1/sessions", headers=auth)).status_code == 200
        assert (await a.client.get("/v1/sessions", headers=auth)).status_code == 200
        assert_limited(await b.client.get("/v1/sessions", headers=auth), retry_after=45)
        assert_limited(await a.client.get("/v1/sessions", headers=auth), retry_after=45)


async def test_a_limited_post_writes_nothing(db_url: str) -> None:
    async with serve(limited(db_url, per_minute=2), Clock(T0)) as api:
        owner, auth = await user(api.db, "a@rendetalje.dk")
        for _ in range(2):
            assert (await api.client.post("/v1/sessions", headers=auth)).status_code == 201
        resp = await api.client.post("/v1/sessions", headers=auth, json={"title": "for mange"})
        assert_limited(resp, retry_after=45)
        async with api.db.transaction() as s:
            stmt = (
                select(func.count()).select_from(ChatSession).where(ChatSession.owner_id == owner)
            )
            assert (await s.execute(stmt)).scalar_one() == 2


async def test_chat_turns_have_their_own_lower_limit(db_url: str) -> None:
    async with serve(limited(db_url, per_minute=100, chat_per_minute=1), Clock(T0)) as api:
        owner, auth = await user(api.db, "a@rendetalje.dk")
        first, second = await session_of(api.db, owner), await session_of(api.db, owner)
        sent = await api.client.post(
            f"/v1/sessions/{first}/messages?stream=false", headers=auth, json={"text": "Hej"}
        )
        assert sent.status_code == 200, sent.text

        refused = await api.client.post(
            f"/v1/sessions/{second}/messages?stream=false", headers=auth, json={"text": "Hej"}
        )
        assert_limited(refused, retry_after=45)
        approval = await api.client.post(
            f"/v1/sessions/{second}/approvals/call_1", headers=auth, json={"decision": "approve"}
        )
        assert_limited(approval, retry_after=45)
        # The refused turns left no trace in their session.
        async with api.db.transaction() as s:
            for model in (ChatEvent, ChatMessage, ChatTurn):
                stmt = select(func.count()).select_from(model).where(model.session_id == second)
                assert (await s.execute(stmt)).scalar_one() == 0, model.__name__
        # Other calls go on under the general limit.
        assert (await api.client.get(f"/v1/sessions/{second}", headers=auth)).status_code == 200


async def test_the_next_window_allows_again_and_old_windows_are_removed(db_url: str) -> None:
    clock = Clock(datetime(2026, 12, 8, 12, 0, 59, 500_000, tzinfo=UTC))
    async with serve(limited(db_url, per_minute=2), clock) as api:
        _, auth = await user(api.db, "a@rendetalje.dk")
        for _ in range(2):
            assert (await api.client.get("/v1/sessions", headers=auth)).status_code == 200
        assert_limited(await api.client.get("/v1/sessions", headers=auth), retry_after=1)

        clock.now = datetime(2026, 12, 8, 12, 1, 0, tzinfo=UTC)
        assert (await api.client.get("/v1/sessions", headers=auth)).status_code == 200
        async with api.db.transaction() as s:
            starts = list((await s.execute(select(RateLimitWindow.window_start))).scalars())
        assert starts == [clock.now]


async def test_concurrent_hits_never_exceed_the_limit(db_url: str) -> None:
    db = create_database(db_url, pool_size=10)

    async def hit() -> bool:
        async with db.transaction() as s:
            allowed, _ = await RateLimitRepository(s).hit("k", MINUTE, 7, T0)
        return allowed

    try:
        results = await asyncio.gather(*(hit() for _ in range(25)))
        async with db.transaction() as s:
            count = (await s.execute(select(RateLimitWindow.count))).scalar_one()
    finally:
        await db.dispose()
    assert results.count(True) == 7
    assert count == 25


def test_windows_are_aligned_to_the_epoch() -> None:
    assert window_start(T0, MINUTE) == datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
    assert window_start(T0, timedelta(hours=1)) == datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
    assert window_start(T0, timedelta(seconds=10)) == datetime(2026, 12, 8, 12, 0, 10, tzinfo=UTC)
