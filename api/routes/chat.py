"""Chat turns over HTTP, streamed as Server-Sent Events (the events: api/sse.py).

A turn runs as a background task of the process that accepted it and goes on to its end even
if the client goes away. Every event is committed to ``chat_events`` before any client sees
it (api/turn_writer.py: events that arrive while a write is in flight are committed together
by the next), and its id is what a client resumes from: a client that reconnects (to any
process) with ``Last-Event-ID`` gets exactly the events it missed. Streams of a turn running
in this process take its stored events from memory (api/turn_feed.py); others read
``chat_events``. One turn at a time per session, across processes: a lease in ``chat_turns``;
a second message meanwhile is a 409. Turns that fail, and turns whose process died:
api/turn_recovery.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from langchain_core.runnables import RunnableConfig

from agent.approvals import ApprovalDecision
from agent.events import RunStarted
from agent.runner import ChatRunner
from api import sse
from api.approval_policy import EscalatedApprovalError, ensure_may_decide
from api.auth.dependencies import get_container, require
from api.auth.rate_limit import chat_rate_limit, rate_limit
from api.auth.roles import Permission, allowed_tools
from api.composition import Container
from api.errors import (
    ERROR_RESPONSES,
    ErrorCode,
    ErrorResponse,
    ForbiddenError,
    ResourceConflictError,
    ResourceNotFoundError,
)
from api.schemas.chat import ApprovalIn, MessageIn, TurnOut
from api.turn_feed import TurnFeed
from api.turn_recovery import (
    INTERRUPTED,
    LEASE,
    close_dead_turn,
    close_if_dead,
    keep_lease,
    patiently,
    record_failure,
    release,
)
from api.turn_writer import TurnEventWriter, TurnTakenOverError
from memory.database import is_outage
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.chat_events import ChatEventLog, StoredEvent
from memory.repositories.staff import Principal
from tools.canonical.caller import Caller, Role

_log = logging.getLogger(__name__)

# A stream whose session's turn runs in another process reads the database this often.
FALLBACK_POLL_S = 0.5
SHUTDOWN_GRACE_S = 10.0
# How long a turn's event (but its first and its done) waits for those that follow it to be
# stored in the same write: a few milliseconds no reader notices, a third of the writes.
EVENT_LINGER_S = 0.005
# How long a stream waits out a database that went away before it ends with an error event
# (the client resumes with Last-Event-ID).
STREAM_PATIENCE_S = 5.0

router = APIRouter(
    prefix="/v1/sessions",
    tags=["chat"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(rate_limit)],
)

ContainerDep = Annotated[Container, Depends(get_container)]
Sender = Annotated[Principal, Depends(require(Permission.CHAT_SEND))]
Reader = Annotated[Principal, Depends(require(Permission.SESSIONS_READ))]
Decider = Annotated[Principal, Depends(require(Permission.APPROVALS_DECIDE))]
StreamFlag = Annotated[
    bool, Query(description="false: wait for the end of the turn and answer with JSON.")
]

# One event of a `text/event-stream` answer (the events and their data: api/sse.py).
_SSE_EVENT: dict[str, Any] = {
    "type": "object",
    "description": "One Server-Sent Event: its id (send the last one back as Last-Event-ID "
    "to resume), its name, and its data as one line of JSON.",
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]+$"},
        "event": {"type": "string", "enum": sorted(set(sse.EVENT_NAMES.values()))},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {"type": "object"},
        },
    },
    "required": ["id", "event", "data"],
}
_EVENT_STREAM = {"text/event-stream": {"schema": _SSE_EVENT}}

_TURN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "model": TurnOut,
        "description": "`text/event-stream` of the turn's events, or with `stream=false` the "
        "whole turn as JSON.",
        "content": _EVENT_STREAM,
    },
    404: {
        "model": ErrorResponse,
        "description": "No such session owned by the caller (or no such pending action)",
    },
    409: {
        "model": ErrorResponse,
        "description": "A turn is already running in this session (`turn_in_progress`)",
    },
}


class TurnInProgressError(ResourceConflictError):
    code = ErrorCode.TURN_IN_PROGRESS

    def __init__(self) -> None:
        super().__init__("a turn is already running in this session; wait for its done event")


def turn_tasks(app: FastAPI) -> set[asyncio.Task[None]]:
    tasks: set[asyncio.Task[None]] = app.state.turn_tasks
    return tasks


async def drain_turns(app: FastAPI, grace_s: float = SHUTDOWN_GRACE_S) -> None:
    """At shutdown: let running turns finish for up to ``grace_s``, then cancel them (they
    record an ``interrupted`` error and release their lock)."""
    tasks = set(getattr(app.state, "turn_tasks", ()))
    if not tasks:
        return
    _, late = await asyncio.wait(tasks, timeout=grace_s)
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)


def _runner(container: Container) -> ChatRunner:
    if container.chat is None:
        raise RuntimeError("the chat agent was not built")
    return container.chat


async def _owned(container: Container, session_id: uuid.UUID, principal: Principal) -> None:
    async with container.database.transaction() as s:
        if await ChatSessionRepository(s).get_owned(session_id, principal.user_id) is None:
            raise ResourceNotFoundError("session not found")


def _caller(container: Container, principal: Principal, session_id: uuid.UUID) -> Caller:
    role: Role = principal.role.value
    return Caller(
        user_id=principal.user_id,
        role=role,
        channel="chat",
        session_id=session_id,
        now=container.clock(),
        trace_id=uuid.uuid4().hex,
    )


async def _pending_call_ids(runner: ChatRunner, session_id: uuid.UUID) -> set[str]:
    config: RunnableConfig = {"configurable": {"thread_id": str(session_id)}}
    state = await runner.graph.aget_state(config)
    return {str(i.value.get("tool_call_id")) for i in state.interrupts if isinstance(i.value, dict)}


async def _run_turn(
    runner: ChatRunner,
    container: Container,
    caller: Caller,
    claim: str,
    kw: dict[str, Any],
    feed: TurnFeed,
) -> None:
    """The turn itself, detached from any request: every event stored in order, and only
    while the turn holds the session's lock."""
    assert caller.session_id is not None
    session_id, run_id = caller.session_id, claim
    log, feeds, signals = (
        ChatEventLog(container.database),
        container.turn_feeds,
        container.event_signals,
    )
    writer = TurnEventWriter(log, session_id, claim, feed, signals, linger_s=EVENT_LINGER_S)
    heartbeat = asyncio.create_task(keep_lease(log, session_id, claim))
    events = runner.turn(caller, **kw)
    try:
        async for event in events:
            if isinstance(event, RunStarted):
                run_id = event.run_id
            writer.put(run_id, *sse.to_record(event))
        await writer.flush()
    except TurnTakenOverError:
        _log.warning("the turn in session %s was taken over; it stops", session_id)
    except asyncio.CancelledError:
        feeds.close(session_id, feed)  # its streams read the failure from the database
        await writer.settle()
        await record_failure(log, session_id, run_id, claim, "interrupted", INTERRUPTED)
        raise
    except Exception as exc:  # noqa: BLE001 - a background job: the stream must end, the log keeps why
        feeds.close(session_id, feed)
        await writer.settle()
        if is_outage(exc):
            _log.warning(
                "chat turn in session %s lost its database: %s", session_id, type(exc).__name__
            )
            await record_failure(
                log,
                session_id,
                run_id,
                claim,
                ErrorCode.DATABASE_UNAVAILABLE.value,
                "the database became unavailable during the turn; send the message again",
                patience_s=LEASE.total_seconds(),
            )
        else:
            _log.exception("chat turn failed in session %s", session_id)
            await record_failure(log, session_id, run_id, claim, "internal", "the turn failed")
    finally:
        heartbeat.cancel()
        closing = getattr(events, "aclose", None)
        if closing is not None:
            with contextlib.suppress(Exception):
                await closing()
        feeds.close(session_id, feed)
        if not writer.released:
            await release(log, session_id, claim)
        signals.forget(session_id)  # failure events and the release are stored: wake streams


async def _start_turn(
    request: Request,
    container: Container,
    principal: Principal,
    session_id: uuid.UUID,
    *,
    approving: str | None = None,
    **kw: Any,
) -> int:
    """Claim the session's turn and start it; returns the id the turn's events come after."""
    runner, log, claim = _runner(container), ChatEventLog(container.database), uuid.uuid4().hex
    got = await log.claim_owned_turn(session_id, principal.user_id, claim, lease=LEASE)
    if not got.owned:
        raise ResourceNotFoundError("session not found")
    if not got.claimed:
        raise TurnInProgressError()
    try:
        after = await close_dead_turn(container, session_id, claim, got.last)
        if approving is not None:
            pending = await _pending_call_ids(runner, session_id)
            # Nothing pending at all is the runner's "nothing_pending" error event.
            if pending and approving not in pending:
                raise ResourceNotFoundError("no pending action with that tool call id")
        decision = kw.get("decision")
        if isinstance(decision, ApprovalDecision):
            try:
                await ensure_may_decide(
                    container.database, runner, principal.role, session_id, decision
                )
            except EscalatedApprovalError as exc:
                raise ForbiddenError(str(exc)) from exc
        kw["allowed_tools"] = allowed_tools(principal.role)
        caller = _caller(container, principal, session_id)
        feed = container.turn_feeds.open(session_id, after)
        task = asyncio.create_task(_run_turn(runner, container, caller, claim, kw, feed))
    except BaseException:
        await release(log, session_id, claim)
        raise
    tasks = turn_tasks(request.app)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return after


async def _tail(
    container: Container, session_id: uuid.UUID, after: int
) -> AsyncIterator[StoredEvent]:
    """The session's events after ``after`` as they are committed, up to a ``done``; ends
    early when no turn is running and nothing more is stored."""
    last = after
    feed = container.turn_feeds.get(session_id)
    if feed is not None and after >= feed.base:  # the turn runs here: its events from memory
        async for event in feed.follow(after):
            yield event
            last = event.id
            if event.kind == sse.DONE:
                return
        # Handed over (the turn failed or was taken over): the rest is in the database.
    async for event in _read_tail(container, session_id, last):
        yield event


async def _read_tail(
    container: Container, session_id: uuid.UUID, after: int
) -> AsyncIterator[StoredEvent]:
    """:func:`_tail` from the database: a turn running in another process, or a stream
    that resumes from before the running turn."""
    log, signals = ChatEventLog(container.database), container.event_signals
    last, idle = after, False
    while True:
        seen = signals.version(session_id)
        batch = await patiently(
            functools.partial(log.after, session_id, last),
            budget_s=STREAM_PATIENCE_S,
            what="a stream",
        )
        for event in batch:
            yield event
            last = event.id
            if event.kind == sse.DONE:
                return
        if batch:
            idle = False
            continue
        if idle:
            return
        # Read once more after seeing no turn: it may have ended between the two reads.
        idle = not await patiently(
            functools.partial(log.turn_running, session_id),
            budget_s=STREAM_PATIENCE_S,
            what="a stream",
        )
        if not idle:  # woken by a turn of this process, or read again after a while
            await signals.wait(session_id, seen, FALLBACK_POLL_S)


async def _respond(container: Container, session_id: uuid.UUID, after: int, stream: bool) -> Any:
    events = _tail(container, session_id, after)
    if stream:
        return sse.event_stream(events)
    turn = [(e.id, sse.from_record(e.kind, e.data)) async for e in events]
    return JSONResponse(TurnOut.from_events(turn).model_dump(mode="json"))


@router.post(
    "/{session_id}/messages",
    response_class=Response,
    responses=_TURN_RESPONSES,
    dependencies=[Depends(chat_rate_limit)],
    summary="Send a message; stream the turn",
)
async def send_message(
    session_id: uuid.UUID,
    body: MessageIn,
    request: Request,
    principal: Sender,
    container: ContainerDep,
    stream: StreamFlag = True,
) -> Any:
    after = await _start_turn(request, container, principal, session_id, text=body.text)
    return await _respond(container, session_id, after, stream)


@router.post(
    "/{session_id}/approvals/{tool_call_id}",
    response_class=Response,
    responses=_TURN_RESPONSES,
    dependencies=[Depends(chat_rate_limit)],
    summary="Approve, edit or reject the paused action; stream the rest of the turn",
)
async def decide(
    session_id: uuid.UUID,
    tool_call_id: str,
    body: ApprovalIn,
    request: Request,
    principal: Decider,
    container: ContainerDep,
    stream: StreamFlag = True,
) -> Any:
    after = await _start_turn(
        request,
        container,
        principal,
        session_id,
        approving=tool_call_id,
        decision=body.to_decision(),
    )
    return await _respond(container, session_id, after, stream)


@router.get(
    "/{session_id}/events",
    response_class=Response,
    responses={
        200: {"description": "`text/event-stream` of the events", "content": _EVENT_STREAM},
        404: {"model": ErrorResponse, "description": "No such session owned by the caller"},
    },
    summary="Resume a stream: the events after Last-Event-ID, up to the end of that turn",
)
async def events(
    session_id: uuid.UUID,
    principal: Reader,
    container: ContainerDep,
    last_event_id: Annotated[int | None, Header(ge=0)] = None,
    after: Annotated[int | None, Query(ge=0, description="Instead of Last-Event-ID.")] = None,
) -> Any:
    await _owned(container, session_id, principal)
    start = last_event_id if last_event_id is not None else (after or 0)
    await close_if_dead(container, ChatEventLog(container.database), session_id)
    return sse.event_stream(_tail(container, session_id, start))
