"""One vector per text and owner (issue 8): storing a text again moves its vector to the new
copy; recall then returns the text once; deleting (retention purge) or erasing the copy that
holds the vector hands it to the newest copy that stays. Against the real database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from memory.database import Database
from memory.gdpr import ERASED_TEXT, erase, export, purge
from memory.models import ChatMessage, ChatSession
from memory.models.enums import MessageRole, StaffRole
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.messages import MessageRepository, NewMessage
from memory.repositories.staff import StaffRepository
from tests.agent.memory.test_recall import EMBEDDER, new_session, new_user, say
from tests.memory.gdpr_seed import METTE, NOW, seed_person

THANKS = "Tak for det"


async def vectors(db: Database) -> dict[int, bool]:
    """Message id -> whether it has a vector."""
    async with db.transaction() as s:
        rows = await s.execute(text("SELECT id, embedding IS NOT NULL FROM chat_messages"))
        return {int(i): bool(has) for i, has in rows}


async def test_a_repeated_text_keeps_one_vector_on_its_newest_copy(db: Database) -> None:
    async with db.transaction() as s:
        alice, bob = await new_user(s, "alice"), await new_user(s, "bob")
        a1, a2, b1 = (
            await new_session(s, alice),
            await new_session(s, alice),
            await new_session(s, bob),
        )
        first = await say(s, a1, THANKS)
        other = await say(s, a1, "Hvad koster en flytterengøring på 80 m2?")
        second = await say(s, a1, THANKS)
        bobs = await say(s, b1, THANKS)  # another owner's copy is not alice's business
        tool = await say(s, a2, THANKS, MessageRole.TOOL)  # tool rows are never recalled
        near = await say(s, a2, THANKS + ".")  # not the same text
    assert await vectors(db) == {
        first: False,
        other: True,
        second: True,
        bobs: True,
        tool: True,
        near: True,
    }

    async with db.transaction() as s:  # the assistant saying it counts too: same text
        third = await say(s, a2, THANKS, MessageRole.ASSISTANT)
        empty = await MessageRepository(s).append(
            session_id=a2, role=MessageRole.USER, content=THANKS, token_count=3
        )  # stored without a vector: the copy that has one keeps it
    found = await vectors(db)
    assert (found[second], found[third], found[empty.id], found[bobs]) == (False, True, False, True)
    assert sum(found.values()) == 5


async def test_recall_returns_a_repeated_text_once(db: Database) -> None:
    async with db.transaction() as s:
        alice = await new_user(s, "alice")
        sessions = [await new_session(s, alice) for _ in range(3)]
        for chat in sessions:
            await say(s, chat, THANKS)
            await say(s, chat, "Det er noteret. Sig til, hvis der er mere.", MessageRole.ASSISTANT)
        newest = await say(s, sessions[1], THANKS)
        current = await new_session(s, alice)
    query = EMBEDDER.embed_one(THANKS)
    async with db.transaction() as s:
        repo = MessageRepository(s)
        found = await repo.recall(owner_id=alice, embedding=query, k=10)
        assert [r.message.content for r in found] == [
            THANKS,
            "Det er noteret. Sig til, hvis der er mere.",
        ]
        assert (found[0].message.id, found[0].session_id) == (newest, sessions[1])
        assert found[0].similarity > 0.999

        # The current session's unfolded part is in the prompt, so recall leaves it out; when
        # the newest copy is there, the text is not recalled from older sessions either (it is
        # in the prompt already).
        latest = await say(s, current, THANKS)
        mine = await repo.recall(owner_id=alice, embedding=query, k=10, exclude_session_id=current)
        assert THANKS not in [r.message.content for r in mine]
        folded = await repo.recall(
            owner_id=alice,
            embedding=query,
            k=10,
            exclude_session_id=current,
            exclude_after_id=latest,
        )
        assert [r.message.id for r in folded if r.message.content == THANKS] == [latest]


async def _age(s: AsyncSession, session_id: uuid.UUID, at: datetime) -> None:
    await s.execute(
        update(ChatMessage).where(ChatMessage.session_id == session_id).values(created_at=at)
    )
    await s.execute(update(ChatSession).where(ChatSession.id == session_id).values(updated_at=at))


async def test_the_retention_purge_hands_a_vector_to_the_newest_copy_that_stays(
    db: Database,
) -> None:
    now = datetime.now(UTC)
    async with db.transaction() as s:
        alice, bob = await new_user(s, "alice"), await new_user(s, "bob")
        kept, older_kept = await new_session(s, alice), await new_session(s, alice)
        idle, idle_too = await new_session(s, alice), await new_session(s, alice)
        bob_kept, bob_idle = await new_session(s, bob), await new_session(s, bob)
        oldest = await say(s, older_kept, THANKS)
        heir = await say(s, kept, THANKS)  # the newest copy that stays
        await say(s, idle_too, THANKS)  # newer, but purged as well
        holder = await say(s, idle, THANKS)  # the newest: holds alice's vector
        unique = await say(s, idle, "Husk nøgleboksen ved bagdøren")  # said nowhere else
        bob_heir = await say(s, bob_kept, THANKS)
        await say(s, bob_idle, THANKS)
        for chat in (idle, idle_too, bob_idle):
            await _age(s, chat, now - timedelta(days=400))
    before = await vectors(db)
    assert before[holder] and not before[heir] and not before[oldest] and not before[bob_heir]

    async with db.transaction() as s:
        report = await purge(
            s, now=now, raw_mail_days=90, transcript_days=365, audit_detail_days=365
        )
    assert report.chat_sessions == 3
    after = await vectors(db)
    assert holder not in after and unique not in after
    assert after == {oldest: False, heir: True, bob_heir: True}

    query = EMBEDDER.embed_one(THANKS)
    async with db.transaction() as s:
        found = await MessageRepository(s).recall(owner_id=alice, embedding=query, k=5)
    assert [r.message.id for r in found] == [heir]


async def test_pass_on_vectors_gives_nothing_when_a_copy_that_stays_has_one(
    db: Database,
) -> None:
    """Two copies stored at the same moment may both keep a vector (neither sees the other);
    deleting one then hands nothing on, and nothing but the owner's copies is touched."""
    async with db.transaction() as s:
        alice = await new_user(s, "alice")
        a1, a2 = await new_session(s, alice), await new_session(s, alice)
        old = await say(s, a1, THANKS)
        raced = await say(s, a1, THANKS)
        leaving = await say(s, a2, THANKS)
        await s.execute(update(ChatMessage).values(embedding=EMBEDDER.embed_one(THANKS)))
        await s.execute(update(ChatMessage).where(ChatMessage.id == old).values(embedding=None))
        repo = MessageRepository(s)
        assert await repo.pass_on_vectors(session_ids=[a2]) == 0
        assert await repo.pass_on_vectors(message_ids=[raced, leaving]) == 1
        assert await repo.pass_on_vectors() == 0
    assert (await vectors(db))[old]


async def test_erasing_the_copy_with_the_vector_hands_it_to_a_copy_that_stays(
    db: Database,
) -> None:
    """The same line before two different tool calls: the one whose arguments name the person
    is erased, the other copy keeps the text and now its vector."""
    line = "Jeg slår det op."
    async with db.transaction() as s:
        staff = await StaffRepository(s).create_user(
            email="ejer@rendetalje.dk", name="Ejer", role=StaffRole.OWNER
        )
        await seed_person(s, METTE, staff.id, "m")
        chat = await new_session(s, staff.id)
        repo = MessageRepository(s)
        kept = await repo.append(
            session_id=chat,
            role=MessageRole.ASSISTANT,
            content=line,
            tool_calls=[{"id": "c1", "name": "search_leads", "args": {"query": "Aarhus"}}],
            embedding=EMBEDDER.embed_one(line),
        )
        named = await repo.append(
            session_id=chat,
            role=MessageRole.ASSISTANT,
            content=line,
            tool_calls=[{"id": "c2", "name": "search_leads", "args": {"query": METTE.email}}],
            embedding=EMBEDDER.embed_one(line),
        )
        kept_id, named_id = kept.id, named.id
    assert (await vectors(db))[named_id] and not (await vectors(db))[kept_id]

    async with db.transaction() as s:
        data = await export(s, METTE.email, now=NOW)
    exported = {m["id"]: m["has_embedding"] for m in data["chat_messages"]}
    assert exported[named_id] is True and kept_id not in exported

    async with db.transaction() as s:
        await erase(s, METTE.email, now=NOW)
    async with db.transaction() as s:
        rows = {
            m.id: (m.content, m.embedding is not None)
            for m in (await s.execute(select(ChatMessage))).scalars()
        }
    assert rows[named_id] == (ERASED_TEXT, False)
    assert rows[kept_id] == (line, True)


async def test_the_copy_lookups_use_their_partial_indexes_in_a_generic_plan(
    db: Database,
) -> None:
    """The statements name the roles as literals so that even the generic plan of a prepared
    statement can prove the partial indexes' predicates."""
    async with db.transaction() as s:
        await s.execute(text("SET LOCAL enable_seqscan = off"))
        await s.execute(text("SET LOCAL enable_bitmapscan = off"))
        await s.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        conn = await s.connection()
        await conn.exec_driver_sql(
            "PREPARE lookup(text) AS SELECT m.id FROM chat_messages m "
            "WHERE md5(m.content) = md5($1) AND m.content = $1 "
            "AND m.embedding IS NOT NULL AND m.role IN ('user', 'assistant')"
        )
        await conn.exec_driver_sql(
            "PREPARE heir(text) AS SELECT c.id FROM chat_messages c "
            "WHERE md5(c.content) = md5($1) AND c.content = $1 "
            "AND c.embedding IS NULL AND c.role IN ('user', 'assistant') "
            "ORDER BY c.id DESC LIMIT 1"
        )
        plans = {}
        for name in ("lookup", "heir"):
            rows = await conn.exec_driver_sql(f"EXPLAIN EXECUTE {name}('{THANKS}')")
            plans[name] = "\n".join(str(r[0]) for r in rows)
    assert "ix_chat_messages_embedded_text" in plans["lookup"], plans["lookup"]
    assert "ix_chat_messages_unembedded_text" in plans["heir"], plans["heir"]


async def test_deleting_the_session_with_the_vector_hands_it_to_a_copy_that_stays(
    db: Database,
) -> None:
    async with db.transaction() as s:
        alice = await new_user(s, "alice")
        kept, doomed = await new_session(s, alice), await new_session(s, alice)
        older = await say(s, kept, THANKS)
        newest = await say(s, doomed, THANKS)
    assert await vectors(db) == {older: False, newest: True}

    async with db.transaction() as s:
        assert await ChatSessionRepository(s).delete(doomed, alice)
        assert not await ChatSessionRepository(s).delete(doomed, alice)  # gone: not found

    assert await vectors(db) == {older: True}


async def test_append_many_stores_in_order_and_takes_the_vector_of_an_older_copy(
    db: Database,
) -> None:
    async with db.transaction() as s:
        alice = await new_user(s, "alice")
        chat = await new_session(s, alice)
        older = await say(s, chat, THANKS, MessageRole.ASSISTANT)
        vector = EMBEDDER.embed_one(THANKS)
        ids = await MessageRepository(s).append_many(
            chat,
            [
                NewMessage(MessageRole.ASSISTANT, "", [{"id": "c1", "name": "x", "args": {}}]),
                NewMessage(MessageRole.TOOL, '{"ok": true}', tool_call_id="c1"),
                NewMessage(MessageRole.ASSISTANT, THANKS, token_count=3, embedding=vector),
            ],
        )
    async with db.transaction() as s:
        rows = (
            await s.execute(select(ChatMessage).where(ChatMessage.id.in_(ids)).order_by("id"))
        ).scalars()
        stored = [(r.id, r.role, r.content, r.tool_call_id, r.token_count) for r in rows]
    assert ids == sorted(ids) and ids[0] > older
    assert stored == [
        (ids[0], MessageRole.ASSISTANT, "", None, 0),
        (ids[1], MessageRole.TOOL, '{"ok": true}', "c1", 0),
        (ids[2], MessageRole.ASSISTANT, THANKS, None, 3),
    ]
    assert await vectors(db) == {older: False, ids[0]: False, ids[1]: False, ids[2]: True}
