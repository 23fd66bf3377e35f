"""`renos inbox work`: the responder's workers in this process."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import typer
from pydantic import BaseModel

from agent.responder.worker import Worker, worker_name
from api.cli.common import print_json, run_with_container
from api.composition import Container, build_responder


class WorkReport(BaseModel):
    workers: int
    processed: int
    retried: int
    failed: int
    by_status: dict[str, int]


def work_command(
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Concurrent tasks."),
    until_idle: bool = typer.Option(
        False, "--until-idle", help="Stop when no mail is due instead of waiting for more."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Process pending inbound mail (several processes may run this at once)."""

    async def work(c: Container) -> WorkReport:
        responder = build_responder(c)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        pool = [
            Worker(c.database, responder, c.settings.responder, name=worker_name(i))
            for i in range(workers)
        ]
        await asyncio.gather(*(w.run(stop=stop, until_idle=until_idle) for w in pool))
        by_status: dict[str, int] = {}
        for w in pool:
            for key, n in w.stats.by_status.items():
                by_status[key] = by_status.get(key, 0) + n
        return WorkReport(
            workers=workers,
            processed=sum(w.stats.processed for w in pool),
            retried=sum(w.stats.retried for w in pool),
            failed=sum(w.stats.failed for w in pool),
            by_status=by_status,
        )

    report = run_with_container(work)
    if as_json:
        print_json(report)
        return
    statuses = ", ".join(f"{n} {k}" for k, n in sorted(report.by_status.items())) or "nothing"
    typer.echo(f"processed {report.processed} ({statuses}); {report.retried} retried")
