"""`renos inbox work`: take due mail from the queue and process it, one mail per task.

Several processes (and several tasks in one) may run at once: the queue's claim never hands
the same mail to two of them. While a mail is processed its lease is extended in the
background; a worker that dies stops extending, and the mail is taken again once the lease
runs out. A failure is retried with exponential backoff; after the last attempt the mail is
marked failed with the reason.

A worker outlives its database: when the database goes away (or anything else fails outside a
mail's own handling), the loop logs it, waits with backoff (at most ``MAX_PAUSE``) and goes
on. A mail whose result could not be written stays leased; the lease runs out and the mail is
taken again (the responder's idempotency keys keep that from answering twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from agent.responder.pipeline import Handled, Responder
from agent.responder.settings import ResponderSettings
from memory.database import Database, is_outage
from memory.models import InboundEmail
from memory.models.enums import InboundStatus
from memory.repositories.inbox_queue import Claim, InboxQueue
from tools.privacy.scrub import scrub_text

_log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)
# Pauses of a worker loop after a failure outside a mail's handling (e.g. the database away).
FIRST_PAUSE_S = 0.5
MAX_PAUSE_S = 5.0


def worker_name(task: int = 0) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{task}:{uuid.uuid4().hex[:6]}"


def backoff(settings: ResponderSettings, attempt: int) -> timedelta:
    """The wait before attempt ``attempt + 1``: base × 2^(attempt−1), at most an hour."""
    seconds = settings.backoff_s * (2 ** max(attempt - 1, 0))
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


@dataclass
class WorkerStats:
    processed: int = 0
    retried: int = 0
    failed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


class Worker:
    def __init__(
        self,
        database: Database,
        responder: Responder,
        settings: ResponderSettings,
        *,
        name: str | None = None,
    ) -> None:
        self._db, self._responder, self._settings = database, responder, settings
        self.name = name or worker_name()
        self.stats = WorkerStats()

    @property
    def _lease(self) -> timedelta:
        return timedelta(seconds=self._settings.lease_s)

    async def run_once(self) -> bool:
        """Process one due mail; False when none was due."""
        async with self._db.transaction() as s:
            claim = await InboxQueue(s).claim(worker=self.name, lease=self._lease)
        if claim is None:
            return False
        await self._process(claim)
        return True

    async def run(self, *, stop: asyncio.Event, until_idle: bool = False) -> WorkerStats:
        """Work until ``stop`` is set (or, with ``until_idle``, until nothing is due). A
        failure does not end the loop: it pauses, then tries again."""
        pause = FIRST_PAUSE_S
        try:
            while not stop.is_set():
                try:
                    worked = await self.run_once()
                except Exception as exc:  # noqa: BLE001 - a worker must outlive any failure
                    self._log_failure(exc, pause)
                    await _wait(stop, pause)
                    pause = min(pause * 2, MAX_PAUSE_S)
                    continue
                pause = FIRST_PAUSE_S
                if worked:
                    continue
                if until_idle:
                    break
                await _wait(stop, self._settings.poll_interval_s)
        finally:
            _log.info("responder worker %s stopped", self.name)
        return self.stats

    def _log_failure(self, exc: Exception, pause: float) -> None:
        if is_outage(exc):
            _log.warning(
                "worker %s: database unavailable (%s); trying again in %.1f s",
                self.name,
                type(exc).__name__,
                pause,
            )
        else:
            _log.error("worker %s failed; trying again in %.1f s", self.name, pause, exc_info=exc)

    async def _process(self, claim: Claim) -> None:
        if claim.attempt > self._settings.max_attempts:
            reason = f"gave up after {claim.attempt - 1} attempts (the last one did not finish)"
            await self._finish(claim, Handled(InboundStatus.FAILED, (reason,)))
            return
        keeper = asyncio.create_task(self._keep_lease(claim.inbound_id))
        try:
            handled = await self._responder.handle(
                claim.inbound_id, run_id=f"mail:{claim.inbound_id}:{claim.attempt}"
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure is retried, then recorded
            if is_outage(exc):
                # Not the mail's fault: back to the queue, this attempt not counted. If the
                # database is still away this raises, and the lease runs out instead.
                _log.warning("mail %s: database unavailable, given back", claim.inbound_id)
                async with self._db.transaction() as s:
                    await InboxQueue(s).give_back(claim.inbound_id, worker=self.name)
                return
            _log.warning(
                "mail %s attempt %d failed: %s",
                claim.inbound_id,
                claim.attempt,
                type(exc).__name__,
                exc_info=exc,
            )
            # The reason is stored with the mail: no personal data from the error's text.
            await self._failed(claim, scrub_text(f"{type(exc).__name__}: {exc}")[:1000])
            return
        finally:
            keeper.cancel()
            # The keeper's own failure must not replace the mail's outcome.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await keeper
        await self._finish(claim, handled)

    async def _keep_lease(self, inbound_id: uuid.UUID) -> None:
        while True:
            await asyncio.sleep(self._settings.lease_s / 3)
            try:
                async with self._db.transaction() as s:
                    queue = InboxQueue(s)
                    if not await queue.extend(inbound_id, worker=self.name, lease=self._lease):
                        return
            except Exception as exc:
                if not is_outage(exc):
                    raise
                # Tried again next tick; if the lease runs out first, the mail is taken again.
                _log.warning("worker %s: could not extend the lease of %s", self.name, inbound_id)

    async def _finish(self, claim: Claim, handled: Handled) -> None:
        async with self._db.transaction() as s:
            done = await InboxQueue(s).finish(
                claim.inbound_id, worker=self.name, status=handled.status, reason=handled.reason
            )
            if done:
                row = await s.get(InboundEmail, claim.inbound_id)
                if row is not None:
                    row.reasons = list(handled.reasons)
        if not done:
            _log.warning("mail %s: lease lost before finishing", claim.inbound_id)
            return
        self.stats.processed += 1
        key = handled.status.value
        self.stats.by_status[key] = self.stats.by_status.get(key, 0) + 1

    async def _failed(self, claim: Claim, reason: str) -> None:
        if claim.attempt >= self._settings.max_attempts:
            self.stats.failed += 1
            await self._finish(claim, Handled(InboundStatus.FAILED, (reason,)))
            return
        async with self._db.transaction() as s:
            await InboxQueue(s).retry_later(
                claim.inbound_id,
                worker=self.name,
                delay=backoff(self._settings, claim.attempt),
                reason=f"retrying: {reason}",
            )
        self.stats.retried += 1


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds``, or less if ``stop`` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
