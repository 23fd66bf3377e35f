"""`renos inbox work`: take due mail from the queue and process it, one mail per task.

Several processes (and several tasks in one) may run at once: the queue's claim never hands
the same mail to two of them. While a mail is processed its lease is extended in the
background; a worker that dies stops extending, and the mail is taken again once the lease
runs out. A failure is retried with exponential backoff; after the last attempt the mail is
marked failed with the reason.
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
from memory.database import Database
from memory.models import InboundEmail
from memory.models.enums import InboundStatus
from memory.repositories.inbox_queue import Claim, InboxQueue

_log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)


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
        """Work until ``stop`` is set (or, with ``until_idle``, until nothing is due)."""
        while not stop.is_set():
            if await self.run_once():
                continue
            if until_idle:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._settings.poll_interval_s)
        return self.stats

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
            _log.warning(
                "mail %s attempt %d failed: %s",
                claim.inbound_id,
                claim.attempt,
                exc,
                exc_info=exc,
            )
            await self._failed(claim, f"{type(exc).__name__}: {exc}"[:1000])
            return
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        await self._finish(claim, handled)

    async def _keep_lease(self, inbound_id: uuid.UUID) -> None:
        while True:
            await asyncio.sleep(self._settings.lease_s / 3)
            async with self._db.transaction() as s:
                if not await InboxQueue(s).extend(inbound_id, worker=self.name, lease=self._lease):
                    return

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
