"""Schema migrations (Alembic), applied under an advisory lock so that several processes
starting at once migrate exactly once."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from memory.database import Database

_MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x52454E4F53  # "RENOS"


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


async def upgrade(db: Database, revision: str = "head") -> None:
    await _run(db, lambda cfg: command.upgrade(cfg, revision))


async def downgrade(db: Database, revision: str = "-1") -> None:
    await _run(db, lambda cfg: command.downgrade(cfg, revision))


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


async def autogenerate(db: Database, message: str) -> None:
    """Developer aid: write a new revision from the difference between models and database."""
    await _run(db, lambda cfg: command.revision(cfg, message=message, autogenerate=True))


async def _run(db: Database, action: object) -> None:
    assert callable(action)

    def work(conn: Connection) -> None:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        action(_config(conn))

    async with db.engine.begin() as conn:
        await conn.run_sync(work)
