"""The responder's per-mail queries: the reply counts (one statement), other customers named
in a reply (found by index), and the queue's claim order; each gives the answers the plain
queries gave, and each can be served by the indexes of migration 0006."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from memory.database import Database
from memory.models import Customer, InboundEmail, Lead, OutboundEmail, Quote
from memory.models.enums import LeadSource, OutboundStatus, QuoteStatus, Service
from memory.repositories.customer_mentions import others_in_text
from memory.repositories.inbox_queue import InboxQueue
from memory.repositories.quotes import QuoteRepository
from memory.repositories.reply_stats import reply_stats

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 13:00 in Copenhagen


def _lead(name: str, email: str | None, **kw: Any) -> Lead:
    return Lead(
        source=LeadSource.DIRECT,
        name=name,
        email=email,
        dedup_key=f"test:{uuid.uuid4().hex}",
        received_at=NOW - timedelta(days=2),
        **kw,
    )


def _quote(status: QuoteStatus, *, sent_at: datetime | None, **kw: Any) -> Quote:
    return Quote(
        service=Service.DEEP,
        area_m2=Decimal(80),
        workers=2,
        hours_on_site=Decimal(3),
        work_hours=Decimal(6),
        hourly_rate=Decimal(349),
        price_min=Decimal(2094),
        price_max=Decimal(2792),
        vat_min=Decimal(418),
        vat_max=Decimal(558),
        status=status,
        valid_until=date(2026, 12, 25),
        text="tilbud",
        sent_at=sent_at,
        **kw,
    )


def _outbound(to: str, status: OutboundStatus, *, created_at: datetime, **kw: Any) -> OutboundEmail:
    return OutboundEmail(
        idempotency_key=uuid.uuid4().hex,
        to_address=to,
        subject="Re: hej",
        body="hej",
        status=status,
        created_at=created_at,
        **kw,
    )


@pytest.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    async with db.transaction() as s:
        yield s


@contextmanager
def statements(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and parameters) ``db`` executes meanwhile."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((statement, parameters))

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _plan(session: AsyncSession, statement: str, parameters: Any) -> str:
    """The plan of one captured statement, with sequential scans and sorts made the last
    resort: shows which indexes can serve it (the tables here are far too small to need
    them)."""
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    await session.execute(text("SET LOCAL enable_sort = off"))
    raw = (await (await session.connection()).get_raw_connection()).driver_connection
    assert raw is not None
    cursor = raw.cursor()
    await cursor.execute("EXPLAIN " + statement, parameters)
    return "\n".join(str(row[0]) for row in await cursor.fetchall())


# --- reply counts ---------------------------------------------------------------------------


async def test_reply_counts_in_one_statement(db: Database, session: AsyncSession) -> None:
    me = _lead("Mette Hansen", "Mette@Example.dk")
    other = _lead("Jens Jensen", "jens@example.dk")
    customer = Customer(name="Mette Hansen", email="mette@example.dk")
    session.add_all([me, other, customer])
    await session.flush()
    mail = InboundEmail(message_id="<a@x>", thread_id="<t@x>", received_at=NOW, raw=b"x")
    session.add(mail)
    await session.flush()
    today = NOW - timedelta(hours=2)
    yesterday = NOW - timedelta(days=1)
    session.add_all(
        [
            # today's automatic sends: two count, a manual one and yesterday's do not
            _outbound(
                "a@x.dk", OutboundStatus.SENT, created_at=today, automatic=True, sent_at=today
            ),
            _outbound(
                "b@x.dk", OutboundStatus.SENT, created_at=today, automatic=True, sent_at=today
            ),
            _outbound("c@x.dk", OutboundStatus.SENT, created_at=today, sent_at=today),
            _outbound(
                "d@x.dk",
                OutboundStatus.SENT,
                created_at=yesterday,
                automatic=True,
                sent_at=yesterday,
            ),
            # to the sender in the last hour, any case; a rejected one and an old one do not
            _outbound(
                "METTE@example.dk", OutboundStatus.DRAFT, created_at=NOW - timedelta(minutes=5)
            ),
            _outbound("mette@example.dk", OutboundStatus.REJECTED, created_at=NOW),
            _outbound("mette@example.dk", OutboundStatus.SENT, created_at=NOW - timedelta(hours=3)),
            # in the thread within a day
            _outbound(
                "x@x.dk", OutboundStatus.APPROVED, created_at=today, inbound_email_id=mail.id
            ),
        ]
    )
    older, newest = NOW - timedelta(days=9), NOW - timedelta(days=3)
    session.add_all(
        [
            _quote(QuoteStatus.SENT, sent_at=older, lead_id=me.id),
            _quote(QuoteStatus.ACCEPTED, sent_at=None, customer_id=customer.id),  # created now
            _quote(QuoteStatus.DRAFT, sent_at=None, lead_id=me.id),  # never seen: not counted
            _quote(QuoteStatus.SENT, sent_at=newest, lead_id=other.id),
        ]
    )
    await session.flush()

    with statements(db) as seen:
        stats = await reply_stats(
            session, recipient=" mette@example.dk ", thread_id="<t@x>", now=NOW
        )
    assert len(seen) == 1
    assert stats.replies_today == 2
    assert stats.sender_replies_last_hour == 1
    assert stats.thread_replies_last_day == 1
    reference = await QuoteRepository(session).latest_sent_to("mette@example.dk")
    assert reference is not None
    assert stats.last_quote_sent_at == (reference.sent_at or reference.created_at)

    jens = await reply_stats(session, recipient="jens@example.dk", thread_id=None, now=NOW)
    assert (jens.sender_replies_last_hour, jens.thread_replies_last_day) == (0, 0)
    assert jens.last_quote_sent_at == newest
    nobody = await reply_stats(session, recipient="nobody@example.dk", thread_id="<n@x>", now=NOW)
    assert nobody.last_quote_sent_at is None and nobody.thread_replies_last_day == 0
    empty = await reply_stats(session, recipient="  ", thread_id=None, now=NOW)
    assert empty.last_quote_sent_at is None


async def test_reply_counts_can_use_their_indexes(db: Database, session: AsyncSession) -> None:
    with statements(db) as seen:
        await reply_stats(session, recipient="mette@example.dk", thread_id="<t@x>", now=NOW)
    plan = await _plan(session, *seen[0])
    for index in (
        "ix_outbound_emails_auto_sent",
        "ix_outbound_emails_to_lower",
        "ix_inbound_emails_thread_id",
        "ix_leads_email_lower",
        "ix_quotes_lead_id",
        "uq_customers_email_lower",
        "ix_quotes_customer_id",
    ):
        assert index in plan, plan
    assert "Seq Scan on quotes" not in plan, plan


# --- other customers named in a text ---------------------------------------------------------


@pytest.fixture
async def people(session: AsyncSession) -> dict[str, uuid.UUID]:
    rows = {
        "mette": _lead("Mette Hansen", "mette@example.dk", phone="+45 27 81 67 57"),
        "jens": _lead("Jens Jensen", "jens@example.dk", address="Skovvej 12, 8000 Aarhus C"),
        "bo": _lead("Bo", "bo@example.dk"),  # shorter than four characters: never a mention
        "nameless": _lead("Karen Lund", None, phone="22 33 44 55"),
    }
    session.add_all(rows.values())
    session.add_all(
        [
            Customer(name="Lone Holm", email="lone@firma.dk", address="Havnegade 3"),
            Customer(name="Hanne Dahl", email="hanne@example.dk", phone="11223344"),
        ]
    )
    await session.flush()
    return {k: v.id for k, v in rows.items()}


async def _others(session: AsyncSession, body: str, **kw: Any) -> list[str]:
    kw.setdefault("recipient", "someone@example.dk")
    kw.setdefault("lead_id", None)
    return await others_in_text(session, body, **kw)


async def test_names_addresses_emails_and_phones_of_others_are_found(
    session: AsyncSession, people: dict[str, uuid.UUID]
) -> None:
    mette = ["+45 27 81 67 57", "Mette Hansen", "mette@example.dk"]
    jens = ["Jens Jensen", "Skovvej 12, 8000 Aarhus C", "jens@example.dk"]
    assert await _others(session, "Hej Mette\n\nVenlig hilsen Rendetalje") == []
    # the name in any case and spacing, also inside a longer word
    assert await _others(session, "Hilsen  METTE\nhansen") == mette
    assert await _others(session, "vi kommer til XMette HansenX") == mette
    assert await _others(session, "Vi var på skovvej 12, 8000 aarhus c i går") == jens
    assert await _others(session, "skriv til Jens@Example.DK") == jens
    assert await _others(session, "ring 27816757 eller +45 22-33-44-55") == [
        *mette[:1],
        "22 33 44 55",
        "Karen Lund",
        *mette[1:],
    ]
    assert await _others(session, "Bo og Lone Holm, Havnegade 3, tlf 11 22 33 44") == [
        "11223344",
        "Hanne Dahl",
        "Havnegade 3",
        "Lone Holm",
        "hanne@example.dk",
        "lone@firma.dk",
    ]
    assert await _others(session, "Bo") == []
    assert await _others(session, "") == []


async def test_the_recipient_and_their_own_lead_are_not_others(
    session: AsyncSession, people: dict[str, uuid.UUID]
) -> None:
    text_ = "Kære Mette Hansen og Jens Jensen"
    assert await _others(session, text_, recipient=" METTE@example.dk ") == [
        "Jens Jensen",
        "Skovvej 12, 8000 Aarhus C",
        "jens@example.dk",
    ]
    assert await _others(session, text_, lead_id=people["jens"]) == [
        "+45 27 81 67 57",
        "Mette Hansen",
        "mette@example.dk",
    ]


async def test_mentions_can_be_found_by_index(
    db: Database, session: AsyncSession, people: dict[str, uuid.UUID]
) -> None:
    with statements(db) as seen:
        await _others(session, "Hilsen Mette Hansen, jens@example.dk, 22 33 44 55")
    assert len(seen) == 1  # leads and customers together
    plan = await _plan(session, *seen[0])
    for table in ("leads", "customers"):
        for index in ("name_prefix", "address_prefix", "phone_digits"):
            assert f"ix_{table}_{index}" in plan, plan
    assert "ix_leads_email_lower" in plan and "uq_customers_email_lower" in plan, plan
    assert "Seq Scan" not in plan, plan


# --- the queue --------------------------------------------------------------------------------


async def test_the_claim_takes_the_oldest_by_arrival_then_id_without_sorting(
    db: Database, session: AsyncSession
) -> None:
    same = NOW - timedelta(minutes=1)
    mails = [
        InboundEmail(message_id=f"<{i}@x>", received_at=same if i else NOW, raw=b"x")
        for i in range(4)
    ]
    session.add_all(mails)
    await session.flush()
    expected = sorted((m.id for m in mails[1:]), key=str)  # same time: by id
    with statements(db) as seen:
        got = [await InboxQueue(session).claim(worker="w", lease=timedelta(minutes=1))]
    got += [
        await InboxQueue(session).claim(worker="w", lease=timedelta(minutes=1)) for _ in range(3)
    ]
    assert [c.inbound_id for c in got if c is not None] == [*expected, mails[0].id]
    plan = await _plan(session, *seen[0])
    assert "ix_inbound_emails_pending" in plan and "Sort" not in plan, plan
