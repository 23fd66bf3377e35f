"""Implementations of the tools' ports: storage on PostgreSQL through ``memory``."""

from agent.adapters.bookings import SqlBookingStore
from agent.adapters.leads import SqlLeadStore
from agent.adapters.outbox import SqlOutbox
from agent.adapters.quotes import SqlQuoteStore
from agent.adapters.storage import sql_ports

__all__ = ["SqlBookingStore", "SqlLeadStore", "SqlOutbox", "SqlQuoteStore", "sql_ports"]
