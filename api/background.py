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

from agent.responder.worker import Worker, worker_name
from api.composition import Container, build_responder

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


def start_background(container: Container) -> BackgroundWork:
    work = BackgroundWork()
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
