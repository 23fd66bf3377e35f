"""The real ChatGoogleGenerativeAI (google-genai SDK underneath), built by our factory, against
a local server speaking the Gemini generateContent protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import reduce
from operator import add

import pytest
from langchain_core.messages import AIMessageChunk, BaseMessage

from agent.providers import ChatModelHandle, invoke_with_retry, stream_with_retry
from tests.agent.providers import PAST_CALL_ARGS, build_handle, conversation, draft_quote
from tests.fakes import Reply, ToolCall
from tests.fakes.gemini_server import FakeGeminiServer, model_of

QUOTE_ARGS = {"service": "hovedrengøring", "area_m2": 72.5}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGeminiServer]:
    with FakeGeminiServer.running() as running:
        yield running


@pytest.fixture
async def gemini(
    server: FakeGeminiServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ChatModelHandle]:
    server.reset()
    handle = build_handle(monkeypatch, "gemini", server)
    yield handle
    await handle.aclose()


async def collect(handle: ChatModelHandle) -> list[BaseMessage]:
    model = handle.model.bind_tools([draft_quote])
    return [chunk async for chunk in stream_with_retry(model, conversation())]


async def test_streamed_text_arrives_in_several_chunks_in_order(
    server: FakeGeminiServer, gemini: ChatModelHandle
) -> None:
    server.reply(Reply(text=("Hovedrengøring", " af 72,5 m²", " koster 2.900 kr.")))
    chunks = await collect(gemini)
    texts = [c.content for c in chunks if c.content]
    assert texts == ["Hovedrengøring", " af 72,5 m²", " koster 2.900 kr."]


async def test_a_streamed_function_call_is_reassembled(
    server: FakeGeminiServer, gemini: ChatModelHandle
) -> None:
    server.reply(
        Reply(text=("Jeg regner på det.",), tool_calls=(ToolCall("draft_quote", QUOTE_ARGS),))
    )
    message = reduce(add, await collect(gemini))
    assert isinstance(message, AIMessageChunk)
    assert message.text == "Jeg regner på det."
    [call] = message.tool_calls
    assert (call["name"], call["args"]) == ("draft_quote", QUOTE_ARGS)
    assert call["id"]  # Gemini sends none; LangChain must invent one for the ToolMessage


async def test_streamed_usage_adds_up_from_cumulative_chunks(
    server: FakeGeminiServer, gemini: ChatModelHandle
) -> None:
    # Every chunk repeats the running totals; counting them naively would give 3x the prompt.
    server.reply(Reply(text=("a", "b", "c"), input_tokens=40, output_tokens=6))
    message = reduce(add, await collect(gemini))
    assert isinstance(message, AIMessageChunk)
    assert message.usage_metadata is not None
    usage = message.usage_metadata
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (40, 6, 46)


async def test_invoke_returns_the_function_call_and_usage(
    server: FakeGeminiServer, gemini: ChatModelHandle
) -> None:
    server.reply(Reply(tool_calls=(ToolCall("draft_quote", QUOTE_ARGS),), input_tokens=31))
    message = await invoke_with_retry(
        gemini.model.bind_tools([draft_quote]), conversation(), policy=gemini.retry_policy
    )
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [("draft_quote", QUOTE_ARGS)]
    assert message.usage_metadata is not None
    assert (message.usage_metadata["input_tokens"], message.usage_metadata["output_tokens"]) == (
        31,
        9,
    )


async def test_the_request_carries_tools_messages_model_and_key(
    server: FakeGeminiServer, gemini: ChatModelHandle
) -> None:
    server.reply(Reply(text=("ok",)))
    await collect(gemini)
    [request] = server.requests
    assert model_of(request) == "gemini-2.5-flash"
    assert request.path.endswith("/models/gemini-2.5-flash:streamGenerateContent")
    assert request.query == {"alt": "sse"}
    assert request.headers["x-goog-api-key"] == "gemini-test-key"
    body = request.body
    assert body["generationConfig"]["temperature"] == 0.2

    [declaration] = body["tools"][0]["functionDeclarations"]
    assert declaration["name"] == "draft_quote"
    assert "cleaning service" in declaration["description"]
    properties = declaration["parameters"]["properties"]
    assert properties["service"]["type"].upper() == "STRING"
    assert properties["area_m2"]["type"].upper() == "NUMBER"
    assert sorted(declaration["parameters"]["required"]) == ["area_m2", "service"]

    # Gemini has no system role: the system message travels as systemInstruction.
    assert body["systemInstruction"]["parts"] == [{"text": conversation()[0].content}]
    human, ai, tool_result, follow_up = body["contents"]
    assert human == {"role": "user", "parts": [{"text": "Hvad koster flytterengøring af 80 m²?"}]}
    assert ai["role"] == "model"
    assert ai["parts"][0]["functionCall"] == {"name": "draft_quote", "args": PAST_CALL_ARGS}
    assert tool_result["role"] == "user"
    response = tool_result["parts"][0]["functionResponse"]
    assert response["name"] == "draft_quote"
    assert "3.200 kr." in str(response["response"])
    assert follow_up == {"role": "user", "parts": [{"text": "Og hovedrengøring af 72,5 m²?"}]}


async def test_google_api_key_reaches_the_wire(
    server: FakeGeminiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.reset()
    handle = build_handle(monkeypatch, "gemini", server, GEMINI_API_KEY="", GOOGLE_API_KEY="gk")
    server.reply(Reply(text=("ok",)))
    await invoke_with_retry(handle.model, "Hej")
    await handle.aclose()
    assert server.requests[0].headers["x-goog-api-key"] == "gk"
