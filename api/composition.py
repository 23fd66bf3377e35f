"""The composition root: the one place where the service's parts are built and wired,
for both the HTTP app's lifespan and the CLI."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from api.config import Settings
from memory import migrate
from memory.database import Database, create_database, ensure_extensions
from memory.provision import resolve_database_url

_log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    settings: Settings
    database: Database
    clock: Clock = field(default=system_clock)

    async def aclose(self) -> None:
        await self.database.dispose()


async def build_container(
    settings: Settings, *, migrate_schema: bool = True, clock: Clock = system_clock
) -> Container:
    """Connect (starting the embedded database if no DATABASE_URL is set), check pgvector and
    bring the schema up to date."""
    url = await asyncio.to_thread(resolve_database_url, settings.database)
    database = create_database(
        url,
        pool_size=settings.database.pool_size,
        pool_timeout_s=settings.database.pool_timeout_s,
        echo=settings.database.echo_sql,
    )
    try:
        await ensure_extensions(database)
        if migrate_schema:
            await migrate.upgrade(database)
    except BaseException:
        await database.dispose()
        raise
    return Container(settings=settings, database=database, clock=clock)
