"""A long chat session: does a turn get slower, and does the session's storage grow faster than
its transcript, after hundreds of turns? Measured beside the bare LangGraph baseline in the
same run.

``--turns`` (default 200) turns of the one-tool-call message of ``bench.turn_overhead`` ("Find
Mette Hansen": one ``search_leads`` call, then the answer) in ONE session through the service
(``renos serve`` on 127.0.0.1, offline model and embedder; each turn timed from sending the POST
to receiving ``done``), alternating turn by turn with the same message on ONE thread of the
bare baseline (``bench/bare_graph.py``: LangGraph's stock graph and ``AsyncPostgresSaver``, the
whole history sent to the model every turn). One uncounted warm-up turn of each comes first,
in a session and a thread of their own.

Latency at turns 1, 50, 100 and 200 is the median of a five-turn window around the point
(turns 1-5, 48-52, 98-102, 196-200), to damp noise; the ratio is turn 200 / turn 1 (target at
most 1.2). Storage is what PostgreSQL holds for that session alone: the sum of
``pg_column_size`` of its rows in ``checkpoints``, ``checkpoint_blobs`` and
``checkpoint_writes`` (thread id = session id), ``chat_messages`` (with their embeddings),
``chat_events``, ``task_executions`` (the audit) and its ``chat_sessions`` row (with the
summary); measured at the same points to show how it grows (target: linear, at most 3 MB after
200 turns). The baseline's checkpoint bytes are measured the same way for its thread.

    .venv/bin/python -m bench.long_session [--turns 200]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import uuid
from dataclasses import dataclass, field

from sqlalchemy import text

from agent import assembly
from bench.bare_graph import BareTurn, bare_agent
from bench.sse_turns import (
    ONE_TOOL_TEXT,
    CpuMeter,
    ServiceTurn,
    bench_container,
    client,
    create_session,
    machine,
    prepare,
    send_turn,
    serve_subprocess,
    window_label,
    window_mean,
    window_median,
)
from memory.database import Database
from tools.canonical.caller import Caller

TARGET_RATIO = 1.2
TARGET_BYTES = 3 * 1024 * 1024
CHECKPOINT_TABLES = ("checkpoints", "checkpoint_blobs", "checkpoint_writes")
# (label, table, key column); the key is the session id (the checkpoint thread id as text).
SESSION_TABLES = (
    *((t, t, "thread_id") for t in CHECKPOINT_TABLES),
    ("chat_messages", "chat_messages", "session_id"),
    ("chat_events", "chat_events", "session_id"),
    ("audit", "task_executions", "session_id"),
    ("session row", "chat_sessions", "id"),
)


async def stored_bytes(
    database: Database, key: str, *, checkpoints_only: bool = False
) -> dict[str, int]:
    """Bytes (``pg_column_size`` of whole rows) per table for one session or thread."""
    tables = SESSION_TABLES[:3] if checkpoints_only else SESSION_TABLES
    out: dict[str, int] = {}
    async with database.transaction() as s:
        for label, table, column in tables:
            cast = "" if column == "thread_id" else "::uuid"
            sql = (
                f"SELECT coalesce(sum(pg_column_size(t.*)), 0) FROM {table} t "  # noqa: S608
                f"WHERE t.{column} = CAST(:key AS text){cast}"
            )
            out[label] = int((await s.execute(text(sql), {"key": key})).scalar_one())
    return out


async def table_bytes(database: Database) -> dict[str, int]:
    """Bytes of every row of the tables :func:`stored_bytes` reads, whoever they belong to."""
    out: dict[str, int] = {}
    async with database.transaction() as s:
        for label, table, _ in SESSION_TABLES:
            sql = f"SELECT coalesce(sum(pg_column_size(t.*)), 0) FROM {table} t"  # noqa: S608
            out[label] = int((await s.execute(text(sql))).scalar_one())
    return out


def growth_points(turns: int) -> list[int]:
    """Turns 1, 50, 100, 200 for 200 turns; the same fractions of a shorter run."""
    return sorted({1, max(turns // 4, 1), max(turns // 2, 1), turns})


@dataclass
class LongResult:
    turns: int
    service: list[ServiceTurn] = field(default_factory=list)
    bare: list[BareTurn] = field(default_factory=list)
    session_id: uuid.UUID | None = None
    thread_id: str = ""
    warm_session_id: uuid.UUID | None = None
    ours: dict[int, dict[str, int]] = field(default_factory=dict)  # turn -> table -> bytes
    theirs: dict[int, dict[str, int]] = field(default_factory=dict)
    warm_bytes: dict[str, int] = field(default_factory=dict)  # the warm-up session's
    all_rows: dict[str, int] = field(default_factory=dict)  # every row of each table
    # CPU ms per turn: bare (this process + database), service (server + client + database)
    bare_cpu: list[float] = field(default_factory=list)
    service_cpu: list[float] = field(default_factory=list)
    machine_before: str = ""
    machine_after: str = ""

    @property
    def problems(self) -> list[str]:
        found: list[str] = []
        if any(len(t.tools_finished) != 1 for t in self.service):
            found.append("a service turn did not report exactly one tool_finished")
        if any(t.tool_calls != 1 or not t.answered for t in self.bare):
            found.append("a bare turn did not make exactly one tool call and answer")
        last = self.ours.get(self.turns, {})
        if sum(last.values()) > TARGET_BYTES:
            found.append(f"the session holds more than {TARGET_BYTES} bytes (target)")
        return found


async def run_long(turns: int, *, admin_url: str | None = None) -> LongResult:
    result = LongResult(turns, machine_before=machine())
    points = set(growth_points(turns))
    async with bench_container(admin_url) as (container, db_url):
        staff = await prepare(container)
        ports_for = assembly.ports_factory(calendar=None, mailbox=None, clock=container.clock)
        caller = Caller(
            user_id=staff.user_id,
            role="staff",
            channel="chat",
            session_id=None,
            now=container.clock(),
            trace_id=uuid.uuid4().hex,
        )
        db = container.database
        async with (
            bare_agent(db, ports_for, caller, container.clock) as bare,
            serve_subprocess(db_url) as served,
            client(served) as http,
        ):
            result.warm_session_id = await create_session(http, staff, "warm-up")
            await send_turn(http, staff, result.warm_session_id, ONE_TOOL_TEXT)
            await bare.turn(f"bare-warm-{uuid.uuid4().hex}", ONE_TOOL_TEXT)
            result.session_id = session_id = await create_session(http, staff, "long session")
            result.thread_id = thread_id = f"bare-long-{uuid.uuid4().hex}"
            cpu = CpuMeter(db, served.pid)
            for turn in range(1, turns + 1):
                before = await cpu.read()
                result.bare.append(await bare.turn(thread_id, ONE_TOOL_TEXT))
                middle = await cpu.read()
                result.service.append(await send_turn(http, staff, session_id, ONE_TOOL_TEXT))
                after = await cpu.read()
                result.bare_cpu.append(1000 * (middle[0] - before[0] + middle[2] - before[2]))
                spent = sum(b - a for a, b in zip(middle, after, strict=True))
                result.service_cpu.append(1000 * spent)
                if turn in points:
                    result.ours[turn] = await stored_bytes(db, str(session_id))
                    result.theirs[turn] = await stored_bytes(db, thread_id, checkpoints_only=True)
        result.warm_bytes = await stored_bytes(db, str(result.warm_session_id))
        result.all_rows = await table_bytes(db)
    result.machine_after = machine()
    return result


def _growth(values: list[float], first: int, last: int) -> float:
    return window_mean(values, last) / max(window_mean(values, first), 1e-9)


def _kb(n: float) -> str:
    return f"{n / 1024:.1f}"


def report(result: LongResult) -> str:
    n = result.turns
    points = growth_points(n)
    ours = [t.seconds * 1000 for t in result.service]
    theirs = [t.seconds * 1000 for t in result.bare]
    lines = [
        f"long session: {n} turns of {ONE_TOOL_TEXT!r} in one session (service, renos serve "
        "on 127.0.0.1, POST -> done) and on one thread (bare LangGraph), alternating",
        f"machine: {result.machine_before} at start, {result.machine_after} at end",
        "turn latency, ms (median of the 5-turn window shown)",
        f"{'turn':>6} {'window':>9} {'service':>9} {'bare':>9}",
    ]
    for p in points:
        lines.append(
            f"{p:>6} {window_label(p, n):>9} {window_median(ours, p):9.1f} "
            f"{window_median(theirs, p):9.1f}"
        )
    first, last = points[0], points[-1]
    ratio_ours = window_median(ours, last) / max(window_median(ours, first), 1e-9)
    ratio_theirs = window_median(theirs, last) / max(window_median(theirs, first), 1e-9)
    lines.append(
        f"ratio turn {last}/turn {first}: service {ratio_ours:.2f} (target <= {TARGET_RATIO}), "
        f"bare {ratio_theirs:.2f}"
    )
    lines.append(
        "CPU ms per turn (mean of the same window; service: server + client + PostgreSQL "
        "backends, bare: this process + backends; /proc counts 10 ms ticks): "
        + ", ".join(
            f"turn {p} {window_mean(result.service_cpu, p):.0f} / "
            f"{window_mean(result.bare_cpu, p):.0f}"
            for p in points
        )
        + f"; ratio {last}/{first}: service {_growth(result.service_cpu, first, last):.2f}, "
        f"bare {_growth(result.bare_cpu, first, last):.2f}"
    )
    labels = [label for label, _, _ in SESSION_TABLES]
    lines += [
        "stored for the session, KiB (sum of pg_column_size of its rows)",
        f"{'turn':>6} "
        + " ".join(f"{label:>17}" for label in labels)
        + f" {'total':>9} {'bare checkpoints':>17}",
    ]
    for p in points:
        row = result.ours.get(p, {})
        bare = sum(result.theirs.get(p, {}).values())
        lines.append(
            f"{p:>6} "
            + " ".join(f"{_kb(row.get(label, 0)):>17}" for label in labels)
            + f" {_kb(sum(row.values())):>9} {_kb(bare):>17}"
        )
    growth = []
    for a, b in itertools.pairwise(points):
        ours_per = (sum(result.ours[b].values()) - sum(result.ours[a].values())) / (b - a)
        theirs_per = (sum(result.theirs[b].values()) - sum(result.theirs[a].values())) / (b - a)
        growth.append(f"turns {a}-{b}: {_kb(ours_per)} KiB/turn (bare {_kb(theirs_per)})")
    lines.append("growth: " + "; ".join(growth) + " (equal per-turn growth = linear)")
    total = sum(result.ours.get(n, {}).values())
    lines.append(
        f"total after {n} turns: service {total / 1024 / 1024:.2f} MiB "
        f"(target <= {TARGET_BYTES / 1024 / 1024:.0f} MiB), bare checkpoints "
        f"{sum(result.theirs.get(n, {}).values()) / 1024 / 1024:.2f} MiB"
    )
    lines += [f"PROBLEM: {p}" for p in result.problems]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args(argv)
    result = asyncio.run(run_long(args.turns))
    print(report(result))
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
