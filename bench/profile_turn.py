"""Where a turn's time goes: the one-tool-call turn of ``bench.turn_overhead``, first through the
bare LangGraph baseline, then through the service's HTTP endpoint (uvicorn in this process),
counted and profiled.

Per turn (averaged over ``--turns``, after ``--warmup`` uncounted turns, each on a fresh thread
or session): commands sent to the database (statements, pool pings, ``BEGIN`` and ``COMMIT``:
about one round trip each; a pipelined batch of the checkpointer counts per statement) by
kind; from PostgreSQL's own statistics, commits, the WAL flushes a committing session waited
for (one per durable write transaction: each waits for the disk) and WAL bytes; embedding
calls; checkpoint reads and writes. Then, for the service turns, CPU time (cProfile with a CPU
clock, whole process, HTTP client included) by package, and the functions with the most own
and cumulative time. The statistics need about ten seconds to settle before each reading.

    .venv/bin/python -m bench.profile_turn [--turns 30] [--warmup 5] [--top 25]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import re
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from sqlalchemy import text

from agent import assembly
from agent.memory.embeddings import HashingEmbedder
from api.composition import Container
from bench.bare_graph import bare_agent
from bench.sse_load_core import percentile
from bench.sse_turns import (
    ONE_TOOL_TEXT,
    Staff,
    bench_container,
    client,
    create_session,
    machine,
    prepare,
    send_turn,
    serve_in_process,
)
from memory.database import Database
from tools.canonical.caller import Caller


@dataclass
class Counts:
    round_trips: int = 0  # commands sent: statements, BEGIN, COMMIT, pings
    statements: Counter[str] = field(default_factory=Counter)
    embed_calls: int = 0
    embed_texts: int = 0
    checkpointer: Counter[str] = field(default_factory=Counter)
    active: bool = False


_WORDS = re.compile(r"\s+")


def statement_kind(sql: str) -> str:
    """A short name for a statement: its verb and first table."""
    text = _WORDS.sub(" ", sql).strip()
    head = text[:12].upper()
    if head.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
        return head.split()[0]
    if text in (";", "SELECT 1"):
        return "ping (pool pre-ping)"
    if head.startswith("SET "):
        return " ".join(text.split()[:3])
    verb = text.split(" ", 1)[0].upper()
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+([a-z_\"]+)", text, re.IGNORECASE)
    return f"{verb} {table.group(1).strip(chr(34)) if table else '?'}"


@contextmanager
def counting(counts: Counts) -> Iterator[None]:
    """Wrap psycopg's async connection and cursor, the embedder and the checkpointer."""
    originals: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, name: str, make: Callable[[Any], Any]) -> None:
        original = getattr(owner, name)
        originals.append((owner, name, original))
        setattr(owner, name, make(original))

    def commanding(original: Any) -> Any:
        def exec_command(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
            if counts.active:
                counts.round_trips += 1
                sql = command.decode() if isinstance(command, bytes) else str(command)
                counts.statements[statement_kind(sql)] += 1
            return original(self, command, *args, **kwargs)

        return exec_command

    def executing(original: Any) -> Any:
        async def execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            if counts.active:
                counts.round_trips += 1
                sql = query if isinstance(query, str) else getattr(query, "as_string", str)(None)
                counts.statements[statement_kind(str(sql))] += 1
            return await original(self, query, *args, **kwargs)

        return execute

    def embedding(original: Any) -> Any:
        async def embed(self: Any, texts: list[str]) -> Any:
            if counts.active:
                counts.embed_calls += 1
                counts.embed_texts += len(texts)
            return await original(self, texts)

        return embed

    def checkpointing(name: str) -> Callable[[Any], Any]:
        def make(original: Any) -> Any:
            async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
                if counts.active:
                    counts.checkpointer[name] += 1
                return await original(self, *args, **kwargs)

            return method

        return make

    wrap(psycopg.AsyncConnection, "_exec_command", commanding)
    wrap(psycopg.AsyncCursor, "execute", executing)
    wrap(psycopg.AsyncCursor, "executemany", executing)
    wrap(HashingEmbedder, "embed", embedding)
    for name in ("aget_tuple", "aput", "aput_writes"):
        wrap(AsyncPostgresSaver, name, checkpointing(name))
    try:
        yield
    finally:
        for owner, name, original in reversed(originals):
            setattr(owner, name, original)


@dataclass
class ServerStats:
    """What PostgreSQL itself counted: commits in the database, WAL flushes made by client
    backends (a committing session waits for each), WAL bytes written (by any process)."""

    commits: int = 0
    wal_fsyncs: int = 0
    wal_bytes: int = 0

    def __sub__(self, other: ServerStats) -> ServerStats:
        return ServerStats(
            self.commits - other.commits,
            self.wal_fsyncs - other.wal_fsyncs,
            self.wal_bytes - other.wal_bytes,
        )


# A backend reports its counters when it goes idle, at most once a second, else ten seconds
# later: wait that long before reading them.
STATS_SETTLE_S = 11.0


async def server_stats(database: Database) -> ServerStats:
    await asyncio.sleep(STATS_SETTLE_S)
    async with database.transaction() as s:
        commits = (
            await s.execute(
                text("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
            )
        ).scalar_one()
        fsyncs, written = (
            await s.execute(
                text(
                    "SELECT coalesce(sum(fsyncs) FILTER "
                    "(WHERE backend_type = 'client backend'), 0), coalesce(sum(write_bytes), 0) "
                    "FROM pg_stat_io WHERE object = 'wal'"
                )
            )
        ).one()
    return ServerStats(int(commits), int(fsyncs), int(written))


@dataclass
class Phase:
    name: str
    seconds: list[float] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    stats: ServerStats = field(default_factory=ServerStats)


async def _bare_phase(container: Container, staff: Staff, turns: int, warmup: int) -> Phase:
    phase = Phase("bare LangGraph (fresh thread per turn)")
    ports_for = assembly.ports_factory(calendar=None, mailbox=None, clock=container.clock)
    caller = Caller(
        user_id=staff.user_id,
        role="staff",
        channel="chat",
        session_id=None,
        now=container.clock(),
        trace_id=uuid.uuid4().hex,
    )
    async with bare_agent(container.database, ports_for, caller, container.clock) as bare:
        for _ in range(warmup):
            await bare.turn(f"bare-{uuid.uuid4().hex}", ONE_TOOL_TEXT)
        before = await server_stats(container.database)
        with counting(phase.counts):
            for _ in range(turns):
                phase.counts.active = True
                done = await bare.turn(f"bare-{uuid.uuid4().hex}", ONE_TOOL_TEXT)
                phase.counts.active = False
                phase.seconds.append(done.seconds)
        phase.stats = await server_stats(container.database) - before
    return phase


async def _service_phase(
    container: Container, staff: Staff, db_url: str, turns: int, warmup: int
) -> tuple[Phase, cProfile.Profile]:
    phase = Phase("service over HTTP (fresh session per turn)")
    profiler = cProfile.Profile(time.process_time)  # CPU time: waits cost nothing
    async with serve_in_process(db_url) as served, client(served) as http:
        for i in range(warmup):
            await send_turn(http, staff, await create_session(http, staff, f"warm {i}"), "Hej")
        sessions = [await create_session(http, staff, f"profile {i}") for i in range(turns)]
        before = await server_stats(container.database)
        with counting(phase.counts):
            for session_id in sessions:
                phase.counts.active = True
                profiler.enable()
                turn = await send_turn(http, staff, session_id, ONE_TOOL_TEXT)
                await asyncio.sleep(0.02)  # the turn task's release lands after done
                profiler.disable()
                phase.counts.active = False
                phase.seconds.append(turn.seconds)
        phase.stats = await server_stats(container.database) - before
    return phase, profiler


async def profile(turns: int, warmup: int) -> tuple[list[Phase], cProfile.Profile]:
    async with bench_container(None) as (container, db_url):
        staff = await prepare(container)
        bare = await _bare_phase(container, staff, turns, warmup)
        service, profiler = await _service_phase(container, staff, db_url, turns, warmup)
    return [bare, service], profiler


def _phase_lines(phase: Phase) -> list[str]:
    n = max(len(phase.seconds), 1)
    c, st = phase.counts, phase.stats
    return [
        f"== {phase.name}: {len(phase.seconds)} turns, p50 "
        f"{percentile(phase.seconds, 0.5) * 1000:.1f} ms",
        f"per turn: {c.round_trips / n:.1f} database commands (statements, pings, BEGIN, "
        f"COMMIT), {st.commits / n:.1f} commits (read-only ones too), "
        f"{st.wal_fsyncs / n:.1f} WAL flushes waited for, {st.wal_bytes / n / 1024:.1f} KiB WAL",
        *(f"  {v / n:6.1f}  {kind}" for kind, v in c.statements.most_common()),
        f"embedding calls per turn: {c.embed_calls / n:.1f} ({c.embed_texts / n:.1f} texts)",
        "checkpointer calls per turn: "
        + ", ".join(f"{k} {v / n:.1f}" for k, v in sorted(c.checkpointer.items())),
    ]


def area(filename: str) -> str:
    """Where a profiled function lives: a package of the venv, a package of this repository,
    the standard library, or C code without a file."""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C code, incl. socket and epoll waits)"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    for top in ("api", "agent", "memory", "tools", "bench"):
        if f"/{top}/" in filename:
            return f"{top}/ (this repository)"
    return "python standard library"


def _by_area(profiler: cProfile.Profile, top: int = 14) -> list[str]:
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    spent: Counter[str] = Counter()
    for (filename, _, _), (_, _, tottime, _, _) in raw.items():
        spent[area(filename)] += tottime
    total = sum(spent.values()) or 1.0
    return [f"  {share / total:6.1%}  {name}" for name, share in spent.most_common(top)]


def report(phases: list[Phase], profiler: cProfile.Profile, top: int) -> str:
    lines = [
        f"profile of the one-tool-call turn {ONE_TOOL_TEXT!r}; {machine()}",
        "(commands counted in this process's psycopg connections; commits, "
        "WAL flushes and bytes from PostgreSQL's statistics; the service runs under uvicorn in "
        "this process with cProfile on, so its times here are slower than real)",
    ]
    for phase in phases:
        lines += _phase_lines(phase)
    lines += ["--- service turns: own time by area (cProfile, whole process) ---"]
    lines += _by_area(profiler)
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(order).print_stats(top)
        body = out.getvalue()
        start = body.find("   ncalls")
        lines += [f"--- service turns: top {top} by {order} ---", body[start:].rstrip()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    phases, profiler = asyncio.run(profile(args.turns, args.warmup))
    print(report(phases, profiler, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
