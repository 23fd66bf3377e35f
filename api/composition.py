"""The composition root: the one place where the service's parts are built and wired,
for both the HTTP app's lifespan and the CLI."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from agent.adapters import sql_ports
from agent.graph.chat import bind_model, build_chat_graph
from agent.graph.turn_memory import ChatMemory
from agent.memory.embeddings import Embedder, build_embedder
from agent.memory.settings import EmbeddingConfigurationError, check_dimension
from agent.offline.model import OfflineChatModel
from agent.providers import ChatModelHandle, ModelConfigurationError, build_chat_model
from agent.responder.compose import EmailAgent
from agent.responder.pipeline import Responder
from agent.runner import ChatRunner
from api.config import ConfigurationError, Settings
from memory import migrate
from memory.checkpointer import open_checkpointer
from memory.database import Database, create_database, ensure_extensions
from memory.provision import resolve_database_url
from memory.repositories.messages import MessageRepository
from tools.canonical.ports import Ports
from tools.canonical.registry import tool_table
from tools.integrations.ports import CalendarPort, MailboxPort
from tools.integrations.settings import build_google_adapters

_log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    settings: Settings
    database: Database
    clock: Clock = field(default=system_clock)
    chat: ChatRunner | None = None
    # Google Calendar and Gmail when configured; None: our own tables are calendar and outbox.
    calendar: CalendarPort | None = None
    mailbox: MailboxPort | None = None
    _resources: AsyncExitStack = field(default_factory=AsyncExitStack)

    async def aclose(self) -> None:
        await self._resources.aclose()
        await self.database.dispose()


async def build_container(
    settings: Settings,
    *,
    migrate_schema: bool = True,
    with_agent: bool = False,
    clock: Clock = system_clock,
) -> Container:
    """Connect (starting the embedded database if no DATABASE_URL is set), check pgvector,
    bring the schema up to date and, when asked, build the chat agent."""
    url = await asyncio.to_thread(resolve_database_url, settings.database)
    database = create_database(
        url,
        pool_size=settings.database.pool_size,
        pool_timeout_s=settings.database.pool_timeout_s,
        echo=settings.database.echo_sql,
    )
    google = build_google_adapters(settings.google)
    container = Container(
        settings=settings,
        database=database,
        clock=clock,
        calendar=google.calendar,
        mailbox=google.mailbox,
    )
    try:
        await ensure_extensions(database)
        if migrate_schema:
            await migrate.upgrade(database)
        if with_agent:
            container.chat = await _build_chat(container)
    except BaseException:
        await container.aclose()
        raise
    return container


def build_model(settings: Settings, clock: Clock) -> ChatModelHandle:
    try:
        return build_chat_model(
            settings.model, offline_factory=lambda: OfflineChatModel(clock=clock)
        )
    except ModelConfigurationError as exc:
        raise ConfigurationError(str(exc)) from exc


async def build_checked_embedder(settings: Settings, database: Database) -> Embedder:
    """The configured embedder, refused if its vectors would not fit the database's column."""
    try:
        embedder = build_embedder(settings.embedding)
        async with database.transaction() as s:
            stored = await MessageRepository(s).stored_dimension()
        if stored is None:
            raise EmbeddingConfigurationError(
                "chat_messages.embedding is missing: bring the schema up to date (renos migrate)"
            )
        check_dimension(embedder.dimension, stored)
    except EmbeddingConfigurationError as exc:
        raise ConfigurationError(str(exc)) from exc
    return embedder


async def _build_chat(container: Container) -> ChatRunner:
    settings, clock = container.settings, container.clock
    embedder = await build_checked_embedder(settings, container.database)
    handle = build_model(settings, clock)
    container._resources.push_async_callback(handle.aclose)

    def ports_for(session: AsyncSession) -> Ports:
        return sql_ports(
            session, calendar=container.calendar, mailbox=container.mailbox, clock=container.clock
        )

    table = tool_table()
    checkpointer = await container._resources.enter_async_context(
        open_checkpointer(container.database)
    )
    graph = build_chat_graph(bind_model(handle, list(table.values())), checkpointer)
    _log.info("chat agent ready: %s", handle.describe())
    return ChatRunner(
        graph=graph,
        database=container.database,
        handle=handle,
        ports_for=ports_for,
        table=table,
        clock=clock,
        max_steps=settings.chat.max_steps,
        memory=ChatMemory(container.database, embedder, settings.chat),
    )


def build_responder(container: Container, *, handle: ChatModelHandle | None = None) -> Responder:
    """The email responder on the container's database, model and mailbox. ``handle`` replaces
    the configured model (tests use a compromised one); the caller closes a handle it built."""
    settings, clock = container.settings, container.clock
    if handle is None:
        handle = build_model(settings, clock)
        container._resources.push_async_callback(handle.aclose)

    def ports_for(session: AsyncSession) -> Ports:
        return sql_ports(
            session, calendar=container.calendar, mailbox=container.mailbox, clock=container.clock
        )

    agent = EmailAgent(
        container.database,
        handle,
        ports_for,
        max_steps=settings.responder.max_model_steps,
    )
    return Responder(
        container.database,
        agent,
        settings=settings.responder,
        mailbox=container.mailbox,
        clock=clock,
    )
