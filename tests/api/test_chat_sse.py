"""The chat stream as a browser sees it: uvicorn on a loopback port (two of them, sharing one
database, like two API processes behind a load balancer), a real SSE client over a socket."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from agent.events import AgentEvent, RunStarted
from agent.runner import ChatRunner
from api.app import create_app
from api.auth.tokens import generate_token
from api.routes.chat import drain_turns
from memory.database import Database
from memory.models import Lead, OutboundEmail
from memory.models.enums import ChatChannel, LeadSource, LeadStatus, Service, StaffRole
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.chat_events import ChatEventLog
from memory.repositories.staff import StaffRepository
from tests.settings import make_settings
from tools.canonical.caller import Caller

QUOTE = "Hvad koster en flytterengøring på 80 m2?"


@dataclass(frozen=True)
class Sse:
    id: int
    event: str
    data: dict[str, Any]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def start_server(db_url: str) -> Iterator[Callable[[], str]]:
    """Starts an API process (uvicorn in a thread, its own event loop) and gives its URL."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start() -> str:
        port = _free_port()
        config = uvicorn.Config(
            create_app(make_settings(db_url)), host="127.0.0.1", port=port, log_level="warning"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive(), "the server did not start"
            assert time.monotonic() < deadline, "the server did not start in time"
            time.sleep(0.05)
        return f"http://127.0.0.1:{port}"

    yield start
    for server, _ in running:
        server.should_exit = True
    for _, thread in running:
        thread.join(timeout=30)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(30)) as c:
        yield c


@dataclass(frozen=True)
class User:
    id: uuid.UUID
    auth: dict[str, str]


async def _user(db: Database, email: str, role: StaffRole = StaffRole.STAFF) -> User:
    """A staff user and the Authorization header of a fresh token."""
    token = generate_token()
    async with db.transaction() as s:
        repo = StaffRepository(s)
        user = await repo.create_user(email=email, name=email.split("@")[0], role=role)
        await repo.add_token(
            user_id=user.id, name="t", token_hash=token.hash, prefix=token.prefix, expires_at=None
        )
    return User(id=user.id, auth={"Authorization": f"Bearer {token.clear}"})


async def _session(db: Database, user: User) -> uuid.UUID:
    async with db.transaction() as s:
        row = await ChatSessionRepository(s).create(
            owner_id=user.id, channel=ChatChannel.CHAT, title="test"
        )
        return row.id


async def _read(resp: httpx.Response, *, stop_after: int | None = None) -> list[Sse]:
    """Parse the SSE wire format by hand (fields, blank-line-terminated events, comments)."""
    assert resp.status_code == 200, await resp.aread()
    assert resp.headers["content-type"].startswith("text/event-stream")
    events: list[Sse] = []
    fields: dict[str, list[str]] = {}
    async for line in resp.aiter_lines():
        if line == "":
            if "event" in fields:
                events.append(
                    Sse(
                        id=int(fields["id"][-1]),
                        event=fields["event"][-1],
                        data=json.loads("\n".join(fields["data"])),
                    )
                )
                if stop_after is not None and len(events) >= stop_after:
                    break
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name, []).append(value.removeprefix(" "))
    return events


async def _stream(
    client: httpx.AsyncClient, method: str, url: str, auth: dict[str, str], **kw: Any
) -> list[Sse]:
    async with client.stream(method, url, headers={**auth, **kw.pop("headers", {})}, **kw) as r:
        return await _read(r)


def _names(events: list[Sse]) -> list[str]:
    """Event names with runs of tokens folded into one."""
    out: list[str] = []
    for e in events:
        if not (e.event == "token" and out and out[-1] == "token"):
            out.append(e.event)
    return out


def _assert_ids_increase(events: list[Sse]) -> None:
    ids = [e.id for e in events]
    assert ids == sorted(set(ids)), ids


async def test_a_quote_turn_streams_named_events_with_increasing_ids(
    start_server: Callable[[], str], client: httpx.AsyncClient, db: Database
) -> None:
    base = start_server()
    kasper = await _user(db, "kasper@rendetalje.dk")
    sid, auth = await _session(db, kasper), kasper.auth

    events = await _stream(
        client, "POST", f"{base}/v1/sessions/{sid}/messages", auth, json={"text": QUOTE}
    )

    assert _names(events) == [
        "run_started",
        "token",
        "tool_started",
        "tool_finished",
        "token",
        "message",
        "done",
    ]
    _assert_ids_increase(events)
    started, finished = events[2], events[3]
    assert started.data["name"] == "draft_quote"
    assert (started.data["args"]["service"], Decimal(str(started.data["args"]["area_m2"]))) == (
        "moving_out",
        Decimal(80),
    )
    assert finished.data["tool_call_id"] == started.data["tool_call_id"]
    assert finished.data["status"] == "succeeded"
    assert Decimal(str(finished.data["result"]["price_min"])) == Decimal(1396)
    reply = events[-2].data["text"]
    assert "1.396" in reply and "2.094" in reply
    assert "".join(e.data["text"] for e in events if e.event == "token").endswith(reply)
    assert events[0].data["session_id"] == str(sid)
    assert events[-1].data["status"] == "completed"
    # What was streamed is exactly what is stored for resume.
    stored = await ChatEventLog(db).after(sid, 0)
    assert [(e.id, e.kind, e.data) for e in stored] == [(e.id, e.event, e.data) for e in events]


async def test_a_dropped_stream_resumes_on_another_process_with_nothing_lost_or_doubled(
    start_server: Callable[[], str], client: httpx.AsyncClient, db: Database
) -> None:
    first, second = start_server(), start_server()
    kasper = await _user(db, "kasper@rendetalje.dk")
    sid, auth = await _session(db, kasper), kasper.auth

    async with client.stream(
        "POST", f"{first}/v1/sessions/{sid}/messages", headers=auth, json={"text": QUOTE}
    ) as resp:
        head = await _read(resp, stop_after=3)
    assert [e.event for e in head][:1] == ["run_started"] and len(head) == 3

    rest = await _stream(
        client,
        "GET",
        f"{second}/v1/sessions/{sid}/events",
        auth,
        headers={"Last-Event-ID": str(head[-1].id)},
    )
    assert rest and rest[-1].event == "done" and rest[-1].data["status"] == "completed"
    whole = head + rest
    _assert_ids_increase(whole)
    stored = await ChatEventLog(db).after(sid, 0)
    assert [e.id for e in whole] == [e.id for e in stored]
    assert "tool_finished" in _names(rest) or "tool_finished" in _names(head)

    # ?after= works the same; after the last event of a finished turn there is nothing.
    again = await _stream(client, "GET", f"{second}/v1/sessions/{sid}/events?after=0", auth)
    assert [e.id for e in again] == [e.id for e in stored]
    empty = await _stream(
        client, "GET", f"{first}/v1/sessions/{sid}/events?after={stored[-1].id}", auth
    )
    assert empty == []


async def test_a_second_message_while_a_turn_runs_is_409_until_the_lease_runs_out(
    start_server: Callable[[], str], client: httpx.AsyncClient, db: Database
) -> None:
    base = start_server()
    kasper = await _user(db, "kasper@rendetalje.dk")
    sid, auth = await _session(db, kasper), kasper.auth
    log = ChatEventLog(db)
    # Another process is running a turn in this session.
    assert await log.claim_turn(sid, "other-process", lease=timedelta(minutes=1))
    assert not await log.claim_turn(sid, "third", lease=timedelta(minutes=1))

    for url, body in (
        (f"{base}/v1/sessions/{sid}/messages", {"text": QUOTE}),
        (f"{base}/v1/sessions/{sid}/messages?stream=false", {"text": QUOTE}),
        (f"{base}/v1/sessions/{sid}/approvals/call_1", {"decision": "approve"}),
    ):
        resp = await client.post(url, headers=auth, json=body)
        assert resp.status_code == 409, resp.text
        assert resp.json()["error"]["code"] == "turn_in_progress"

    # That process died: its lease runs out and the next message takes the session over.
    await log.release_turn(sid, "other-process")
    assert await log.claim_turn(sid, "dead-process", lease=timedelta(seconds=-1))
    events = await _stream(
        client, "POST", f"{base}/v1/sessions/{sid}/messages", auth, json={"text": QUOTE}
    )
    assert events[-1].event == "done" and events[-1].data["status"] == "completed"
    assert not await log.turn_running(sid)  # released at the end of the turn


async def test_an_approval_over_http_sends_the_draft(
    start_server: Callable[[], str], client: httpx.AsyncClient, db: Database
) -> None:
    base = start_server()
    kasper = await _user(db, "kasper@rendetalje.dk")
    evaluator = (await _user(db, "eva@rendetalje.dk", StaffRole.EVALUATOR)).auth
    sid, auth = await _session(db, kasper), kasper.auth
    async with db.transaction() as s:
        s.add(
            Lead(
                source=LeadSource.WEBSITE,
                status=LeadStatus.NEW,
                name="Mette Hansen",
                email="mette.hansen@example.dk",
                phone="+4520304050",
                address="Skovvej 12, 8000 Aarhus C",
                area_m2=Decimal(80),
                rooms=3,
                service=Service.MOVING_OUT,
                dedup_key="test:mette",
                received_at=datetime.now(UTC),
            )
        )
    url = f"{base}/v1/sessions/{sid}"

    drafted = await _stream(
        client,
        "POST",
        f"{url}/messages",
        auth,
        json={"text": "Skriv en mail til mette.hansen@example.dk om at vi kan komme på torsdag"},
    )
    assert ("tool_started", "draft_email_reply") in [(e.event, e.data.get("name")) for e in drafted]
    paused = await _stream(client, "POST", f"{url}/messages", auth, json={"text": "Send udkastet"})
    asks = [e for e in paused if e.event == "approval_required"]
    assert [a.data["tool"] for a in asks] == ["send_email"]
    assert paused[-1].event == "done" and paused[-1].data["status"] == "awaiting_approval"
    call_id = asks[0].data["tool_call_id"]

    resp = await client.post(
        f"{url}/approvals/{call_id}", headers=evaluator, json={"decision": "approve"}
    )
    assert resp.status_code == 403  # an evaluator may chat but not approve
    resp = await client.post(
        f"{url}/approvals/not-{call_id}", headers=auth, json={"decision": "approve"}
    )
    assert resp.status_code == 404

    decided = await _stream(
        client, "POST", f"{url}/approvals/{call_id}", auth, json={"decision": "approve"}
    )
    assert decided[0].event == "run_started"
    finished = [e for e in decided if e.event == "tool_finished"]
    assert [(f.data["tool_call_id"], f.data["name"], f.data["status"]) for f in finished] == [
        (call_id, "send_email", "succeeded")
    ]
    assert decided[-1].event == "done" and decided[-1].data["status"] == "completed"
    _assert_ids_increase(drafted + paused + decided)
    async with db.transaction() as s:
        mails = list((await s.execute(select(OutboundEmail.status))).scalars())
    assert mails == ["sent"]

    # Deciding again: the runner says nothing is pending, in the stream.
    again = await _stream(
        client, "POST", f"{url}/approvals/{call_id}", auth, json={"decision": "approve"}
    )
    assert [e.data["code"] for e in again if e.event == "error"] == ["nothing_pending"]
    assert again[-1].data["status"] == "failed"


async def test_the_json_variant_returns_the_quote_figures(
    start_server: Callable[[], str], client: httpx.AsyncClient, db: Database
) -> None:
    base = start_server()
    kasper = await _user(db, "kasper@rendetalje.dk")
    sid, auth = await _session(db, kasper), kasper.auth

    resp = await client.post(
        f"{base}/v1/sessions/{sid}/messages?stream=false", headers=auth, json={"text": QUOTE}
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert body["status"] == "completed" and body["pending_approval"] is None
    assert body["error"] is None and body["run_id"]
    assert "1.396" in body["reply"] and "2.094" in body["reply"]
    [call] = body["tool_calls"]
    assert (call["name"], call["status"]) == ("draft_quote", "succeeded")
    assert Decimal(str(call["args"]["area_m2"])) == Decimal(80)
    assert Decimal(str(call["result"]["price_min"])) == Decimal(1396)
    assert Decimal(str(call["result"]["price_max"])) == Decimal(2094)
    stored = await ChatEventLog(db).after(sid, 0)
    assert body["last_event_id"] == stored[-1].id and stored[-1].kind == "done"


async def test_another_users_session_is_404_on_every_chat_endpoint(
    start_server: Callable[[], str], client: httpx.AsyncClient, db: Database
) -> None:
    base = start_server()
    owner = await _user(db, "kasper@rendetalje.dk")
    other = (await _user(db, "lise@rendetalje.dk", StaffRole.OWNER)).auth
    sid = await _session(db, owner)
    url = f"{base}/v1/sessions/{sid}"

    for method, path, body in (
        ("POST", f"{url}/messages", {"text": QUOTE}),
        ("POST", f"{url}/messages?stream=false", {"text": QUOTE}),
        ("POST", f"{url}/approvals/call_1", {"decision": "approve"}),
        ("GET", f"{url}/events", None),
        ("GET", f"{url}/events?after=0", None),
        ("POST", f"{base}/v1/sessions/{uuid.uuid4()}/messages", {"text": QUOTE}),
    ):
        resp = await client.request(method, path, headers=other, json=body)
        assert resp.status_code == 404, (method, path, resp.text)
        assert resp.json()["error"]["code"] == "not_found"
    assert await ChatEventLog(db).after(sid, 0) == []
    assert not await ChatEventLog(db).turn_running(sid)
    resp = await client.post(f"{url}/messages", json={"text": QUOTE})
    assert resp.status_code == 401


class _EndlessRunner:
    """A turn that starts and then waits forever (a slow model)."""

    async def turn(self, caller: Caller, **_: object) -> AsyncIterator[AgentEvent]:
        yield RunStarted(run_id="endless", session_id=str(caller.session_id), model="stub")
        await asyncio.Event().wait()


async def test_shutdown_interrupts_a_late_turn_which_ends_its_stream_and_frees_the_session(
    db_url: str, db: Database
) -> None:
    app = create_app(make_settings(db_url))
    kasper = await _user(db, "kasper@rendetalje.dk")
    sid = await _session(db, kasper)
    log = ChatEventLog(db)
    async with app.router.lifespan_context(app):
        app.state.container.chat = cast(ChatRunner, _EndlessRunner())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            post = asyncio.create_task(
                c.post(f"/v1/sessions/{sid}/messages", headers=kasper.auth, json={"text": "hej"})
            )
            for _ in range(500):  # until the turn has started
                if await log.after(sid, 0):
                    break
                await asyncio.sleep(0.02)
            assert await log.turn_running(sid)
            await drain_turns(app, grace_s=0.1)
            resp = await asyncio.wait_for(post, timeout=10)
    assert resp.status_code == 200
    stored = await log.after(sid, 0)
    assert [(e.kind, e.data.get("code", e.data.get("status"))) for e in stored] == [
        ("run_started", None),
        ("error", "interrupted"),
        ("done", "failed"),
    ]
    assert f"id: {stored[-1].id}" in resp.text and "event: done" in resp.text
    assert not await log.turn_running(sid)
