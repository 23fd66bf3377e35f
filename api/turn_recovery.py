"""How a chat turn ends when it cannot end by itself, and how a dead one is closed.

A turn whose database goes away ends with an ``error`` (``database_unavailable``) and its
``done``, stored once the database is back (it keeps trying for a lease's time), and gives its
lock back. A turn whose process died (killed, or the lease ran out) is closed by whoever next
takes the session: an ``interrupted`` error and a failed ``done`` are stored after its last
event and its tool calls still running are marked failed (``interrupted``), so a resumed
stream ends and the audit holds nothing "pending" forever. The killed turn's user message
stays stored (it is written before the model is called); its answer does not exist.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from api import sse
from api.composition import Container
from memory.database import is_outage
from memory.repositories.audit import AuditRepository
from memory.repositories.chat_events import ChatEventLog, PendingEvent, StoredEvent

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

LEASE = timedelta(seconds=60)  # renewed every LEASE/3 while the turn runs
RETRY_FIRST_S = 0.2  # the first pause between attempts while the database is away
INTERRUPTED = "the service stopped before the turn ended"
_FAILED = {"status": "failed", "input_tokens": 0, "output_tokens": 0}


async def patiently(call: Callable[[], Awaitable[_T]], *, budget_s: float, what: str) -> _T:
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


async def keep_lease(log: ChatEventLog, session_id: uuid.UUID, claim: str) -> None:
    """Renew the turn's lease every third of it, until cancelled or lost."""
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


async def record_failure(
    log: ChatEventLog,
    session_id: uuid.UUID,
    run_id: str,
    claim: str,
    code: str,
    message: str,
    *,
    patience_s: float = 0.0,
) -> bool:
    """Store the turn's error and its failed ``done`` (giving the lock back with them), while
    the turn still holds the lock; waits up to ``patience_s`` for a database that is away.
    Whether the lock was given back."""
    error = PendingEvent(run_id=run_id, kind=sse.ERROR, data={"code": code, "message": message})
    done = PendingEvent(run_id=run_id, kind=sse.DONE, data=dict(_FAILED))

    async def record() -> bool:
        # One transaction: a retry never stores the error twice.
        stored = await log.append_many(session_id, [error, done], holding=claim, release=True)
        return stored is not None  # None: the lock is gone; whoever took it closes this turn

    try:
        return await patiently(record, budget_s=patience_s, what=f"ending the turn in {session_id}")
    except Exception as exc:  # noqa: BLE001 - the last resort of a failing turn: log it
        # Still away: the lease runs out, and the next claim closes this turn.
        _log.error(
            "could not record the failure of a turn in session %s",
            session_id,
            exc_info=None if is_outage(exc) else exc,
        )
        return False


async def release(log: ChatEventLog, session_id: uuid.UUID, claim: str) -> None:
    """Give the turn lock back; if the database is away its lease runs out instead."""
    try:
        await log.release_turn(session_id, claim)
    except Exception as exc:  # noqa: BLE001 - the lease runs out instead
        _log.warning(
            "could not release the turn of session %s; its lease runs out",
            session_id,
            exc_info=None if is_outage(exc) else exc,
        )


async def close_dead_turn(
    container: Container, session_id: uuid.UUID, claim: str, last: StoredEvent | None
) -> int:
    """Under the session's turn lock (``claim``), ``last`` being the session's newest event:
    if the last turn never stored its ``done`` (its process died), store ``interrupted`` and a
    failed ``done`` for it, and mark its tool calls still running as failed. Returns the id of
    the session's newest event afterwards (0: none)."""
    if last is None:
        return 0
    if last.kind == sse.DONE:
        return last.id
    async with container.database.transaction() as s:
        count = await AuditRepository(s).interrupt_running(
            session_id, finished_at=container.clock(), reason=INTERRUPTED
        )
    error = PendingEvent(
        run_id=last.run_id, kind=sse.ERROR, data={"code": "interrupted", "message": INTERRUPTED}
    )
    done = PendingEvent(run_id=last.run_id, kind=sse.DONE, data=dict(_FAILED))
    ids = await ChatEventLog(container.database).append_many(
        session_id, [error, done], holding=claim
    )
    _log.warning(
        "closed a dead turn in session %s (run %s, %d tool call(s) interrupted)",
        session_id,
        last.run_id,
        count,
    )
    return ids[-1] if ids else last.id


async def close_if_dead(container: Container, log: ChatEventLog, session_id: uuid.UUID) -> None:
    """A resumed stream of a turn whose process died would wait for a ``done`` that never
    comes: close that turn first (briefly taking its lock), so the stream ends."""
    last = await log.last(session_id)
    if last is None or last.kind == sse.DONE or await log.turn_running(session_id):
        return
    claim = uuid.uuid4().hex
    if await log.claim_turn(session_id, claim, lease=LEASE):
        try:
            await close_dead_turn(container, session_id, claim, await log.last(session_id))
        finally:
            await release(log, session_id, claim)
