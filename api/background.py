"""Work the service runs beside its HTTP endpoints: Gmail polling, the responder's workers
and the retention purge.

`renos serve` processes inbound mail itself with RESPONDER_SERVICE_WORKERS tasks, so one
command runs the whole service; `renos inbox work` adds worker processes when more are needed
(they share the queue safely). Every process schedules the purge; an advisory lock lets one of
them do each round's work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from agent.inbox.gmail_sync import sync_mailbox
from agent.responder.worker import Worker, worker_name
from api.composition import Container, build_responder
from api.inbox_settings import InboxSettings
from memory.database import is_outage
from memory.gdpr.purge import PurgeReport, purge_exclusively
from memory.retention import RetentionSettings
from tools.integrations.gmail import GmailMailbox
from tools.integrations.ports import IntegrationError

_log = logging.getLogger(__name__)
# The first purge waits for the start-up (migrations, seeding) and the first requests.
PURGE_FIRST_DELAY_S = 30.0
PURGE_TASK = "retention-purge"


@dataclass
class BackgroundWork:
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[object]] = field(default_factory=list)

    def start(self, work: Coroutine[Any, Any, object], name: str) -> None:
        """Run ``work`` as a named task; one that ends with an error before the service
        stops is logged (it would otherwise only surface at shutdown, if at all)."""
        task = asyncio.create_task(work, name=name)
        task.add_done_callback(self._report_early_end)
        self.tasks.append(task)

    def _report_early_end(self, task: asyncio.Task[object]) -> None:
        if task.cancelled() or self.stop.is_set():
            return
        exc = task.exception()
        if exc is not None:
            _log.error("background task %s stopped: %s", task.get_name(), type(exc).__name__)
        else:
            _log.error("background task %s ended before the service stopped", task.get_name())

    async def aclose(self) -> None:
        self.stop.set()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=30)


async def _poll_gmail(
    container: Container, mailbox: GmailMailbox, interval_s: float, stop: asyncio.Event
) -> None:
    """Follow the Gmail inbox into the ledger until stopped; provider errors are logged and
    the next round tries again."""
    max_bytes = InboxSettings().max_mail_bytes
    key: str | None = None
    while not stop.is_set():
        try:
            key = key or f"gmail:{await mailbox.email_address()}"
            report = await sync_mailbox(
                container.database,
                mailbox,
                mailbox_key=key,
                now=container.clock(),
                max_raw_bytes=max_bytes,
            )
            if report.new:
                _log.info("gmail: %d new message(s) (%s sync)", report.new, report.mode)
        except IntegrationError as exc:
            _log.warning("gmail sync failed: %s", exc)
        except Exception as exc:  # noqa: BLE001 - the database away, or a bug: next round
            what = "database unavailable" if is_outage(exc) else type(exc).__name__
            _log.warning("gmail sync failed (%s); next round in %.0f s", what, interval_s)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)


async def purge_round(container: Container, retention: RetentionSettings) -> PurgeReport | None:
    """Apply the retention limits once, at the container's clock; None when another process
    was purging at the same moment (that one does the work). Logs counts only."""
    async with container.database.transaction() as s:
        report = await purge_exclusively(
            s,
            now=container.clock(),
            raw_mail_days=retention.raw_mail_days,
            transcript_days=retention.transcript_days,
            audit_detail_days=retention.audit_detail_days,
        )
    if report is None:
        _log.debug("retention purge: another process is purging, round skipped")
    else:
        _log.info(
            "retention purge: %d raw mail(s) cleared, %d chat session(s) deleted "
            "(%d checkpoint rows), %d audit row(s) purged, %d rate-limit window(s) swept",
            report.raw_mails,
            report.chat_sessions,
            report.checkpoint_rows,
            report.audit_rows,
            report.rate_limit_windows,
        )
    return report


async def _purge_periodically(
    container: Container,
    retention: RetentionSettings,
    *,
    first_delay_s: float,
    interval_s: float,
    stop: asyncio.Event,
) -> None:
    """A purge round every ``interval_s`` until stopped. A failing round (the database away, a
    bug) is logged and the next round tries again: the task never ends on an error."""
    delay = first_delay_s
    while not await _stopped(stop, delay):
        try:
            await purge_round(container, retention)
        except Exception as exc:  # noqa: BLE001 - logged; the next round retries
            _log.warning(
                "retention purge failed (%s); next round in %.0f s",
                type(exc).__name__,
                interval_s,
                exc_info=exc,
            )
        delay = interval_s


async def _stopped(stop: asyncio.Event, delay_s: float) -> bool:
    """Wait ``delay_s`` or until stopped; whether stopped."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=delay_s)
    return stop.is_set()


def start_background(container: Container) -> BackgroundWork:
    work = BackgroundWork()
    interval = InboxSettings().gmail_poll_s
    if isinstance(container.mailbox, GmailMailbox) and interval > 0:
        poller = _poll_gmail(container, container.mailbox, interval, work.stop)
        work.start(poller, name="gmail-poll")
    retention = RetentionSettings()
    if retention.purge_interval_h > 0:
        purger = _purge_periodically(
            container,
            retention,
            first_delay_s=PURGE_FIRST_DELAY_S,
            interval_s=retention.purge_interval_h * 3600,
            stop=work.stop,
        )
        work.start(purger, name=PURGE_TASK)
    count = container.settings.responder.service_workers
    if count == 0:
        return work
    responder = build_responder(container)
    for i in range(count):
        worker = Worker(
            container.database, responder, container.settings.responder, name=worker_name(i)
        )
        work.start(worker.run(stop=work.stop), name=f"responder-{worker_name(i)}")
    _log.info("responder: %d worker task(s), mode %s", count, container.settings.responder.mode)
    return work
