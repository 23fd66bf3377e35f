"""Chat turns over HTTP, streamed as Server-Sent Events (the events: api/sse.py).

A turn runs as a background task of the process that accepted it and goes on to its end even
if the client goes away. Every event is committed to ``chat_events`` as it happens, and every
stream, the first one included, is a tail of that table: a client that reconnects (to any
process) with ``Last-Event-ID`` gets exactly the events it missed. One turn at a time per
session, across processes: a lease in ``chat_turns``; a second message meanwhile is a 409.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from langchain_core.runnables import RunnableConfig
from sqlalchemy.exc import SQLAlchemyError

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
from api.event_signals import EventSignals
from api.schemas.chat import ApprovalIn, MessageIn, TurnOut
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.chat_events import ChatEventLog, StoredEvent
from memory.repositories.staff import Principal
from tools.canonical.caller import Caller, Role

_log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # renewed every LEASE/3 while the turn runs
# A stream whose session's turn runs in another process reads the database this often.
FALLBACK_POLL_S = 0.5
SHUTDOWN_GRACE_S = 10.0

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


async def _keep_lease(log: ChatEventLog, session_id: uuid.UUID, claim: str) -> None:
    while True:
        await asyncio.sleep(LEASE.total_seconds() / 3)
        if not await log.renew_turn(session_id, claim, lease=LEASE):
            _log.warning("turn lease of session %s was lost", session_id)
            return


async def _record_failure(
    log: ChatEventLog, session_id: uuid.UUID, run_id: str, code: str, message: str
) -> None:
    try:
        await log.append(session_id, run_id, "error", {"code": code, "message": message})
        await log.append(
            session_id,
            run_id,
            sse.DONE,
            {"status": "failed", "input_tokens": 0, "output_tokens": 0},
        )
    except (SQLAlchemyError, OSError):  # the database itself is failing: only the log is left
        _log.exception("could not record the failure of a turn in session %s", session_id)


async def _run_turn(
    runner: ChatRunner,
    log: ChatEventLog,
    caller: Caller,
    claim: str,
    kw: dict[str, Any],
    signals: EventSignals,
) -> None:
    """The turn itself, detached from any request: every event committed as it comes."""
    assert caller.session_id is not None
    session_id, run_id = caller.session_id, claim
    heartbeat = asyncio.create_task(_keep_lease(log, session_id, claim))
    try:
        async for event in runner.turn(caller, **kw):
            if isinstance(event, RunStarted):
                run_id = event.run_id
            kind, data = sse.to_record(event)
            last = claim if kind == sse.DONE else None  # the turn ends with its done event
            await log.append(session_id, run_id, kind, data, release=last)
            signals.notify(session_id)
    except asyncio.CancelledError:
        await _record_failure(
            log, session_id, run_id, "interrupted", "the service stopped before the turn ended"
        )
        raise
    except Exception:  # noqa: BLE001 - a background job: the stream must end, the log keeps why
        _log.exception("chat turn failed in session %s", session_id)
        await _record_failure(log, session_id, run_id, "internal", "the turn failed")
    finally:
        heartbeat.cancel()
        await log.release_turn(session_id, claim)
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
    await _owned(container, session_id, principal)
    runner, log, claim = _runner(container), ChatEventLog(container.database), uuid.uuid4().hex
    if not await log.claim_turn(session_id, claim, lease=LEASE):
        raise TurnInProgressError()
    try:
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
        after = await log.last_id(session_id)
        caller = _caller(container, principal, session_id)
        task = asyncio.create_task(
            _run_turn(runner, log, caller, claim, kw, container.event_signals)
        )
    except BaseException:
        await log.release_turn(session_id, claim)
        raise
    tasks = turn_tasks(request.app)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return after


async def _tail(
    log: ChatEventLog, signals: EventSignals, session_id: uuid.UUID, after: int
) -> AsyncIterator[StoredEvent]:
    """The session's events after ``after`` as they are committed, up to a ``done``; ends
    early when no turn is running and nothing more is stored."""
    last, idle = after, False
    while True:
        seen = signals.version(session_id)
        batch = await log.after(session_id, last)
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
        idle = not await log.turn_running(session_id)
        if not idle:  # woken by a turn of this process, or read again after a while
            await signals.wait(session_id, seen, FALLBACK_POLL_S)


async def _respond(container: Container, session_id: uuid.UUID, after: int, stream: bool) -> Any:
    events = _tail(ChatEventLog(container.database), container.event_signals, session_id, after)
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
    log = ChatEventLog(container.database)
    return sse.event_stream(_tail(log, container.event_signals, session_id, start))
