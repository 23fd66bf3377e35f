from __future__ import annotations

from sqlalchemy import inspect, text

from memory import migrate
from memory.database import create_database, ensure_extensions
from memory.models import Base


async def _tables(url: str) -> set[str]:
    db = create_database(url, pool_size=1)
    try:
        async with db.engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await db.dispose()
    return names - {"alembic_version"}


async def test_up_down_up_on_an_empty_database(fresh_db_url: str) -> None:
    db = create_database(fresh_db_url, pool_size=1)
    try:
        await ensure_extensions(db)
        assert await migrate.current_revision(db) is None

        await migrate.upgrade(db)
        assert await migrate.current_revision(db) == migrate.head_revision()
        assert await _tables(fresh_db_url) == set(Base.metadata.tables)

        await migrate.downgrade(db, "base")
        assert await migrate.current_revision(db) is None
        assert await _tables(fresh_db_url) == set()

        await migrate.upgrade(db)
        assert await migrate.current_revision(db) == migrate.head_revision()
        assert await _tables(fresh_db_url) == set(Base.metadata.tables)
    finally:
        await db.dispose()


async def test_models_and_migrations_agree(db_url: str) -> None:
    """A model change without a migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db = create_database(db_url, pool_size=1)
    try:
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await db.dispose()
    assert diff == []


async def test_hnsw_and_trigram_indexes_exist(db_url: str) -> None:
    db = create_database(db_url, pool_size=1)
    try:
        async with db.engine.connect() as conn:
            rows = await conn.execute(text("SELECT indexname, indexdef FROM pg_indexes"))
            defs = {name: d for name, d in rows}
    finally:
        await db.dispose()
    assert "USING hnsw (embedding vector_cosine_ops)" in defs["ix_chat_messages_embedding_hnsw"]
    assert "gin_trgm_ops" in defs["ix_leads_name_trgm"]
