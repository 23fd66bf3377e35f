"""`OfflineChatModel` as a LangChain chat model: binding, invoke, streaming, usage, clock."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import tool

from agent.offline.model import MODEL_NAME, OfflineChatModel
from tests.agent.offline.offline_world import ALL_TOOLS, NOW, offline_model, quote_record
from tools.canonical.args import DraftQuoteArgs

QUESTION = "Hvad koster en flytterengøring på 80 m2?"


def quote_turn() -> list[BaseMessage]:
    """The request, the model's draft_quote call and the tool's QuoteDraft."""
    first = offline_model().invoke([HumanMessage(QUESTION)])
    result = quote_record("moving_out", 80).model_dump_json()
    return [
        HumanMessage(QUESTION),
        first,
        ToolMessage(result, tool_call_id=first.tool_calls[0]["id"]),
    ]


def visible(message: BaseMessage) -> tuple[Any, ...]:
    """Everything but the message id (which LangChain assigns per run)."""
    assert isinstance(message, AIMessage)
    return (message.content, message.tool_calls, message.usage_metadata, message.response_metadata)


def merged(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


def test_identity() -> None:
    model = OfflineChatModel(clock=lambda: NOW)
    assert model._llm_type == "renos-offline"
    reply = model.invoke([HumanMessage("Hej")])
    assert reply.response_metadata["model_name"] == MODEL_NAME == "renos-offline"


def test_invoke_returns_one_tool_call_with_a_note() -> None:
    reply = offline_model().invoke([HumanMessage(QUESTION)])
    assert isinstance(reply, AIMessage)
    assert reply.content == "Jeg beregner tilbuddet."
    [call] = reply.tool_calls
    assert call["name"] == "draft_quote"
    assert call["args"] == {"service": "moving_out", "area_m2": 80}
    assert call["id"] is not None and call["id"].startswith("call_")


def test_system_prompt_and_content_blocks_are_read_like_plain_text() -> None:
    blocks = HumanMessage(content=[{"type": "text", "text": QUESTION}])
    reply = offline_model().invoke([SystemMessage("Du er RenOS-assistenten."), blocks])
    assert reply.tool_calls[0]["args"] == {"service": "moving_out", "area_m2": 80}


def test_tools_bound_as_functions_dicts_or_argument_classes() -> None:
    @tool
    def draft_quote(service: str, area_m2: float) -> str:
        """Price a cleaning job."""
        return ""

    as_dict = {"type": "function", "function": {"name": "draft_quote", "parameters": {}}}
    for bound in (draft_quote, as_dict, DraftQuoteArgs):
        reply = offline_model([bound]).invoke([HumanMessage(QUESTION)])
        assert [c["name"] for c in reply.tool_calls] == ["draft_quote"]


def test_unbound_model_never_calls_tools() -> None:
    model = OfflineChatModel(clock=lambda: NOW)
    for text in (QUESTION, "Find Mette Hansen", "Har vi ledige tider i morgen?"):
        reply = model.invoke([HumanMessage(text)])
        assert reply.tool_calls == []
        assert "ikke tilgængeligt" in str(reply.content)


def test_usage_is_estimated_from_the_text() -> None:
    messages = quote_turn()
    reply = offline_model().invoke(messages)
    usage = reply.usage_metadata
    assert usage is not None
    assert usage["output_tokens"] == math.ceil(len(str(reply.content)) / 4)
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    longer = offline_model().invoke([SystemMessage("x" * 400), *messages]).usage_metadata
    assert longer is not None
    assert longer["input_tokens"] == usage["input_tokens"] + 100


def test_same_input_same_output() -> None:
    messages = quote_turn()
    assert visible(offline_model().invoke(messages)) == visible(offline_model().invoke(messages))
    first = offline_model().invoke([HumanMessage(QUESTION)])
    assert visible(first) == visible(offline_model().invoke([HumanMessage(QUESTION)]))


def test_relative_dates_follow_the_injected_clock() -> None:
    def from_date(now: datetime) -> Any:
        model = OfflineChatModel(clock=lambda: now).bind_tools(ALL_TOOLS)
        return model.invoke([HumanMessage("Har vi tid i morgen?")]).tool_calls[0]["args"]

    assert from_date(NOW)["from_date"] == "2026-12-02"
    assert from_date(NOW + timedelta(days=2))["from_date"] == "2026-12-04"


def test_naive_clock_is_refused() -> None:
    model = OfflineChatModel(clock=lambda: datetime(2026, 12, 1, 9)).bind_tools(ALL_TOOLS)
    with pytest.raises(ValueError, match="naive"):
        model.invoke([HumanMessage("Har vi tid i morgen?")])


def test_stream_yields_word_groups_that_add_up_to_the_answer() -> None:
    messages = quote_turn()
    answer = offline_model().invoke(messages)
    chunks = list(offline_model().stream(messages))
    assert len(chunks) >= 5
    assert "".join(str(c.content) for c in chunks) == answer.content
    total = merged(chunks)
    assert total.usage_metadata == answer.usage_metadata
    assert total.response_metadata["model_name"] == "renos-offline"
    assert total.tool_calls == []


def test_streamed_tool_call_matches_invoke() -> None:
    reply = offline_model().invoke([HumanMessage(QUESTION)])
    total = merged(list(offline_model().stream([HumanMessage(QUESTION)])))
    assert total.tool_calls == reply.tool_calls
    assert total.content == reply.content


async def test_async_paths_match_the_sync_ones() -> None:
    messages = quote_turn()
    answer = offline_model().invoke(messages)
    assert visible(await offline_model().ainvoke(messages)) == visible(answer)
    pieces = [chunk async for chunk in offline_model().astream(messages)]
    assert len(pieces) >= 5
    assert "".join(str(c.content) for c in pieces) == answer.content


def test_tool_call_ids_differ_between_steps() -> None:
    model = offline_model()
    history: list[BaseMessage] = [HumanMessage("Lav et tilbud på flytterengøring til Mette Hansen")]
    first = model.invoke(history)
    search = '{"query": "Mette Hansen", "leads": []}'
    history += [first, ToolMessage(search, tool_call_id=first.tool_calls[0]["id"])]
    history.append(HumanMessage("Find Jens Hansen"))
    second = model.invoke(history)
    assert second.tool_calls[0]["name"] == "search_leads"
    assert second.tool_calls[0]["id"] != first.tool_calls[0]["id"]
