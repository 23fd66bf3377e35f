"""How the agent's parts are put together from settings: the chat runner and the email
responder. The service's composition root (`api/composition.py`) and the eval runner
(`evals/`) both build through these functions, so an eval runs exactly what production runs.
Nothing here reads the environment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy.ext.asyncio import AsyncSession

from agent.adapters import sql_ports
from agent.graph.chat import bind_model, build_chat_graph
from agent.graph.settings import ChatSettings
from agent.graph.turn_memory import ChatMemory
from agent.memory.embeddings import Embedder, build_embedder
from agent.memory.settings import (
    EmbeddingConfigurationError,
    EmbeddingSettings,
    check_dimension,
)
from agent.offline.model import OfflineChatModel
from agent.providers import ChatModelHandle, build_chat_model
from agent.providers.settings import ModelSettings
from agent.responder.compose import EmailAgent
from agent.responder.pipeline import Responder
from agent.responder.settings import ResponderSettings
from agent.runner import ChatRunner
from memory.database import Database
from memory.repositories.messages import MessageRepository
from tools.canonical.ports import Ports
from tools.canonical.registry import tool_table
from tools.integrations.ports import CalendarPort, MailboxPort

Clock = Callable[[], datetime]
PortsFactory = Callable[[AsyncSession], Ports]


def model_handle(settings: ModelSettings, clock: Clock) -> ChatModelHandle:
    """The configured chat model; the offline one runs on ``clock``. Raises
    ModelConfigurationError for an unusable configuration."""
    return build_chat_model(settings, offline_factory=lambda: OfflineChatModel(clock=clock))


async def checked_embedder(settings: EmbeddingSettings, database: Database) -> Embedder:
    """The configured embedder, refused (EmbeddingConfigurationError) if its vectors would
    not fit the database's column."""
    embedder = build_embedder(settings)
    async with database.transaction() as s:
        stored = await MessageRepository(s).stored_dimension()
    if stored is None:
        raise EmbeddingConfigurationError(
            "chat_messages.embedding is missing: bring the schema up to date (renos migrate)"
        )
    check_dimension(embedder.dimension, stored)
    return embedder


def ports_factory(
    *, calendar: CalendarPort | None, mailbox: MailboxPort | None, clock: Clock
) -> PortsFactory:
    def ports_for(session: AsyncSession) -> Ports:
        return sql_ports(session, calendar=calendar, mailbox=mailbox, clock=clock)

    return ports_for


def chat_runner(
    database: Database,
    handle: ChatModelHandle,
    embedder: Embedder,
    settings: ChatSettings,
    checkpointer: BaseCheckpointSaver[Any],
    ports_for: PortsFactory,
    clock: Clock,
) -> ChatRunner:
    table = tool_table()
    graph = build_chat_graph(bind_model(handle, list(table.values())), checkpointer)
    return ChatRunner(
        graph=graph,
        database=database,
        handle=handle,
        ports_for=ports_for,
        table=table,
        clock=clock,
        max_steps=settings.max_steps,
        memory=ChatMemory(database, embedder, settings),
    )


def responder(
    database: Database,
    handle: ChatModelHandle,
    ports_for: PortsFactory,
    settings: ResponderSettings,
    *,
    mailbox: MailboxPort | None,
    clock: Clock,
) -> Responder:
    agent = EmailAgent(database, handle, ports_for, max_steps=settings.max_model_steps)
    return Responder(database, agent, settings=settings, mailbox=mailbox, clock=clock)
