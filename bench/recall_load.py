"""Filling chat memory for the recall benchmark the way a restore would: staff users and chat
sessions first, then every message with its embedding through one binary ``COPY``, the
service's rule of one vector per text and owner applied to the whole (the newest copy keeps
it, :data:`memory.repositories.messages.ONE_VECTOR_PER_TEXT`, what storing the messages one by
one leaves too), and the HNSW index (exactly as the migrations define it) built only after the
data is in.

Texts come from :mod:`bench.chat_corpus`; embeddings from the project's offline embedder
(:class:`agent.memory.embeddings.HashingEmbedder`, what ``EMBEDDING_PROVIDER=offline``, the
default, builds), computed in worker processes in chunks while the main process copies.
"""

from __future__ import annotations

import io
import random
import struct
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import psycopg
from psycopg import sql

from agent.memory.embeddings import HashingEmbedder
from agent.memory.tokens import message_tokens
from bench.chat_corpus import message
from memory.models import EMBEDDING_DIMENSION
from memory.repositories.messages import ONE_VECTOR_PER_TEXT

CHUNK = 2_000
_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)
_VECTOR = struct.Struct(f">iHH{EMBEDDING_DIMENSION}f")  # length, dim, unused, floats
_INT = struct.Struct(">ii")  # length 4, value


@dataclass(frozen=True)
class Dataset:
    """What was loaded: user ids (most active first), each session's owner, and timings."""

    users: list[uuid.UUID]
    sessions: list[uuid.UUID]
    owners: list[int]  # index into ``users`` per session
    messages: int
    per_session: int
    load_s: float
    embed_cpu_s: float
    index_s: float
    maintenance_work_mem: str
    parallel_workers: int
    table_bytes: int
    index_bytes: int
    index_defs: list[str]
    embedded: int = 0  # messages with an embedding (the newest copy of each text and owner)


@lru_cache(maxsize=1)
def _embedder() -> HashingEmbedder:
    return HashingEmbedder(EMBEDDING_DIMENSION)


def role_at(position: int) -> str:
    """Messages of a session alternate: the user asks, the assistant answers."""
    return "user" if position % 2 == 0 else "assistant"


def _field(data: bytes) -> bytes:
    return struct.pack(">i", len(data)) + data


def encode_chunk(seed: int, start: int, session_ids: Sequence[bytes], per_session: int) -> bytes:
    """Binary COPY rows for messages ``start``… (one per entry of ``session_ids``), with the
    texts drawn from ``seed`` and embedded by the offline embedder. Runs in a worker."""
    rng = random.Random(f"{seed}:{start}")  # noqa: S311 - reproducible texts
    embedder = _embedder()
    out = io.BytesIO()
    for offset, sid in enumerate(session_ids):
        role = role_at((start + offset) % per_session)
        text = message(rng, role)
        vector = embedder.embed_one(text)
        out.write(struct.pack(">h", 5))
        out.write(_field(sid))
        out.write(_field(role.encode()))
        out.write(_field(text.encode()))
        out.write(_INT.pack(4, message_tokens(text)))
        out.write(_VECTOR.pack(4 + 4 * EMBEDDING_DIMENSION, EMBEDDING_DIMENSION, 0, *vector))
    return out.getvalue()


def _timed_chunk(args: tuple[int, int, list[bytes], int]) -> tuple[bytes, float]:
    began = time.process_time()
    data = encode_chunk(*args)
    return data, time.process_time() - began


def session_owners(users: int, sessions: int, rng: random.Random) -> list[int]:
    """Which user owns each session: user i is 1/(i+1) as active as the first (a few staff
    chat a lot, most a little)."""
    weights = [1.0 / (i + 1) for i in range(users)]
    return rng.choices(range(users), weights=weights, k=sessions)


def _chunks(
    seed: int, messages: int, per_session: int, sessions: list[uuid.UUID]
) -> Iterator[tuple[int, int, list[bytes], int]]:
    for start in range(0, messages, CHUNK):
        ids = [sessions[i // per_session].bytes for i in range(start, min(start + CHUNK, messages))]
        yield seed, start, ids, per_session


def hnsw_indexes(conn: psycopg.Connection) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE tablename = 'chat_messages' AND indexdef LIKE '%USING hnsw%' ORDER BY indexname"
    ).fetchall()
    return [(str(name), str(definition)) for name, definition in rows]


def load(
    url: str,
    *,
    users: list[uuid.UUID],
    messages: int,
    per_session: int,
    seed: int,
    workers: int,
    maintenance_work_mem: str,
    parallel_workers: int,
) -> Dataset:
    """Fill ``chat_messages`` of the migrated database at ``url`` (a libpq URL) as the service
    stores messages: of an owner's copies of one text, only the newest keeps its embedding."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data
    count = -(-messages // per_session)
    sessions = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(count)]
    owners = session_owners(len(users), count, rng)
    with psycopg.connect(url, autocommit=True) as conn:
        indexes = hnsw_indexes(conn)
        for name, _ in indexes:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        began = time.perf_counter()
        with conn.cursor() as cur:
            columns = "id, owner_id, channel, title, summary"
            with cur.copy(f"COPY chat_sessions ({columns}) FROM STDIN") as copy:
                for number, (sid, owner) in enumerate(zip(sessions, owners, strict=True)):
                    copy.write_row((sid, users[owner], "chat", f"bench {number}", ""))
            cpu = 0.0
            columns = "session_id, role, content, token_count, embedding"
            with cur.copy(f"COPY chat_messages ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(_HEADER)
                jobs = _chunks(seed, messages, per_session, sessions)
                if workers <= 1:
                    results: Iterator[tuple[bytes, float]] = map(_timed_chunk, jobs)
                    for data, spent in results:
                        copy.write(data)
                        cpu += spent
                else:
                    with ProcessPoolExecutor(workers) as pool:
                        for data, spent in pool.map(_timed_chunk, jobs):
                            copy.write(data)
                            cpu += spent
                copy.write(_TRAILER)
        conn.execute(ONE_VECTOR_PER_TEXT.encode())
        # The superseded copies' old versions go now rather than whenever autovacuum comes.
        conn.execute("VACUUM (ANALYZE) chat_messages")
        conn.execute("ANALYZE chat_sessions")
        load_s = time.perf_counter() - began
        conn.execute(
            "SELECT set_config('maintenance_work_mem', %s, false), "
            "set_config('max_parallel_maintenance_workers', %s, false)",
            (maintenance_work_mem, str(parallel_workers)),
        )
        began = time.perf_counter()
        for _, definition in indexes:
            conn.execute(definition.encode())
        index_s = time.perf_counter() - began
        embedded = conn.execute(
            "SELECT count(*) FROM chat_messages WHERE embedding IS NOT NULL"
        ).fetchone() or (0,)
        table_bytes, index_bytes = conn.execute(
            "SELECT pg_total_relation_size('chat_messages'), "
            "coalesce(sum(pg_relation_size(indexname::regclass)), 0) FROM pg_indexes "
            "WHERE tablename = 'chat_messages' AND indexdef LIKE '%USING hnsw%'"
        ).fetchone() or (0, 0)
    return Dataset(
        users=users,
        sessions=sessions,
        owners=owners,
        messages=messages,
        per_session=per_session,
        load_s=load_s,
        embed_cpu_s=cpu,
        index_s=index_s,
        maintenance_work_mem=maintenance_work_mem,
        parallel_workers=parallel_workers,
        table_bytes=int(table_bytes),
        index_bytes=int(index_bytes),
        index_defs=[definition for _, definition in indexes],
        embedded=int(embedded[0]),
    )
