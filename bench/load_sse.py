"""Load test of the chat stream and the mail workers, bounded in time and count, loopback only.

Starts an embedded PostgreSQL in a temporary folder (removed afterwards) with a fresh database,
seeds the demo data, creates one staff user and token per stream and ingests ``--mails``
generated inbound mails. Then runs ``renos serve`` (offline model, responder in draft-only mode,
no workers inside the service, rate limits out of the way) on 127.0.0.1 and ``--workers``
``renos inbox work`` processes, each a subprocess of its own, and keeps ``--streams`` chat
streams going for ``--seconds``: each creates a session and sends short Danish messages one
after the other, reading every SSE stream to its ``done``. Afterwards the mail queue is given
``--drain-seconds`` to empty, and the database is compared with what the clients saw.

Checked: HTTP status, ``error`` events, protocol (ids strictly increasing per session and
never repeated, ``run_started`` first, ``done`` last with status ``completed``), every row of
``chat_events`` received exactly once, no inbound mail with two outbound rows, no mail left
unfinished. Prints the figures and exits 1 on any error, lost or repeated event, or duplicate.

    .venv/bin/python -m bench.load_sse [--streams 100] [--seconds 60] [--mails 500] [--workers 2]
    .venv/bin/python -m bench.load_sse --quick     # 20 streams, 10 s, 100 mails
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
from sqlalchemy import func, make_url, select

from agent.inbox.ingest import ingest
from agent.providers.settings import ModelSettings
from api.auth.tokens import generate_token
from api.composition import Container, build_container
from api.config import Settings
from api.settings import ServerSettings
from api.startup import seed_demo
from memory.embedded import start_embedded_server
from memory.models import InboundEmail, OutboundEmail
from memory.models.enums import InboundStatus, StaffRole
from memory.models.events import ChatEvent
from memory.provision import create_database_if_missing, drop_database
from memory.repositories.staff import StaffRepository
from memory.settings import DatabaseSettings
from tools.integrations.settings import GoogleSettings

RENOS = str(Path(sys.executable).parent / "renos")
HOST = "127.0.0.1"
UNLIMITED = "1000000"  # the per-token rate limits, out of the benchmark's way
MAX_MAIL_BYTES = 10 * 1024 * 1024
MAX_RESUMES = 3
ERROR_PAUSE_S = 0.5
UNFINISHED = (InboundStatus.RECEIVED, InboundStatus.PROCESSING)

TEXTS = [
    "Find Mette",
    "Hvad koster flytterengøring af 80 m2?",
    "Find leads fra Randers",
    "Hvad koster en hovedrengøring på 120 m2?",
    "Er der ledige tider på fredag?",
    "Tak for det",
]

MAIL_BODIES = [
    "Hej\n\nJeg skal flytte og vil gerne have et tilbud på flytterengøring af min lejlighed "
    "på {m} m². Hvornår kan I komme?\n\nMvh {name}",
    "Hej\n\nHvad koster en hovedrengøring af et hus på {m} m² i Aarhus?\n\nVenlig hilsen {name}",
    "Hej\n\nKan I gøre rent hver anden uge i vores rækkehus på {m} m²?\n\nMvh {name}",
]


@dataclass(frozen=True)
class LoadConfig:
    streams: int = 100
    seconds: float = 60.0
    mails: int = 500
    workers: int = 2
    drain_seconds: float = 300.0
    log_dir: Path | None = None  # keep the server's and the workers' logs there


QUICK = LoadConfig(streams=20, seconds=10, mails=100, workers=2, drain_seconds=60)


@dataclass
class Turn:
    first_event_s: float | None
    total_s: float
    completed: bool


@dataclass
class StreamLog:
    session_id: uuid.UUID | None = None
    received: list[int] = field(default_factory=list)  # event ids, in order, over all turns
    turns: list[Turn] = field(default_factory=list)


@dataclass
class LoadResult:
    config: LoadConfig
    elapsed_s: float = 0.0
    streams: list[StreamLog] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    lost_events: int = 0
    repeated_events: int = 0
    unknown_events: int = 0
    mails_total: int = 0
    mails_processed: int = 0
    mails_by_status: dict[str, int] = field(default_factory=dict)
    mail_duplicates: int = 0
    mails_unfinished: int = 0
    mail_drain_s: float = 0.0
    prepare_s: float = 0.0
    server_ready_s: float = 0.0
    worker_exit_codes: list[int | None] = field(default_factory=list)
    rss_start_kib: int | None = None
    rss_end_kib: int | None = None
    server_log_tail: str = ""
    server_log_problems: Counter[str] = field(default_factory=Counter)

    @property
    def turns(self) -> list[Turn]:
        return [t for s in self.streams for t in s.turns]

    @property
    def ok(self) -> bool:
        return not (
            self.errors
            or self.lost_events
            or self.repeated_events
            or self.unknown_events
            or self.mail_duplicates
            or self.mails_unfinished
            or any(code != 0 for code in self.worker_exit_codes)
        )


# --- set-up ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _inbound_mail(i: int, now: datetime) -> bytes:
    name = f"Kunde {i}"
    address = f"kunde{i}@example.dk"
    body = MAIL_BODIES[i % len(MAIL_BODIES)].format(m=50 + i % 150, name=name)
    head = (
        "Authentication-Results: mx.google.com; dkim=pass header.i=@example.dk; "
        f"spf=pass smtp.mailfrom={address}; dmarc=pass header.from=example.dk\n"
        f"From: {name} <{address}>\nTo: info@rendetalje.dk\nSubject: Forespørgsel {i}\n"
        f"Message-ID: <load-{i}-{uuid.uuid4().hex[:8]}@example.dk>\n"
        f"Date: {format_datetime(now)}\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n"
    )
    return f"{head}\n{body}\n".encode()


async def _prepare(container: Container, streams: int, mails: int) -> list[str]:
    """Demo data, one user and token per stream, ``mails`` inbound mails; the clear tokens."""
    await seed_demo(container)
    tokens: list[str] = []
    async with container.database.transaction() as s:
        repo = StaffRepository(s)
        for i in range(streams):
            user = await repo.create_user(
                email=f"load{i}@rendetalje.dk", name=f"Load {i}", role=StaffRole.STAFF
            )
            new = generate_token()
            await repo.add_token(
                user_id=user.id,
                name="load",
                token_hash=new.hash,
                prefix=new.prefix,
                expires_at=None,
            )
            tokens.append(new.clear)
    now = datetime.now(UTC)
    for i in range(mails):
        await ingest(
            container.database, _inbound_mail(i, now), now=now, max_raw_bytes=MAX_MAIL_BYTES
        )
    return tokens


def _child_env(db_url: str, port: int, data_dir: Path) -> dict[str, str]:
    prefixes = ("DATABASE_", "RENOS_", "RESPONDER_", "MODEL_", "EMBEDDING_", "CHAT_", "GOOGLE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(
        {
            "DATABASE_URL": db_url,
            "RENOS_DATA_DIR": str(data_dir),
            "RENOS_ENV": "test",
            "RENOS_SEED_DEMO": "false",
            "RENOS_HOST": HOST,
            "RENOS_PORT": str(port),
            "RENOS_LOG_LEVEL": "warning",
            "RENOS_RATE_LIMIT_PER_MINUTE": UNLIMITED,
            "RENOS_CHAT_RATE_LIMIT_PER_MINUTE": UNLIMITED,
            "MODEL_PROVIDER": "offline",
            "EMBEDDING_PROVIDER": "offline",
            "RESPONDER_MODE": "draft-only",
            "RESPONDER_SERVICE_WORKERS": "0",
            "RESPONDER_BACKOFF_S": "1",
            "RESPONDER_POLL_S": "0.2",
        }
    )
    return env


def rss_kib(pid: int) -> int | None:
    """The process's resident set size (VmRSS), None where /proc does not tell."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class Child:
    """A subprocess with its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            args, env=env, cwd=cwd, stdout=self._out, stderr=subprocess.STDOUT
        )

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    async def stop(self, wait_s: float = 60) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.proc.wait, wait_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                await asyncio.to_thread(self.proc.wait)
        self._out.close()
        return self.proc.returncode


async def _wait_ready(server: Child, base: str, wait_s: float = 120) -> None:
    deadline = time.monotonic() + wait_s
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        while time.monotonic() < deadline:
            if server.proc.poll() is not None:
                raise RuntimeError(f"renos serve exited:\n{server.tail()}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.3)
    raise RuntimeError(f"renos serve not ready in {wait_s:.0f} s:\n{server.tail()}")


# --- the chat streams -----------------------------------------------------------------------


@dataclass
class _Sse:
    id: int | None = None
    kind: str = "message"
    data: list[str] = field(default_factory=list)


@dataclass
class _TurnRead:
    started: float
    first: float | None = None
    kinds: list[str] = field(default_factory=list)
    done_status: str | None = None


async def _consume(
    request: contextlib.AbstractAsyncContextManager[httpx.Response],
    log: StreamLog,
    turn: _TurnRead,
    errors: Counter[str],
) -> str | None:
    """Read one SSE response to its end; None if that went well, else what went wrong."""
    try:
        async with request as response:
            if response.status_code != 200:
                return _http_error(response.status_code, await response.aread())
            event = _Sse()
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
                if turn.first is None:
                    turn.first = time.monotonic() - turn.started
                if turn.done_status is not None:
                    errors["protocol: event after done"] += 1
                status = _check_event(event, log, turn.kinds, errors)
                if event.kind == "done":
                    turn.done_status = status or "?"
                event = _Sse()
    except (httpx.HTTPError, ValueError) as exc:
        return f"transport: {type(exc).__name__}"
    return None


async def _read_turn(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    session_id: uuid.UUID,
    text: str,
    log: StreamLog,
    errors: Counter[str],
    *,
    after_done: bool,
) -> bool:
    """Send one message and read its stream to ``done``, resuming with ``Last-Event-ID``
    (as a client should) when the stream breaks; True if the turn ended with ``done``."""
    turn = _TurnRead(started=time.monotonic())
    url = f"/v1/sessions/{session_id}"
    post = client.stream("POST", f"{url}/messages", json={"text": text}, headers=headers)
    error = await _consume(post, log, turn, errors)
    if error is not None and error.startswith("http "):
        if error == "http 409 turn_in_progress" and after_done:
            error += " (right after the previous turn's done)"
        errors[error] += 1
        return False
    resumes = 0
    while error is not None or turn.done_status is None:
        errors[error or "protocol: stream ended before done"] += 1
        if resumes == MAX_RESUMES:
            errors["protocol: gave up resuming"] += 1
            break
        resumes += 1
        last = {"Last-Event-ID": str(log.received[-1] if log.received else 0)}
        get = client.stream("GET", f"{url}/events", headers={**headers, **last})
        error = await _consume(get, log, turn, errors)
    if resumes:
        errors[f"resumed after a broken stream ({'done' if turn.done_status else 'no done'})"] += 1
    if not turn.kinds:
        errors["protocol: empty stream"] += 1
    elif turn.kinds[0] != "run_started":
        errors[f"protocol: first event {turn.kinds[0]}"] += 1
    if turn.done_status is not None and turn.done_status != "completed":
        errors[f"done status {turn.done_status}"] += 1
    completed = turn.done_status == "completed"
    log.turns.append(Turn(turn.first, time.monotonic() - turn.started, completed))
    return turn.done_status is not None


def _http_error(status: int, body: bytes) -> str:
    code = body.decode(errors="replace")[:60]
    with contextlib.suppress(ValueError, KeyError, TypeError):
        code = str(json.loads(body)["error"]["code"])
    return f"http {status} {code}"


def _check_event(event: _Sse, log: StreamLog, kinds: list[str], errors: Counter[str]) -> str | None:
    """Record the event; its ``status`` when it has one (``done``)."""
    kinds.append(event.kind)
    if event.id is None:
        errors["protocol: event without id"] += 1
    else:
        if log.received and event.id <= log.received[-1]:
            errors["protocol: id not increasing"] += 1
        log.received.append(event.id)
    try:
        data = json.loads("\n".join(event.data))
    except ValueError:
        errors["protocol: data not JSON"] += 1
        return None
    if not isinstance(data, dict):
        errors["protocol: data not an object"] += 1
        return None
    if event.kind == "error":
        errors[f"error event {data.get('code')}"] += 1
    status = data.get("status")
    return str(status) if status is not None else None


async def _stream(
    client: httpx.AsyncClient,
    token: str,
    number: int,
    deadline: float,
    log: StreamLog,
    errors: Counter[str],
) -> None:
    """One client: a session, then one message after the other until the deadline."""
    headers = {"Authorization": f"Bearer {token}"}
    try:
        r = await client.post("/v1/sessions", json={"title": f"load {number}"}, headers=headers)
    except httpx.HTTPError as exc:
        errors[f"transport: {type(exc).__name__} (create session)"] += 1
        return
    if r.status_code != 201:
        errors[_http_error(r.status_code, r.content) + " (create session)"] += 1
        return
    log.session_id = session_id = uuid.UUID(r.json()["id"])
    turn, after_done = number, False  # the streams start at different texts
    while time.monotonic() < deadline:
        text = TEXTS[turn % len(TEXTS)]
        after_done = await _read_turn(
            client, headers, session_id, text, log, errors, after_done=after_done
        )
        if not after_done:
            await asyncio.sleep(ERROR_PAUSE_S)  # no hammering after a refusal or failure
        turn += 1


# --- checks against the database ------------------------------------------------------------


async def _compare_events(container: Container, result: LoadResult) -> None:
    """Every stored event of every stream's session received once, nothing else received."""
    ids = [s.session_id for s in result.streams if s.session_id is not None]
    stored: dict[uuid.UUID, list[int]] = {i: [] for i in ids}
    async with container.database.transaction() as s:
        rows = await s.execute(
            select(ChatEvent.session_id, ChatEvent.id)
            .where(ChatEvent.session_id.in_(ids))
            .order_by(ChatEvent.id)
        )
        for session_id, event_id in rows:
            stored[session_id].append(event_id)
    for log in result.streams:
        if log.session_id is None:
            continue
        seen = Counter(log.received)
        in_db = set(stored[log.session_id])
        result.lost_events += len(in_db - seen.keys())
        result.unknown_events += len(seen.keys() - in_db)
        result.repeated_events += sum(n - 1 for n in seen.values() if n > 1)


async def _backlog(container: Container) -> list[uuid.UUID]:
    """The mails waiting for a worker: the generated ones and the demo data's pending ones."""
    async with container.database.transaction() as s:
        rows = await s.execute(select(InboundEmail.id).where(InboundEmail.status.in_(UNFINISHED)))
        return [row[0] for row in rows]


async def _mail_counts(
    container: Container, backlog: list[uuid.UUID]
) -> tuple[dict[str, int], int]:
    """The backlog's mails by status, and how many of them have more than one outbound row."""
    async with container.database.transaction() as s:
        by_status = {
            str(status): int(n)
            for status, n in await s.execute(
                select(InboundEmail.status, func.count())
                .where(InboundEmail.id.in_(backlog))
                .group_by(InboundEmail.status)
            )
        }
        twice = (
            select(OutboundEmail.inbound_email_id)
            .where(OutboundEmail.inbound_email_id.in_(backlog))
            .group_by(OutboundEmail.inbound_email_id)
            .having(func.count() > 1)
            .subquery()
        )
        duplicates = int((await s.execute(select(func.count()).select_from(twice))).scalar_one())
    return by_status, duplicates


async def _drain(container: Container, backlog: list[uuid.UUID], seconds: float) -> float:
    """Wait until no backlog mail is waiting or in work (at most ``seconds``); the time it
    took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        by_status, _ = await _mail_counts(container, backlog)
        if not any(by_status.get(str(s), 0) for s in UNFINISHED):
            break
        await asyncio.sleep(0.5)
    return time.monotonic() - started


# --- the run --------------------------------------------------------------------------------


def _database_url(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def _database(admin_url: str | None, work_dir: Path) -> Iterator[str]:
    """A fresh database (dropped afterwards) on ``admin_url``'s server, or on an embedded
    server started in ``work_dir``."""
    embedded = None
    if admin_url is None:
        embedded = start_embedded_server(work_dir)
        admin_url = embedded.url("postgres")
    name = f"renos_load_{uuid.uuid4().hex[:12]}"
    create_database_if_missing(admin_url, name)
    try:
        yield _database_url(admin_url, name)
    finally:
        drop_database(admin_url, name)
        if embedded is not None:
            # Stopped now: at exit its folder would already be gone and it would live on.
            from pgserver.postgres_server import get_server

            get_server(embedded.pgdata).cleanup()


def _settings(db_url: str) -> Settings:
    return Settings(
        server=ServerSettings(_env_file=None, RENOS_ENV="test"),
        database=DatabaseSettings(_env_file=None, DATABASE_URL=db_url),
        model=ModelSettings(_env_file=None, MODEL_PROVIDER="offline"),
        google=GoogleSettings(_env_file=None),
    )


async def run_load(config: LoadConfig, *, admin_url: str | None = None) -> LoadResult:
    """The whole benchmark; ``admin_url``: a maintenance database of a running server to
    create the throwaway database on (default: an embedded server of its own)."""
    work_dir = Path(tempfile.mkdtemp(prefix="renos-load-"))
    try:
        with _database(admin_url, work_dir) as db_url:
            container = await build_container(_settings(db_url))
            try:
                return await _run(config, container, db_url, work_dir)
            finally:
                await container.aclose()
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


async def _run(config: LoadConfig, container: Container, db_url: str, work_dir: Path) -> LoadResult:
    result = LoadResult(config=config)
    started = time.monotonic()
    tokens = await _prepare(container, config.streams, config.mails)
    backlog = await _backlog(container)
    result.mails_total = len(backlog)
    result.prepare_s = time.monotonic() - started
    port = _free_port()
    env = _child_env(db_url, port, work_dir / "data")
    base = f"http://{HOST}:{port}"
    server = Child([RENOS, "serve", "--port", str(port)], env, work_dir, work_dir / "serve.log")
    workers: list[Child] = []
    try:
        started = time.monotonic()
        await _wait_ready(server, base)
        result.server_ready_s = time.monotonic() - started
        result.rss_start_kib = rss_kib(server.proc.pid)
        workers = [
            Child([RENOS, "inbox", "work", "--json"], env, work_dir, work_dir / f"worker{i}.log")
            for i in range(config.workers)
        ]
        limits = httpx.Limits(max_connections=config.streams + 10, max_keepalive_connections=None)
        timeout = httpx.Timeout(60.0, connect=10.0)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
            result.streams = [StreamLog() for _ in range(config.streams)]
            started = time.monotonic()
            deadline = started + config.seconds
            await asyncio.gather(
                *(
                    _stream(client, tokens[i], i, deadline, result.streams[i], result.errors)
                    for i in range(config.streams)
                )
            )
            result.elapsed_s = time.monotonic() - started
        result.rss_end_kib = rss_kib(server.proc.pid)
        if workers:
            result.mail_drain_s = await _drain(container, backlog, config.drain_seconds)
    finally:
        for w in workers:
            result.worker_exit_codes.append(await w.stop())
        for w in workers:
            result.mails_processed += _worker_processed(w)
        code = await server.stop()
        if code not in (0, -signal.SIGTERM):  # uvicorn re-raises the signal it stopped on
            result.errors[f"server exit code {code}"] += 1
        result.server_log_tail = server.tail()
        result.server_log_problems = _log_problems(server.log)
        if config.log_dir is not None:
            config.log_dir.mkdir(parents=True, exist_ok=True)
            for child in (server, *workers):
                shutil.copy(child.log, config.log_dir / child.log.name)
    await _compare_events(container, result)
    result.mails_by_status, result.mail_duplicates = await _mail_counts(container, backlog)
    if config.workers:
        result.mails_unfinished = sum(result.mails_by_status.get(str(s), 0) for s in UNFINISHED)
    return result


# An exception's name at the start of a line (a plain or a JSON-escaped one) of the log.
_EXCEPTION = re.compile(r"(?:\\n|\n)([A-Za-z_.]+(?:Error|Exception|Timeout)): ")


def _log_problems(log: Path) -> Counter[str]:
    """The exceptions the server's log names at the end of a traceback, counted."""
    found: Counter[str] = Counter()
    for match in re.finditer(
        r"(?:\\n|\n)([A-Za-z_.]+(?:Error|Exception|Timeout)): ", log.read_text(errors="replace")
    ):
        found[match.group(1)] += 1
    return found


def _worker_processed(worker: Child) -> int:
    """``processed`` from the JSON report a worker prints when it stops; 0 without one."""
    text = worker.log.read_text(errors="replace")
    start = text.rfind("\n{")
    with contextlib.suppress(ValueError, KeyError, TypeError):
        return int(json.loads(text[start + 1 if start >= 0 else 0 :])["processed"])
    return 0


# --- the report -----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by the nearest-rank method; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q * len(ordered))))
    return ordered[rank - 1]


def report(result: LoadResult) -> str:
    c = result.config
    turns = result.turns
    done = [t for t in turns if t.completed]
    first = [t.first_event_s for t in turns if t.first_event_s is not None]
    totals = [t.total_s for t in done]
    rate = len(done) / result.elapsed_s if result.elapsed_s else 0.0
    rss = "n/a"
    if result.rss_start_kib and result.rss_end_kib:
        rss = (
            f"{result.rss_start_kib / 1024:.0f} MiB at start, "
            f"{result.rss_end_kib / 1024:.0f} MiB at end "
            f"(x{result.rss_end_kib / result.rss_start_kib:.2f})"
        )
    statuses = ", ".join(f"{n} {k}" for k, n in sorted(result.mails_by_status.items()))
    lines = [
        f"streams: {c.streams} concurrent for {result.elapsed_s:.1f} s "
        f"(asked {c.seconds:g} s), nproc {os.cpu_count()}",
        f"turns completed: {len(done)} of {len(turns)} read, {rate:.1f} turns/s",
        f"time to first event: p50 {percentile(first, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(first, 0.95) * 1000:.0f} ms",
        f"turn time: p50 {percentile(totals, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(totals, 0.95) * 1000:.0f} ms",
        f"errors: {sum(result.errors.values())}",
        *(f"  {n} x {kind}" for kind, n in result.errors.most_common()),
        f"events: {sum(len(s.received) for s in result.streams)} received; "
        f"{result.lost_events} lost, {result.repeated_events} repeated, "
        f"{result.unknown_events} not in chat_events",
        f"mails: backlog {result.mails_total} ({c.mails} generated, the rest pending demo "
        f"mail), {result.mails_processed} processed by {c.workers} workers; {statuses}",
        f"mail duplicates: {result.mail_duplicates}; unfinished: {result.mails_unfinished} "
        f"(queue drained {result.mail_drain_s:.1f} s after the streams)",
        f"worker exit codes: {result.worker_exit_codes}; set-up {result.prepare_s:.1f} s, "
        f"server ready after {result.server_ready_s:.1f} s",
        f"server RSS: {rss}",
        "server log: "
        + (", ".join(f"{n} x {k}" for k, n in result.server_log_problems.most_common()) or "clean"),
        "result: " + ("OK" if result.ok else "FAILED"),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=LoadConfig.streams)
    parser.add_argument("--seconds", type=float, default=LoadConfig.seconds)
    parser.add_argument("--mails", type=int, default=LoadConfig.mails)
    parser.add_argument("--workers", type=int, default=LoadConfig.workers)
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=LoadConfig.drain_seconds,
        help="how long the mail queue may take to empty after the streams",
    )
    parser.add_argument("--logs", type=Path, help="copy the server's and workers' logs here")
    parser.add_argument("--quick", action="store_true", help="20 streams, 10 s, 100 mails")
    args = parser.parse_args(argv)
    config = (
        QUICK
        if args.quick
        else LoadConfig(args.streams, args.seconds, args.mails, args.workers, args.drain_seconds)
    )
    config = dataclasses.replace(config, log_dir=args.logs)
    result = asyncio.run(run_load(config))
    print(report(result))
    if not result.ok:
        print("--- server log (tail) ---\n" + result.server_log_tail, file=sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
