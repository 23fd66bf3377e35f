"""Test fixtures: a real PostgreSQL with pgvector (the embedded one unless DATABASE_URL is
set), a migrated template database, and a fresh copy of it for every test that asks."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from memory import migrate
from memory.database import Database, create_database, ensure_extensions
from memory.embedded import start_embedded_server
from memory.provision import create_database_if_missing, drop_database

TEMPLATE = f"renos_tpl_{os.getpid()}"


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """URL of a maintenance database on the test server."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield (
            make_url(external)
            .set(drivername="postgresql+psycopg")
            .render_as_string(hide_password=False)
        )
        return
    data_dir = Path(tempfile.mkdtemp(prefix="renos-test-"))
    server = start_embedded_server(data_dir)
    yield server.url("postgres")
    shutil.rmtree(data_dir, ignore_errors=True)


def database_url(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
async def template_url(pg_admin_url: str) -> AsyncIterator[str]:
    """A database migrated to head once per run; each test copies it."""
    drop_database(pg_admin_url, TEMPLATE)
    create_database_if_missing(pg_admin_url, TEMPLATE)
    url = database_url(pg_admin_url, TEMPLATE)
    db = create_database(url, pool_size=1)
    await ensure_extensions(db)
    await migrate.upgrade(db)
    await db.dispose()
    yield url
    drop_database(pg_admin_url, TEMPLATE)


@pytest.fixture
def fresh_db_url(pg_admin_url: str) -> Iterator[str]:
    """An empty database (no schema) for migration tests."""
    name = f"renos_t_{uuid.uuid4().hex[:12]}"
    create_database_if_missing(pg_admin_url, name)
    yield database_url(pg_admin_url, name)
    drop_database(pg_admin_url, name)


@pytest.fixture
def db_url(pg_admin_url: str, template_url: str) -> Iterator[str]:
    """A migrated database of its own for one test."""
    name = f"renos_t_{uuid.uuid4().hex[:12]}"
    create_database_if_missing(pg_admin_url, name, template=TEMPLATE)
    yield database_url(pg_admin_url, name)
    drop_database(pg_admin_url, name)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = create_database(db_url, pool_size=2)
    yield database
    await database.dispose()
