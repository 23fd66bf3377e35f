"""The database stops (``pg_ctl stop -m immediate``, like a crash) and starts again while the
service runs chat turns and responder workers, and the service recovers by itself.

The service runs in this process (uvicorn on a loopback port, its own event loop) against a
PostgreSQL server of this module's own (``tests/faults/db_server.py``), so the database can be
stopped without disturbing the other tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import psycopg
import pytest
from sqlalchemy import func, make_url, select

from agent.providers import ModelSettings
from agent.responder.worker import Worker
from api.app import create_app
from api.config import Settings
from api.routes.inbound_webhook import sign
from memory.database import Database, create_database
from memory.models import ChatMessage, InboundEmail, OutboundEmail
from memory.models.enums import MessageRole
from memory.repositories.chat_events import ChatEventLog
from tests.agent.responder.conftest import mail
from tests.fakes import Reply, isolate_model_env
from tests.settings import make_settings

from .db_server import (
    PacedOpenAI,
    ServiceThread,
    Sse,
    StoppableServer,
    User,
    chat_session,
    read_sse,
    sse_events,
    staff_user,
)

SECRET = "fault-webhook-secret"
# Time the database stays away: longer than a stream waits (5 s) and a readiness check (2 s);
# for the responder, longer than its lease (2 s).
OUTAGE_S = 6.0
RESPONDER_OUTAGE_S = 3.0
RECOVERY_S = 20.0


@pytest.fixture(scope="module")
def pg() -> Iterator[StoppableServer]:
    server = StoppableServer()
    server.init()
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def fault_db_url(pg: StoppableServer) -> Iterator[str]:
    url = pg.create_database(f"renos_fault_{uuid.uuid4().hex[:10]}")
    yield url
    if not pg.running:  # a test that failed during its outage
        pg.start()


@pytest.fixture
async def db(fault_db_url: str) -> AsyncIterator[Database]:
    database = create_database(fault_db_url, pool_size=2)
    yield database
    await database.dispose()


@pytest.fixture(scope="module")
def model() -> Iterator[PacedOpenAI]:
    with PacedOpenAI.running() as server:
        yield server


@pytest.fixture
def serve() -> Iterator[Callable[[Settings], ServiceThread]]:
    started: list[ServiceThread] = []

    def start(settings: Settings) -> ServiceThread:
        service = ServiceThread(create_app(settings))
        service.start()
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    """No request ended in an unhandled error (a 500 with a traceback in the log), and no task
    died unnoticed ("Task exception was never retrieved")."""
    bad = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name in ("api.errors", "uvicorn.error", "asyncio")
    ]
    assert bad == []


async def _turn(
    client: httpx.AsyncClient, base: str, sid: uuid.UUID, user: User, text: str
) -> list[Sse]:
    async with client.stream(
        "POST", f"{base}/v1/sessions/{sid}/messages", headers=user.auth, json={"text": text}
    ) as resp:
        return await read_sse(resp)


async def _wait_ready(client: httpx.AsyncClient, base: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < RECOVERY_S:
        if (await client.get(f"{base}/readyz")).status_code == 200:
            return time.monotonic() - started
        await asyncio.sleep(0.2)
    raise AssertionError(f"/readyz not back to 200 within {RECOVERY_S:g} s")


async def _assert_503(resp: httpx.Response) -> None:
    assert resp.status_code == 503, resp.text
    assert resp.json()["error"]["code"] == "database_unavailable"
    assert int(resp.headers["retry-after"]) > 0


async def test_readiness_and_chat_turns_ride_out_a_database_restart(
    pg: StoppableServer,
    fault_db_url: str,
    db: Database,
    model: PacedOpenAI,
    serve: Callable[[Settings], ServiceThread],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    model.reset()
    isolate_model_env(monkeypatch)
    slow_model = ModelSettings(
        _env_file=None,
        MODEL_PROVIDER="openai-compatible",
        OPENAI_BASE_URL=model.base_url,
        MODEL_NAME="fake",
        MODEL_MAX_RETRIES=0,
    )
    service = serve(dataclasses.replace(make_settings(fault_db_url), model=slow_model))
    base = service.url
    ana = await staff_user(db, "ana@rendetalje.dk")
    a, b = await chat_session(db, ana), await chat_session(db, ana)
    log = ChatEventLog(db)

    async with httpx.AsyncClient(timeout=httpx.Timeout(30)) as client:
        # Before: a whole turn in each session.
        model.reply(Reply(text=("Hej", " fra A")), Reply(text=("Hej", " fra B")))
        first = {a: await _turn(client, base, a, ana, "Første i A")}
        first[b] = await _turn(client, base, b, ana, "Første i B")
        for events in first.values():
            assert events[-1].event == "done" and events[-1].data["status"] == "completed"

        # A slow turn is running in A when the database stops.
        model.pace_next(0.2)
        model.reply(Reply(text=tuple(f" ord{i}" for i in range(60))))
        cut: list[Sse] = []
        stopped_at = 0.0
        async with client.stream(
            "POST", f"{base}/v1/sessions/{a}/messages", headers=ana.auth, json={"text": "Anden i A"}
        ) as resp:
            async for event in sse_events(resp):
                cut.append(event)
                if len(cut) == 3:
                    await asyncio.to_thread(pg.stop, "immediate")
                    stopped_at = time.monotonic()
        # The stream neither hangs nor breaks: it ends with an error event that is not stored
        # (no id), after waiting a few seconds for the database.
        assert time.monotonic() - stopped_at < 15
        assert cut[-1].id is None and cut[-1].event == "error"
        assert cut[-1].data["code"] == "database_unavailable"
        received = [e for e in cut if e.id is not None]
        assert received[0].event == "run_started" and len(received) >= 3

        # While the database is away: alive, not ready, and every call a clean 503.
        assert (await client.get(f"{base}/healthz")).status_code == 200
        ready = await client.get(f"{base}/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] != "ok"
        await _assert_503(
            await client.post(
                f"{base}/v1/sessions/{b}/messages", headers=ana.auth, json={"text": "Tabt"}
            )
        )
        await _assert_503(
            await client.post(
                f"{base}/v1/sessions/{b}/messages?stream=false",
                headers=ana.auth,
                json={"text": "Tabt"},
            )
        )
        await _assert_503(await client.get(f"{base}/v1/sessions", headers=ana.auth))
        await _assert_503(await client.get(f"{base}/v1/sessions/{a}/events", headers=ana.auth))
        await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped_at)))
        await asyncio.to_thread(pg.start)

        # Ready again by itself, with no restart of the service.
        await _wait_ready(client, base)

        # The cut-off turn was ended in the log once the database was back; a client that
        # resumes from the last event it got receives the rest, with no gap.
        async with client.stream(
            "GET",
            f"{base}/v1/sessions/{a}/events",
            headers={**ana.auth, "Last-Event-ID": str(received[-1].id)},
        ) as resp:
            rest = await read_sse(resp)
        assert [(e.event, e.data.get("code")) for e in rest[-2:]] == [
            ("error", "database_unavailable"),
            ("done", None),
        ]
        assert rest[-1].data["status"] == "failed"
        stored_a = await log.after(a, first[a][-1].id or 0)
        assert [e.id for e in stored_a] == [e.id for e in received + rest]

        # The same sessions take new turns: no lock was left behind.
        model.reply(Reply(text=("Igen", " A")), Reply(text=("Igen", " B")))
        again = {a: await _turn(client, base, a, ana, "Tredje i A")}
        again[b] = await _turn(client, base, b, ana, "Anden i B")
        for events in again.values():
            errors = [e.data for e in events if e.event == "error"]
            # A failure here with database_unavailable: a pool still handed out a connection
            # that died with the old server (each pool must check connections before use).
            end = (events[-1].event, events[-1].data.get("status"))
            assert end == ("done", "completed"), errors

    # What was acknowledged before the outage is stored exactly as it was streamed...
    for sid, events in first.items():
        stored = await log.after(sid, 0)
        assert [(e.id, e.kind, e.data) for e in stored[: len(events)]] == [
            (e.id, e.event, e.data) for e in events
        ]
    # ...and the transcript holds every accepted message once: the cut-off turn's question
    # (stored before the model ran) without an answer, and nothing of the refused ones.
    async with db.transaction() as s:
        rows = (
            await s.execute(
                select(ChatMessage.session_id, ChatMessage.role, ChatMessage.content).order_by(
                    ChatMessage.id
                )
            )
        ).all()
    transcript = {sid: [(r.role, r.content) for r in rows if r.session_id == sid] for sid in (a, b)}
    assert transcript[a] == [
        (MessageRole.USER, "Første i A"),
        (MessageRole.ASSISTANT, "Hej fra A"),
        (MessageRole.USER, "Anden i A"),
        (MessageRole.USER, "Tredje i A"),
        (MessageRole.ASSISTANT, "Igen A"),
    ]
    assert transcript[b] == [
        (MessageRole.USER, "Første i B"),
        (MessageRole.ASSISTANT, "Hej fra B"),
        (MessageRole.USER, "Anden i B"),
        (MessageRole.ASSISTANT, "Igen B"),
    ]
    assert not await log.turn_running(a) and not await log.turn_running(b)
    _no_tracebacks(caplog)


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _signed(body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        "Content-Type": "message/rfc822",
        "X-Renos-Timestamp": stamp,
        "X-Renos-Signature": sign(SECRET, stamp, body),
    }


async def _statuses(db: Database) -> dict[str, int]:
    async with db.transaction() as s:
        rows = await s.execute(
            select(InboundEmail.status, func.count()).group_by(InboundEmail.status)
        )
        return {status.value: int(n) for status, n in rows.all()}


async def _live_workers() -> int:
    """How many responder worker tasks run on the service's loop (ended ones are not listed)."""
    return sum(
        getattr(task.get_coro(), "__qualname__", "") == Worker.run.__qualname__
        for task in asyncio.all_tasks()
    )


async def _processing(db: Database) -> list[uuid.UUID]:
    async with db.transaction() as s:
        rows = await s.execute(select(InboundEmail.id).where(InboundEmail.status == "processing"))
        return list(rows.scalars())


async def test_responder_workers_and_the_webhook_ride_out_a_database_restart(
    pg: StoppableServer,
    fault_db_url: str,
    db: Database,
    serve: Callable[[Settings], ServiceThread],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    monkeypatch.setenv("RENOS_WEBHOOK_SECRET", SECRET)
    settings = make_settings(
        fault_db_url,
        responder={
            "RESPONDER_MODE": "auto-send",
            "RESPONDER_SERVICE_WORKERS": 2,
            "RESPONDER_LEASE_S": 2,
            "RESPONDER_POLL_S": 0.1,
            "RESPONDER_BACKOFF_S": 0,
            "RESPONDER_DAILY_CAP": 1000,
        },
    )
    service = serve(settings)
    base = service.url
    assert service.call(_live_workers()) == 2
    total = 30
    backlog = [
        mail(
            sender=f"Kunde {i} <kunde{i}@example.dk>",
            message_id=f"<fault-{i}@example.dk>",
            body=f"Hej\n\nKan I give et tilbud på flytterengøring af {60 + i} m²?\n\nMvh",
        )
        for i in range(total)
    ]
    late = mail(sender="Sen Kunde <sen@example.dk>", message_id="<fault-late@example.dk>")

    async with httpx.AsyncClient(timeout=httpx.Timeout(30)) as client:
        for raw in backlog:
            resp = await client.post(f"{base}/v1/inbound/email", content=raw, headers=_signed(raw))
            assert resp.status_code == 202, resp.text
        # Both workers are held in the middle of a mail (the reply checks read the outbox,
        # locked here) when the database stops: their mails are leased, their work undone.
        blocker = await psycopg.AsyncConnection.connect(_conninfo(fault_db_url))
        await blocker.execute("LOCK TABLE outbound_emails IN ACCESS EXCLUSIVE MODE")
        deadline = time.monotonic() + 30
        while len(held := await _processing(db)) < 2:
            assert time.monotonic() < deadline, "the workers never took a mail"
            await asyncio.sleep(0.05)
        await asyncio.to_thread(pg.stop, "immediate")
        stopped_at = time.monotonic()
        with contextlib.suppress(psycopg.Error):
            await blocker.close()

        # A delivery meanwhile is refused with 503, so the sender delivers it again later.
        refused = await client.post(f"{base}/v1/inbound/email", content=late, headers=_signed(late))
        await _assert_503(refused)
        # Longer than a lease: the held mails' leases run out while the database is away.
        await asyncio.sleep(max(0.0, RESPONDER_OUTAGE_S - (time.monotonic() - stopped_at)))
        assert service.call(_live_workers()) == 2  # the workers live through it
        await asyncio.to_thread(pg.start)

        await _wait_ready(client, base)
        again = await client.post(f"{base}/v1/inbound/email", content=late, headers=_signed(late))
        assert again.status_code == 202, again.text
        assert again.json()["created"] is True

        # Every mail, the held ones and the one delivered again included, ends answered, once.
        deadline = time.monotonic() + 60
        while (statuses := await _statuses(db)).get("replied", 0) < total + 1:
            assert set(statuses) <= {"received", "processing", "replied"}, statuses
            assert time.monotonic() < deadline, statuses
            await asyncio.sleep(0.2)
    assert statuses == {"replied": total + 1}
    async with db.transaction() as s:
        inbound = {row.id: row for row in (await s.execute(select(InboundEmail))).scalars()}
        replies = (
            await s.execute(
                select(OutboundEmail.inbound_email_id, func.count()).group_by(
                    OutboundEmail.inbound_email_id
                )
            )
        ).all()
    assert {mail_id: int(n) for mail_id, n in replies} == dict.fromkeys(inbound, 1)
    assert all(inbound[mail_id].attempts >= 2 for mail_id in held)  # taken again
    assert all(row.lease_owner is None for row in inbound.values())
    late_row = next(r for r in inbound.values() if r.message_id == "<fault-late@example.dk>")
    assert late_row.delivery_count == 1  # the refused delivery left nothing behind
    assert service.call(_live_workers()) == 2
    _no_tracebacks(caplog)
