"""Local HTTP stand-ins for model vendors, for wire-level tests of the real client libraries.

A ``FakeModelServer`` runs a small FastAPI app under uvicorn on 127.0.0.1 (a free port, a
daemon thread). Tests script provider-neutral ``Reply`` objects and faults; each subclass
renders them in its vendor's wire format. Every request is recorded for assertions.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Self

import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

JsonObject = dict[str, Any]
_BROKEN_JSON = '{"id": "broken", "choices": [{"index": 0, '

# Variables the vendor libraries read on their own; a developer's shell must not leak in.
MODEL_ENV_VARS = (
    "MODEL_PROVIDER",
    "MODEL_NAME",
    "MODEL_TIMEOUT_S",
    "MODEL_MAX_RETRIES",
    "MODEL_RETRY_BACKOFF_S",
    "MODEL_TEMPERATURE",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
    "OPENAI_ORG_ID",
    "OPENAI_PROXY",
    "GEMINI_API_KEY",
    "GEMINI_BASE_URL",
    "GOOGLE_API_KEY",
    "GOOGLE_GEMINI_BASE_URL",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_GENAI_API_VERSION",
    "GOOGLE_CLOUD_PROJECT",
    "LANGSMITH_GATEWAY",
    "LANGSMITH_TRACING",
    "LANGCHAIN_TRACING_V2",
)


def isolate_model_env(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    """Clear every model-related variable, then set ``env``."""
    for name in MODEL_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: JsonObject
    id: str = "call_1"


@dataclass(frozen=True)
class Reply:
    """One model answer. Each text piece is streamed as its own chunk."""

    text: tuple[str, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    input_tokens: int = 21
    output_tokens: int = 9


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: JsonObject
    at: float = 0.0  # time.monotonic() when it arrived: the client's waits between attempts


@dataclass(frozen=True)
class _Fault:
    kind: Literal["answer", "status", "hang", "malformed", "drop", "empty", "truncate"]
    status: int = 500
    retry_after: float | None = None
    after_chunks: int = 0
    payload: str = _BROKEN_JSON


class _DroppedConnectionError(Exception):
    """Raised inside a streamed answer: uvicorn then closes the connection mid-body."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, _DroppedConnectionError)


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


@dataclass
class _Script:
    replies: deque[Reply] = field(default_factory=deque)
    faults: deque[_Fault] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)


class FakeModelServer(ABC):
    """Base of the vendor fakes: lifecycle, scripting, recording and fault injection."""

    def __init__(self, *, hang_s: float = 10.0) -> None:
        self.hang_s = hang_s
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._script = _Script()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self.app = FastAPI()
        self.add_routes(self.app)

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    @contextmanager
    def running(cls) -> Iterator[Self]:
        server = cls()
        server.start()
        try:
            yield server
        finally:
            server.stop()

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        config.timeout_graceful_shutdown = 1
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 5
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake model server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._released.set()
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    # -- scripting ---------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget replies, faults and requests; release any request still hanging."""
        self._released.set()
        with self._lock:
            self._script = _Script()
        self._released = threading.Event()

    def reply(self, *replies: Reply) -> None:
        with self._lock:
            self._script.replies.extend(replies)

    def answer_next(self, n: int) -> None:
        """The next ``n`` requests get the next scripted replies; faults scripted after this
        call come after them (a fault otherwise takes the very next request)."""
        self._add_faults(n, _Fault("answer"))

    def fail_next(self, n: int, status: int, *, retry_after: float | None = None) -> None:
        self._add_faults(n, _Fault("status", status=status, retry_after=retry_after))

    def hang_next(self, n: int, *, after_chunks: int = 0) -> None:
        """Accept the next ``n`` requests and never answer (until reset or stop); when
        streaming with ``after_chunks``, stall after that many chunks of the next scripted
        reply (which that request then consumes)."""
        self._add_faults(n, _Fault("hang", after_chunks=after_chunks))

    def drop_next(self, n: int, *, after_chunks: int = 0) -> None:
        """Answer 200 and close the connection in the middle of the body: when streaming,
        after ``after_chunks`` chunks of the next scripted reply (which it then consumes)."""
        self._add_faults(n, _Fault("drop", after_chunks=after_chunks))

    def truncate_next(self, n: int, *, after_chunks: int) -> None:
        """Stream only the first ``after_chunks`` chunks of the next scripted reply and end
        the body cleanly, as a proxy that cuts a stream short does: no finish reason, no
        ``[DONE]``."""
        self._add_faults(n, _Fault("truncate", after_chunks=after_chunks))

    def empty_next(self, n: int) -> None:
        """Answer 200 with a stream that ends without any chunk (a JSON answer: ``{}``)."""
        self._add_faults(n, _Fault("empty"))

    def malformed_next(self, n: int, *, after_chunks: int = 0, payload: str = _BROKEN_JSON) -> None:
        """Answer 200 with broken JSON (or ``payload``: e.g. JSON of the wrong shape); when
        streaming, after ``after_chunks`` good chunks of the next scripted reply (which that
        request then consumes)."""
        self._add_faults(n, _Fault("malformed", after_chunks=after_chunks, payload=payload))

    def _add_faults(self, n: int, fault: _Fault) -> None:
        with self._lock:
            self._script.faults.extend([fault] * n)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._script.requests)

    # -- for subclasses ----------------------------------------------------------------------
    @property
    @abstractmethod
    def base_url(self) -> str:
        """The value of the provider's base-URL setting that points its client here."""

    @abstractmethod
    def add_routes(self, app: FastAPI) -> None: ...

    @abstractmethod
    def render_json(self, reply: Reply, request: RecordedRequest) -> JsonObject: ...

    @abstractmethod
    def render_events(self, reply: Reply, request: RecordedRequest) -> list[str]:
        """The SSE ``data:`` payloads of a streamed reply, in order."""

    @abstractmethod
    def error_response(self, status: int, retry_after: float | None) -> Response: ...

    @abstractmethod
    def wants_stream(self, request: RecordedRequest) -> bool: ...

    async def handle(self, request: Request) -> Response:
        recorded = RecordedRequest(
            path=request.url.path,
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=json.loads(await request.body() or b"{}"),
            at=time.monotonic(),
        )
        stream = self.wants_stream(recorded)
        with self._lock:
            self._script.requests.append(recorded)
            fault = self._script.faults.popleft() if self._script.faults else None
            if fault is not None and fault.kind == "answer":
                fault = None
            needs_reply = fault is None or (fault.after_chunks > 0 and stream)
            reply = self._script.replies.popleft() if needs_reply and self._script.replies else None
        if fault is not None and fault.kind == "status":
            return self.error_response(fault.status, fault.retry_after)
        if fault is not None and fault.kind == "hang" and not needs_reply:
            await self._hang()
            return Response(status_code=504)
        if needs_reply and reply is None:
            # Loud, and not a status the client retries: the test forgot to script a reply.
            return JSONResponse({"error": {"message": "no scripted reply"}}, status_code=418)
        if fault is not None and fault.kind == "empty":
            if stream:
                return StreamingResponse(_sse([]), media_type="text/event-stream")
            return JSONResponse({})
        if not stream:
            if fault is not None and fault.kind == "drop":
                return StreamingResponse(_sse([], then=self._drop), media_type="application/json")
            if fault is not None:
                return Response(fault.payload, media_type="application/json")
            assert reply is not None
            return JSONResponse(self.render_json(reply, recorded))
        events = self.render_events(reply, recorded) if reply is not None else []
        if fault is None:
            return StreamingResponse(_sse(events), media_type="text/event-stream")
        head = events[: fault.after_chunks]
        if fault.kind == "truncate":
            return StreamingResponse(_sse(head), media_type="text/event-stream")
        if fault.kind == "malformed":
            return StreamingResponse(_sse([*head, fault.payload]), media_type="text/event-stream")
        then = self._hang if fault.kind == "hang" else self._drop
        return StreamingResponse(_sse(head, then=then), media_type="text/event-stream")

    async def _hang(self) -> None:
        # A thread waits on the threading.Event, which reset() and stop() set from the test thread.
        await asyncio.to_thread(self._released.wait, self.hang_s)

    async def _drop(self) -> None:
        await asyncio.sleep(0.05)  # let the chunks already written reach the client first
        raise _DroppedConnectionError


async def _sse(
    payloads: list[str], *, then: Callable[[], Awaitable[None]] | None = None
) -> AsyncIterator[str]:
    for payload in payloads:
        yield f"data: {payload}\n\n"
        await asyncio.sleep(0)  # let each event leave as its own write
    if then is not None:
        await then()


def split_evenly(text: str, parts: int) -> list[str]:
    """``text`` in ``parts`` consecutive, non-empty-where-possible pieces."""
    size = max(1, -(-len(text) // parts))
    return [text[i : i + size] for i in range(0, len(text), size)]
