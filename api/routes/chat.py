"""Chat turns over HTTP, streamed as Server-Sent Events (the events: api/sse.py).

A turn runs as a background task of the process that accepted it and goes on to its end even
if the client goes away. Every event is committed to ``chat_events`` as it happens, and every
stream, the first one included, is a tail of that table: a client that reconnects (to any
process) with ``Last-Event-ID`` gets exactly the events it missed. One turn at a time per
session, across processes: a lease in ``chat_turns``; a second message meanwhile is a 409.

Faults: a turn whose database goes away ends with an ``error`` (``database_unavailable``) and
its ``done``, stored once the database is back (it keeps trying for a lease's time), and gives
its lock back. A turn whose process died (killed, or the lease ran out) is closed by whoever
next takes the session: an ``interrupted`` error and a failed ``done`` are stored after its
last event and its tool calls still running are marked failed (``interrupted``), so a
resumed stream ends and the audit holds nothing "pending" forever. The killed turn's user
message stays stored (it is written before the model is called); its answer does not exist.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any, TypeVar

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
from api.event_signals import EventSignals
from api.schemas.chat import ApprovalIn, MessageIn, TurnOut
from memory.database import is_outage
from memory.repositories.audit import AuditRepository
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.chat_events import ChatEventLog, StoredEvent
from memory.repositories.staff import Principal
from tools.canonical.caller import Caller, Role

_log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # renewed every LEASE/3 while the turn runs
# A stream whose session's turn runs in another process reads the database this often.
FALLBACK_POLL_S = 0.5
SHUTDOWN_GRACE_S = 10.0
_T = TypeVar("_T")
# How long a stream waits out a database that went away before it ends with an error event
# (the client resumes with Last-Event-ID); and the first pause between its attempts.
STREAM_PATIENCE_S = 5.0
RETRY_FIRST_S = 0.2
INTERRUPTED = "the service stopped before the turn ended"

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


async def _patiently(call: Callable[[], Awaitable[_T]], *, budget_s: float, what: str) -> _T:
    """``call()``, tried again with backoff while the database is away, for up to
    ``budget_s``; then its outage error is raised."""
    deadline = asyncio.get_running_loop().time() + budget_s
    wait = RETRY_FIRST_S
    while True:
        try:
            return await call()
        except Exception as exc:
            left = deadline - asyncio.get_running_loop().time()
            if not is_outage(exc) or left <= 0:
                raise
            _log.warning("%s: database unavailable (%s), retrying", what, type(exc).__name__)
            await asyncio.sleep(min(wait, left))
            wait = min(wait * 2, 2.0)


async def _keep_lease(log: ChatEventLog, session_id: uuid.UUID, claim: str) -> None:
    while True:
        await asyncio.sleep(LEASE.total_seconds() / 3)
        try:
            if not await log.renew_turn(session_id, claim, lease=LEASE):
                _log.warning("turn lease of session %s was lost", session_id)
                return
        except Exception as exc:
            if not is_outage(exc):
                raise
            # The turn itself notices the outage; the lease is renewed again on the next tick.
            _log.warning("could not renew the turn lease of session %s", session_id)


async def _record_failure(
    log: ChatEventLog,
    session_id: uuid.UUID,
    run_id: str,
    claim: str,
    code: str,
    message: str,
    *,
    patience_s: float = 0.0,
) -> None:
    """Store the turn's error and its failed ``done`` (giving the lock back with it), while
    the turn still holds the lock; waits up to ``patience_s`` for a database that is away."""
    failed = {"status": "failed", "input_tokens": 0, "output_tokens": 0}
    error_stored = False

    async def record() -> None:
        nonlocal error_stored
        if not error_stored:  # a retry after the error but before the done stores it once
            error = {"code": code, "message": message}
            if await log.append(session_id, run_id, "error", error, holding=claim) is None:
                return  # the lock is gone: whoever took it closes this turn
            error_stored = True
        await log.append(session_id, run_id, sse.DONE, failed, release=claim, holding=claim)

    try:
        await _patiently(record, budget_s=patience_s, what=f"ending the turn in {session_id}")
    except Exception as exc:  # noqa: BLE001 - the last resort of a failing turn: log it
        # Still away: the lease runs out, and the next claim closes this turn.
        _log.error(
            "could not record the failure of a turn in session %s",
            session_id,
            exc_info=None if is_outage(exc) else exc,
        )


async def _release(log: ChatEventLog, session_id: uuid.UUID, claim: str) -> None:
    try:
        await log.release_turn(session_id, claim)
    except Exception as exc:  # noqa: BLE001 - the lease runs out instead
        _log.warning(
            "could not release the turn of session %s; its lease runs out",
            session_id,
            exc_info=None if is_outage(exc) else exc,
        )


async def _close_dead_turn(container: Container, session_id: uuid.UUID, claim: str) -> None:
    """Under the session's turn lock (``claim``): if the last turn never stored its ``done``
    (its process died), store ``interrupted`` and a failed ``done`` for it, and mark its tool
    calls still running as failed."""
    log = ChatEventLog(container.database)
    last = await log.last(session_id)
    if last is None or last.kind == sse.DONE:
        return
    async with container.database.transaction() as s:
        count = await AuditRepository(s).interrupt_running(
            session_id, finished_at=container.clock(), reason=INTERRUPTED
        )
    error = {"code": "interrupted", "message": INTERRUPTED}
    failed = {"status": "failed", "input_tokens": 0, "output_tokens": 0}
    await log.append(session_id, last.run_id, "error", error, holding=claim)
    await log.append(session_id, last.run_id, sse.DONE, failed, holding=claim)
    _log.warning(
        "closed a dead turn in session %s (run %s, %d tool call(s) interrupted)",
        session_id,
        last.run_id,
        count,
    )


async def _run_turn(
    runner: ChatRunner,
    log: ChatEventLog,
    caller: Caller,
    claim: str,
    kw: dict[str, Any],
    signals: EventSignals,
) -> None:
    """The turn itself, detached from any request: every event committed as it comes, and
    only while the turn holds the session's lock."""
    assert caller.session_id is not None
    session_id, run_id = caller.session_id, claim
    heartbeat = asyncio.create_task(_keep_lease(log, session_id, claim))
    events = runner.turn(caller, **kw)
    try:
        async for event in events:
            if isinstance(event, RunStarted):
                run_id = event.run_id
            kind, data = sse.to_record(event)
            last = claim if kind == sse.DONE else None  # the turn ends with its done event
            stored = await log.append(session_id, run_id, kind, data, release=last, holding=claim)
            if stored is None:
                _log.warning("the turn in session %s was taken over; it stops", session_id)
                return
            signals.notify(session_id)
    except asyncio.CancelledError:
        await _record_failure(log, session_id, run_id, claim, "interrupted", INTERRUPTED)
        raise
    except Exception as exc:  # noqa: BLE001 - a background job: the stream must end, the log keeps why
        if is_outage(exc):
            _log.warning("chat turn in session %s lost its database: %s", session_id, exc)
            await _record_failure(
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
            await _record_failure(log, session_id, run_id, claim, "internal", "the turn failed")
    finally:
        heartbeat.cancel()
        closing = getattr(events, "aclose", None)
        if closing is not None:
            with contextlib.suppress(Exception):
                await closing()
        await _release(log, session_id, claim)
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
        await _close_dead_turn(container, session_id, claim)
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
        await _release(log, session_id, claim)
        raise
    tasks = turn_tasks(request.app)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return after


async def _close_if_dead(container: Container, log: ChatEventLog, session_id: uuid.UUID) -> None:
    """A resumed stream of a turn whose process died would wait for a ``done`` that never
    comes: close that turn first (briefly taking its lock), so the stream ends."""
    last = await log.last(session_id)
    if last is None or last.kind == sse.DONE or await log.turn_running(session_id):
        return
    claim = uuid.uuid4().hex
    if await log.claim_turn(session_id, claim, lease=LEASE):
        try:
            await _close_dead_turn(container, session_id, claim)
        finally:
            await _release(log, session_id, claim)


async def _tail(
    log: ChatEventLog, signals: EventSignals, session_id: uuid.UUID, after: int
) -> AsyncIterator[StoredEvent]:
    """The session's events after ``after`` as they are committed, up to a ``done``; ends
    early when no turn is running and nothing more is stored."""
    last, idle = after, False
    while True:
        seen = signals.version(session_id)
        batch = await _patiently(
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
        idle = not await _patiently(
            functools.partial(log.turn_running, session_id),
            budget_s=STREAM_PATIENCE_S,
            what="a stream",
        )
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
    await _close_if_dead(container, log, session_id)
    return sse.event_stream(_tail(log, container.event_signals, session_id, start))
