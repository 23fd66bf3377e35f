"""The chat recall index as migration 0007 leaves it, and as 0006 had it after a downgrade."""

from __future__ import annotations

from sqlalchemy import text

from memory import migrate
from memory.database import create_database, ensure_extensions

INDEX = "ix_chat_messages_embedding_hnsw"


async def _definition(url: str) -> str:
    db = create_database(url, pool_size=1)
    try:
        async with db.engine.connect() as conn:
            found = await conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": INDEX}
            )
            return str(found.scalar_one())
    finally:
        await db.dispose()


async def test_the_recall_index_is_the_denser_graph_and_downgrades_to_the_default(
    fresh_db_url: str,
) -> None:
    db = create_database(fresh_db_url, pool_size=1)
    try:
        await ensure_extensions(db)
        await migrate.upgrade(db, "0007")
        definition = await _definition(fresh_db_url)
        assert "USING hnsw (embedding vector_cosine_ops)" in definition
        assert "m='24'" in definition and "ef_construction='128'" in definition
        await migrate.downgrade(db, "0006")
        definition = await _definition(fresh_db_url)
        assert "m='16'" in definition and "ef_construction='64'" in definition
    finally:
        await db.dispose()
