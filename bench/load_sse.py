"""Load test of the chat stream and the mail workers, bounded in time and count, loopback only.

Starts an embedded PostgreSQL in a temporary folder (removed afterwards) with a fresh database,
seeds the demo data, creates one staff user and token per stream and ingests ``--mails``
generated inbound mails. Then runs ``renos serve`` (offline model, responder in draft-only mode,
no workers inside the service, rate limits out of the way) on 127.0.0.1 and ``--workers``
``renos inbox work`` processes, each a subprocess of its own, and keeps ``--streams`` chat
streams going for ``--seconds``: each creates a session and sends short Danish messages one
after the other, reading every SSE stream to its ``done``. Afterwards the mail queue is given
``--drain-seconds`` to empty, and the database is compared with what the clients saw.

Checked: HTTP status, ``error`` events, protocol (ids strictly increasing per session and
never repeated, ``run_started`` first, ``done`` last with status ``completed``), every row of
``chat_events`` received exactly once, no inbound mail with two outbound rows, no mail left
unfinished. Prints the figures and exits 1 on any error, lost or repeated event, or duplicate.

    .venv/bin/python -m bench.load_sse [--streams 100] [--seconds 60] [--mails 500] [--workers 2]
    .venv/bin/python -m bench.load_sse --quick     # 20 streams, 10 s, 100 mails
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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from api.composition import Container, build_container
from api.startup import seed_demo
from bench.sse_load_core import (
    HOST,
    Child,
    StreamLog,
    Turn,
    backlog,
    child_env,
    compare_events,
    create_tokens,
    drain,
    free_port,
    inbox_worker,
    ingest_mails,
    log_problems,
    mail_counts,
    percentile,
    postgres_server,
    rss_kib,
    run_streams,
    serve,
    server_exit_problem,
    settings_for,
    throwaway_database,
    unfinished,
    wait_ready,
    worker_processed,
)

__all__ = ["QUICK", "LoadConfig", "LoadResult", "main", "percentile", "report", "run_load"]


@dataclass(frozen=True)
class LoadConfig:
    streams: int = 100
    seconds: float = 60.0
    mails: int = 500
    workers: int = 2
    drain_seconds: float = 300.0
    log_dir: Path | None = None  # keep the server's and the workers' logs there


QUICK = LoadConfig(streams=20, seconds=10, mails=100, workers=2, drain_seconds=60)


@dataclass
class LoadResult:
    config: LoadConfig
    elapsed_s: float = 0.0
    streams: list[StreamLog] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    lost_events: int = 0
    repeated_events: int = 0
    unknown_events: int = 0
    mails_total: int = 0
    mails_processed: int = 0
    mails_by_status: dict[str, int] = field(default_factory=dict)
    mail_duplicates: int = 0
    mails_unfinished: int = 0
    mail_drain_s: float = 0.0
    prepare_s: float = 0.0
    server_ready_s: float = 0.0
    worker_exit_codes: list[int | None] = field(default_factory=list)
    rss_start_kib: int | None = None
    rss_end_kib: int | None = None
    server_log_tail: str = ""
    server_log_problems: Counter[str] = field(default_factory=Counter)

    @property
    def turns(self) -> list[Turn]:
        return [t for s in self.streams for t in s.turns]

    @property
    def ok(self) -> bool:
        return not (
            self.errors
            or self.lost_events
            or self.repeated_events
            or self.unknown_events
            or self.mail_duplicates
            or self.mails_unfinished
            or any(code != 0 for code in self.worker_exit_codes)
        )


# --- the run --------------------------------------------------------------------------------


async def run_load(config: LoadConfig, *, admin_url: str | None = None) -> LoadResult:
    """The whole benchmark; ``admin_url``: a maintenance database of a running server to
    create the throwaway database on (default: an embedded server of its own)."""
    work_dir = Path(tempfile.mkdtemp(prefix="renos-load-"))
    try:
        with postgres_server(admin_url, work_dir) as admin, throwaway_database(admin) as db_url:
            container = await build_container(settings_for(db_url))
            try:
                return await _run(config, container, db_url, work_dir)
            finally:
                await container.aclose()
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


async def _run(config: LoadConfig, container: Container, db_url: str, work_dir: Path) -> LoadResult:
    result = LoadResult(config=config)
    started = time.monotonic()
    # Demo data, one user and token per stream, the generated mail; the backlog is the
    # generated mail and the demo data's pending mail.
    await seed_demo(container)
    tokens = await create_tokens(container, config.streams)
    await ingest_mails(container, config.mails)
    mails = await backlog(container)
    result.mails_total = len(mails)
    result.prepare_s = time.monotonic() - started
    port = free_port()
    env = child_env(db_url, port, work_dir / "data")
    base = f"http://{HOST}:{port}"
    server = serve(env, port, work_dir)
    workers: list[Child] = []
    try:
        started = time.monotonic()
        await wait_ready(server, base)
        result.server_ready_s = time.monotonic() - started
        result.rss_start_kib = rss_kib(server.proc.pid)
        workers = [inbox_worker(env, i, work_dir) for i in range(config.workers)]
        result.streams, result.elapsed_s = await run_streams(
            base, tokens, config.seconds, result.errors
        )
        result.rss_end_kib = rss_kib(server.proc.pid)
        if workers:
            result.mail_drain_s = await drain(container, mails, config.drain_seconds)
    finally:
        for w in workers:
            result.worker_exit_codes.append(await w.stop())
        for w in workers:
            result.mails_processed += worker_processed(w)
        if (problem := server_exit_problem(await server.stop())) is not None:
            result.errors[problem] += 1
        result.server_log_tail = server.tail()
        result.server_log_problems = log_problems(server.log)
        if config.log_dir is not None:
            config.log_dir.mkdir(parents=True, exist_ok=True)
            for child in (server, *workers):
                shutil.copy(child.log, config.log_dir / child.log.name)
    check = await compare_events(container, result.streams)
    result.lost_events, result.repeated_events = check.lost, check.repeated
    result.unknown_events = check.unknown
    result.mails_by_status, result.mail_duplicates = await mail_counts(container, mails)
    if config.workers:
        result.mails_unfinished = unfinished(result.mails_by_status)
    return result


# --- the report -----------------------------------------------------------------------------


def report(result: LoadResult) -> str:
    c = result.config
    turns = result.turns
    done = [t for t in turns if t.completed]
    first = [t.first_event_s for t in turns if t.first_event_s is not None]
    totals = [t.total_s for t in done]
    rate = len(done) / result.elapsed_s if result.elapsed_s else 0.0
    rss = "n/a"
    if result.rss_start_kib and result.rss_end_kib:
        rss = (
            f"{result.rss_start_kib / 1024:.0f} MiB at start, "
            f"{result.rss_end_kib / 1024:.0f} MiB at end "
            f"(x{result.rss_end_kib / result.rss_start_kib:.2f})"
        )
    statuses = ", ".join(f"{n} {k}" for k, n in sorted(result.mails_by_status.items()))
    lines = [
        f"streams: {c.streams} concurrent for {result.elapsed_s:.1f} s "
        f"(asked {c.seconds:g} s), nproc {os.cpu_count()}",
        f"turns completed: {len(done)} of {len(turns)} read, {rate:.1f} turns/s",
        f"time to first event: p50 {percentile(first, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(first, 0.95) * 1000:.0f} ms",
        f"turn time: p50 {percentile(totals, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(totals, 0.95) * 1000:.0f} ms",
        f"errors: {sum(result.errors.values())}",
        *(f"  {n} x {kind}" for kind, n in result.errors.most_common()),
        f"events: {sum(len(s.received) for s in result.streams)} received; "
        f"{result.lost_events} lost, {result.repeated_events} repeated, "
        f"{result.unknown_events} not in chat_events",
        f"mails: backlog {result.mails_total} ({c.mails} generated, the rest pending demo "
        f"mail), {result.mails_processed} processed by {c.workers} workers; {statuses}",
        f"mail duplicates: {result.mail_duplicates}; unfinished: {result.mails_unfinished} "
        f"(queue drained {result.mail_drain_s:.1f} s after the streams)",
        f"worker exit codes: {result.worker_exit_codes}; set-up {result.prepare_s:.1f} s, "
        f"server ready after {result.server_ready_s:.1f} s",
        f"server RSS: {rss}",
        "server log: "
        + (", ".join(f"{n} x {k}" for k, n in result.server_log_problems.most_common()) or "clean"),
        "result: " + ("OK" if result.ok else "FAILED"),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=LoadConfig.streams)
    parser.add_argument("--seconds", type=float, default=LoadConfig.seconds)
    parser.add_argument("--mails", type=int, default=LoadConfig.mails)
    parser.add_argument("--workers", type=int, default=LoadConfig.workers)
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=LoadConfig.drain_seconds,
        help="how long the mail queue may take to empty after the streams",
    )
    parser.add_argument("--logs", type=Path, help="copy the server's and workers' logs here")
    parser.add_argument("--quick", action="store_true", help="20 streams, 10 s, 100 mails")
    args = parser.parse_args(argv)
    config = (
        QUICK
        if args.quick
        else LoadConfig(args.streams, args.seconds, args.mails, args.workers, args.drain_seconds)
    )
    config = dataclasses.replace(config, log_dir=args.logs)
    result = asyncio.run(run_load(config))
    print(report(result))
    if not result.ok:
        print("--- server log (tail) ---\n" + result.server_log_tail, file=sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
