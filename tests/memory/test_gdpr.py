"""ACCEPTANCE (issue 7): a person's data export and erasure reach every place that holds it,
and leave everyone else's alone."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text

from agent.redaction import _marker as agent_marker
from memory.checkpointer import open_checkpointer
from memory.database import Database
from memory.gdpr import (
    ERASED_TEXT,
    PurgeReport,
    erase,
    export,
    find_subject,
    purge,
    redaction_marker,
)
from memory.models import (
    ChatEvent,
    ChatMessage,
    ChatSession,
    InboundEmail,
    Quote,
    TaskExecution,
)
from memory.models.enums import (
    ChatChannel,
    InboundStatus,
    MessageRole,
    StaffRole,
    TaskStatus,
)
from memory.repositories.staff import StaffRepository
from memory.retention import RetentionSettings
from tests.memory.gdpr_seed import JONAS, METTE, NOW, Person, Seeded, seed_checkpoint, seed_person

TEXTUAL = ("text", "character varying", "character", "json", "jsonb", "bytea")


async def scan(db: Database, person: Person) -> list[str]:
    """Every (table.column, needle) where the person still appears, in the whole database."""
    found: list[str] = []
    async with db.transaction() as s:
        columns = await s.execute(
            text(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND data_type = ANY(:types) "
                "ORDER BY table_name, column_name"
            ),
            {"types": list(TEXTUAL)},
        )
        for table, column, data_type in columns.all():
            value = f'"{column}"::text'
            if data_type == "bytea":
                value = f"encode(\"{column}\", 'escape')"
            squeezed = f"regexp_replace(lower({value}), '[\\s.()-]', '', 'g')"
            for needle in person.needles:
                hits = await s.execute(
                    text(
                        f'SELECT count(*) FROM "{table}" '  # noqa: S608 - catalogue names
                        f"WHERE strpos(lower({value}), :n) > 0 OR strpos({squeezed}, :n) > 0"
                    ),
                    {"n": needle},
                )
                if hits.scalar_one():
                    found.append(f"{table}.{column}: {needle}")
    return found


@pytest.fixture
async def world(db: Database) -> dict[str, Seeded]:
    async with db.transaction() as s:
        staff = await StaffRepository(s).create_user(
            email="ejer@rendetalje.dk", name="Ejer", role=StaffRole.OWNER
        )
        seeded = {
            "mette": await seed_person(s, METTE, staff.id, "mette"),
            "jonas": await seed_person(s, JONAS, staff.id, "jonas"),
        }
    async with open_checkpointer(db) as saver:
        for row in seeded.values():
            await seed_checkpoint(saver, row.session_id, row.person)
    return seeded


def test_marker_is_the_audit_redaction_marker() -> None:
    for value in ("a@b.dk", "Mette Gdprsen", "+45 21 43 65 87", 42):
        assert redaction_marker(value) == agent_marker(value)


async def test_export_holds_everything(db: Database, world: dict[str, Seeded]) -> None:
    mette = world["mette"]
    async with db.transaction() as s:
        # The lookup ignores case and surrounding space.
        data: dict[str, Any] = await export(s, "  mette.gdpr@EXAMPLE.dk ", now=NOW)

    assert [r["id"] for r in data["leads"]] == [str(mette.lead_id)]
    assert [r["id"] for r in data["customers"]] == [str(mette.customer_id)]
    assert {r["status"] for r in data["quotes"]} == {"draft", "accepted"}
    assert [r["notes"] for r in data["bookings"]] == [f"Nøgle hos {METTE.name}, tlf {METTE.phone}"]
    [inbound] = data["inbound_emails"]
    assert inbound["reply_to"] == METTE.email
    assert METTE.address in inbound["text"] and METTE.address in inbound["raw"]
    assert inbound["raw_truncated"] is False
    assert [r["to_address"] for r in data["outbound_emails"]] == [METTE.email]
    assert [r["customer_email"] for r in data["escalations"]] == [METTE.email]
    assert [r["id"] for r in data["chat_sessions"]] == [str(mette.session_id)]
    assert data["chat_sessions"][0]["summary"].startswith("Vi talte om Mette")
    assert len(data["chat_messages"]) == 4  # user, tool call, tool result, the answer
    assert any(m["has_embedding"] for m in data["chat_messages"])
    assert {r["task_type"] for r in data["audit"]} == {
        "search_leads",
        "draft_email_reply",
        "get_lead",
    }
    counts = data["checkpoints"][str(mette.session_id)]
    assert counts["checkpoints"] >= 1 and counts["checkpoint_blobs"] >= 1
    assert counts["checkpoint_writes"] >= 1
    # Nothing of the other person.
    blob = str(data)
    assert JONAS.name not in blob and JONAS.email not in blob and JONAS.address not in blob
    assert str(world["jonas"].session_id) not in data["checkpoints"]


async def test_erasure_leaves_nothing_of_them(db: Database, world: dict[str, Seeded]) -> None:
    mette, jonas = world["mette"], world["jonas"]
    # The scanner finds both before (so a clean scan afterwards means something).
    before = await scan(db, METTE)
    assert {f.split(".")[0] for f in before} >= {
        "leads",
        "customers",
        "quotes",
        "bookings",
        "inbound_emails",
        "outbound_emails",
        "escalations",
        "chat_sessions",
        "chat_messages",
        "chat_events",
        "checkpoint_blobs",
        "checkpoint_writes",
    }
    jonas_before = await scan(db, JONAS)

    async with db.transaction() as s:
        report = await erase(s, METTE.email, now=NOW)
    assert report.leads == 1 and report.customers == 1 and report.bookings == 1
    assert report.quotes_deleted == 1 and report.quotes_anonymised == 1
    assert report.inbound_emails == 1 and report.outbound_emails == 1 and report.escalations == 1
    assert report.chat_messages == 4 and report.chat_events == 2
    assert report.checkpoint_rows >= 3 and report.audit_rows == 3

    assert await scan(db, METTE) == []
    assert await scan(db, JONAS) == jonas_before

    async with db.transaction() as s:
        # The accepted quote stays for the books, without the person.
        quote = await s.get(Quote, mette.accepted_quote_id)
        assert quote is not None
        assert (quote.lead_id, quote.customer_id, quote.text) == (None, None, ERASED_TEXT)
        assert (quote.price_min, quote.price_max, quote.vat_min) == (
            Decimal("2094.00"),
            Decimal("2443.00"),
            Decimal("418.80"),
        )
        assert quote.decided_at == NOW
        # The ledger row stays, empty, so a redelivery is still a duplicate.
        ledger = await s.get(InboundEmail, mette.ids["inbound"])
        assert ledger is not None and ledger.raw is None and ledger.message_id
        messages = (
            await s.execute(select(ChatMessage).where(ChatMessage.session_id == mette.session_id))
        ).scalars()
        assert {(m.content, m.embedding is None) for m in messages} == {(ERASED_TEXT, True)}
        audits = (
            await s.execute(select(TaskExecution).where(TaskExecution.session_id.is_not(None)))
        ).scalars()
        by_session = {a.session_id: a for a in audits}
        assert by_session[mette.session_id].input == {"erased": True}
        assert by_session[mette.session_id].task_type == "search_leads"
        assert by_session[jonas.session_id].result == {"lead_ids": [str(jonas.lead_id)], "count": 1}
        left = await s.execute(
            text("SELECT count(*) FROM checkpoints WHERE thread_id = :t"),
            {"t": str(jonas.session_id)},
        )
        assert left.scalar_one() >= 1

    # Nothing left to find; a second erasure is a no-op.
    async with db.transaction() as s:
        assert not (await find_subject(s, METTE.email)).found
        again = await erase(s, METTE.email, now=NOW)
    assert again.leads == 0 and again.audit_rows == 0


async def test_unknown_email_exports_nothing(db: Database, world: dict[str, Seeded]) -> None:
    async with db.transaction() as s:
        data = await export(s, f"{uuid.uuid4().hex}@example.dk", now=NOW)
    assert data["leads"] == [] and data["chat_messages"] == [] and data["audit"] == []


# -- retention ------------------------------------------------------------------------------


async def test_purge_applies_each_limit(db: Database) -> None:
    now = NOW
    old, recent = now - timedelta(days=400), now - timedelta(days=10)
    async with db.transaction() as s:
        staff = await StaffRepository(s).create_user(
            email="ejer@rendetalje.dk", name="Ejer", role=StaffRole.OWNER
        )
        mails = {
            name: InboundEmail(
                message_id=f"<{name}@x>",
                received_at=at,
                raw=b"Subject: hej\r\n\r\nhej",
                raw_size=17,
                status=status,
            )
            for name, at, status in (
                ("old", now - timedelta(days=91), InboundStatus.REPLIED),
                ("old-pending", now - timedelta(days=91), InboundStatus.RECEIVED),
                ("new", now - timedelta(days=89), InboundStatus.REPLIED),
            )
        }
        sessions = {
            name: ChatSession(
                owner_id=staff.id, channel=ChatChannel.CHAT, title=name, updated_at=at
            )
            for name, at in (("idle", old), ("active", recent), ("revived", old))
        }
        s.add_all([*mails.values(), *sessions.values()])
        await s.flush()
        s.add_all(
            [
                ChatMessage(
                    session_id=sessions["idle"].id,
                    role=MessageRole.USER,
                    content="gl",
                    created_at=old,
                ),
                # Updated long ago, but a message since: not idle.
                ChatMessage(
                    session_id=sessions["revived"].id,
                    role=MessageRole.USER,
                    content="ny",
                    created_at=recent,
                ),
                ChatEvent(session_id=sessions["idle"].id, run_id="r", kind="text", data={}),
                *[
                    TaskExecution(
                        tool_call_id=f"call-{n}",
                        task_type="get_lead",
                        status=TaskStatus.SUCCEEDED,
                        input={"lead_id": "x"},
                        result={"ok": True},
                        intent="svar",
                        channel="chat",
                        started_at=at,
                    )
                    for n, at in (("old", old), ("new", recent))
                ],
            ]
        )
    async with open_checkpointer(db) as saver:
        for row in sessions.values():
            await seed_checkpoint(saver, row.id, JONAS)

    async with db.transaction() as s:
        report = await purge(
            s, now=now, raw_mail_days=90, transcript_days=365, audit_detail_days=365
        )
    assert (report.raw_mails, report.chat_sessions, report.audit_rows) == (1, 1, 1)
    assert report.checkpoint_rows >= 3

    async with db.transaction() as s:
        raws = {
            m.message_id: m.raw is not None
            for m in (await s.execute(select(InboundEmail))).scalars()
        }
        assert raws == {"<old@x>": False, "<old-pending@x>": True, "<new@x>": True}
        titles = set((await s.execute(select(ChatSession.title))).scalars())
        assert titles == {"active", "revived"}
        assert (await s.execute(select(func.count()).select_from(ChatEvent))).scalar_one() == 0
        threads = set(
            (await s.execute(text("SELECT DISTINCT thread_id FROM checkpoints"))).scalars()
        )
        assert threads == {str(sessions["active"].id), str(sessions["revived"].id)}
        audits = {
            a.tool_call_id: (a.input, a.result, a.intent, a.task_type)
            for a in (await s.execute(select(TaskExecution))).scalars()
        }
        assert audits["call-old"] == ({"purged": True}, {"purged": True}, None, "get_lead")
        assert audits["call-new"] == ({"lead_id": "x"}, {"ok": True}, "svar", "get_lead")

    # Idempotent: a second run with the same clock finds nothing more.
    async with db.transaction() as s:
        again = await purge(
            s, now=now, raw_mail_days=90, transcript_days=365, audit_detail_days=365
        )
    assert again == PurgeReport(raw_mails=0, chat_sessions=0, checkpoint_rows=0, audit_rows=0)


def test_retention_settings_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = RetentionSettings(_env_file=None)
    assert (defaults.raw_mail_days, defaults.transcript_days, defaults.audit_detail_days) == (
        90,
        365,
        365,
    )
    monkeypatch.setenv("RENOS_RETAIN_RAW_MAIL_DAYS", "30")
    assert RetentionSettings(_env_file=None).raw_mail_days == 30
