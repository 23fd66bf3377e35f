"""The chat stream's wire format: the one module that turns the agent's typed events into
named Server-Sent Events with ids (and stored events back into typed ones).

Every event carries an ``id`` (the row id in ``chat_events``: increasing within a session;
send the last one back as ``Last-Event-ID`` to resume after a disconnect), an ``event`` name
and one line of JSON as ``data``:

``run_started``
    ``{"run_id", "session_id", "model"}``: the first event of every turn.
``token``
    ``{"text"}``: a piece of the model's text as it is generated.
``tool_started``
    ``{"tool_call_id", "name", "args"}``: the model called a tool.
``tool_finished``
    ``{"tool_call_id", "name", "status", "result"}``: ``status`` is ``succeeded``,
    ``failed`` or ``denied``; ``result`` is the tool's JSON result (or its error text).
``approval_required``
    ``{"tool_call_id", "tool", "args"}``: the turn pauses before a side effect; decide with
    ``POST /v1/sessions/{id}/approvals/{tool_call_id}``.
``message``
    ``{"text"}``: the model's complete reply.
``error``
    ``{"code", "message"}``: e.g. ``approval_pending`` (decide the pending action first),
    ``nothing_pending``, a model provider's error code, ``interrupted`` (the service stopped
    mid-turn) or ``internal``.
``done``
    ``{"status", "input_tokens", "output_tokens"}``: the last event of every turn; ``status``
    is ``completed``, ``awaiting_approval`` or ``failed``. The stream ends after it.

One event is not stored and has no ``id``: when the database goes away for longer than a
stream waits, the stream ends with an ``error`` ``{"code": "database_unavailable"}`` and a
``retry`` hint; the turn goes on (or is closed) in the service, and a client that resumes with
``Last-Event-ID`` once the database is back gets every stored event it missed.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from sse_starlette import EventSourceResponse, ServerSentEvent

from agent.events import (
    AgentEvent,
    ApprovalRequired,
    Done,
    Error,
    Message,
    RunStarted,
    Token,
    ToolFinished,
    ToolStarted,
)
from memory.database import is_outage
from memory.repositories.chat_events import StoredEvent

# The protocol's names, pinned here rather than taken from the agent's ``kind`` fields, so a
# rename inside the agent cannot silently change what clients receive.
EVENT_NAMES: dict[type[AgentEvent], str] = {
    RunStarted: "run_started",
    Token: "token",
    ToolStarted: "tool_started",
    ToolFinished: "tool_finished",
    ApprovalRequired: "approval_required",
    Message: "message",
    Error: "error",
    Done: "done",
}
DONE = EVENT_NAMES[Done]
ERROR = EVENT_NAMES[Error]
RESUME_AFTER_MS = 2000

_EVENTS: TypeAdapter[AgentEvent] = TypeAdapter(Annotated[AgentEvent, Field(discriminator="kind")])


def to_record(event: AgentEvent) -> tuple[str, dict[str, Any]]:
    """The event's name and its JSON data, as stored and as sent."""
    return EVENT_NAMES[type(event)], event.model_dump(mode="json", exclude={"kind"})


def from_record(kind: str, data: dict[str, Any]) -> AgentEvent:
    """A stored event as the agent's typed event again."""
    return _EVENTS.validate_python({**data, "kind": kind})


def encode(event: StoredEvent) -> ServerSentEvent:
    data = json.dumps(event.data, ensure_ascii=False, separators=(",", ":"))
    return ServerSentEvent(data=data, event=event.kind, id=str(event.id))


def unavailable() -> ServerSentEvent:
    """The stream's last word when the database is away: no id (nothing stored), so a client
    resuming with its Last-Event-ID loses nothing."""
    data = {
        "code": "database_unavailable",
        "message": "the database is unavailable; resume this stream with Last-Event-ID",
    }
    return ServerSentEvent(
        data=json.dumps(data, separators=(",", ":")), event=ERROR, retry=RESUME_AFTER_MS
    )


async def _encoded(events: AsyncIterator[StoredEvent]) -> AsyncIterator[ServerSentEvent]:
    try:
        async for event in events:
            yield encode(event)
    except Exception as exc:
        if not is_outage(exc):
            raise
        yield unavailable()


def event_stream(events: AsyncIterator[StoredEvent]) -> EventSourceResponse:
    """A ``text/event-stream`` response of ``events``; keep-alive comments every 15 s."""
    return EventSourceResponse(_encoded(events), ping=15)
