"""Helpers of the database and process fault tests: a PostgreSQL server of a test's own that
can be stopped and started again on the same port, the service on a loopback port, a model
server that answers slowly, an SSE reader and a staff user with a token.

The session-wide server of ``tests/conftest.py`` is shared by every test; fault tests stop the
database, so they run the binaries of the ``pgserver`` package (the same PostgreSQL with
pgvector the service embeds) directly with ``pg_ctl`` on a temporary data folder, listening on
a fixed loopback TCP port. As root the server runs as pgserver's unprivileged system user, the
way :mod:`memory.embedded` runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import make_url

from api.auth.tokens import generate_token
from memory.database import Database
from memory.models.enums import ChatChannel, StaffRole
from memory.provision import create_database_if_missing
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.staff import StaffRepository
from tests.fakes.openai_server import FakeOpenAIServer

T = TypeVar("T")

_SYSTEM_USER = "pgserver"
# Durability across a crash of PostgreSQL (not of the machine) does not need fsync; the
# rest keeps the server small and quick to stop and start.
_OPTIONS = (
    "-c fsync=off -c synchronous_commit=on -c full_page_writes=off "
    "-c shared_buffers=32MB -c max_connections=100 -c log_min_messages=warning"
)


def _pgserver_ready() -> None:
    # pgserver reads the runtime folder when imported (as memory.embedded knows).
    os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/renos-runtime-{os.getuid()}")  # noqa: S108
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)


def _bin_dir() -> Path:
    _pgserver_ready()
    from pgserver._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class StoppableServer:
    """One PostgreSQL cluster in a temporary folder, on 127.0.0.1:``port``."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="renos-fault-pg-"))
        self.pgdata = self.root / "pgdata"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self._user: str | None = None
        self.running = False
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            _pgserver_ready()
            from pgserver.utils import ensure_prefix_permissions, ensure_user_exists

            ensure_user_exists(_SYSTEM_USER)
            self.root.chmod(0o777)
            ensure_prefix_permissions(self.root)
            shutil.chown(self.root, _SYSTEM_USER)
            self._user = _SYSTEM_USER

    def _run(self, exe: str, *args: str, timeout: float = 60) -> None:
        cmd = [str(_bin_dir() / exe), "-D", str(self.pgdata), *args]
        done = subprocess.run(
            cmd, user=self._user, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{exe} {args} failed: {done.stderr}\n{log[-2000:]}")

    def init(self) -> None:
        self._run("initdb", "--auth=trust", "--encoding=utf8", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        """Start (again) on the same port; returns when connections are accepted."""
        options = f"-h 127.0.0.1 -p {self.port} -k '' {_OPTIONS}"
        self._run("pg_ctl", "-w", "-t", "60", "-l", str(self.log), "-o", options, "start")
        self.running = True

    def stop(self, mode: str = "immediate") -> None:
        """``immediate``: like a crash (clients cut, recovery on the next start); ``fast``:
        clients cut, clean shutdown."""
        self._run("pg_ctl", "-w", "-t", "60", "-m", mode, "stop")
        self.running = False

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, *, template: str | None = None) -> str:
        create_database_if_missing(self.url("postgres"), name, template=template)
        return self.url(name)

    def wait_accepting(self, within_s: float = 30) -> None:
        conninfo = make_url(self.url("postgres")).set(drivername="postgresql")
        deadline = time.monotonic() + within_s
        while True:
            try:
                with psycopg.connect(conninfo.render_as_string(hide_password=False)):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


# -- the service in this process, on a loopback port ------------------------------------------


class ServiceThread:
    """``create_app(settings)`` under uvicorn in a thread with its own event loop, on a real
    socket (the way ``renos serve`` runs it, without a second interpreter's start-up).
    ``call`` runs a coroutine on the service's loop, e.g. to look at its background tasks."""

    def __init__(self, app: FastAPI) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        config.timeout_graceful_shutdown = 5
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve())

    def start(self, within_s: float = 60) -> None:
        self.thread.start()
        deadline = time.monotonic() + within_s
        while not self.server.started:
            assert self.thread.is_alive(), "the service did not start"
            assert time.monotonic() < deadline, "the service did not start in time"
            time.sleep(0.05)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)


# -- a model that takes its time ---------------------------------------------------------------


class PacedOpenAI(FakeOpenAIServer):
    """The OpenAI Chat Completions fake, whose next streamed answers can be slowed down: each
    chunk after a pause, so a turn is still running when the test pulls the plug."""

    def __init__(self) -> None:
        super().__init__()
        self._paces: deque[float] = deque()

    def pace_next(self, seconds_per_chunk: float) -> None:
        self._paces.append(seconds_per_chunk)

    async def handle(self, request: Request) -> Response:
        response = await super().handle(request)
        pace = self._paces.popleft() if self._paces else 0.0
        if pace and isinstance(response, StreamingResponse):
            response.body_iterator = _paced(response.body_iterator, pace)
        return response


async def _paced(chunks: AsyncIterable[Any], pace: float) -> AsyncIterator[Any]:
    async for chunk in chunks:
        await asyncio.sleep(pace)
        yield chunk


# -- clients -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sse:
    id: int | None  # None: an event the service did not store (e.g. database_unavailable)
    event: str
    data: dict[str, Any]


async def sse_events(resp: httpx.Response) -> AsyncIterator[Sse]:
    """The events of a ``text/event-stream`` answer as they arrive, parsed from the wire."""
    assert resp.status_code == 200, await resp.aread()
    assert resp.headers["content-type"].startswith("text/event-stream")
    fields: dict[str, list[str]] = {}
    async for line in resp.aiter_lines():
        if line == "":
            if "event" in fields:
                ids = fields.get("id")
                yield Sse(
                    id=int(ids[-1]) if ids else None,
                    event=fields["event"][-1],
                    data=json.loads("\n".join(fields["data"])),
                )
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name, []).append(value.removeprefix(" "))


async def read_sse(resp: httpx.Response, *, stop_after: int | None = None) -> list[Sse]:
    """The stream's events, up to its end (or the first ``stop_after``)."""
    events: list[Sse] = []
    async for event in sse_events(resp):
        events.append(event)
        if stop_after is not None and len(events) >= stop_after:
            break
    return events


@dataclass(frozen=True)
class User:
    id: uuid.UUID
    auth: dict[str, str]


async def staff_user(db: Database, email: str) -> User:
    """A staff user and the Authorization header of a fresh token."""
    token = generate_token()
    async with db.transaction() as s:
        repo = StaffRepository(s)
        user = await repo.create_user(email=email, name=email.split("@")[0], role=StaffRole.STAFF)
        await repo.add_token(
            user_id=user.id, name="t", token_hash=token.hash, prefix=token.prefix, expires_at=None
        )
    return User(id=user.id, auth={"Authorization": f"Bearer {token.clear}"})


async def chat_session(db: Database, user: User) -> uuid.UUID:
    async with db.transaction() as s:
        row = await ChatSessionRepository(s).create(
            owner_id=user.id, channel=ChatChannel.CHAT, title="fault test"
        )
        return row.id
