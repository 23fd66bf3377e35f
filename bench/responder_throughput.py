"""Responder throughput: a backlog of generated inbound mail worked off by 1, 2 and 4
`renos inbox work` processes (offline model).

Starts an embedded PostgreSQL in a temporary folder (removed afterwards). One database is
prepared once: the demo data and ``--mails`` generated requests for a quote, each from a
sender of its own (so the per-sender and per-thread limits never apply), held back from the
queue. For each worker count a fresh copy of it is made (``CREATE DATABASE … TEMPLATE``), that
many worker processes start, and once every one of them is connected the backlog is released
and timed until the last mail is finished (database clock: release to the last
``processed_at``). The responder runs in ``--mode`` (default ``auto-send``: replies go out
through the local outbox, the full path) with the daily cap lifted above the backlog, so
no mail goes to review only because of the cap.

Checked per worker count: every mail finished, no inbound mail with more than one outbound
row, none failed, every worker stopped cleanly. Prints mails per second, the time to drain,
the statuses, the speed-up against one worker, and ``os.cpu_count()``; exits 1 on a failed
check.

    .venv/bin/python -m bench.responder_throughput [--mails 2000] [--workers 1,2,4]
    .venv/bin/python -m bench.responder_throughput --quick     # 200 mails, 1 and 2 workers
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy import make_url, text

from api.composition import Container, build_container
from api.startup import seed_demo
from bench.sse_load_core import (
    Child,
    backlog,
    child_env,
    free_port,
    inbox_worker,
    ingest_mails,
    log_problems,
    mail_counts,
    postgres_server,
    settings_for,
    throwaway_database,
    unfinished,
    worker_report,
)

Mode = Literal["draft-only", "auto-send"]
READY_WAIT_S = 120.0
SETTLE_S = 1.0  # after every worker is connected: it builds its responder, then polls


@dataclass(frozen=True)
class ThroughputConfig:
    mails: int = 2000
    workers: tuple[int, ...] = (1, 2, 4)
    mode: Mode = "auto-send"
    drain_seconds: float = 1800.0
    log_dir: Path | None = None  # keep the workers' logs there


QUICK = ThroughputConfig(mails=200, workers=(1, 2), drain_seconds=300)


@dataclass
class LevelResult:
    workers: int
    drain_s: float = 0.0  # release to the last mail's processed_at (database clock)
    steady_s: float = 0.0  # first to last processed_at
    finished: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    unfinished: int = 0
    outbound: int = 0  # outbound rows for the backlog's mails
    processed_by_workers: int = 0  # from the workers' own reports
    retried: int = 0
    exit_codes: list[int | None] = field(default_factory=list)
    ready_s: float = 0.0  # worker start to all connected
    log_problems: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return self.by_status.get("failed", 0)

    @property
    def mails_per_s(self) -> float:
        return self.finished / self.drain_s if self.drain_s else 0.0

    @property
    def ok(self) -> bool:
        return not (
            self.errors
            or self.duplicates
            or self.unfinished
            or self.failed
            or any(code != 0 for code in self.exit_codes)
        )


@dataclass
class ThroughputResult:
    config: ThroughputConfig
    cpu_count: int | None = os.cpu_count()
    backlog: int = 0
    prepare_s: float = 0.0
    levels: list[LevelResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.levels) and all(level.ok for level in self.levels)


# --- the run --------------------------------------------------------------------------------


async def run_throughput(
    config: ThroughputConfig, *, admin_url: str | None = None
) -> ThroughputResult:
    """The whole benchmark; ``admin_url``: a maintenance database of a running server to
    create the databases on (default: an embedded server of its own)."""
    result = ThroughputResult(config=config)
    work_dir = Path(tempfile.mkdtemp(prefix="renos-responder-"))
    try:
        with (
            postgres_server(admin_url, work_dir) as admin,
            throwaway_database(admin, prefix="renos_rt_tpl") as template_url,
        ):
            started = time.monotonic()
            result.backlog = await prepare_template(template_url, config.mails)
            result.prepare_s = time.monotonic() - started
            template = str(make_url(template_url).database)
            for workers in config.workers:
                with throwaway_database(admin, prefix="renos_rt", template=template) as url:
                    result.levels.append(await _level(config, workers, url, work_dir))
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return result


async def prepare_template(db_url: str, mails: int) -> int:
    """Demo data and ``mails`` generated mails, every waiting mail held back; the number of
    waiting mails. Every connection is closed afterwards (a template must have none)."""
    container = await build_container(settings_for(db_url))
    try:
        await seed_demo(container)
        await ingest_mails(container, mails, tag="rt")
        async with container.database.transaction() as s:
            held = await s.execute(
                text(
                    "UPDATE inbound_emails SET next_attempt_at = 'infinity' "
                    "WHERE status IN ('received', 'processing') RETURNING id"
                )
            )
            return len(held.all())
    finally:
        await container.aclose()


async def release(container: Container) -> None:
    """Make the held mail due, and note when (database clock) in ``bench_release``."""
    async with container.database.transaction() as s:
        await s.execute(text("CREATE TABLE bench_release AS SELECT clock_timestamp() AS at"))
        await s.execute(
            text(
                "UPDATE inbound_emails SET next_attempt_at = NULL "
                "WHERE next_attempt_at = 'infinity'"
            )
        )


def worker_env(db_url: str, data_dir: Path, mode: Mode, mails: int, tag: str) -> dict[str, str]:
    url = make_url(db_url).update_query_dict({"application_name": tag})
    return child_env(
        url.render_as_string(hide_password=False),
        free_port(),  # unused by workers
        data_dir,
        RESPONDER_MODE=mode,
        RESPONDER_DAILY_CAP=str(mails + 1000),
    )


async def _connected(container: Container, children: list[tuple[str, Child]]) -> bool:
    """Whether every worker process has a connection to the database: by the
    application_name it was given, or the one the service names after its process id."""
    async with container.database.transaction() as s:
        names = (
            await s.execute(
                text(
                    "SELECT application_name FROM pg_stat_activity "
                    "WHERE datname = current_database()"
                )
            )
        ).scalars()
        seen = set(names)
    return all(
        tag in seen or any(n.startswith(f"renos-{child.proc.pid}-") for n in seen)
        for tag, child in children
    )


async def _level(
    config: ThroughputConfig, workers: int, db_url: str, work_dir: Path
) -> LevelResult:
    out = LevelResult(workers=workers)
    container = await build_container(settings_for(db_url), migrate_schema=False)
    children: list[tuple[str, Child]] = []
    try:
        mails = await backlog(container)
        run = uuid.uuid4().hex[:6]
        started = time.monotonic()
        for i in range(workers):
            tag = f"bench-{run}-w{i}"
            env = worker_env(db_url, work_dir / "data", config.mode, config.mails, tag)
            children.append((tag, inbox_worker(env, i, work_dir)))
        while not await _connected(container, children):
            if any(c.proc.poll() is not None for _, c in children):
                out.errors.append("a worker exited before it was ready")
                break
            if time.monotonic() - started > READY_WAIT_S:
                out.errors.append(f"workers not connected in {READY_WAIT_S:.0f} s")
                break
            await asyncio.sleep(0.2)
        out.ready_s = time.monotonic() - started
        if not out.errors:
            await asyncio.sleep(SETTLE_S)
            await release(container)
            await _wait_drained(container, mails, config.drain_seconds)
    finally:
        for _, child in children:
            out.exit_codes.append(await child.stop())
        for _, child in children:
            report = worker_report(child)
            out.processed_by_workers += int(str(report.get("processed", 0)))
            out.retried += int(str(report.get("retried", 0)))
            out.log_problems += log_problems(child.log)
        if config.log_dir is not None:
            config.log_dir.mkdir(parents=True, exist_ok=True)
            for _, child in children:
                shutil.copy(child.log, config.log_dir / f"w{workers}-{child.log.name}")
    try:
        await _collect(container, mails, out)
    finally:
        await container.aclose()
    return out


async def _wait_drained(container: Container, mails: list[uuid.UUID], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        by_status, _ = await mail_counts(container, mails)
        if not unfinished(by_status):
            return
        await asyncio.sleep(0.25)


async def _collect(container: Container, mails: list[uuid.UUID], out: LevelResult) -> None:
    out.by_status, out.duplicates = await mail_counts(container, mails)
    out.unfinished = unfinished(out.by_status)
    out.finished = len(mails) - out.unfinished
    async with container.database.transaction() as s:
        row = (
            await s.execute(
                text(
                    "SELECT extract(epoch FROM max(m.processed_at) - (SELECT at FROM "
                    "bench_release)), extract(epoch FROM max(m.processed_at) - "
                    "min(m.processed_at)), (SELECT count(*) FROM outbound_emails o "
                    "WHERE o.inbound_email_id = ANY(:ids)) "
                    "FROM inbound_emails m WHERE m.id = ANY(:ids)"
                ),
                {"ids": mails},
            )
        ).one()
    out.drain_s, out.steady_s = float(row[0] or 0), float(row[1] or 0)
    out.outbound = int(row[2])


# --- the report -----------------------------------------------------------------------------


def report(result: ThroughputResult) -> str:
    c = result.config
    lines = [
        f"responder throughput: {result.backlog} mails ({c.mails} generated, the rest pending "
        f"demo mail), mode {c.mode}, offline model; os.cpu_count() = {result.cpu_count}",
        f"set-up {result.prepare_s:.1f} s (demo data, ingest, held back); each level on a "
        "fresh copy; drain: release of the backlog to the last mail finished",
        f"{'workers':>7} {'drain s':>8} {'mails/s':>8} {'speed-up':>8} {'finished':>8} "
        f"{'failed':>6} {'dup':>4} {'left':>5} {'outbound':>8} {'retried':>7}  statuses",
    ]
    base = result.levels[0].mails_per_s if result.levels else 0.0
    for lv in result.levels:
        speedup = f"x{lv.mails_per_s / base:.2f}" if base else "n/a"
        statuses = ", ".join(f"{n} {k}" for k, n in sorted(lv.by_status.items()))
        lines.append(
            f"{lv.workers:>7} {lv.drain_s:>8.1f} {lv.mails_per_s:>8.2f} {speedup:>8} "
            f"{lv.finished:>8} {lv.failed:>6} {lv.duplicates:>4} {lv.unfinished:>5} "
            f"{lv.outbound:>8} {lv.retried:>7}  {statuses}"
        )
    for lv in result.levels:
        if lv.errors or any(code != 0 for code in lv.exit_codes) or lv.log_problems:
            problems = ", ".join(f"{n} x {k}" for k, n in lv.log_problems.most_common())
            lines.append(
                f"  {lv.workers} workers: {'; '.join(lv.errors) or 'no errors'}; exit codes "
                f"{lv.exit_codes}; worker logs: {problems or 'clean'}"
            )
    lines.append(
        f"duplicates (inbound mails with more than one outbound row): "
        f"{sum(lv.duplicates for lv in result.levels)}"
    )
    lines.append("result: " + ("OK" if result.ok else "FAILED"))
    return "\n".join(lines)


def _counts(value: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {value!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("give one or more positive numbers, e.g. 1,2,4")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=ThroughputConfig.mails)
    parser.add_argument(
        "--workers", type=_counts, default=ThroughputConfig.workers, help="e.g. 1,2,4"
    )
    parser.add_argument(
        "--mode", choices=("draft-only", "auto-send"), default=ThroughputConfig.mode
    )
    parser.add_argument("--drain-seconds", type=float, default=ThroughputConfig.drain_seconds)
    parser.add_argument("--logs", type=Path, help="copy the workers' logs here")
    parser.add_argument("--quick", action="store_true", help="200 mails, 1 and 2 workers")
    args = parser.parse_args(argv)
    config = (
        QUICK
        if args.quick
        else ThroughputConfig(args.mails, args.workers, args.mode, args.drain_seconds)
    )
    config = dataclasses.replace(config, log_dir=args.logs)
    result = asyncio.run(run_throughput(config))
    print(report(result))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
