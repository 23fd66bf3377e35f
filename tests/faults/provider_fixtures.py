"""Shared pieces of the model-provider fault tests: the local vendor fakes, model settings
that point the real clients at them with small, fast retry budgets, the service on a loopback
port, and an SSE client.

Every fault is injected on the wire by the fakes (tests/fakes), so the whole stack runs as in
production: vendor SDK, LangChain adapter, retry policy, graph, runner, event log, SSE.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pytest
import uvicorn

from agent.providers.settings import ModelSettings
from api.app import create_app
from api.auth.tokens import generate_token
from api.config import Settings
from memory.database import Database
from memory.models.enums import ChatChannel, StaffRole
from memory.provision import create_database_if_missing, drop_database
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.staff import StaffRepository
from tests.conftest import TEMPLATE, database_url
from tests.fakes import FakeModelServer, isolate_model_env
from tests.fakes.gemini_server import FakeGeminiServer
from tests.fakes.openai_server import FakeOpenAIServer

ProviderName = Literal["openai-compatible", "gemini"]
PROVIDERS: tuple[ProviderName, ...] = ("openai-compatible", "gemini")

# Small budgets, so a fault costs little wall time, but real ones: the client's own timeout,
# MODEL_MAX_RETRIES retries, and the exponential backoff of agent/providers/retry.py.
TIMEOUT_S = 1.0
MAX_RETRIES = 2
ATTEMPTS = MAX_RETRIES + 1
BACKOFF_S = 0.05  # waits 0.05, 0.1 (each plus up to half of it at random)


def max_backoff_s(retries: int = MAX_RETRIES) -> float:
    """The longest the retry policy may sleep in total over ``retries`` retries."""
    return float(sum(BACKOFF_S * 2**i * 1.5 for i in range(retries)))


def model_settings(provider: ProviderName, server: FakeModelServer) -> ModelSettings:
    common: dict[str, Any] = {
        "MODEL_TIMEOUT_S": TIMEOUT_S,
        "MODEL_MAX_RETRIES": MAX_RETRIES,
        "MODEL_RETRY_BACKOFF_S": BACKOFF_S,
    }
    if provider == "gemini":
        return ModelSettings(
            _env_file=None,
            MODEL_PROVIDER="gemini",
            GEMINI_API_KEY="gemini-test-key",
            GEMINI_BASE_URL=server.base_url,
            **common,
        )
    return ModelSettings(
        _env_file=None,
        MODEL_PROVIDER="openai-compatible",
        MODEL_NAME="llama-test",
        OPENAI_BASE_URL=server.base_url,
        **common,
    )


def with_model(settings: Settings, provider: ProviderName, server: FakeModelServer) -> Settings:
    return dataclasses.replace(settings, model=model_settings(provider, server))


@pytest.fixture(scope="module")
def clean_model_env() -> Iterator[None]:
    """No developer's model variables reach the settings or the vendor libraries."""
    with pytest.MonkeyPatch.context() as patch:
        isolate_model_env(patch)
        yield


@pytest.fixture(scope="module")
def fakes(clean_model_env: None) -> Iterator[dict[ProviderName, FakeModelServer]]:
    """One fake of each vendor for the module; each test resets the one it uses."""
    with FakeOpenAIServer.running() as openai_server, FakeGeminiServer.running() as gemini:
        yield {"openai-compatible": openai_server, "gemini": gemini}


# -- the service on a loopback port --------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ApiServer:
    """``renos serve`` in a thread (uvicorn, its own event loop) on a free loopback port."""

    def __init__(self, settings: Settings) -> None:
        port = _free_port()
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> ApiServer:
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            assert self._thread.is_alive(), "the service did not start"
            assert time.monotonic() < deadline, "the service did not start in time"
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)


# -- users, sessions and the SSE client ------------------------------------------------------


@dataclass(frozen=True)
class Sse:
    id: int
    event: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Turn:
    events: list[Sse]
    seconds: float  # from sending the message to the end of the stream

    def names(self) -> list[str]:
        """Event names with runs of tokens folded into one."""
        out: list[str] = []
        for e in self.events:
            if not (e.event == "token" and out and out[-1] == "token"):
                out.append(e.event)
        return out

    def of(self, name: str) -> list[dict[str, Any]]:
        return [e.data for e in self.events if e.event == name]

    @property
    def text(self) -> str:
        return "".join(d["text"] for d in self.of("token"))

    @property
    def errors(self) -> list[str]:
        return [d["code"] for d in self.of("error")]

    @property
    def status(self) -> str:
        assert self.events and self.events[-1].event == "done", self.names()
        return str(self.events[-1].data["status"])


async def read_sse(resp: httpx.Response) -> list[Sse]:
    """The SSE wire format parsed by hand: fields, blank-line-terminated events, comments."""
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
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name, []).append(value.removeprefix(" "))
    return events


@dataclass(frozen=True)
class ChatSession:
    """A staff member's session on a running service, and a client to talk to it."""

    base: str
    id: uuid.UUID
    auth: dict[str, str]
    client: httpx.AsyncClient

    @property
    def url(self) -> str:
        return f"{self.base}/v1/sessions/{self.id}"

    async def send(self, text: str) -> Turn:
        started = time.monotonic()
        async with self.client.stream(
            "POST", f"{self.url}/messages", headers=self.auth, json={"text": text}
        ) as resp:
            events = await read_sse(resp)
        return Turn(events, time.monotonic() - started)

    async def replay(self, after: int = 0) -> list[Sse]:
        """What a client reconnecting with ``Last-Event-ID: after`` is sent."""
        headers = {**self.auth, "Last-Event-ID": str(after)}
        async with self.client.stream("GET", f"{self.url}/events", headers=headers) as resp:
            return await read_sse(resp)

    async def transcript(self) -> list[tuple[str, str]]:
        """The stored messages as the API lists them: (role, content)."""
        resp = await self.client.get(f"{self.url}/messages", headers=self.auth)
        assert resp.status_code == 200, resp.text
        return [(m["role"], m["content"]) for m in resp.json()["items"]]


async def open_session(db: Database, base: str, client: httpx.AsyncClient) -> ChatSession:
    """A new staff user with a token (so rate limits never carry over) and a session."""
    token = generate_token()
    email = f"staff-{uuid.uuid4().hex[:8]}@rendetalje.dk"
    async with db.transaction() as s:
        repo = StaffRepository(s)
        user = await repo.create_user(email=email, name="Staff", role=StaffRole.STAFF)
        await repo.add_token(
            user_id=user.id, name="t", token_hash=token.hash, prefix=token.prefix, expires_at=None
        )
        chat = await ChatSessionRepository(s).create(
            owner_id=user.id, channel=ChatChannel.CHAT, title="faults"
        )
    return ChatSession(base, chat.id, {"Authorization": f"Bearer {token.clear}"}, client)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(30)) as client:
        yield client


def gaps(server: FakeModelServer) -> list[float]:
    """Seconds between consecutive requests the fake received: the client's waits."""
    times = [r.at for r in server.requests]
    return [b - a for a, b in itertools.pairwise(times)]


# -- a database of the module's own -----------------------------------------------------------


@pytest.fixture(scope="module")
def module_db_url(pg_admin_url: str, template_url: str) -> Iterator[str]:
    """A migrated database shared by one module's tests (each test works in its own chat
    session or mail, and asserts on those), so the service starts once per module."""
    name = f"renos_t_{uuid.uuid4().hex[:12]}"
    create_database_if_missing(pg_admin_url, name, template=TEMPLATE)
    yield database_url(pg_admin_url, name)
    drop_database(pg_admin_url, name)
