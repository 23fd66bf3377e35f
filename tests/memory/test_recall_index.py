"""The chat recall index as migration 0007 leaves it, and as 0006 had it after a downgrade;
migration 0008's one vector per text and owner applied to rows stored before it."""

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


async def test_migration_0008_leaves_one_vector_per_text_and_owner_on_the_newest_copy(
    fresh_db_url: str,
) -> None:
    db = create_database(fresh_db_url, pool_size=1)
    vector = "[" + ",".join(["0.5"] * 768) + "]"
    try:
        await ensure_extensions(db)
        await migrate.upgrade(db, "0007")
        async with db.transaction() as s:
            await s.execute(
                text(
                    "INSERT INTO staff_users (id, email, name, role, active) VALUES "
                    "(gen_random_uuid(), 'a@x.dk', 'A', 'staff', true), "
                    "(gen_random_uuid(), 'b@x.dk', 'B', 'staff', true)"
                )
            )
            await s.execute(
                text(
                    "INSERT INTO chat_sessions (id, owner_id, channel, title, summary) "
                    "SELECT gen_random_uuid(), id, 'chat', email, '' FROM staff_users"
                )
            )
            # Per owner: "hej" three times (user, assistant, user), "farvel" once, and a tool
            # row "hej" with a vector (tool rows are never recalled, so never touched).
            await s.execute(
                text(
                    "INSERT INTO chat_messages (session_id, role, content, token_count, embedding) "
                    "SELECT c.id, r.role, r.content, 1, CAST(:v AS vector) "
                    "FROM chat_sessions c CROSS JOIN (VALUES (1, 'user', 'hej'), "
                    "(2, 'assistant', 'hej'), (3, 'user', 'farvel'), (4, 'tool', 'hej'), "
                    "(5, 'user', 'hej')) AS r(n, role, content) ORDER BY c.title, r.n"
                ),
                {"v": vector},
            )
        await migrate.upgrade(db)
        async with db.transaction() as s:
            rows = await s.execute(
                text(
                    "SELECT c.title, m.role, m.content, m.embedding IS NOT NULL "
                    "FROM chat_messages m JOIN chat_sessions c ON c.id = m.session_id "
                    "ORDER BY m.id"
                )
            )
            kept = [tuple(row) for row in rows]
        for title in ("a@x.dk", "b@x.dk"):
            assert [r[1:] for r in kept if r[0] == title] == [
                ("user", "hej", False),
                ("assistant", "hej", False),
                ("user", "farvel", True),
                ("tool", "hej", True),
                ("user", "hej", True),
            ]
        names = await _indexes(fresh_db_url)
        assert {"ix_chat_messages_embedded_text", "ix_chat_messages_unembedded_text"} <= names
        await migrate.downgrade(db, "0007")
        assert not {n for n in await _indexes(fresh_db_url) if n.endswith("_text")}
    finally:
        await db.dispose()


async def _indexes(url: str) -> set[str]:
    db = create_database(url, pool_size=1)
    try:
        async with db.engine.connect() as conn:
            found = await conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'chat_messages'")
            )
            return {str(name) for name in found.scalars()}
    finally:
        await db.dispose()
