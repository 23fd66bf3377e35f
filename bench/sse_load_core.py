"""The parts the load benchmarks share: a throwaway database, `renos` subprocesses, generated
users and mail, SSE chat streams that check every event, and the checks against the database.

Used by ``bench.load_sse`` (streams and mail workers together), ``bench.concurrency`` (streams
at several concurrency levels) and ``bench.responder_throughput`` (mail workers alone).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
from sqlalchemy import func, make_url, select

from agent.inbox.ingest import ingest
from agent.providers.settings import ModelSettings
from api.auth.tokens import generate_token
from api.composition import Container
from api.config import Settings
from api.settings import ServerSettings
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


# --- numbers --------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by the nearest-rank method; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q * len(ordered))))
    return ordered[rank - 1]


def rss_kib(pid: int) -> int | None:
    """The process's resident set size (VmRSS), None where /proc does not tell."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


# --- databases ------------------------------------------------------------------------------


def database_url(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def postgres_server(admin_url: str | None, work_dir: Path) -> Iterator[str]:
    """``admin_url`` (a maintenance database of a running server), or the maintenance
    database of an embedded server started in ``work_dir`` and stopped afterwards."""
    if admin_url is not None:
        yield admin_url
        return
    embedded = start_embedded_server(work_dir)
    try:
        yield embedded.url("postgres")
    finally:
        # Stopped now: at exit its folder would already be gone and it would live on.
        from pgserver.postgres_server import get_server

        get_server(embedded.pgdata).cleanup()


@contextlib.contextmanager
def throwaway_database(
    admin_url: str, *, prefix: str = "renos_load", template: str | None = None
) -> Iterator[str]:
    """A new database (a copy of ``template`` if given) on ``admin_url``'s server, dropped
    afterwards; yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    create_database_if_missing(admin_url, name, template=template)
    try:
        yield database_url(admin_url, name)
    finally:
        drop_database(admin_url, name)


def settings_for(db_url: str) -> Settings:
    """Settings for the benchmark's own container (no environment, no .env file)."""
    return Settings(
        server=ServerSettings(_env_file=None, RENOS_ENV="test"),
        database=DatabaseSettings(_env_file=None, DATABASE_URL=db_url),
        model=ModelSettings(_env_file=None, MODEL_PROVIDER="offline"),
        google=GoogleSettings(_env_file=None),
    )


# --- generated data -------------------------------------------------------------------------


def inbound_mail(i: int, now: datetime, *, tag: str = "load") -> bytes:
    """A new customer's request for a quote, from a sender of its own (``kunde{i}``)."""
    name = f"Kunde {i}"
    address = f"kunde{i}@example.dk"
    body = MAIL_BODIES[i % len(MAIL_BODIES)].format(m=50 + i % 150, name=name)
    head = (
        "Authentication-Results: mx.google.com; dkim=pass header.i=@example.dk; "
        f"spf=pass smtp.mailfrom={address}; dmarc=pass header.from=example.dk\n"
        f"From: {name} <{address}>\nTo: info@rendetalje.dk\nSubject: Forespørgsel {i}\n"
        f"Message-ID: <{tag}-{i}-{uuid.uuid4().hex[:8]}@example.dk>\n"
        f"Date: {format_datetime(now)}\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n"
    )
    return f"{head}\n{body}\n".encode()


async def ingest_mails(container: Container, count: int, *, tag: str = "load") -> None:
    now = datetime.now(UTC)
    for i in range(count):
        raw = inbound_mail(i, now, tag=tag)
        await ingest(container.database, raw, now=now, max_raw_bytes=MAX_MAIL_BYTES)


async def create_tokens(container: Container, count: int, *, prefix: str = "load") -> list[str]:
    """One staff user with one token each; the clear tokens."""
    tokens: list[str] = []
    async with container.database.transaction() as s:
        repo = StaffRepository(s)
        for i in range(count):
            user = await repo.create_user(
                email=f"{prefix}{i}@rendetalje.dk", name=f"Load {i}", role=StaffRole.STAFF
            )
            new = generate_token()
            await repo.add_token(
                user_id=user.id,
                name=prefix,
                token_hash=new.hash,
                prefix=new.prefix,
                expires_at=None,
            )
            tokens.append(new.clear)
    return tokens


# --- subprocesses ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def child_env(db_url: str, port: int, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `renos` child: this database, offline model, draft-only
    responder with no workers in the service, rate limits out of the way; ``extra`` last."""
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
    env.update(extra)
    return env


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


def serve(env: dict[str, str], port: int, work_dir: Path, *, workers: int = 1) -> Child:
    """`renos serve` on ``port`` (``workers``: its --workers, processes behind the port)."""
    args = [RENOS, "serve", "--port", str(port), "--workers", str(workers)]
    return Child(args, env, work_dir, work_dir / "serve.log")


def inbox_worker(env: dict[str, str], number: int, work_dir: Path) -> Child:
    """A `renos inbox work --json` process (one worker task)."""
    log = work_dir / f"worker{number}.log"
    return Child([RENOS, "inbox", "work", "--json"], env, work_dir, log)


def server_exit_problem(code: int | None) -> str | None:
    """uvicorn re-raises the signal it stopped on: SIGTERM is a clean stop."""
    return None if code in (0, -signal.SIGTERM) else f"server exit code {code}"


async def wait_ready(server: Child, base: str, wait_s: float = 120) -> None:
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


# An exception's name at the start of a line (a plain or a JSON-escaped one) of the log.
_EXCEPTION = re.compile(r"(?:\\n|\n)([A-Za-z_.]+(?:Error|Exception|Timeout)): ")


def log_problems(log: Path) -> Counter[str]:
    """The exceptions a log names at the end of a traceback, counted."""
    found: Counter[str] = Counter()
    for match in _EXCEPTION.finditer(log.read_text(errors="replace")):
        found[match.group(1)] += 1
    return found


def worker_report(worker: Child) -> dict[str, object]:
    """The JSON report a worker prints when it stops; empty without one."""
    text = worker.log.read_text(errors="replace")
    start = text.rfind("\n{")
    with contextlib.suppress(ValueError):
        report = json.loads(text[start + 1 if start >= 0 else 0 :])
        if isinstance(report, dict):
            return report
    return {}


def worker_processed(worker: Child) -> int:
    """``processed`` from the worker's report; 0 without one."""
    with contextlib.suppress(ValueError, KeyError, TypeError):
        return int(str(worker_report(worker)["processed"]))
    return 0


# --- the chat streams -----------------------------------------------------------------------


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
                return http_error(response.status_code, await response.aread())
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


async def read_turn(
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


def http_error(status: int, body: bytes) -> str:
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


async def chat_stream(
    client: httpx.AsyncClient,
    token: str,
    number: int,
    deadline: float,
    log: StreamLog,
    errors: Counter[str],
    *,
    max_turns: int | None = None,
) -> None:
    """One client: a session, then one message after the other until the deadline (or
    ``max_turns``)."""
    headers = {"Authorization": f"Bearer {token}"}
    try:
        r = await client.post("/v1/sessions", json={"title": f"load {number}"}, headers=headers)
    except httpx.HTTPError as exc:
        errors[f"transport: {type(exc).__name__} (create session)"] += 1
        return
    if r.status_code != 201:
        errors[http_error(r.status_code, r.content) + " (create session)"] += 1
        return
    log.session_id = session_id = uuid.UUID(r.json()["id"])
    turn, after_done = number, False  # the streams start at different texts
    while time.monotonic() < deadline and (max_turns is None or turn - number < max_turns):
        text = TEXTS[turn % len(TEXTS)]
        after_done = await read_turn(
            client, headers, session_id, text, log, errors, after_done=after_done
        )
        if not after_done:
            await asyncio.sleep(ERROR_PAUSE_S)  # no hammering after a refusal or failure
        turn += 1


async def run_streams(
    base: str,
    tokens: list[str],
    seconds: float,
    errors: Counter[str],
    *,
    max_turns: int | None = None,
) -> tuple[list[StreamLog], float]:
    """One stream per token for ``seconds`` (each finishes the turn it is in) or
    ``max_turns``; the logs and the time it all took."""
    limits = httpx.Limits(max_connections=len(tokens) + 10, max_keepalive_connections=None)
    timeout = httpx.Timeout(60.0, connect=10.0)
    logs = [StreamLog() for _ in tokens]
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(
                chat_stream(client, token, i, deadline, logs[i], errors, max_turns=max_turns)
                for i, token in enumerate(tokens)
            )
        )
        return logs, time.monotonic() - started


# --- checks against the database ------------------------------------------------------------


@dataclass(frozen=True)
class EventCheck:
    lost: int = 0  # stored, never received
    repeated: int = 0  # received more than once
    unknown: int = 0  # received, not stored


async def compare_events(container: Container, streams: list[StreamLog]) -> EventCheck:
    """Every stored event of every stream's session received once, nothing else received."""
    ids = [s.session_id for s in streams if s.session_id is not None]
    stored: dict[uuid.UUID, list[int]] = {i: [] for i in ids}
    async with container.database.transaction() as s:
        rows = await s.execute(
            select(ChatEvent.session_id, ChatEvent.id)
            .where(ChatEvent.session_id.in_(ids))
            .order_by(ChatEvent.id)
        )
        for session_id, event_id in rows:
            stored[session_id].append(event_id)
    lost = repeated = unknown = 0
    for log in streams:
        if log.session_id is None:
            continue
        seen = Counter(log.received)
        in_db = set(stored[log.session_id])
        lost += len(in_db - seen.keys())
        unknown += len(seen.keys() - in_db)
        repeated += sum(n - 1 for n in seen.values() if n > 1)
    return EventCheck(lost, repeated, unknown)


async def backlog(container: Container) -> list[uuid.UUID]:
    """The mails waiting for a worker."""
    async with container.database.transaction() as s:
        rows = await s.execute(select(InboundEmail.id).where(InboundEmail.status.in_(UNFINISHED)))
        return [row[0] for row in rows]


async def mail_counts(container: Container, mails: list[uuid.UUID]) -> tuple[dict[str, int], int]:
    """The mails by status, and how many of them have more than one outbound row."""
    async with container.database.transaction() as s:
        by_status = {
            str(status): int(n)
            for status, n in await s.execute(
                select(InboundEmail.status, func.count())
                .where(InboundEmail.id.in_(mails))
                .group_by(InboundEmail.status)
            )
        }
        twice = (
            select(OutboundEmail.inbound_email_id)
            .where(OutboundEmail.inbound_email_id.in_(mails))
            .group_by(OutboundEmail.inbound_email_id)
            .having(func.count() > 1)
            .subquery()
        )
        duplicates = int((await s.execute(select(func.count()).select_from(twice))).scalar_one())
    return by_status, duplicates


def unfinished(by_status: dict[str, int]) -> int:
    return sum(by_status.get(str(s), 0) for s in UNFINISHED)


async def drain(
    container: Container, mails: list[uuid.UUID], seconds: float, *, poll_s: float = 0.5
) -> float:
    """Wait until none of ``mails`` is waiting or in work (at most ``seconds``); the time it
    took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        by_status, _ = await mail_counts(container, mails)
        if not unfinished(by_status):
            break
        await asyncio.sleep(poll_s)
    return time.monotonic() - started
