"""What the service adds to a turn: the same one-tool-call turn through a bare LangGraph graph
and through the service's streaming HTTP endpoint, measured in the same run.

The turn is one Danish staff message ("Find Mette Hansen") that makes the offline model call
``search_leads`` once and then answer. It runs

(a) through the bare baseline of ``bench/bare_graph.py``: a minimal LangGraph graph with the
    same offline model and the same tool function, LangGraph's ``AsyncPostgresSaver`` on the
    same PostgreSQL, in this process; no HTTP, audit, memory or recall. Each turn on a fresh
    thread (the fair comparison: the service's turn also starts a fresh session);
(b) through the service end to end: ``renos serve`` on 127.0.0.1 (a subprocess; offline model
    and embedder), bearer token, a fresh session per turn (created before the clock starts),
    ``POST /v1/sessions/{id}/messages`` timed from sending the request to receiving ``done``:
    authentication, rate limit, turn lock, stored user message with its embedding, recall,
    bounded prompt, audited tool call, event log, SSE and the stored transcript.

Turns run one at a time, alternating (a) and (b) so that load on the machine hits both alike,
after ``--warmup`` turns of each that are not counted. Prints p50 and p95 of both and the
ratio b/a (target at p50: at most 1.5), and checks that every turn made exactly one tool call
(and, for the service, one audit row). Also prints the CPU time a turn costs on each side (this
process, the server process, the PostgreSQL backends; from /proc), which a loaded machine
distorts much less than it does latency. Where the service's time goes: ``bench.profile_turn``.

    .venv/bin/python -m bench.turn_overhead [--turns 100] [--warmup 10] [--in-process]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sqlalchemy import func, select

from agent import assembly
from bench.bare_graph import BareTurn, bare_agent
from bench.sse_load_core import percentile
from bench.sse_turns import (
    ONE_TOOL_TEXT,
    CpuMeter,
    Served,
    ServiceTurn,
    bench_container,
    client,
    create_session,
    machine,
    prepare,
    send_turn,
    serve_in_process,
    serve_subprocess,
)
from memory.models import TaskExecution
from memory.models.enums import TaskStatus
from tools.canonical.caller import Caller

TARGET_P50 = 1.5


@dataclass
class OverheadResult:
    turns: int
    warmup: int
    text: str
    server: str
    bare: list[BareTurn] = field(default_factory=list)
    service: list[ServiceTurn] = field(default_factory=list)
    service_sessions: list[uuid.UUID] = field(default_factory=list)
    audit_succeeded: int = 0  # succeeded audit rows of the measured sessions
    # CPU seconds summed over the measured turns: (this process, server process, database)
    bare_cpu: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    service_cpu: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    machine_before: str = ""
    machine_after: str = ""
    in_process: bool = False

    @property
    def problems(self) -> list[str]:
        found: list[str] = []
        if any(t.tool_calls != 1 or not t.answered for t in self.bare):
            found.append("a bare turn did not make exactly one tool call and answer")
        if any(len(t.tools_finished) != 1 for t in self.service):
            found.append("a service turn did not report exactly one tool_finished")
        if self.audit_succeeded != len(self.service):
            found.append(
                f"{self.audit_succeeded} succeeded audit rows for {len(self.service)} turns"
            )
        return found

    def ms(self, which: str, q: float) -> float:
        turns = self.bare if which == "bare" else self.service
        return percentile([t.seconds for t in turns], q) * 1000


async def run_overhead(
    turns: int, warmup: int, *, admin_url: str | None = None, in_process: bool = False
) -> OverheadResult:
    """The whole benchmark on a throwaway database (on ``admin_url``'s server, or on an
    embedded server of its own)."""
    serve: Callable[[str], AbstractAsyncContextManager[Served]] = (
        serve_in_process if in_process else serve_subprocess
    )
    where = "uvicorn in this process" if in_process else "renos serve subprocess"
    result = OverheadResult(
        turns, warmup, ONE_TOOL_TEXT, where, machine_before=machine(), in_process=in_process
    )
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
        async with (
            bare_agent(container.database, ports_for, caller, container.clock) as bare,
            serve(db_url) as served,
            client(served) as http,
        ):
            cpu = CpuMeter(container.database, served.pid)
            for i in range(warmup + turns):
                before = await cpu.read()
                bare_turn = await bare.turn(f"bare-{uuid.uuid4().hex}", ONE_TOOL_TEXT)
                bare_cpu = _spent(before, await cpu.read())
                session_id = await create_session(http, staff, f"overhead {i}")
                before = await cpu.read()
                service_turn = await send_turn(http, staff, session_id, ONE_TOOL_TEXT)
                service_cpu = _spent(before, await cpu.read())
                if i >= warmup:
                    result.bare.append(bare_turn)
                    result.service.append(service_turn)
                    result.service_sessions.append(session_id)
                    _add(result.bare_cpu, bare_cpu)
                    _add(result.service_cpu, service_cpu)
        async with container.database.transaction() as s:
            stmt = select(func.count()).where(
                TaskExecution.session_id.in_(result.service_sessions),
                TaskExecution.status == TaskStatus.SUCCEEDED,
            )
            result.audit_succeeded = int((await s.execute(stmt)).scalar_one())
    result.machine_after = machine()
    return result


def _spent(before: tuple[float, ...], after: tuple[float, ...]) -> list[float]:
    return [b - a for a, b in zip(before, after, strict=True)]


def _add(total: list[float], more: list[float]) -> None:
    for i, value in enumerate(more):
        total[i] += value


def _cpu_line(label: str, cpu: list[float], turns: int, server: bool) -> str:
    here, srv, db = (1000 * x / max(turns, 1) for x in cpu)
    parts = [f"this process {here:.1f}"]
    if server:
        parts.append(f"server {srv:.1f}")
    else:
        srv = 0.0
    parts.append(f"PostgreSQL backends {db:.1f}")
    return f"    {label}: {', '.join(parts)}; total {here + srv + db:.1f}"


def report(result: OverheadResult) -> str:
    ratio50 = result.ms("service", 0.5) / max(result.ms("bare", 0.5), 1e-9)
    ratio95 = result.ms("service", 0.95) / max(result.ms("bare", 0.95), 1e-9)
    first = [t.first_event_s for t in result.service if t.first_event_s is not None]
    tools = sum(t.tool_calls for t in result.bare)
    finished = sum(len(t.tools_finished) for t in result.service)
    lines = [
        f"turn overhead: {result.text!r} (one search_leads call, then the answer), "
        f"{result.turns} turns after {result.warmup} warm-up, one at a time, (a) and (b) "
        "alternating",
        f"machine: {result.machine_before} at start, {result.machine_after} at end",
        f"{'':38} {'p50 ms':>8} {'p95 ms':>8}",
        f"{'(a) bare LangGraph, fresh thread/turn':38} "
        f"{result.ms('bare', 0.5):8.1f} {result.ms('bare', 0.95):8.1f}"
        f"   tool calls {tools} in {len(result.bare)} turns",
        f"{'(b) service over HTTP, POST -> done':38} "
        f"{result.ms('service', 0.5):8.1f} {result.ms('service', 0.95):8.1f}"
        f"   tool_finished {finished}, audit rows succeeded {result.audit_succeeded} "
        f"({result.server}, fresh session/turn)",
        f"    time to first event (run_started): p50 {percentile(first, 0.5) * 1000:.1f} ms",
        f"ratio b/a: p50 {ratio50:.2f} (target <= {TARGET_P50}), p95 {ratio95:.2f}",
        "CPU per turn, ms (mean; /proc counts in 10 ms ticks, the backends' includes reading "
        "them):",
        _cpu_line("(a) bare", result.bare_cpu, len(result.bare), server=False),
        _cpu_line(
            "(b) service", result.service_cpu, len(result.service), server=not result.in_process
        ),
    ]
    lines += [f"PROBLEM: {p}" for p in result.problems]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the service under uvicorn in this process instead of a renos serve subprocess",
    )
    args = parser.parse_args(argv)
    result = asyncio.run(run_overhead(args.turns, args.warmup, in_process=args.in_process))
    print(report(result))
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
