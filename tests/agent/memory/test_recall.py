"""MessageRepository against the real database: transcript, folding, owner-scoped recall."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from agent.memory.context_window import build_context
from agent.memory.embeddings import HashingEmbedder
from agent.memory.settings import check_dimension
from agent.memory.tokens import message_tokens
from memory.database import Database
from memory.errors import NotFoundError
from memory.models import EMBEDDING_DIMENSION, ChatSession
from memory.models.enums import ChatChannel, MessageRole, StaffRole
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.messages import MessageRepository
from memory.repositories.staff import StaffRepository

EMBEDDER = HashingEmbedder(EMBEDDING_DIMENSION)
METTE = "Mette Hansen vil have flytterengøring af 80 m2 på Skovvej 12"


async def new_user(s: AsyncSession, name: str) -> uuid.UUID:
    user = await StaffRepository(s).create_user(
        email=f"{name}@example.dk", name=name, role=StaffRole.STAFF
    )
    return user.id


async def new_session(s: AsyncSession, owner_id: uuid.UUID) -> uuid.UUID:
    row = await ChatSessionRepository(s).create(
        owner_id=owner_id, channel=ChatChannel.CHAT, title="t"
    )
    return row.id


async def say(
    s: AsyncSession, session_id: uuid.UUID, content: str, role: MessageRole = MessageRole.USER
) -> int:
    row = await MessageRepository(s).append(
        session_id=session_id,
        role=role,
        content=content,
        token_count=message_tokens(content),
        embedding=EMBEDDER.embed_one(content),
    )
    return row.id


async def test_history_tokens_and_fold(db: Database) -> None:
    async with db.transaction() as s:
        chat = await new_session(s, await new_user(s, "anna"))
        repo = MessageRepository(s)
        first = await say(s, chat, METTE)
        call = await repo.append(
            session_id=chat,
            role=MessageRole.ASSISTANT,
            content="",
            tool_calls=[{"id": "c1", "name": "find_leads", "args": {"query": "Mette"}}],
            token_count=20,
        )
        await repo.append(
            session_id=chat, role=MessageRole.TOOL, content="[]", tool_call_id="c1", token_count=5
        )
        last = await say(s, chat, "Ingen leads fundet.", MessageRole.ASSISTANT)
    async with db.transaction() as s:
        repo = MessageRepository(s)
        rows = await repo.history(chat)
        assert [r.id for r in rows] == sorted(r.id for r in rows)
        assert [r.role for r in rows] == ["user", "assistant", "tool", "assistant"]
        assert rows[1].tool_calls == [
            {"id": "c1", "name": "find_leads", "args": {"query": "Mette"}}
        ]
        assert rows[2].tool_call_id == "c1"
        assert [r.id for r in await repo.history(chat, after_id=call.id)] == [call.id + 1, last]
        total = await repo.total_tokens(chat)
        assert total == sum(r.token_count for r in rows)
        assert await repo.total_tokens(chat, after_id=first) == total - rows[0].token_count
        # The stored rows feed the context window directly.
        window = build_context(
            rows, summary="", summary_upto_id=None, budget=500, summary_max_tokens=100
        )
        assert [m.id for m in window.messages] == [r.id for r in rows]

        assert await repo.fold(chat, summary="- Bruger: Skovvej 12", upto_id=call.id + 1)
        assert not await repo.fold(chat, summary="stale", upto_id=first)  # never backwards
        with pytest.raises(NotFoundError):
            await repo.fold(uuid.uuid4(), summary="x", upto_id=1)
    async with db.sessions() as s:
        stored = await s.get(ChatSession, chat)
        assert stored is not None
        assert (stored.summary, stored.summary_upto_id) == ("- Bruger: Skovvej 12", call.id + 1)


async def test_recall_is_scoped_to_the_owner_ordered_and_can_exclude_a_session(
    db: Database,
) -> None:
    async with db.transaction() as s:
        alice, bob = await new_user(s, "alice"), await new_user(s, "bob")
        a1, a2, b1 = (
            await new_session(s, alice),
            await new_session(s, alice),
            await new_session(s, bob),
        )
        mette_a1 = await say(s, a1, METTE)
        await say(s, a1, METTE, MessageRole.TOOL)  # tool output is never recalled
        windows = await say(s, a1, "vinduespudsning i Randers", MessageRole.ASSISTANT)
        mette_a2 = await say(s, a2, "Mette vil have flytterengøring i næste uge")
        await say(s, a2, "Hvad koster en hovedrengøring?")
        await say(s, b1, METTE)  # identical text, another user
        for i in range(5):
            await say(s, b1, f"{METTE} ({i})")
    query = EMBEDDER.embed_one("flytterengøring 80 m2 Mette")
    async with db.transaction() as s:
        repo = MessageRepository(s)
        found = await repo.recall(owner_id=alice, embedding=query, k=10)
        assert {r.session_id for r in found} <= {a1, a2}
        assert all(r.message.role in ("user", "assistant") for r in found)
        assert [r.message.id for r in found[:2]] == [mette_a1, mette_a2]
        assert windows in [r.message.id for r in found]
        sims = [r.similarity for r in found]
        assert sims == sorted(sims, reverse=True) and sims[0] > 0.5
        assert len(found) == 4  # all of alice's user and assistant messages

        other = await repo.recall(owner_id=alice, embedding=query, k=10, exclude_session_id=a1)
        assert {r.session_id for r in other} == {a2}
        # a1's messages after the first are "in the prompt already": only the first is kept
        folded = await repo.recall(
            owner_id=alice, embedding=query, k=10, exclude_session_id=a1, exclude_after_id=mette_a1
        )
        assert {r.message.id for r in folded if r.session_id == a1} == {mette_a1}
        assert {r.session_id for r in folded} == {a1, a2} and len(folded) == 3

        close = await repo.recall(owner_id=alice, embedding=query, k=10, min_similarity=0.3)
        assert [r.message.id for r in close] == [mette_a1, mette_a2]

        bobs = await repo.recall(owner_id=bob, embedding=query, k=3)
        assert [r.session_id for r in bobs] == [b1] * 3
        assert await repo.recall(owner_id=uuid.uuid4(), embedding=query, k=3) == []


async def test_recall_through_the_hnsw_index_still_finds_a_minority_owner(db: Database) -> None:
    """With the index forced, another user's many near-duplicates must not crowd out the
    owner's few messages (the filter is applied while the index is walked)."""
    async with db.transaction() as s:
        alice, bob = await new_user(s, "alice"), await new_user(s, "bob")
        a1, b1 = await new_session(s, alice), await new_session(s, bob)
        mine = await say(s, a1, "Mette ringer om vinduespudsning i Randers")
        for i in range(250):
            await say(s, b1, f"{METTE} nummer {i}")
    query = EMBEDDER.embed_one(METTE)
    async with db.transaction() as s:
        await s.execute(text("SET LOCAL enable_seqscan = off"))
        await s.execute(text("SET LOCAL enable_sort = off"))
        repo = MessageRepository(s)
        found = await repo.recall(owner_id=alice, embedding=query, k=3)
        assert [r.message.id for r in found] == [mine]
        plan = "\n".join(
            row[0]
            for row in await s.execute(
                text(
                    "EXPLAIN SELECT m.id FROM chat_messages m JOIN chat_sessions c "
                    "ON c.id = m.session_id WHERE c.owner_id = :o "
                    "ORDER BY m.embedding <=> CAST(:q AS vector) LIMIT 3"
                ),
                {"o": alice, "q": str(query)},
            )
        )
        assert "ix_chat_messages_embedding_hnsw" in plan


async def test_stored_dimension_matches_the_model(db: Database) -> None:
    async with db.sessions() as s:
        stored = await MessageRepository(s).stored_dimension()
    assert stored == EMBEDDING_DIMENSION
    check_dimension(EMBEDDING_DIMENSION, stored)


async def test_a_wrong_length_embedding_is_refused(db: Database) -> None:
    async with db.sessions() as s:
        with pytest.raises(ValueError, match="768"):
            await MessageRepository(s).recall(owner_id=uuid.uuid4(), embedding=[1.0, 0.0])
