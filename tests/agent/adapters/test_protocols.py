"""The adapters are the Protocols' types (mypy checks the assignments) and the factory wires
them to one session."""

from __future__ import annotations

from agent.adapters import SqlBookingStore, SqlLeadStore, SqlOutbox, SqlQuoteStore, sql_ports
from memory.database import Database
from tools.canonical.ports import BookingStore, LeadStore, Outbox, Ports, QuoteStore
from tools.integrations.local import InMemoryCalendar, RecordingMailbox
from tools.integrations.ports import CalendarPort, MailboxPort


async def test_each_adapter_is_its_protocol(db: Database) -> None:
    async with db.sessions() as session:
        leads: LeadStore = SqlLeadStore(session)
        quotes: QuoteStore = SqlQuoteStore(session)
        bookings: BookingStore = SqlBookingStore(session)
        outbox: Outbox = SqlOutbox(session)
        assert await leads.search("nobody at all", 5) == []
        assert await quotes.latest_sent_to("nobody@example.dk") is None
        assert await outbox.find_draft("abcdef01") is None
        assert bookings is not None


async def test_sql_ports_wires_the_session_and_the_edges(db: Database) -> None:
    calendar: CalendarPort = InMemoryCalendar()
    mailbox: MailboxPort = RecordingMailbox()
    async with db.sessions() as session:
        ports: Ports = sql_ports(session, calendar=calendar, mailbox=mailbox)
        assert isinstance(ports.leads, SqlLeadStore)
        assert isinstance(ports.quotes, SqlQuoteStore)
        assert isinstance(ports.bookings, SqlBookingStore)
        assert isinstance(ports.outbox, SqlOutbox)
        assert ports.calendar is calendar
        assert ports.mailbox is mailbox
        assert sql_ports(session).calendar is None
