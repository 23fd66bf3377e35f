"""Work the service runs beside its HTTP endpoints: the responder's workers.

`renos serve` processes inbound mail itself with RESPONDER_SERVICE_WORKERS tasks, so one
command runs the whole service; `renos inbox work` adds worker processes when more are needed
(they share the queue safely).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from agent.inbox.gmail_sync import sync_mailbox
from agent.responder.worker import Worker, worker_name
from api.composition import Container, build_responder
from api.inbox_settings import InboxSettings
from tools.integrations.gmail import GmailMailbox
from tools.integrations.ports import IntegrationError

_log = logging.getLogger(__name__)


@dataclass
class BackgroundWork:
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[object]] = field(default_factory=list)

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
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)


def start_background(container: Container) -> BackgroundWork:
    work = BackgroundWork()
    interval = InboxSettings().gmail_poll_s
    if isinstance(container.mailbox, GmailMailbox) and interval > 0:
        poller = _poll_gmail(container, container.mailbox, interval, work.stop)
        work.tasks.append(asyncio.create_task(poller))
    count = container.settings.responder.service_workers
    if count == 0:
        return work
    responder = build_responder(container)
    for i in range(count):
        worker = Worker(
            container.database, responder, container.settings.responder, name=worker_name(i)
        )
        work.tasks.append(asyncio.create_task(worker.run(stop=work.stop)))
    _log.info("responder: %d worker task(s), mode %s", count, container.settings.responder.mode)
    return work
