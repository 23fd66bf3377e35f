"""The composition root: the one place where the service's parts are built and wired,
for both the HTTP app's lifespan and the CLI."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime

from agent import assembly
from agent.memory.embeddings import Embedder
from agent.memory.settings import EmbeddingConfigurationError
from agent.providers import ChatModelHandle, ModelConfigurationError
from agent.responder.pipeline import Responder
from agent.runner import ChatRunner
from api.config import ConfigurationError, Settings
from api.event_signals import EventSignals
from api.turn_feed import TurnFeeds
from memory import migrate
from memory.checkpointer import open_checkpointer
from memory.database import Database, create_database, ensure_extensions
from memory.provision import resolve_database_url
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
    # Wakes this process's SSE streams when a turn here stores an event.
    event_signals: EventSignals = field(default_factory=EventSignals)
    # The stored events of the turns running in this process, for their streams.
    turn_feeds: TurnFeeds = field(default_factory=TurnFeeds)
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
        return assembly.model_handle(settings.model, clock)
    except ModelConfigurationError as exc:
        raise ConfigurationError(str(exc)) from exc


async def build_checked_embedder(settings: Settings, database: Database) -> Embedder:
    """The configured embedder, refused if its vectors would not fit the database's column."""
    try:
        return await assembly.checked_embedder(settings.embedding, database)
    except EmbeddingConfigurationError as exc:
        raise ConfigurationError(str(exc)) from exc


def _ports(container: Container) -> assembly.PortsFactory:
    return assembly.ports_factory(
        calendar=container.calendar, mailbox=container.mailbox, clock=container.clock
    )


async def _build_chat(container: Container) -> ChatRunner:
    settings = container.settings
    embedder = await build_checked_embedder(settings, container.database)
    handle = build_model(settings, container.clock)
    container._resources.push_async_callback(handle.aclose)
    checkpointer = await container._resources.enter_async_context(
        open_checkpointer(container.database)
    )
    runner = assembly.chat_runner(
        container.database,
        handle,
        embedder,
        settings.chat,
        checkpointer,
        _ports(container),
        container.clock,
    )
    _log.info("chat agent ready: %s", handle.describe())
    return runner


def build_responder(container: Container, *, handle: ChatModelHandle | None = None) -> Responder:
    """The email responder on the container's database, model and mailbox. ``handle`` replaces
    the configured model (tests use a compromised one); the caller closes a handle it built."""
    if handle is None:
        handle = build_model(container.settings, container.clock)
        container._resources.push_async_callback(handle.aclose)
    return assembly.responder(
        container.database,
        handle,
        _ports(container),
        container.settings.responder,
        mailbox=container.mailbox,
        clock=container.clock,
    )
