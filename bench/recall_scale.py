"""Recall at scale: chat memory filled with many messages, then the recall query the service
runs, timed, and its HNSW result compared with an exact scan.

On a throwaway embedded PostgreSQL (a temporary folder, removed afterwards): a few staff users
own many chat sessions (a few users chat a lot, most a little), whose messages are generated
Danish staff chat (:mod:`bench.chat_corpus`) embedded by the offline embedder. The messages
are loaded with one binary COPY, stored as the service stores them (one vector per text and
owner, on the newest copy), and the HNSW index is built afterwards, as a restore would
(:mod:`bench.recall_load`). Then each query (a new user message, embedded the same way) goes
through :meth:`memory.repositories.messages.MessageRepository.recall` exactly as the prompt
builder calls it (its own transaction, scoped to the user's sessions): the time of that call
is the figure, and its top ``k`` against the same call with index scans disabled (an exact
scan of the user's messages) gives recall@k. The server's shared_buffers are sized to hold
the index (``--shared-buffers``), as a server with this much chat memory would be configured;
with the embedded server's 128MB every query reads most of the graph from the OS cache.

    .venv/bin/python -m bench.recall_scale [--messages 100000] [--queries 200]
    .venv/bin/python -m bench.recall_scale --messages 1000000      # the full run
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import AsyncSession

from agent.memory.embeddings import HashingEmbedder, build_embedder
from agent.memory.settings import EmbeddingSettings
from bench.chat_corpus import message
from bench.recall_load import Dataset, load
from memory import migrate
from memory.database import Database, create_database, ensure_extensions
from memory.embedded import EmbeddedServer, start_embedded_server
from memory.models.enums import StaffRole
from memory.provision import create_database_if_missing, drop_database
from memory.repositories.messages import MessageRepository
from memory.repositories.staff import StaffRepository

_HNSW = "Index Scan using ix_chat_messages_embedding_hnsw"
_VECTOR_LITERAL = re.compile(r"'\[[^\]]*\]'::vector")
Hits = list[tuple[int, float]]  # (message id, cosine similarity), most similar first


@dataclass(frozen=True)
class RecallConfig:
    messages: int = 100_000
    queries: int = 200
    users: int = 10
    per_session: int = 30
    k: int = 10
    workers: int = 2  # embedding processes (1: in this process)
    parallel_workers: int = 1  # max_parallel_maintenance_workers for the index build
    maintenance_work_mem: str = ""  # empty: sized so the graph fits (see memory_for)
    warmup: int = 10
    seed: int = 1
    use_index: bool = True  # False: both sides are exact scans (recall must then be 1.0)


@dataclass
class Query:
    user: int
    hits: Hits
    exact: Hits
    seconds: float
    exact_seconds: float
    indexed: bool = False  # the planner chose the HNSW index for it


@dataclass
class RecallResult:
    config: RecallConfig
    dataset: Dataset
    queries: list[Query] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    exact_plan: list[str] = field(default_factory=list)
    server: dict[str, str] = field(default_factory=dict)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by the nearest-rank method; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(1, min(len(ordered), math.ceil(q * len(ordered)))) - 1]


def recall_at(hits: Hits, exact: Hits, k: int) -> float:
    """Share of the exact top ``k`` ids that the index returned in its top ``k``."""
    truth = {i for i, _ in exact[:k]}
    return sum(1 for i, _ in hits[:k] if i in truth) / len(truth) if truth else 1.0


def recall_with_ties(hits: Hits, exact: Hits, k: int, eps: float = 1e-6) -> float:
    """Like :func:`recall_at`, but a hit as similar as the exact k-th counts too: identical
    texts ("Tak for det") have identical vectors, and which of them is "the" k-th is arbitrary."""
    truth = exact[:k]
    if not truth:
        return 1.0
    floor = truth[-1][1] - eps
    return min(len(truth), sum(1 for _, sim in hits[:k] if sim >= floor)) / len(truth)


def memory_for(messages: int) -> str:
    """maintenance_work_mem that holds the whole HNSW graph (vector plus neighbour lists,
    about 3.5 kB a row at 768 dimensions and m=16), so the build never spills to disk."""
    return f"{max(64, math.ceil(messages * 4_096 / 2**20) + 64)}MB"


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _users(db: Database, count: int) -> list[uuid.UUID]:
    async with db.transaction() as s:
        repo = StaffRepository(s)
        users = [
            await repo.create_user(
                email=f"staff{n}@rendetalje.dk", name=f"Staff {n}", role=StaffRole.STAFF
            )
            for n in range(count)
        ]
    return [u.id for u in users]


async def _recall(
    db: Database, owner: uuid.UUID, vector: list[float], k: int, exact: bool
) -> tuple[Hits, float]:
    """One recall as the prompt builder runs it: its own transaction, the repository call."""
    began = time.perf_counter()
    async with db.transaction() as s:
        if exact:
            await s.execute(text("SET LOCAL enable_indexscan = off"))
        found = await MessageRepository(s).recall(
            owner_id=owner, embedding=vector, k=k, min_similarity=-1.0
        )
    return [(hit.message.id, hit.similarity) for hit in found], time.perf_counter() - began


async def _explain(
    db: Database, owner: uuid.UUID, vector: list[float], k: int, exact: bool, analyze: bool
) -> list[str]:
    """The plan of the recall query, from the statements the repository sent replayed in one
    transaction (its settings first, then the query under EXPLAIN)."""
    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        sent.append((statement, params))

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        await _recall(db, owner, vector, k, exact)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    plan: list[str] = []
    async with db.transaction() as s:
        conn = await s.connection()
        options = "ANALYZE, BUFFERS, COSTS OFF" if analyze else "COSTS OFF"
        for statement, params in sent:
            if "FROM chat_messages" in statement:
                rows = await conn.exec_driver_sql(f"EXPLAIN ({options}) {statement}", params)
                plan = [str(row[0]) for row in rows]
            else:
                await conn.exec_driver_sql(statement, params)
    return plan


async def _server(s: AsyncSession) -> dict[str, str]:
    rows = await s.execute(
        text(
            "SELECT 'pgvector', extversion FROM pg_extension WHERE extname = 'vector' "
            "UNION ALL SELECT name, current_setting(name) FROM pg_settings "
            "WHERE name IN ('server_version', 'shared_buffers', 'hnsw.max_scan_tuples', "
            "'max_parallel_workers_per_gather', 'work_mem')"
        )
    )
    return {str(name): str(value) for name, value in rows}


async def measure(db: Database, dataset: Dataset, config: RecallConfig) -> RecallResult:
    result = RecallResult(config, dataset)
    settings = EmbeddingSettings(_env_file=None, EMBEDDING_PROVIDER="offline")
    embedder = build_embedder(settings)
    assert isinstance(embedder, HashingEmbedder)  # the one the load used
    rng = random.Random(f"queries:{config.seed}")  # noqa: S311 - reproducible texts
    texts = [message(rng, "user") for _ in range(config.warmup + config.queries)]
    vectors = await embedder.embed(texts)
    owners = [dataset.users[n % len(dataset.users)] for n in range(len(texts))]
    for owner, vector in zip(owners[: config.warmup], vectors, strict=False):
        await _recall(db, owner, vector, config.k, not config.use_index)
        await _recall(db, owner, vector, config.k, True)
    for n in range(config.warmup, len(texts)):
        hits, seconds = await _recall(db, owners[n], vectors[n], config.k, not config.use_index)
        exact, exact_seconds = await _recall(db, owners[n], vectors[n], config.k, True)
        user = n % len(dataset.users)
        result.queries.append(Query(user, hits, exact, seconds, exact_seconds))
    for n, query in enumerate(result.queries, start=config.warmup):
        plan = await _explain(db, owners[n], vectors[n], config.k, not config.use_index, False)
        query.indexed = any(_HNSW in line for line in plan)
    sample = config.warmup  # the first measured query
    result.plan = await _explain(
        db, owners[sample], vectors[sample], config.k, not config.use_index, True
    )
    result.exact_plan = await _explain(db, owners[sample], vectors[sample], config.k, True, True)
    async with db.transaction() as s:
        result.server = await _server(s)
    return result


def _short(line: str) -> str:
    return _VECTOR_LITERAL.sub("'[…]'::vector", line)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def report(result: RecallResult) -> str:
    d, c, q = result.dataset, result.config, result.queries
    share = Counter(d.owners)
    lines = [
        f"recall at scale: {d.messages} messages in {len(d.sessions)} sessions of "
        f"{len(d.users)} users ({d.per_session} a session), 768-dim offline embeddings; "
        f"{d.embedded} with a vector (one per text and owner, on the newest copy; "
        f"{d.messages - d.embedded} older copies without)",
        f"load (generate, embed, COPY, one vector per text, VACUUM ANALYZE): {d.load_s:.1f} s "
        f"(embedding CPU {d.embed_cpu_s:.1f} s over {c.workers} process(es))",
        f"HNSW build after load: {d.index_s:.1f} s with "
        f"maintenance_work_mem={d.maintenance_work_mem}, "
        f"max_parallel_maintenance_workers={d.parallel_workers}; "
        f"index {d.index_bytes / 2**20:.0f} MiB, "
        f"table with indexes {d.table_bytes / 2**20:.0f} MiB",
        *(f"  {definition}" for definition in d.index_defs),
        "server: " + ", ".join(f"{k}={v}" for k, v in sorted(result.server.items())),
        f"{len(q)} queries (after {c.warmup} warm-up), k={c.k}, each through "
        "MessageRepository.recall in its own transaction"
        + ("" if c.use_index else " -- INDEX BYPASSED on both sides"),
    ]
    times = [x.seconds for x in q]
    exact_times = [x.exact_seconds for x in q]
    strict = [recall_at(x.hits, x.exact, c.k) for x in q]
    tied = [recall_with_ties(x.hits, x.exact, c.k) for x in q]
    short = sum(1 for x in q if len(x.hits) < len(x.exact))
    lines += [
        f"recall query: p50 {_ms(percentile(times, 0.5))}, p95 {_ms(percentile(times, 0.95))}, "
        f"max {_ms(max(times, default=0.0))}",
        f"exact scan:   p50 {_ms(percentile(exact_times, 0.5))}, "
        f"p95 {_ms(percentile(exact_times, 0.95))}",
        f"recall@{c.k}: {_mean(tied):.3f} (ties at the k-th distance counted), "
        f"{_mean(strict):.3f} by id; queries with fewer than k hits: {short}",
        f"queries whose plan used the HNSW index: {sum(x.indexed for x in q)} of {len(q)} "
        "(the rest: an exact scan of the user's messages, the planner's choice)",
        f"{'user':>6} {'messages':>9} {'recall@k':>9} {'p50':>10} {'p95':>10} {'indexed':>8}",
    ]
    for user in range(len(d.users)):
        mine = [x for x in q if x.user == user]
        if mine:
            messages = min(d.messages, share[user] * d.per_session)
            lines.append(
                f"{user:>6} {messages:>9} "
                f"{_mean([recall_with_ties(x.hits, x.exact, c.k) for x in mine]):>9.3f} "
                f"{_ms(percentile([x.seconds for x in mine], 0.5)):>10} "
                f"{_ms(percentile([x.seconds for x in mine], 0.95)):>10} "
                f"{sum(x.indexed for x in mine):>4}/{len(mine):<3}"
            )
    lines += ["plan (first measured query):", *(f"  {_short(line)}" for line in result.plan)]
    lines += ["exact plan:", *(f"  {_short(line)}" for line in result.exact_plan)]
    return "\n".join(lines)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


@asynccontextmanager
async def scratch_database(admin_url: str) -> AsyncIterator[tuple[Database, str]]:
    """A new, migrated database on the server of ``admin_url``, dropped afterwards."""
    name = f"renos_recall_{uuid.uuid4().hex[:10]}"
    create_database_if_missing(admin_url, name)
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    db = create_database(url, pool_size=2)
    try:
        await ensure_extensions(db)
        await migrate.upgrade(db)
        yield db, url
    finally:
        await db.dispose()
        drop_database(admin_url, name)


async def fill(db: Database, url: str, config: RecallConfig) -> Dataset:
    users = await _users(db, config.users)
    return await asyncio.to_thread(
        load,
        libpq(url),
        users=users,
        messages=config.messages,
        per_session=config.per_session,
        seed=config.seed,
        workers=config.workers,
        maintenance_work_mem=config.maintenance_work_mem or memory_for(config.messages),
        parallel_workers=config.parallel_workers,
    )


async def run(config: RecallConfig, *, admin_url: str) -> RecallResult:
    """The whole bench in a scratch database on the server of ``admin_url``."""
    async with scratch_database(admin_url) as (db, url):
        return await measure(db, await fill(db, url, config), config)


def buffers_for(messages: int) -> str:
    """shared_buffers that hold the HNSW index and the rows it leads to (about 6 kB a
    message): what a server holding this much chat memory would be given."""
    return f"{max(128, math.ceil(messages * 6_144 / 2**20))}MB"


def _pg_ctl(server: EmbeddedServer, *args: str) -> None:
    from pgserver._commands import POSTGRES_BIN_PATH  # the embedded server's binaries

    # pgserver runs the server as its own system user when started by root.
    user = "pgserver" if os.geteuid() == 0 else None
    command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(server.pgdata), "-w", *args]
    # Output to files, not pipes: a server started by pg_ctl keeps a pipe open for ever.
    with tempfile.TemporaryFile() as out:
        subprocess.run(command, check=True, stdout=out, stderr=out, user=user, timeout=300)  # noqa: S603


def set_shared_buffers(server: EmbeddedServer, size: str) -> None:
    """ALTER SYSTEM and restart the (throwaway) server so that the setting takes effect."""
    with psycopg.connect(libpq(server.url("postgres")), autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER SYSTEM SET shared_buffers = {}").format(sql.Literal(size)))
    _pg_ctl(server, "-l", str(server.pgdata / "log"), "restart")


async def main(config: RecallConfig, shared_buffers: str) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="renos-recall-"))
    restarted = False
    try:
        server = start_embedded_server(data_dir)
        if shared_buffers != "default":
            set_shared_buffers(server, shared_buffers or buffers_for(config.messages))
            restarted = True  # pgserver no longer knows the server's process: stop it here
        print(report(await run(config, admin_url=server.url("postgres"))))
    finally:
        if restarted:
            _pg_ctl(server, "-m", "fast", "stop")
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = RecallConfig()
    parser.add_argument("--messages", type=int, default=defaults.messages)
    parser.add_argument("--queries", type=int, default=defaults.queries)
    parser.add_argument("--users", type=int, default=defaults.users)
    parser.add_argument("--per-session", type=int, default=defaults.per_session)
    parser.add_argument("-k", type=int, default=defaults.k)
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--parallel-workers", type=int, default=defaults.parallel_workers)
    parser.add_argument(
        "--maintenance-work-mem", default="", help="e.g. 4GB (default: sized to the data)"
    )
    parser.add_argument(
        "--shared-buffers",
        default="",
        help="e.g. 2GB; 'default' keeps the embedded server's (default: sized to the data)",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed)
    args = parser.parse_args()
    asyncio.run(
        main(
            RecallConfig(
                messages=args.messages,
                queries=args.queries,
                users=args.users,
                per_session=args.per_session,
                k=args.k,
                workers=args.workers,
                parallel_workers=args.parallel_workers,
                maintenance_work_mem=args.maintenance_work_mem,
                seed=args.seed,
            ),
            args.shared_buffers,
        )
    )
