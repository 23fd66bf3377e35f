"""Where a responder worker's time goes: one worker in this process over ``--mails`` mails,
under cProfile, with every SQL statement counted and timed.

The database is prepared as ``bench.responder_throughput`` prepares it (demo data, generated
requests for a quote from senders of their own, auto-send with the daily cap lifted). The
worker then takes one mail after the other until the queue is empty. Prints the time per mail
(first and last tenth of the run, to show growth with the tables), SQL statements per mail,
the statements that took the most time in total, and the functions with the most own and
cumulative time.

    .venv/bin/python -m bench.responder_profile [--mails 100] [--top 25] [--no-cprofile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import io
import pstats
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event

from agent.responder.settings import ResponderSettings
from agent.responder.worker import Worker
from api.composition import build_container, build_responder
from bench.responder_throughput import prepare_template, release
from bench.sse_load_core import percentile, postgres_server, settings_for, throwaway_database


@dataclass
class SqlStats:
    count: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    checkouts: int = 0  # connections taken from the pool: one per transaction

    @property
    def total_count(self) -> int:
        return sum(self.count.values())

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


_SPACE = re.compile(r"\s+")


def statement_kind(statement: str, width: int = 110) -> str:
    """A statement shortened to its start, whitespace collapsed: the key it is counted by."""
    return _SPACE.sub(" ", statement).strip()[:width]


def count_sql(engine: Any, stats: SqlStats) -> None:
    """Count and time every statement ``engine`` (a sync Engine) executes into ``stats``,
    and count the connections taken from its pool."""

    @event.listens_for(engine.pool, "checkout")
    def _checkout(*args: Any) -> None:
        stats.checkouts += 1

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        started = conn.info["bench_started"].pop()
        kind = statement_kind(statement)
        stats.count[kind] += 1
        stats.seconds[kind] += time.perf_counter() - started


@dataclass
class ProfileResult:
    mails: int = 0
    per_mail_s: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    cpu_s: float = 0.0  # this process's CPU time over the run
    sql: SqlStats = field(default_factory=SqlStats)
    stats: pstats.Stats | None = None
    by_status: dict[str, int] = field(default_factory=dict)


async def profile(
    mails: int, *, admin_url: str | None = None, with_cprofile: bool = True
) -> ProfileResult:
    out = ProfileResult()
    work_dir = Path(tempfile.mkdtemp(prefix="renos-rprofile-"))
    try:
        with postgres_server(admin_url, work_dir) as admin, throwaway_database(admin) as url:
            await prepare_template(url, mails)
            responder = ResponderSettings(
                _env_file=None,
                RESPONDER_MODE="auto-send",
                RESPONDER_DAILY_CAP=mails + 1000,
                RESPONDER_SERVICE_WORKERS=0,
            )
            settings = dataclasses.replace(settings_for(url), responder=responder)
            container = await build_container(settings, migrate_schema=False)
            try:
                worker = Worker(container.database, build_responder(container), responder)
                await release(container)
                count_sql(container.database.engine.sync_engine, out.sql)
                profiler = cProfile.Profile() if with_cprofile else None
                started, cpu = time.perf_counter(), time.process_time()
                if profiler is not None:
                    profiler.enable()
                while True:
                    t0 = time.perf_counter()
                    if not await worker.run_once():
                        break
                    out.per_mail_s.append(time.perf_counter() - t0)
                if profiler is not None:
                    profiler.disable()
                    out.stats = pstats.Stats(profiler)
                out.wall_s = time.perf_counter() - started
                out.cpu_s = time.process_time() - cpu
                out.mails = worker.stats.processed
                out.by_status = dict(worker.stats.by_status)
            finally:
                await container.aclose()
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return out


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def report(result: ProfileResult, top: int = 25) -> str:
    n = max(result.mails, 1)
    tenth = max(len(result.per_mail_s) // 10, 1)
    first, last = result.per_mail_s[:tenth], result.per_mail_s[-tenth:]
    sql = result.sql
    lines = [
        f"responder profile: {result.mails} mails by one worker in {result.wall_s:.1f} s "
        f"({result.mails / result.wall_s if result.wall_s else 0:.1f} mails/s"
        f"{', under cProfile' if result.stats is not None else ''}); statuses {result.by_status}",
        f"this process's CPU: {_ms(result.cpu_s / n)} ms per mail "
        f"({result.cpu_s / result.wall_s if result.wall_s else 0:.0%} of the wall time; the rest "
        "is waiting for the database and for the CPU)",
        f"per mail: p50 {_ms(percentile(result.per_mail_s, 0.5))} ms, p95 "
        f"{_ms(percentile(result.per_mail_s, 0.95))} ms; first tenth mean "
        f"{_ms(sum(first) / len(first) if first else 0)} ms, last tenth mean "
        f"{_ms(sum(last) / len(last) if last else 0)} ms",
        f"SQL: {sql.total_count / n:.1f} statements and {sql.checkouts / n:.1f} transactions "
        f"(pool checkouts) per mail, {_ms(sql.total_seconds / n)} ms "
        f"per mail waiting on them ({sql.total_seconds / result.wall_s if result.wall_s else 0:.0%}"
        " of the time)",
        f"{'per mail':>8} {'ms/mail':>8} {'ms each':>8}  statement (by total time)",
    ]
    ranked = sorted(sql.seconds.items(), key=lambda kv: kv[1], reverse=True)
    for kind, seconds in ranked[:top]:
        count = sql.count[kind]
        lines.append(f"{count / n:>8.2f} {_ms(seconds / n):>8} {_ms(seconds / count):>8}  {kind}")
    if result.stats is not None:
        for key, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
            buf = io.StringIO()
            result.stats.stream = buf  # type: ignore[attr-defined]
            result.stats.sort_stats(key).print_stats(top)
            body = buf.getvalue()
            start = body.find("   ncalls")
            lines += [f"--- functions by {title} ---", body[start:].rstrip()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=100)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--no-cprofile", action="store_true", help="count SQL only (undistorted timings)"
    )
    args = parser.parse_args(argv)
    result = asyncio.run(profile(args.mails, with_cprofile=not args.no_cprofile))
    print(report(result, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
