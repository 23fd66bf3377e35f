"""The chat transcript as stored in ``chat_messages``: what the runner writes at the start and
the end of a turn, with token counts and (for user and assistant text) embeddings for recall.

The LangGraph checkpoint keeps the graph's own message list; these rows are the durable
transcript the bounded prompt (:mod:`agent.graph.bounded_prompt`) and recall are built from.
Every user and assistant text is stored with its embedding; the repository keeps one vector
per text and owner, on the newest copy (older copies of a repeated line lose theirs).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage, ToolMessage

from agent.graph.settings import ChatSettings
from agent.memory.embeddings import Embedder
from agent.memory.tokens import message_tokens
from memory.database import Database
from memory.models import ChatMessage
from memory.models.enums import MessageRole
from memory.repositories.messages import MessageRepository, NewMessage


@dataclass(frozen=True)
class ChatMemory:
    """The chat agent's long memory, built once by the composition root."""

    database: Database
    embedder: Embedder
    settings: ChatSettings

    async def embed(self, texts: list[str]) -> list[list[float] | None]:
        """One vector per text; None for an empty text (its zero vector matches nothing)."""
        wanted = [i for i, text in enumerate(texts) if text.strip()]
        vectors = await self.embedder.embed([texts[i] for i in wanted]) if wanted else []
        out: list[list[float] | None] = [None] * len(texts)
        for index, vector in zip(wanted, vectors, strict=True):
            out[index] = vector if any(vector) else None
        return out


@dataclass(frozen=True)
class StoredHistory:
    """The session's summary and the stored messages not folded into it (if the caller owns
    the session; otherwise nothing, and nothing is folded)."""

    session_id: uuid.UUID | None
    summary: str = ""
    upto: int | None = None
    rows: tuple[ChatMessage, ...] = ()

    @property
    def next_id(self) -> int:
        return max([row.id for row in self.rows] + [self.upto or 0]) + 1


@dataclass
class TurnMemory:
    """One run's handle on the memory. The recall block and the stored history are the same
    for every model call of the run, so they are read once; the runner hands over the user's
    embedding it stored."""

    memory: ChatMemory
    query: list[float] | None = None
    recall_block: str | None = None
    history: StoredHistory | None = None


@dataclass(frozen=True)
class Record:
    """A graph message as a ``chat_messages`` row (and as the context window counts it)."""

    role: MessageRole
    content: str
    tool_calls: list[dict[str, Any]] | None
    tool_call_id: str | None

    @property
    def tokens(self) -> int:
        return message_tokens(self.content, self.tool_calls)


def call_records(message: BaseMessage) -> list[dict[str, Any]] | None:
    """The tool calls of an assistant message as stored: id, name and arguments."""
    if not isinstance(message, AIMessage) or not message.tool_calls:
        return None
    return [{"id": c["id"], "name": c["name"], "args": dict(c["args"])} for c in message.tool_calls]


def to_record(message: BaseMessage) -> Record | None:
    if isinstance(message, HumanMessage):
        return Record(MessageRole.USER, message.text, None, None)
    if isinstance(message, AIMessage):
        return Record(MessageRole.ASSISTANT, message.text, call_records(message), None)
    if isinstance(message, ToolMessage):
        return Record(MessageRole.TOOL, message.text, None, message.tool_call_id)
    return None


def current_turn(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """The messages from the last user message on (the turn being answered)."""
    for index in range(len(messages) - 1, -1, -1):
        if isinstance(messages[index], HumanMessage):
            return list(messages[index:])
    return []


def complete_units(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """Drop a tool call still waiting for its result, and any result without its call."""
    answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    kept: list[BaseMessage] = []
    calls: set[str] = set()
    for message in messages:
        if isinstance(message, AIMessage) and message.tool_calls:
            ids = {c["id"] or "" for c in message.tool_calls}
            if not ids <= answered:
                continue
            calls |= ids
        elif isinstance(message, ToolMessage) and message.tool_call_id not in calls:
            continue
        kept.append(message)
    return kept


async def store_user(memory: ChatMemory, session_id: uuid.UUID, text: str) -> list[float] | None:
    """Store the user's message as a turn starts; its embedding is also the recall query."""
    [vector] = await memory.embed([text])
    record = Record(MessageRole.USER, text, None, None)
    new = NewMessage(record.role, record.content, token_count=record.tokens, embedding=vector)
    async with memory.database.transaction() as s:
        await MessageRepository(s).append_many(session_id, [new])
    return vector


async def store_turn(
    memory: ChatMemory, session_id: uuid.UUID, messages: Sequence[AnyMessage]
) -> None:
    """Store what the turn added after the user's message: each tool call with its results,
    and the answer. Called once, when the turn is over (not while it awaits an approval)."""
    records = [
        r for m in complete_units(current_turn(messages)[1:]) if (r := to_record(m)) is not None
    ]
    texts = [r.content if r.role == MessageRole.ASSISTANT else "" for r in records]
    vectors = await memory.embed(texts)
    new = [
        NewMessage(
            role=record.role,
            content=record.content,
            tool_calls=record.tool_calls,
            tool_call_id=record.tool_call_id,
            token_count=record.tokens,
            embedding=vector,
        )
        for record, vector in zip(records, vectors, strict=True)
    ]
    async with memory.database.transaction() as s:
        await MessageRepository(s).append_many(session_id, new)
