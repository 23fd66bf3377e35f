"""The recall benchmark in miniature: 2 000 messages, 20 queries. Its exact side must be truly
exact (the same top k as a brute-force cosine over the user's rows in Python), recall@k must be
1.0 when both sides bypass the index, the loaded vectors must be the offline embedder's, and
the report must print its figures. Timings are never asserted."""

from __future__ import annotations

import dataclasses
import json
import math
import random
import uuid

from sqlalchemy import text

from agent.memory.embeddings import HashingEmbedder
from bench.chat_corpus import message
from bench.recall_scale import (
    Hits,
    RecallConfig,
    fill,
    measure,
    memory_for,
    percentile,
    recall_at,
    recall_with_ties,
    report,
    scratch_database,
)
from memory.database import Database
from memory.models import EMBEDDING_DIMENSION

CONFIG = RecallConfig(messages=2_000, queries=20, users=3, per_session=20, workers=1, warmup=2)


async def _rows(db: Database) -> list[tuple[int, uuid.UUID, str, list[float]]]:
    async with db.transaction() as s:
        result = await s.execute(
            text(
                "SELECT m.id, s.owner_id, m.content, m.embedding::text FROM chat_messages m "
                "JOIN chat_sessions s ON s.id = m.session_id WHERE m.embedding IS NOT NULL"
            )
        )
        return [(int(i), owner, content, json.loads(v)) for i, owner, content, v in result]


async def _copies(db: Database) -> list[tuple[int, uuid.UUID, str]]:
    """Every message as (id, owner, text), oldest first."""
    async with db.transaction() as s:
        result = await s.execute(
            text(
                "SELECT m.id, s.owner_id, m.content FROM chat_messages m "
                "JOIN chat_sessions s ON s.id = m.session_id ORDER BY m.id"
            )
        )
        return [(int(i), owner, content) for i, owner, content in result]


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


async def test_a_tiny_run_is_exact_where_it_says_so_and_prints_its_figures(
    pg_admin_url: str,
) -> None:
    async with scratch_database(pg_admin_url) as (db, url):
        dataset = await fill(db, url, CONFIG)
        result = await measure(db, dataset, CONFIG)
        rows = await _rows(db)
        db_copies = await _copies(db)
        bypassed = await measure(db, dataset, dataclasses.replace(CONFIG, use_index=False))

    # Stored as the service stores messages: one vector per text and owner, on the newest copy.
    newest = {(owner, content): i for i, owner, content in db_copies}  # later ids overwrite
    assert dataset.embedded == len(rows) == len(newest) < len(db_copies) == CONFIG.messages
    assert {(owner, content): i for i, owner, content, _ in rows} == newest
    embedder = HashingEmbedder(EMBEDDING_DIMENSION)
    for _, _, content, vector in rows[:25]:  # stored as float4: equal to ~1e-7
        assert (
            max(abs(x - y) for x, y in zip(vector, embedder.embed_one(content), strict=True)) < 1e-6
        )

    assert len(result.queries) == CONFIG.queries
    queries = await embedder.embed(_query_texts())
    for query, vector in zip(result.queries, queries, strict=True):
        owner = dataset.users[query.user]
        brute: Hits = sorted(
            ((i, _cosine(v, vector)) for i, o, _, v in rows if o == owner),
            key=lambda hit: -hit[1],
        )[: CONFIG.k]
        assert len(query.exact) == CONFIG.k
        assert recall_with_ties(query.exact, brute, CONFIG.k) == 1.0
        for (_, got), (_, want) in zip(query.exact, brute, strict=True):
            assert abs(got - want) < 1e-5

    assert all(recall_at(q.hits, q.exact, CONFIG.k) == 1.0 for q in bypassed.queries)
    assert not any("hnsw" in line for line in bypassed.plan)
    assert result.plan  # at this size the planner may well prefer the exact scan
    assert not any(q.indexed for q in bypassed.queries)
    assert not any("hnsw" in line for line in result.exact_plan)

    printed = report(result)
    for figure in (
        "recall query: p50",
        "p95",
        "exact scan:",
        "recall@10:",
        "HNSW build after load",
        f"{dataset.embedded} with a vector (one per text and owner, on the newest copy",
    ):
        assert figure in printed, printed
    assert "maintenance_work_mem=" in printed and "USING hnsw" in printed
    assert "INDEX BYPASSED" in report(bypassed)


def _query_texts() -> list[str]:
    """The measured queries' texts, as :func:`bench.recall_scale.measure` draws them."""
    rng = random.Random(f"queries:{CONFIG.seed}")
    texts = [message(rng, "user") for _ in range(CONFIG.warmup + CONFIG.queries)]
    return texts[CONFIG.warmup :]


def test_recall_counts_ids_and_ties_at_the_kth_distance() -> None:
    exact: Hits = [(1, 0.9), (2, 0.8), (3, 0.7)]
    assert recall_at([(1, 0.9), (2, 0.8), (3, 0.7)], exact, 3) == 1.0
    assert recall_at([(1, 0.9), (4, 0.6)], exact, 3) == 1 / 3
    assert recall_at([], [], 3) == 1.0
    # 5 is as similar as the exact 3rd: a tie, so it counts; 4 is not.
    assert recall_at([(1, 0.9), (2, 0.8), (5, 0.7)], exact, 3) == 2 / 3
    assert recall_with_ties([(1, 0.9), (2, 0.8), (5, 0.7)], exact, 3) == 1.0
    assert recall_with_ties([(1, 0.9), (2, 0.8), (4, 0.6)], exact, 3) == 2 / 3
    assert recall_with_ties([(1, 0.9)], exact, 3) == 1 / 3


def test_percentile_and_memory_sizing() -> None:
    assert percentile([], 0.95) == 0.0
    assert percentile([float(i) for i in range(1, 101)], 0.95) == 95.0
    assert memory_for(1_000) == "68MB"
    assert memory_for(1_000_000) == "3971MB"
