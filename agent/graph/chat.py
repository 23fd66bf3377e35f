"""The staff chat graph: model ⇄ tools, with approvals as interrupts. Wiring only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, BaseMessageChunk
from langchain_core.messages.utils import message_chunk_to_message
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agent.context import RunContext
from agent.graph.model_node import ModelCall, make_model_node
from agent.graph.prompt import system_prompt
from agent.graph.tools_node import pending_calls, tools_node
from agent.providers import ChatModelHandle, ProviderError, ensure_finished, stream_with_retry
from agent.state import ChatState
from tools.canonical.registry import ToolSpec


def tool_schemas(specs: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    """OpenAI-style function declarations; every provider adapter accepts them."""
    return [
        {
            "type": "function",
            "function": {
                "name": spec.name,
                "description": spec.description,
                "parameters": spec.args.model_json_schema(),
            },
        }
        for spec in specs
    ]


def bind_model(handle: ChatModelHandle, specs: Sequence[ToolSpec]) -> ModelCall:
    """Streams the answer (so tokens reach the client as they come) and returns it whole.
    A failure before the first chunk is retried; after it, never: the text is already out.
    An answer cut short (no finish reason) is a failure too, never a shorter answer."""
    bound = handle.model.bind_tools(tool_schemas(specs))

    async def call(messages: Sequence[BaseMessage]) -> BaseMessage:
        whole: BaseMessageChunk | None = None
        async for chunk in stream_with_retry(bound, list(messages), policy=handle.retry_policy):
            piece = cast(AIMessageChunk, chunk)  # astream yields chunks; the stub says AIMessage
            whole = piece if whole is None else whole + piece
        if whole is None:
            raise ProviderError("bad_response", "the model returned an empty stream")
        message = message_chunk_to_message(whole)
        ensure_finished(message)
        return message

    return call


def _after_model(state: ChatState) -> str:
    last = state["messages"][-1]
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else END


def _after_tools(state: ChatState) -> str:
    return "tools" if pending_calls(state["messages"]) else "model"


def build_chat_graph(
    call_model: ModelCall,
    checkpointer: BaseCheckpointSaver[Any] | None,
    *,
    system_for: Callable[[datetime], str] = system_prompt,
) -> CompiledStateGraph[ChatState, RunContext, ChatState, ChatState]:
    """Model ⇄ tools. The email responder builds the same graph with its own system prompt
    and without a checkpointer (each mail is one run)."""
    graph = StateGraph(ChatState, context_schema=RunContext)
    graph.add_node("model", make_model_node(call_model, system_for))
    graph.add_node("tools", tools_node)
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", _after_model, ["tools", END])
    graph.add_conditional_edges("tools", _after_tools, ["tools", "model"])
    return graph.compile(checkpointer=checkpointer)
