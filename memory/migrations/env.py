"""Alembic environment. Always run through :mod:`memory.migrate`, which hands in a connection."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from memory.models import Base

config = context.config
connection = config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations with `renos db upgrade`, which provides the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    compare_type=True,
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
