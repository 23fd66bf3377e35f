"""Concurrency: one `renos serve` under 10, 50 and 200 concurrent streaming chat sessions.

Starts an embedded PostgreSQL in a temporary folder (removed afterwards) with a fresh database,
seeds the demo data and creates one staff user and token per stream of the largest level. Then
runs ``renos serve`` (offline model, no mail workers, rate limits out of the way) on 127.0.0.1
and, after one warm-up turn, each level in turn: that many clients, each with a new session,
send short Danish messages one after the other for ``--seconds``, reading every SSE stream to
its ``done`` (resuming with ``Last-Event-ID`` if it breaks). Each level's sessions are then
compared with ``chat_events``: every stored event received exactly once.

Prints per level: turns per second, p50/p95 time to first event and turn time, errors, events
lost or repeated, and the CPU seconds the server and this client used; then the throughput of
each level against the first, and ``os.cpu_count()``. Exits 1 on any error, lost or repeated
event. The client runs on the same machine and takes its share of the cores.

    .venv/bin/python -m bench.concurrency [--levels 10,50,200] [--seconds 30] [--server-workers N]
    .venv/bin/python -m bench.concurrency --quick      # levels 5,20 for 8 s
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

from sqlalchemy import text

from api.composition import Container, build_container
from api.startup import seed_demo
from bench.sse_load_core import (
    HOST,
    EventCheck,
    StreamLog,
    Turn,
    child_env,
    compare_events,
    create_tokens,
    free_port,
    log_problems,
    percentile,
    postgres_server,
    rss_kib,
    run_streams,
    serve,
    server_exit_problem,
    settings_for,
    throwaway_database,
    wait_ready,
)

PAUSE_S = 1.0  # between levels: the previous level's last turns have ended, the server idles


@dataclass(frozen=True)
class ConcurrencyConfig:
    levels: tuple[int, ...] = (10, 50, 200)
    seconds: float = 30.0
    log_dir: Path | None = None  # keep the server's log there
    pool_size: int | None = None  # DATABASE_POOL_SIZE for the server; None: its default
    # `renos serve --workers`: processes behind the one port. One Python process uses one
    # core at most, so a service meant to use the machine runs one per core (the default).
    server_workers: int = dataclasses.field(default_factory=lambda: os.cpu_count() or 1)


QUICK = ConcurrencyConfig(levels=(5, 20), seconds=8)


@dataclass
class LevelResult:
    level: int
    elapsed_s: float = 0.0
    streams: list[StreamLog] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    events: EventCheck = field(default_factory=EventCheck)
    server_cpu_s: float | None = None
    client_cpu_s: float = 0.0
    machine_busy: float | None = None  # share of all cores busy (any process) in the level
    db_cpu_s: float | None = None  # CPU of the database's server processes for this database
    db_transactions: int = 0  # committed and rolled back in this database during the level
    rss_end_kib: int | None = None

    @property
    def turns(self) -> list[Turn]:
        return [t for s in self.streams for t in s.turns]

    @property
    def completed(self) -> int:
        return sum(t.completed for t in self.turns)

    @property
    def turns_per_s(self) -> float:
        return self.completed / self.elapsed_s if self.elapsed_s else 0.0

    @property
    def events_received(self) -> int:
        return sum(len(s.received) for s in self.streams)

    @property
    def ok(self) -> bool:
        e = self.events
        started = all(s.session_id is not None for s in self.streams)
        return not (self.errors or e.lost or e.repeated or e.unknown) and started


@dataclass
class ConcurrencyResult:
    config: ConcurrencyConfig
    cpu_count: int | None = os.cpu_count()
    levels: list[LevelResult] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)  # outside the levels
    prepare_s: float = 0.0
    server_ready_s: float = 0.0
    rss_start_kib: int | None = None
    server_log_tail: str = ""
    server_log_problems: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.errors and all(level.ok for level in self.levels)


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _cpu_s(pid: int) -> float | None:
    """User plus system CPU seconds of a process so far (from /proc), None if unknown."""
    fields = _stat(pid)
    try:
        return None if fields is None else (int(fields[11]) + int(fields[12])) / _TICK
    except (ValueError, IndexError):
        return None


def _family(pid: int) -> list[int]:
    """The process and its children (``renos serve --workers N`` runs N children)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) and fields[1] == str(pid):
            children.append(int(entry.name))
    return [pid, *children]


def _family_cpu_s(pid: int) -> float | None:
    times = [t for p in _family(pid) if (t := _cpu_s(p)) is not None]
    return sum(times) if times else None


def _family_rss_kib(pid: int) -> int | None:
    sizes = [r for p in _family(pid) if (r := rss_kib(p)) is not None]
    return sum(sizes) if sizes else None


_TICK = os.sysconf("SC_CLK_TCK")


def _machine_cpu() -> tuple[float, float] | None:
    """Busy and total CPU time of the whole machine so far (from /proc/stat), in ticks."""
    try:
        ticks = [float(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0.0)  # idle and iowait
    return sum(ticks) - idle, sum(ticks)


async def _database_load(container: Container) -> tuple[dict[int, float], int]:
    """CPU seconds so far of each server process connected to the benchmark's database (when
    the server runs on this machine), and the database's transactions so far."""
    async with container.database.transaction() as s:
        pids = (
            await s.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            )
        ).scalars()
        cpu = {pid: c for pid in pids if (c := _cpu_s(int(pid))) is not None}
        await s.execute(text("SELECT pg_stat_clear_snapshot()"))
        xacts = (
            await s.execute(
                text(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database "
                    "WHERE datname = current_database()"
                )
            )
        ).scalar_one()
    return cpu, int(xacts)


async def run_concurrency(
    config: ConcurrencyConfig, *, admin_url: str | None = None
) -> ConcurrencyResult:
    """The whole benchmark; ``admin_url``: a maintenance database of a running server to
    create the throwaway database on (default: an embedded server of its own)."""
    work_dir = Path(tempfile.mkdtemp(prefix="renos-concurrency-"))
    try:
        with postgres_server(admin_url, work_dir) as admin, throwaway_database(admin) as db_url:
            container = await build_container(settings_for(db_url))
            try:
                return await _run(config, container, db_url, work_dir)
            finally:
                await container.aclose()
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


async def _run(
    config: ConcurrencyConfig, container: Container, db_url: str, work_dir: Path
) -> ConcurrencyResult:
    result = ConcurrencyResult(config=config)
    started = time.monotonic()
    await seed_demo(container)
    tokens = await create_tokens(container, max(config.levels))
    result.prepare_s = time.monotonic() - started
    port = free_port()
    extra = {"RESPONDER_MODE": "off"}
    if config.pool_size is not None:
        extra["DATABASE_POOL_SIZE"] = str(config.pool_size)
    env = child_env(db_url, port, work_dir / "data", **extra)
    base = f"http://{HOST}:{port}"
    server = serve(env, port, work_dir, workers=config.server_workers)
    try:
        started = time.monotonic()
        await wait_ready(server, base)
        result.server_ready_s = time.monotonic() - started
        result.rss_start_kib = _family_rss_kib(server.proc.pid)
        # One turn first: the first turn of a process pays for lazy imports and connections.
        await run_streams(base, tokens[:1], 60, result.errors, max_turns=1)
        for level in config.levels:
            await asyncio.sleep(PAUSE_S)
            result.levels.append(
                await _level(container, base, tokens[:level], config.seconds, server.proc.pid)
            )
    finally:
        if (problem := server_exit_problem(await server.stop())) is not None:
            result.errors[problem] += 1
        result.server_log_tail = server.tail()
        result.server_log_problems = log_problems(server.log)
        if config.log_dir is not None:
            config.log_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(server.log, config.log_dir / server.log.name)
    return result


async def _level(
    container: Container, base: str, tokens: list[str], seconds: float, server_pid: int
) -> LevelResult:
    out = LevelResult(level=len(tokens))
    db_cpu, db_xacts = await _database_load(container)
    server_cpu, client_cpu = _family_cpu_s(server_pid), time.process_time()
    machine = _machine_cpu()
    out.streams, out.elapsed_s = await run_streams(base, tokens, seconds, out.errors)
    out.client_cpu_s = time.process_time() - client_cpu
    machine_end = _machine_cpu()
    if machine is not None and machine_end is not None and machine_end[1] > machine[1]:
        out.machine_busy = (machine_end[0] - machine[0]) / (machine_end[1] - machine[1])
    server_cpu_end = _family_cpu_s(server_pid)
    if server_cpu is not None and server_cpu_end is not None:
        out.server_cpu_s = server_cpu_end - server_cpu
    out.rss_end_kib = _family_rss_kib(server_pid)
    await asyncio.sleep(PAUSE_S)  # the statistics collector reports with a delay
    db_cpu_end, db_xacts_end = await _database_load(container)
    out.db_transactions = db_xacts_end - db_xacts - 2  # less our own two
    if db_cpu_end:  # a server on this machine (processes that ended meanwhile are missed)
        out.db_cpu_s = sum(c - db_cpu.get(pid, 0.0) for pid, c in db_cpu_end.items())
    out.events = await compare_events(container, out.streams)
    return out


# --- the report -----------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def report(result: ConcurrencyResult) -> str:
    c = result.config
    head = (
        f"{'streams':>7} {'s':>5} {'turns':>6} {'turns/s':>7} {'first p50':>9} "
        f"{'first p95':>9} {'turn p50':>9} {'turn p95':>9} {'errors':>6} {'events':>7} "
        f"{'lost':>4} {'rep':>4} {'srv cpu':>7} {'db cpu':>6} {'cli cpu':>7} {'busy':>5} "
        f"{'xact/turn':>9} {'rss MiB':>7}"
    )
    lines = [
        f"concurrency: levels {','.join(map(str, c.levels))}, {c.seconds:g} s each, one "
        f"renos serve (--workers {c.server_workers}), offline model; "
        f"os.cpu_count() = {result.cpu_count}",
        f"set-up {result.prepare_s:.1f} s, server ready after {result.server_ready_s:.1f} s; "
        "times in ms; cpu: CPU seconds per wall second (server process, its database "
        "connections, this client); busy: share of all cores in use (every process, others "
        "too); xact/turn: database transactions per completed turn",
        head,
    ]
    for lv in result.levels:
        turns = lv.turns
        first = [t.first_event_s for t in turns if t.first_event_s is not None]
        totals = [t.total_s for t in turns if t.completed]
        srv = f"{lv.server_cpu_s / lv.elapsed_s:.2f}" if lv.server_cpu_s and lv.elapsed_s else "n/a"
        cli = f"{lv.client_cpu_s / lv.elapsed_s:.2f}" if lv.elapsed_s else "n/a"
        rss = f"{lv.rss_end_kib / 1024:.0f}" if lv.rss_end_kib else "n/a"
        busy = f"{lv.machine_busy:.0%}" if lv.machine_busy is not None else "n/a"
        db = f"{lv.db_cpu_s / lv.elapsed_s:.2f}" if lv.db_cpu_s and lv.elapsed_s else "n/a"
        xact = f"{lv.db_transactions / lv.completed:.0f}" if lv.completed else "n/a"
        lines.append(
            f"{lv.level:>7} {lv.elapsed_s:>5.1f} {lv.completed:>6} {lv.turns_per_s:>7.2f} "
            f"{_ms(percentile(first, 0.5)):>9} {_ms(percentile(first, 0.95)):>9} "
            f"{_ms(percentile(totals, 0.5)):>9} {_ms(percentile(totals, 0.95)):>9} "
            f"{sum(lv.errors.values()):>6} {lv.events_received:>7} {lv.events.lost:>4} "
            f"{lv.events.repeated:>4} {srv:>7} {db:>6} {cli:>7} {busy:>5} {xact:>9} {rss:>7}"
        )
    if result.levels and result.levels[0].turns_per_s:
        base = result.levels[0]
        ratios = ", ".join(
            f"{lv.level}/{base.level} streams: x{lv.turns_per_s / base.turns_per_s:.2f}"
            for lv in result.levels[1:]
        )
        lines.append(f"throughput against {base.level} streams: {ratios or 'one level only'}")
    for lv in result.levels:
        for kind, n in lv.errors.most_common():
            lines.append(f"  {lv.level} streams: {n} x {kind}")
        if lv.events.unknown:
            lines.append(f"  {lv.level} streams: {lv.events.unknown} events not in chat_events")
    for kind, n in result.errors.most_common():
        lines.append(f"  outside the levels: {n} x {kind}")
    problems = result.server_log_problems.most_common()
    lines.append("server log: " + (", ".join(f"{n} x {k}" for k, n in problems) or "clean"))
    lines.append("result: " + ("OK" if result.ok else "FAILED"))
    return "\n".join(lines)


def _levels(text: str) -> tuple[int, ...]:
    try:
        levels = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError("give one or more positive numbers, e.g. 10,50,200")
    return levels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--levels", type=_levels, default=ConcurrencyConfig.levels, help="e.g. 10,50,200"
    )
    parser.add_argument("--seconds", type=float, default=ConcurrencyConfig.seconds)
    parser.add_argument("--pool-size", type=int, help="DATABASE_POOL_SIZE for the server")
    parser.add_argument(
        "--server-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="renos serve --workers: server processes (each a Python process, one core each); "
        "default: the machine's cores",
    )
    parser.add_argument("--logs", type=Path, help="copy the server's log here")
    parser.add_argument("--quick", action="store_true", help="levels 5,20 for 8 s")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else ConcurrencyConfig(args.levels, args.seconds)
    config = dataclasses.replace(
        config, log_dir=args.logs, pool_size=args.pool_size, server_workers=args.server_workers
    )
    result = asyncio.run(run_concurrency(config))
    print(report(result))
    if not result.ok:
        print("--- server log (tail) ---\n" + result.server_log_tail, file=sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
