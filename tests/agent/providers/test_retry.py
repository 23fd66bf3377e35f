"""The retry policy and error taxonomy, through both real clients against the local fakes.

Each test runs once per provider. The policy's sleep is a recorder, so waits are asserted,
not waited; only the timeout tests spend real time (a 0.5 s client timeout).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace

import httpx2
import openai
import pytest
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableLambda

from agent.providers import (
    ChatModelHandle,
    ProviderError,
    RetryPolicy,
    classify_error,
    invoke_with_retry,
    stream_with_retry,
)
from tests.agent.providers import SleepRecorder, build_handle, conversation, draft_quote
from tests.fakes import FakeModelServer, Reply
from tests.fakes.gemini_server import FakeGeminiServer
from tests.fakes.openai_server import FakeOpenAIServer

TIMEOUT_S = 0.5
MAX_RETRIES = 2
ANSWER = Reply(text=("Hej", " med", " dig"))


@dataclass
class Wire:
    server: FakeModelServer
    handle: ChatModelHandle
    sleeps: SleepRecorder
    policy: RetryPolicy

    def model(self, *, streaming: bool = True) -> Runnable[LanguageModelInput, BaseMessage]:
        chat: BaseChatModel = self.handle.model
        if not streaming:  # the plain JSON response instead of SSE
            chat = chat.model_copy(update={"streaming": False})
        return chat.bind_tools([draft_quote])

    async def invoke(self, *, streaming: bool = True) -> BaseMessage:
        model = self.model(streaming=streaming)
        return await invoke_with_retry(model, conversation(), policy=self.policy)


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, FakeModelServer]]:
    with FakeOpenAIServer.running() as openai_server, FakeGeminiServer.running() as gemini:
        yield {"openai": openai_server, "gemini": gemini}


@pytest.fixture(params=["openai", "gemini"])
async def wire(
    request: pytest.FixtureRequest,
    servers: dict[str, FakeModelServer],
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Wire]:
    provider: str = request.param
    server = servers[provider]
    server.reset()
    handle = build_handle(
        monkeypatch,
        provider,
        server,
        MODEL_TIMEOUT_S=str(TIMEOUT_S),
        MODEL_MAX_RETRIES=str(MAX_RETRIES),
    )
    sleeps = SleepRecorder()
    policy = replace(handle.retry_policy, sleep=sleeps, jitter_s=0.0)
    assert policy.max_retries == MAX_RETRIES
    yield Wire(server, handle, sleeps, policy)
    await handle.aclose()


async def test_429_then_200_succeeds_after_waiting_retry_after(wire: Wire) -> None:
    wire.server.fail_next(1, 429, retry_after=2)
    wire.server.reply(ANSWER)
    message = await wire.invoke()
    assert message.text == "Hej med dig"
    assert len(wire.server.requests) == 2
    assert wire.sleeps.calls == [2.0]


async def test_retry_after_is_capped(wire: Wire) -> None:
    wire.server.fail_next(1, 429, retry_after=120)
    wire.server.reply(ANSWER)
    wire.policy = replace(wire.policy, max_retry_after_s=5.0)
    await wire.invoke()
    assert wire.sleeps.calls == [5.0]


async def test_persistent_500_becomes_provider_unavailable(wire: Wire) -> None:
    wire.server.fail_next(MAX_RETRIES + 1, 500)
    wire.server.reply(ANSWER)  # would be served to a fourth attempt, which must not happen
    with pytest.raises(ProviderError) as caught:
        await wire.invoke()
    assert (caught.value.code, caught.value.status, caught.value.retryable) == (
        "provider_unavailable",
        500,
        True,
    )
    assert len(wire.server.requests) == MAX_RETRIES + 1
    assert wire.sleeps.calls == [0.5, 1.0]  # exponential backoff, no Retry-After given


async def test_a_hang_becomes_timeout_within_the_configured_timeout(wire: Wire) -> None:
    wire.server.hang_next(2)
    wire.policy = replace(wire.policy, max_retries=1)
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        await wire.invoke()
    elapsed = time.monotonic() - started
    assert caught.value.code == "timeout"
    assert len(wire.server.requests) == 2
    assert 2 * TIMEOUT_S * 0.9 <= elapsed < 2 * TIMEOUT_S + 1.0


@pytest.mark.parametrize("streaming", [True, False], ids=["sse", "json"])
async def test_malformed_json_is_bad_response(wire: Wire, streaming: bool) -> None:
    wire.server.malformed_next(MAX_RETRIES + 1)
    with pytest.raises(ProviderError) as caught:
        await wire.invoke(streaming=streaming)
    assert caught.value.code == "bad_response"
    assert len(wire.server.requests) == MAX_RETRIES + 1


@pytest.mark.parametrize("streaming", [True, False], ids=["sse", "json"])
async def test_malformed_json_once_is_retried(wire: Wire, streaming: bool) -> None:
    wire.server.malformed_next(1)
    wire.server.reply(ANSWER)
    message = await wire.invoke(streaming=streaming)
    assert message.text == "Hej med dig"
    assert wire.sleeps.calls == [0.5]


@pytest.mark.parametrize(
    ("status", "code"), [(401, "auth"), (403, "auth"), (400, "invalid_request")]
)
async def test_client_errors_are_not_retried(wire: Wire, status: int, code: str) -> None:
    wire.server.fail_next(1, status)
    wire.server.reply(ANSWER)
    with pytest.raises(ProviderError) as caught:
        await wire.invoke()
    assert (caught.value.code, caught.value.retryable) == (code, False)
    assert len(wire.server.requests) == 1
    assert wire.sleeps.calls == []


async def test_a_stream_is_retried_before_its_first_chunk(wire: Wire) -> None:
    wire.server.fail_next(1, 503)
    wire.server.reply(ANSWER)
    chunks = [c async for c in stream_with_retry(wire.model(), conversation(), policy=wire.policy)]
    assert "".join(c.text for c in chunks) == "Hej med dig"
    assert len(wire.server.requests) == 2


async def test_a_stream_that_breaks_midway_is_not_retried(wire: Wire) -> None:
    wire.server.malformed_next(1, after_chunks=3)
    wire.server.reply(ANSWER, ANSWER)  # a retry would find a full answer and repeat the text
    received: list[str] = []

    async def consume() -> None:
        async for chunk in stream_with_retry(wire.model(), conversation(), policy=wire.policy):
            received.append(chunk.text)

    with pytest.raises(ProviderError) as caught:
        await consume()
    assert caught.value.code == "bad_response"
    assert "".join(received).startswith("Hej")
    assert "".join(received).count("Hej") == 1
    assert len(wire.server.requests) == 1
    assert wire.sleeps.calls == []


async def test_errors_that_are_not_the_providers_pass_through_unchanged() -> None:
    calls: list[str] = []

    def broken(_: object) -> BaseMessage:
        calls.append("call")
        raise KeyError("a bug, not an outage")

    sleeps = SleepRecorder()
    with pytest.raises(KeyError):
        await invoke_with_retry(RunnableLambda(broken), "hej", policy=RetryPolicy(sleep=sleeps))
    assert (calls, sleeps.calls) == (["call"], [])


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # a date in the past
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_header_forms(headers: dict[str, str], seconds: float | None) -> None:
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx2.Response(429, headers=headers, request=request)
    error = classify_error(openai.RateLimitError("slow down", response=response, body=None))
    assert error is not None
    assert (error.code, error.retry_after) == ("rate_limited", seconds)
