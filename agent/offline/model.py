"""`OfflineChatModel`: the deterministic model used when no model vendor is configured.

It is a real LangChain chat model, so it runs through the same graph as a vendor model:
`bind_tools` declares the tools, each call reads the whole message list and answers with
one tool call (plus a short note of what is being done) or with the final answer. It keeps
no state between calls: the message list is the conversation (transcript.py).

Token counts are estimates (about 4 characters per token, as for Danish/English text in
common tokenizers), computed from the text alone, so usage accounting and budgets work the
same way as with a vendor model and give the same numbers on every run.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolCall
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from agent.offline.respond import Reply, respond
from agent.offline.tool_names import bound_names, tool_names

MODEL_NAME = "renos-offline"
CHARS_PER_TOKEN = 4
WORDS_PER_CHUNK = 3
REPLY_OVERHEAD = 3  # tokens a chat API adds for priming the reply, as vendors count them
_PIECE = re.compile(r"\S+\s*|\s+")


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _message_chars(message: BaseMessage) -> str:
    calls = getattr(message, "tool_calls", None) or []
    return message.text + "".join(json.dumps(c["args"], sort_keys=True) for c in calls)


def _usage(prompt: str, output: str) -> UsageMetadata:
    given, made = estimate_tokens(prompt) + REPLY_OVERHEAD, estimate_tokens(output)
    return UsageMetadata(input_tokens=given, output_tokens=made, total_tokens=given + made)


def _call_id(messages: Sequence[BaseMessage], reply: Reply, now: datetime) -> str:
    """Deterministic, and distinct per conversation (message ids) and per step."""
    assert reply.call is not None
    seed = [str(m.id or "") + m.text for m in messages]
    seed += [reply.call.name, json.dumps(dict(reply.call.args), sort_keys=True), now.isoformat()]
    return "call_" + hashlib.sha256("\x1f".join(seed).encode()).hexdigest()[:24]


class OfflineChatModel(BaseChatModel):
    """Deterministic chat model over the offline understanding core (see module docstring)."""

    clock: Callable[[], datetime]
    """The run's clock (aware datetimes): relative dates like "i morgen" resolve against it."""
    model_name: str = MODEL_NAME

    @property
    def _llm_type(self) -> str:
        return MODEL_NAME

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Declare the tools; only these are ever called (names as in scenarios.md)."""
        del tool_choice  # the plan decides; a forced choice is not supported offline
        converted = [convert_to_openai_tool(tool) for tool in tools]
        schemas = [
            {**schema, "function": {**schema["function"], "name": name}}
            for schema, name in zip(converted, tool_names(tools, converted), strict=True)
        ]
        return cast("Runnable[LanguageModelInput, AIMessage]", self.bind(tools=schemas, **kwargs))

    # -- one step -----------------------------------------------------------------------

    def _message(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> AIMessage:
        now = self.clock()
        schemas = list(kwargs.get("tools") or [])
        reply = respond(messages, bound_names(schemas), now=now)
        prompt = "".join(_message_chars(m) for m in messages) + json.dumps(schemas, default=str)
        calls: list[ToolCall] = []
        output = reply.text
        if reply.call is not None:
            args = dict(reply.call.args)
            call_id = _call_id(messages, reply, now)
            calls.append(ToolCall(name=reply.call.name, args=args, id=call_id, type="tool_call"))
            output += reply.call.name + json.dumps(args)
        return AIMessage(
            content=reply.text,
            tool_calls=calls,
            usage_metadata=_usage(prompt, output),
            response_metadata={"model_name": self.model_name},
        )

    def _chunks(self, message: AIMessage) -> Iterator[ChatGenerationChunk]:
        """Word groups of the text; tool calls and usage ride on the last chunk."""
        pieces = _PIECE.findall(message.content if isinstance(message.content, str) else "")
        for start in range(0, len(pieces), WORDS_PER_CHUNK):
            text = "".join(pieces[start : start + WORDS_PER_CHUNK])
            yield ChatGenerationChunk(message=AIMessageChunk(content=text))
        calls = [
            tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i)
            for i, c in enumerate(message.tool_calls)
        ]
        last = AIMessageChunk(
            content="",
            tool_call_chunks=calls,
            usage_metadata=message.usage_metadata,
            response_metadata=dict(message.response_metadata),
            chunk_position="last",
        )
        yield ChatGenerationChunk(message=last)

    # -- BaseChatModel hooks ------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._message(messages, kwargs))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages, stop, **kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # No on_llm_new_token here: BaseChatModel reports each yielded chunk itself.
        yield from self._chunks(self._message(messages, kwargs))

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in self._chunks(self._message(messages, kwargs)):
            yield chunk
