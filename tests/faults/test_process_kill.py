"""A `renos serve` process is killed (SIGKILL) in the middle of a chat turn, and a new process
on the same database carries on.

What is right after such a kill, and asserted here:

- The session is usable at once, not after the dead turn's lease (60 s) runs out: the lock row
  names the process that holds it (its connections' ``application_name``), and a process with
  no connection left is dead, so the next claim takes the lock over.
- The dead turn is closed by whoever takes the session next (a new message, or a client
  resuming the stream): an ``error`` ``interrupted`` and a failed ``done`` are stored after its
  last event, so a resumed stream ends; every event the client had received is stored, with no
  gap before it.
- The user's message of the killed turn is stored, once (it is written before the model
  runs); the killed turn has no answer. Nothing is stored twice.
- The tool call that was running when the process died (its audit row committed as
  ``pending`` before the tool ran; the tool's own writes roll back with the process) is marked
  ``failed`` with error code ``interrupted`` when the turn is closed: no audit row stays
  "running" for ever.

A responder worker process killed mid-mail is covered by
``tests/agent/responder/test_exactly_once.py`` (every mail final, none answered twice).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import func, make_url, select, text

from memory.database import Database, create_database
from memory.models import ChatMessage, TaskExecution
from memory.models.enums import MessageRole, TaskStatus
from memory.repositories.chat_events import ChatEventLog
from tests.fakes import MODEL_ENV_VARS, Reply, ToolCall

from .db_server import PacedOpenAI, Sse, chat_session, free_port, read_sse, sse_events, staff_user

RENOS = str(Path(sys.executable).parent / "renos")
CALL_ID = "call_killed_search"


class Serve:
    """`renos serve` in a process of its own."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"serve-{self.port}.log"
        self.proc = subprocess.Popen(
            [RENOS, "serve", "--port", str(self.port)],
            env=env,
            cwd=cwd,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    async def wait_ready(self, within_s: float = 120) -> None:
        deadline = time.monotonic() + within_s
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, self.log.read_text()[-3000:]
                try:
                    if (await client.get(f"{self.url}/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"not ready in {within_s:g} s: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def model() -> Iterator[PacedOpenAI]:
    with PacedOpenAI.running() as server:
        yield server


@pytest.fixture
def env(db_url: str, model: PacedOpenAI, tmp_path: Path) -> dict[str, str]:
    prefixes = ("DATABASE_", "RENOS_", "RESPONDER_", "MODEL_", "OPENAI_", "GEMINI_", "GOOGLE_")
    values = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    values = {k: v for k, v in values.items() if k not in MODEL_ENV_VARS}
    values.update(
        DATABASE_URL=db_url,
        RENOS_ENV="test",
        RENOS_DATA_DIR=str(tmp_path / "data"),
        RESPONDER_SERVICE_WORKERS="0",
        MODEL_PROVIDER="openai-compatible",
        OPENAI_BASE_URL=model.base_url,
        MODEL_NAME="fake",
        MODEL_MAX_RETRIES="0",
    )
    return values


@pytest.fixture
def services(env: dict[str, str], tmp_path: Path) -> Iterator[list[Serve]]:
    started: list[Serve] = []
    yield started
    for service in started:
        service.stop()


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = create_database(db_url, pool_size=2)
    yield database
    await database.dispose()


def _conninfo(db_url: str) -> str:
    return make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _db_now(db: Database) -> datetime:
    async with db.transaction() as s:
        now: datetime = (await s.execute(text("SELECT clock_timestamp()"))).scalar_one()
    return now


async def _connections_of(db: Database, pid: int) -> int:
    async with db.transaction() as s:
        return int(
            (
                await s.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE :n"),
                    {"n": f"renos-{pid}-%"},
                )
            ).scalar_one()
        )


async def test_a_turn_killed_mid_tool_leaves_a_usable_session_and_a_whole_log(
    env: dict[str, str],
    tmp_path: Path,
    services: list[Serve],
    model: PacedOpenAI,
    db: Database,
    db_url: str,
) -> None:
    first = Serve(env, tmp_path)
    services.append(first)
    await first.wait_ready()
    ana = await staff_user(db, "ana@rendetalje.dk")
    sid = await chat_session(db, ana)
    log = ChatEventLog(db)
    url = f"/v1/sessions/{sid}"

    async with httpx.AsyncClient(timeout=httpx.Timeout(30)) as client:
        model.reply(Reply(text=("Hej", " Ana")))
        async with client.stream(
            "POST", f"{first.url}{url}/messages", headers=ana.auth, json={"text": "Første"}
        ) as resp:
            before = await read_sse(resp)
        assert before[-1].event == "done" and before[-1].data["status"] == "completed"

        # The next turn's tool blocks on a table lock held here, and the process is killed
        # while it waits: its audit row is committed ("pending"), its work is not.
        model.reply(Reply(tool_calls=(ToolCall("search_leads", {"query": "Hansen"}, CALL_ID),)))
        blocker = await psycopg.AsyncConnection.connect(_conninfo(db_url))
        await blocker.execute("LOCK TABLE leads IN ACCESS EXCLUSIVE MODE")
        received: list[Sse] = []
        try:
            async with client.stream(
                "POST", f"{first.url}{url}/messages", headers=ana.auth, json={"text": "Anden"}
            ) as resp:
                async for event in sse_events(resp):
                    received.append(event)
                    if event.event == "tool_started":
                        await _until_pending(db)
                        first.kill()
        except httpx.HTTPError:
            pass  # the connection died with the process
        finally:
            await blocker.rollback()
            await blocker.close()
        assert first.proc.returncode == -signal.SIGKILL
        assert [e.event for e in received] == ["run_started", "tool_started"]
        async with db.transaction() as s:
            lease_until = (
                await s.execute(
                    text("SELECT lease_until FROM chat_turns WHERE session_id = :s"), {"s": sid}
                )
            ).scalar_one()
        # The database notices the dead process's connections go (not the service's doing).
        deadline = time.monotonic() + 15
        while await _connections_of(db, first.proc.pid):
            assert time.monotonic() < deadline, "the killed process's connections linger"
            await asyncio.sleep(0.1)

        second = Serve(env, tmp_path)
        services.append(second)
        await second.wait_ready()

        # A client resuming the cut stream gets the rest of the dead turn: it ends.
        async with client.stream(
            "GET",
            f"{second.url}{url}/events",
            headers={**ana.auth, "Last-Event-ID": str(received[-1].id)},
        ) as resp:
            rest = await read_sse(resp)
        assert [(e.event, e.data.get("code"), e.data.get("status")) for e in rest] == [
            ("error", "interrupted", None),
            ("done", None, "failed"),
        ]
        assert {e.data.get("run_id") for e in received[:1]} == {
            rest[0].data.get("run_id", received[0].data["run_id"])
        }

        # The session takes the next message at once: no 409, no waiting for the lease.
        model.reply(Reply(text=("Velkommen", " tilbage")))
        async with client.stream(
            "POST", f"{second.url}{url}/messages", headers=ana.auth, json={"text": "Tredje"}
        ) as resp:
            after = await read_sse(resp)
        assert after[-1].event == "done" and after[-1].data["status"] == "completed", after
        assert await _db_now(db) < lease_until
        # The model is not shown the dead turn's call without its result (a real vendor
        # answers 400 to a tool call that has no tool message).
        _assert_calls_answered(model.requests[-1].body["messages"])

    stored = await log.after(sid, 0)
    streamed = before + received + rest + after
    assert [(e.id, e.kind, e.data) for e in stored] == [(e.id, e.event, e.data) for e in streamed]
    runs = [e.run_id for e in stored if e.kind == "done"]
    assert len(runs) == len(set(runs)) == 3  # one done per turn, the dead one included
    dead = received[0].data["run_id"]
    assert [e.kind for e in stored if e.run_id == dead] == [
        "run_started",
        "tool_started",
        "error",
        "done",
    ]

    async with db.transaction() as s:
        messages = (
            await s.execute(
                select(ChatMessage.role, ChatMessage.content)
                .where(ChatMessage.session_id == sid)
                .order_by(ChatMessage.id)
            )
        ).all()
        [call] = (
            await s.execute(select(TaskExecution).where(TaskExecution.session_id == sid))
        ).scalars()
        running = (
            await s.execute(
                select(func.count())
                .select_from(TaskExecution)
                .where(TaskExecution.status == TaskStatus.PENDING)
            )
        ).scalar_one()
    assert [(m.role, m.content) for m in messages] == [
        (MessageRole.USER, "Første"),
        (MessageRole.ASSISTANT, "Hej Ana"),
        (MessageRole.USER, "Anden"),  # the killed turn's question, once; no answer
        (MessageRole.USER, "Tredje"),
        (MessageRole.ASSISTANT, "Velkommen tilbage"),
    ]
    assert (call.tool_call_id, call.status, call.error_code) == (
        CALL_ID,
        TaskStatus.FAILED,
        "interrupted",
    )
    assert call.finished_at is not None and running == 0
    assert not await log.turn_running(sid)


async def _until_pending(db: Database, within_s: float = 15) -> None:
    """Until the killed turn's tool call is audited as running."""
    deadline = time.monotonic() + within_s
    while True:
        async with db.transaction() as s:
            status = (
                await s.execute(
                    select(TaskExecution.status).where(TaskExecution.tool_call_id == CALL_ID)
                )
            ).scalar_one_or_none()
        if status == TaskStatus.PENDING:
            return
        assert time.monotonic() < deadline, f"the tool call never started ({status})"
        await asyncio.sleep(0.05)


def _assert_calls_answered(messages: list[dict[str, object]]) -> None:
    answered = {m.get("tool_call_id") for m in messages if m.get("role") == "tool"}
    for m in messages:
        calls = m.get("tool_calls") or []
        assert isinstance(calls, list)
        for call in calls:
            assert call["id"] in answered, f"tool call {call['id']} without its result"
