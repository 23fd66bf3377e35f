"""The real ChatOpenAI client, built by our factory, against a local Chat Completions server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import reduce
from operator import add

import pytest
from langchain_core.messages import AIMessageChunk, BaseMessage

from agent.providers import ChatModelHandle, invoke_with_retry, stream_with_retry
from tests.agent.providers import PAST_CALL_ARGS, build_handle, conversation, draft_quote
from tests.fakes import Reply, ToolCall
from tests.fakes.openai_server import FakeOpenAIServer

QUOTE_ARGS = {"service": "hovedrengøring", "area_m2": 72.5}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer.running() as running:
        yield running


@pytest.fixture
def openai(server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> ChatModelHandle:
    server.reset()
    return build_handle(monkeypatch, "openai", server)


async def collect(handle: ChatModelHandle) -> list[BaseMessage]:
    model = handle.model.bind_tools([draft_quote])
    return [chunk async for chunk in stream_with_retry(model, conversation())]


async def test_streamed_text_arrives_in_several_chunks_in_order(
    server: FakeOpenAIServer, openai: ChatModelHandle
) -> None:
    server.reply(Reply(text=("Hovedrengøring", " af 72,5 m²", " koster 2.900 kr.")))
    chunks = await collect(openai)
    texts = [c.content for c in chunks if c.content]
    assert texts == ["Hovedrengøring", " af 72,5 m²", " koster 2.900 kr."]


async def test_a_streamed_tool_call_is_reassembled(
    server: FakeOpenAIServer, openai: ChatModelHandle
) -> None:
    server.reply(
        Reply(
            tool_calls=(
                ToolCall("draft_quote", QUOTE_ARGS, id="call_q1"),
                ToolCall("draft_quote", {"service": "vinduespudsning", "area_m2": 40}, "call_q2"),
            )
        )
    )
    chunks = await collect(openai)
    # Each call arrived as a head plus argument fragments, over several chunks.
    fragments = [c for c in chunks if isinstance(c, AIMessageChunk) and c.tool_call_chunks]
    assert len(fragments) == 8
    message = reduce(add, chunks)
    assert isinstance(message, AIMessageChunk)
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        ("draft_quote", QUOTE_ARGS, "call_q1"),
        ("draft_quote", {"service": "vinduespudsning", "area_m2": 40}, "call_q2"),
    ]


async def test_invoke_returns_the_tool_call_and_usage(
    server: FakeOpenAIServer, openai: ChatModelHandle
) -> None:
    server.reply(Reply(tool_calls=(ToolCall("draft_quote", QUOTE_ARGS),), input_tokens=31))
    message = await invoke_with_retry(
        openai.model.bind_tools([draft_quote]), conversation(), policy=openai.retry_policy
    )
    assert message.tool_calls[0]["name"] == "draft_quote"
    assert message.tool_calls[0]["args"] == QUOTE_ARGS
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 31
    assert message.usage_metadata["output_tokens"] == 9
    assert message.usage_metadata["total_tokens"] == 40


async def test_streamed_usage_is_reported(
    server: FakeOpenAIServer, openai: ChatModelHandle
) -> None:
    server.reply(Reply(text=("Hej",), input_tokens=12, output_tokens=3))
    message = reduce(add, await collect(openai))
    assert isinstance(message, AIMessageChunk)
    assert message.usage_metadata is not None
    assert (message.usage_metadata["input_tokens"], message.usage_metadata["output_tokens"]) == (
        12,
        3,
    )


async def test_the_request_carries_tools_messages_model_and_key(
    server: FakeOpenAIServer, openai: ChatModelHandle
) -> None:
    server.reply(Reply(text=("ok",)))
    await collect(openai)
    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    body = request.body
    assert body["model"] == "gpt-4.1-mini"
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["temperature"] == 0.2

    [tool] = body["tools"]
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "draft_quote"
    assert "cleaning service" in tool["function"]["description"]
    parameters = tool["function"]["parameters"]
    assert parameters["properties"]["service"]["type"] == "string"
    assert parameters["properties"]["area_m2"]["type"] == "number"
    assert sorted(parameters["required"]) == ["area_m2", "service"]

    system, human, ai, tool_result, follow_up = body["messages"]
    assert system == {"role": "system", "content": conversation()[0].content}
    assert human["role"] == "user"
    assert ai["role"] == "assistant"
    [past_call] = ai["tool_calls"]
    assert past_call["id"] == "call_prev"
    assert past_call["function"]["name"] == "draft_quote"
    assert json.loads(past_call["function"]["arguments"]) == PAST_CALL_ARGS
    assert tool_result == {
        "role": "tool",
        "tool_call_id": "call_prev",
        "content": "Flytterengøring 80 m²: 3.200 kr.",
    }
    assert follow_up == {"role": "user", "content": "Og hovedrengøring af 72,5 m²?"}


async def test_openai_compatible_server_without_a_key(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.reset()
    handle = build_handle(monkeypatch, "openai-compatible", server)
    server.reply(Reply(text=("Hej", " fra", " Ollama")))
    chunks = await collect(handle)
    assert "".join(str(c.content) for c in chunks) == "Hej fra Ollama"
    [request] = server.requests
    assert request.body["model"] == "llama3.1"
    assert request.headers["authorization"] == "Bearer not-needed"
