"""The retention purge scheduled inside `renos serve`: it purges what is old in a real database
and leaves what is recent, it is off at RENOS_PURGE_INTERVAL_H=0, two processes running it at
once do each round's work once (an advisory lock, no waiting, no deadlock), and a failing round
does not end the task."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api import background
from api.app import create_app
from api.composition import Container, build_container
from memory.database import Database
from memory.gdpr.purge import PURGED_JSON, PurgeReport
from memory.models import ChatMessage, ChatSession, InboundEmail, TaskExecution
from memory.models.enums import ChatChannel, InboundStatus, MessageRole, StaffRole, TaskStatus
from memory.repositories.staff import StaffRepository
from memory.retention import RetentionSettings
from tests.settings import make_settings

purge_module = importlib.import_module("memory.gdpr.purge")
RealPurge = Callable[..., Awaitable[PurgeReport]]
# Every wait in here is bounded: a deadlock fails the test instead of hanging it.
DEADLINE_S = 20.0


@dataclass
class World:
    now: datetime


@pytest.fixture(autouse=True)
def _quick_schedule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setattr(background, "PURGE_FIRST_DELAY_S", 0.0)
    for name in ("RAW_MAIL_DAYS", "TRANSCRIPT_DAYS", "AUDIT_DETAIL_DAYS"):
        monkeypatch.delenv(f"RENOS_RETAIN_{name}", raising=False)
    monkeypatch.setenv("RENOS_PURGE_INTERVAL_H", "0.0002")  # 0.72 s


async def seed(db: Database, now: datetime) -> None:
    """For each kind of data one record past its default limit ("old") and one within it."""
    old, recent = now - timedelta(days=400), now - timedelta(days=10)
    async with db.transaction() as s:
        staff = await StaffRepository(s).create_user(
            email="ejer@rendetalje.dk", name="Ejer", role=StaffRole.OWNER
        )
        sessions = {
            name: ChatSession(
                owner_id=staff.id, channel=ChatChannel.CHAT, title=name, updated_at=at
            )
            for name, at in (("old", old), ("recent", recent))
        }
        s.add_all(
            [
                *(
                    InboundEmail(
                        message_id=f"<{name}@x>",
                        received_at=at,
                        raw=b"Subject: hej\r\n\r\nhej",
                        raw_size=17,
                        status=InboundStatus.REPLIED,
                    )
                    for name, at in (("old", old), ("recent", recent))
                ),
                *sessions.values(),
                *(
                    TaskExecution(
                        tool_call_id=f"call-{name}",
                        task_type="get_lead",
                        status=TaskStatus.SUCCEEDED,
                        input={"lead_id": name},
                        result={"ok": True},
                        intent="svar",
                        channel="chat",
                        started_at=at,
                    )
                    for name, at in (("old", old), ("recent", recent))
                ),
            ]
        )
        await s.flush()
        s.add_all(
            ChatMessage(session_id=row.id, role=MessageRole.USER, content="hej", created_at=at)
            for row, at in ((sessions["old"], old), (sessions["recent"], recent))
        )


@dataclass(frozen=True)
class State:
    raw_kept: dict[str, bool]
    sessions: set[str]
    audit_inputs: dict[str, dict[str, Any]]

    @property
    def purged(self) -> bool:
        return self == PURGED

    @property
    def untouched(self) -> bool:
        return self == UNTOUCHED


PURGED = State(
    {"<old@x>": False, "<recent@x>": True},
    {"recent"},
    {"call-old": PURGED_JSON, "call-recent": {"lead_id": "recent"}},
)
UNTOUCHED = State(
    {"<old@x>": True, "<recent@x>": True},
    {"old", "recent"},
    {"call-old": {"lead_id": "old"}, "call-recent": {"lead_id": "recent"}},
)


async def state(db: Database) -> State:
    async with db.transaction() as s:
        mails = (await s.execute(select(InboundEmail))).scalars()
        titles = (await s.execute(select(ChatSession.title))).scalars()
        audits = (await s.execute(select(TaskExecution))).scalars()
        return State(
            {m.message_id: m.raw is not None for m in mails},
            {t for t in titles if t is not None},
            {a.tool_call_id: a.input for a in audits},
        )


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while not await check():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


@pytest.fixture
async def containers(db_url: str) -> AsyncIterator[list[Container]]:
    """Two containers on the same database: two service processes, as far as locks go."""
    built = [await build_container(make_settings(db_url), migrate_schema=False) for _ in "ab"]
    yield built
    for c in built:
        await c.aclose()


def record_rounds(monkeypatch: pytest.MonkeyPatch) -> list[PurgeReport | None]:
    """What every purge round of the service returned (None: skipped, another was purging)."""
    rounds: list[PurgeReport | None] = []
    real: Callable[..., Awaitable[PurgeReport | None]] = purge_module.purge_exclusively

    async def recording(session: AsyncSession, **kw: Any) -> PurgeReport | None:
        result = await real(session, **kw)
        rounds.append(result)
        return result

    monkeypatch.setattr(background, "purge_exclusively", recording)
    return rounds


# -- the service's task ---------------------------------------------------------------------


async def test_the_service_purges_old_data_and_keeps_recent_data(
    db: Database, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    now = datetime.now(UTC)  # the service runs on the system clock
    await seed(db, now)
    assert (await state(db)).untouched
    caplog.set_level(logging.INFO, logger="api.background")
    app = create_app(make_settings(db_url))
    async with app.router.lifespan_context(app):

        async def purged() -> bool:
            return (await state(db)).purged

        await until(purged, "the first purge round")
        # The service answers meanwhile.
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/healthz")).status_code == 200
    assert (await state(db)).purged  # and the recent records are all there
    lines = [r.getMessage() for r in caplog.records if r.name == "api.background"]
    assert (
        "retention purge: 1 raw mail(s) cleared, 1 chat session(s) deleted "
        "(0 checkpoint rows), 1 audit row(s) purged, 0 rate-limit window(s) swept"
    ) in lines


async def test_the_purge_uses_the_containers_clock_and_the_limits(
    db: Database, containers: list[Container], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    await seed(db, now)
    container = containers[0]
    # A year earlier by the container's clock, nothing is old yet.
    container.clock = lambda: now - timedelta(days=365)
    report = await background.purge_round(container, RetentionSettings(_env_file=None))
    assert report == PurgeReport(raw_mails=0, chat_sessions=0, checkpoint_rows=0, audit_rows=0)
    assert (await state(db)).untouched
    # Shorter limits (from the environment) reach the recent records too.
    container.clock = lambda: now
    monkeypatch.setenv("RENOS_RETAIN_RAW_MAIL_DAYS", "5")
    monkeypatch.setenv("RENOS_RETAIN_TRANSCRIPT_DAYS", "5")
    monkeypatch.setenv("RENOS_RETAIN_AUDIT_DETAIL_DAYS", "5")
    report = await background.purge_round(container, RetentionSettings(_env_file=None))
    assert report == PurgeReport(raw_mails=2, chat_sessions=2, checkpoint_rows=0, audit_rows=2)


async def test_interval_zero_schedules_no_purge(
    db: Database, containers: list[Container], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RENOS_PURGE_INTERVAL_H", "0")
    rounds = record_rounds(monkeypatch)
    await seed(db, datetime.now(UTC))
    work = background.start_background(containers[0])
    try:
        assert [t for t in work.tasks if t.get_name() == background.PURGE_TASK] == []
        await asyncio.sleep(1.0)  # longer than the interval the other tests use
    finally:
        await work.aclose()
    assert rounds == []
    assert (await state(db)).untouched


def test_purge_interval_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RENOS_PURGE_INTERVAL_H")
    assert RetentionSettings(_env_file=None).purge_interval_h == 24.0
    monkeypatch.setenv("RENOS_PURGE_INTERVAL_H", "-1")
    with pytest.raises(ValueError, match="RENOS_PURGE_INTERVAL_H"):
        RetentionSettings(_env_file=None)


# -- two processes ----------------------------------------------------------------------------


async def test_two_processes_purging_at_once_do_the_work_once(
    db: Database, containers: list[Container], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    await seed(db, now)
    real: RealPurge = purge_module.purge
    inside = asyncio.Event()
    release = asyncio.Event()
    entered = 0

    async def held_open(session: AsyncSession, **kw: Any) -> PurgeReport:
        """The real purge, kept running (lock held) until the test lets it finish."""
        nonlocal entered
        entered += 1
        inside.set()
        await release.wait()
        return await real(session, **kw)

    monkeypatch.setattr(purge_module, "purge", held_open)
    retention = RetentionSettings(_env_file=None)
    rounds = [asyncio.create_task(background.purge_round(c, retention)) for c in containers]
    await asyncio.wait_for(inside.wait(), DEADLINE_S)
    # While one round holds the lock the other returns at once, without waiting for it.
    done, _ = await asyncio.wait(rounds, timeout=DEADLINE_S, return_when=asyncio.FIRST_COMPLETED)
    [skipped] = done
    assert skipped.result() is None
    release.set()
    [worked] = [t for t in rounds if t is not skipped]
    report = await asyncio.wait_for(worked, DEADLINE_S)
    assert report == PurgeReport(raw_mails=1, chat_sessions=1, checkpoint_rows=0, audit_rows=1)
    assert entered == 1
    assert (await state(db)).purged


async def test_two_services_schedule_purges_side_by_side(
    db: Database, containers: list[Container], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both services start a round at once, then keep rounds going: each old record is
    purged once, at least one round was skipped for the other, and nothing hangs."""
    await seed(db, datetime.now(UTC))
    real: RealPurge = purge_module.purge

    async def slow(session: AsyncSession, **kw: Any) -> PurgeReport:
        await asyncio.sleep(0.5)  # the lock is held meanwhile
        return await real(session, **kw)

    monkeypatch.setattr(purge_module, "purge", slow)
    rounds = record_rounds(monkeypatch)
    works = [background.start_background(c) for c in containers]
    try:

        async def three_rounds_each() -> bool:
            return len(rounds) >= 6

        await until(three_rounds_each, "rounds of both services")
    finally:
        for work in works:
            await asyncio.wait_for(work.aclose(), DEADLINE_S)
    reports = [r for r in rounds if r is not None]
    assert None in rounds
    assert sum(r.raw_mails for r in reports) == 1
    assert sum(r.chat_sessions for r in reports) == 1
    assert sum(r.audit_rows for r in reports) == 1
    assert (await state(db)).purged


# -- failures ---------------------------------------------------------------------------------


async def test_a_failing_round_does_not_stop_the_next(
    db: Database,
    containers: list[Container],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await seed(db, datetime.now(UTC))
    real: RealPurge = purge_module.purge
    calls = 0

    async def fails_first(session: AsyncSession, **kw: Any) -> PurgeReport:
        nonlocal calls
        calls += 1
        if calls == 1:  # a real database error inside the round's transaction
            await session.execute(text("SELECT 1 / 0"))
        if calls == 2:
            raise RuntimeError("a bug")
        return await real(session, **kw)

    monkeypatch.setattr(purge_module, "purge", fails_first)
    caplog.set_level(logging.INFO, logger="api.background")
    work = background.start_background(containers[0])
    [task] = [t for t in work.tasks if t.get_name() == background.PURGE_TASK]
    try:

        async def purged() -> bool:
            return (await state(db)).purged

        await until(purged, "a purge after two failed rounds")
        assert not task.done()  # still scheduled
    finally:
        await work.aclose()
    assert calls >= 3
    failures = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert failures[:2] == [
        "retention purge failed (DataError); next round in 1 s",
        "retention purge failed (RuntimeError); next round in 1 s",
    ]
