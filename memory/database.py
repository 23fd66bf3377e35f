"""Engine and session factory, built once by the composition root."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
import psycopg_pool
from sqlalchemy import event, make_url, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolExhaustedError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from memory.errors import DatabaseMisconfiguredError, DatabaseUnavailableError


def to_async_url(url: str) -> str:
    """Accept the usual ``postgresql://`` / ``postgres://`` forms and pick the psycopg 3 driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseMisconfiguredError(
            f"DATABASE_URL must be a PostgreSQL URL, not {parsed.drivername}"
        )
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


# Failures that mean "the database is away or overloaded right now", not "this request is
# wrong": the caller may retry later (HTTP 503), a background loop waits and goes on.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    DatabaseUnavailableError,
    OperationalError,  # connection refused or lost, server shutting down or starting
    InterfaceError,  # a connection closed under us
    PoolExhaustedError,  # no pooled connection free within DATABASE_POOL_TIMEOUT
    psycopg.OperationalError,  # the same, from psycopg used directly (the checkpointer)
    psycopg.InterfaceError,
    psycopg_pool.PoolTimeout,
)

# Every error a database call may raise that :func:`is_outage` can tell apart.
DATABASE_ERRORS: tuple[type[Exception], ...] = (*OUTAGE_ERRORS, DBAPIError)


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is (for now) unreachable, rather than a bug."""
    if isinstance(exc, OUTAGE_ERRORS):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


# A pooled connection given back less than this long ago is handed out again without a ping
# (a turn checks connections out a dozen times within milliseconds); one idle for longer is
# pinged first, and replaced if the database dropped it (restarted, or closed it as idle).
PING_IDLE_S = 1.0
_CHECKED_IN = "renos_checked_in"


def _ping_idle_connections(engine: AsyncEngine, idle_s: float) -> None:
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def checked_in(_dbapi: Any, record: Any) -> None:
        if record is not None:
            record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def checked_out(dbapi: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_CHECKED_IN)
        if since is None or time.monotonic() - since < idle_s:
            return  # just connected, or in use a moment ago
        try:
            dialect.do_ping(dbapi)
        except Exception as exc:  # any failure: the pool connects afresh
            raise DisconnectionError("a pooled connection did not answer its ping") from exc


def _instance_name() -> str:
    """This engine's ``application_name``: other processes see in ``pg_stat_activity`` that
    it is alive (at most 63 bytes, PostgreSQL's limit)."""
    return f"renos-{os.getpid()}-{secrets.token_hex(6)}"


@dataclass(frozen=True)
class Database:
    """The engine and the session factory. A request or job owns its transaction."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # The application_name of every connection this engine opens (and the checkpointer's,
    # built from the engine's URL): while one of them is open, this process is alive.
    instance: str = ""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits on success and rolls back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        """Raise :class:`DatabaseUnavailableError` unless a trivial query succeeds."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (OperationalError, DBAPIError, OSError) as exc:
            raise DatabaseUnavailableError(f"database unreachable: {type(exc).__name__}") from exc

    async def dispose(self) -> None:
        await self.engine.dispose()


def create_database(
    url: str, *, pool_size: int = 10, pool_timeout_s: float = 10.0, echo: bool = False
) -> Database:
    instance = _instance_name()
    async_url = make_url(to_async_url(url)).update_query_dict({"application_name": instance})
    engine = create_async_engine(
        async_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=pool_timeout_s,
        # A restarted database costs a failed ping, not a failed request: see PING_IDLE_S.
        echo=echo,
        # Bound values (names, emails, message text) never appear in error messages or the
        # echo log; the statement does.
        hide_parameters=True,
    )
    _ping_idle_connections(engine, PING_IDLE_S)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    return Database(engine=engine, sessions=sessions, instance=instance)


async def ensure_extensions(db: Database) -> None:
    """Create pgvector and pg_trgm, or stop with a message that says which one is missing."""
    try:
        async with db.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT name FROM pg_available_extensions WHERE name IN ('vector', 'pg_trgm')")
            )
            available = {row[0] for row in rows}
    except (OperationalError, DBAPIError, OSError) as exc:
        raise DatabaseUnavailableError(f"cannot connect to the database: {exc}") from exc
    for name, what in (("vector", "pgvector"), ("pg_trgm", "pg_trgm")):
        if name not in available:
            raise DatabaseMisconfiguredError(
                f"the PostgreSQL server at DATABASE_URL has no '{name}' extension ({what}); "
                f"install {what} on that server or unset DATABASE_URL to use the embedded one"
            )
    async with db.engine.begin() as conn:
        # IF NOT EXISTS is not safe against a concurrent CREATE: serialise the processes.
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('renos:extensions'))"))
        await conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        await conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
