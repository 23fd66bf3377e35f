"""Shared pieces of the benches that drive the service end to end over HTTP: a throwaway
database with demo data, a staff user with a token, the service on a loopback port (a real
``renos serve`` subprocess, or uvicorn inside this process for profiling), and one chat turn
sent and its Server-Sent Events read to ``done``, timed from sending the POST to receiving
``done``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import text

from agent.providers.settings import ModelSettings
from api.app import create_app
from api.auth.tokens import generate_token
from api.composition import Container, build_container
from api.config import Settings
from api.settings import ServerSettings
from api.startup import seed_demo
from bench.sse_load_core import (
    HOST,
    child_env,
    free_port,
    postgres_server,
    serve,
    throwaway_database,
    wait_ready,
)
from memory.database import Database
from memory.models.enums import StaffRole
from memory.repositories.staff import StaffRepository
from memory.settings import DatabaseSettings
from tools.integrations.settings import GoogleSettings

UNLIMITED = 1_000_000  # the per-token rate limits, out of the benchmark's way

# One lead search, one tool call: the offline model calls search_leads, then answers.
ONE_TOOL_TEXT = "Find Mette Hansen"
TIMEOUT = httpx.Timeout(60.0, connect=10.0)


def settings_for(db_url: str) -> Settings:
    """Offline model and embedder, no rate limits in the way, no background workers."""
    return Settings(
        server=ServerSettings(
            _env_file=None,
            RENOS_ENV="test",
            RENOS_SEED_DEMO=False,
            RENOS_LOG_LEVEL="warning",
            RENOS_RATE_LIMIT_PER_MINUTE=UNLIMITED,
            RENOS_CHAT_RATE_LIMIT_PER_MINUTE=UNLIMITED,
        ),
        database=DatabaseSettings(_env_file=None, DATABASE_URL=db_url),
        model=ModelSettings(_env_file=None, MODEL_PROVIDER="offline"),
        google=GoogleSettings(_env_file=None),
    )


@dataclass(frozen=True)
class Staff:
    user_id: uuid.UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def prepare(container: Container, email: str = "bench@rendetalje.dk") -> Staff:
    """The demo data (leads to search) and one staff user with a bearer token."""
    await seed_demo(container)
    async with container.database.transaction() as s:
        repo = StaffRepository(s)
        user = await repo.create_user(email=email, name="Bench", role=StaffRole.STAFF)
        new = generate_token()
        await repo.add_token(
            user_id=user.id, name="bench", token_hash=new.hash, prefix=new.prefix, expires_at=None
        )
    return Staff(user.id, new.clear)


@contextlib.asynccontextmanager
async def bench_container(admin_url: str | None) -> AsyncIterator[tuple[Container, str]]:
    """A throwaway database (on ``admin_url``'s server, or an embedded one in a temporary
    folder) migrated, with the chat agent built; yields the container and the database URL."""
    work_dir = Path(tempfile.mkdtemp(prefix="renos-bench-"))
    try:
        with (
            postgres_server(admin_url, work_dir) as server,
            throwaway_database(server, prefix="renos_bench") as db_url,
        ):
            container = await build_container(settings_for(db_url), with_agent=True)
            try:
                yield container, db_url
            finally:
                await container.aclose()
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


@dataclass(frozen=True)
class Served:
    base: str  # the service's base URL
    pid: int | None  # the server's process, None when it runs in this one


@contextlib.asynccontextmanager
async def serve_subprocess(db_url: str) -> AsyncIterator[Served]:
    """``renos serve`` on a free loopback port (offline model, no workers); yields where it
    listens and stops it (SIGTERM) afterwards."""
    work_dir = Path(tempfile.mkdtemp(prefix="renos-serve-"))
    port = free_port()
    base = f"http://{HOST}:{port}"
    server = serve(child_env(db_url, port, work_dir / "data"), port, work_dir)
    try:
        await wait_ready(server, base)
        yield Served(base, server.proc.pid)
    finally:
        await server.stop()
        shutil.rmtree(work_dir, ignore_errors=True)


@contextlib.asynccontextmanager
async def serve_in_process(db_url: str) -> AsyncIterator[Served]:
    """The same app under uvicorn in this process and event loop, on a real loopback socket
    (for profiling: the client shares the loop, so timings are a little worse)."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings_for(db_url)), host=HOST, port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.05)
        yield Served(f"http://{HOST}:{port}", None)
    finally:
        server.should_exit = True
        await task


def client(served: Served) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=served.base, timeout=TIMEOUT)


async def create_session(http: httpx.AsyncClient, staff: Staff, title: str) -> uuid.UUID:
    r = await http.post("/v1/sessions", json={"title": title}, headers=staff.headers)
    r.raise_for_status()
    return uuid.UUID(r.json()["id"])


@dataclass
class SseEvent:
    id: int | None = None
    kind: str = "message"
    data: list[str] = field(default_factory=list)

    def json(self) -> dict[str, object]:
        value = json.loads("\n".join(self.data)) if self.data else {}
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class ServiceTurn:
    seconds: float  # from sending the POST to receiving done
    first_event_s: float | None
    events: list[SseEvent]

    @property
    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    @property
    def done_status(self) -> str | None:
        done = [e for e in self.events if e.kind == "done"]
        return str(done[-1].json().get("status")) if done else None

    @property
    def tools_finished(self) -> list[dict[str, object]]:
        return [e.json() for e in self.events if e.kind == "tool_finished"]


class TurnFailedError(RuntimeError):
    pass


async def send_turn(
    http: httpx.AsyncClient, staff: Staff, session_id: uuid.UUID, text: str
) -> ServiceTurn:
    """POST a message and read its SSE stream up to ``done``; refuses anything but a turn
    that completes (no resume: on a quiet loopback a broken stream is a failure)."""
    events: list[SseEvent] = []
    first: float | None = None
    started = time.perf_counter()
    url = f"/v1/sessions/{session_id}/messages"
    async with http.stream("POST", url, json={"text": text}, headers=staff.headers) as response:
        if response.status_code != 200:
            body = (await response.aread()).decode(errors="replace")[:200]
            raise TurnFailedError(f"HTTP {response.status_code}: {body}")
        event = SseEvent()
        async for line in response.aiter_lines():
            if line.startswith(":"):
                continue  # keep-alive comment
            if line:
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "id":
                    event.id = int(value)
                elif name == "event":
                    event.kind = value
                elif name == "data":
                    event.data.append(value)
                continue
            if event.id is None and not event.data:
                continue
            if first is None:
                first = time.perf_counter() - started
            events.append(event)
            if event.kind == "done":
                break
            event = SseEvent()
    seconds = time.perf_counter() - started
    turn = ServiceTurn(seconds, first, events)
    if turn.done_status != "completed" or "error" in turn.kinds:
        raise TurnFailedError(f"turn did not complete: {turn.kinds} {events[-1:]}")
    return turn


# --- figures ------------------------------------------------------------------------------


def window_median(values: Sequence[float], turn: int, half: int = 2) -> float:
    """Median of the values of turns ``turn - half`` .. ``turn + half`` (1-based), clipped to
    the turns there are and shifted inwards at the ends (turn 1: turns 1..5)."""
    n = len(values)
    if n == 0:
        return 0.0
    width = min(2 * half + 1, n)
    start = min(max(turn - 1 - half, 0), n - width)
    return statistics.median(values[start : start + width])


def window_mean(values: Sequence[float], turn: int, half: int = 2) -> float:
    """Mean over the same window as :func:`window_median` (for coarse-grained counts)."""
    n = len(values)
    if n == 0:
        return 0.0
    width = min(2 * half + 1, n)
    start = min(max(turn - 1 - half, 0), n - width)
    return statistics.fmean(values[start : start + width])


def window_label(turn: int, n: int, half: int = 2) -> str:
    width = min(2 * half + 1, n)
    start = min(max(turn - 1 - half, 0), n - width)
    return f"{start + 1}-{start + width}"


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_s(pid: int) -> float:
    """CPU time (user + system) a process has used, from /proc (0.0 where it cannot be read;
    the kernel counts in ticks of 10 ms: average over many turns)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


async def backends_cpu_s(database: Database) -> float:
    """CPU time used so far by the PostgreSQL backends connected to this database (on this
    machine)."""
    async with database.transaction() as s:
        pids = (
            await s.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            )
        ).scalars()
        return sum(process_cpu_s(int(pid)) for pid in pids)


@dataclass
class CpuMeter:
    """CPU time per side of a turn: this process, the server process, the database backends."""

    database: Database
    server_pid: int | None

    async def read(self) -> tuple[float, float, float]:
        server = process_cpu_s(self.server_pid) if self.server_pid is not None else 0.0
        return time.process_time(), server, await backends_cpu_s(self.database)


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return f"nproc {os.cpu_count()}, load average {load}"


# --- a database and a server of our own ----------------------------------------------------
