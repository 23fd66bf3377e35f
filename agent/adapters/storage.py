"""The composition of the storage ports for one run: all four share the run's session, which
owns the transaction (the adapters only flush)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from agent.adapters.bookings import SqlBookingStore
from agent.adapters.leads import SqlLeadStore
from agent.adapters.outbox import Clock, SqlOutbox, utc_now
from agent.adapters.quotes import SqlQuoteStore
from tools.canonical.ports import Ports
from tools.integrations.ports import CalendarPort, MailboxPort


def sql_ports(
    session: AsyncSession,
    *,
    calendar: CalendarPort | None = None,
    mailbox: MailboxPort | None = None,
    clock: Clock = utc_now,
) -> Ports:
    """Ports backed by PostgreSQL; ``calendar`` and ``mailbox`` are the outside world when
    configured (None: the bookings and outbound tables stand in for them). ``clock`` stamps
    new records, approvals and sends (the run's clock in evals and tests)."""
    return Ports(
        leads=SqlLeadStore(session),
        quotes=SqlQuoteStore(session, clock=clock),
        bookings=SqlBookingStore(session, clock=clock),
        outbox=SqlOutbox(session, clock=clock),
        calendar=calendar,
        mailbox=mailbox,
    )
