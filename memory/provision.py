"""Find or start the database server and make sure the service's database exists."""

from __future__ import annotations

import psycopg
from psycopg import sql
from sqlalchemy import make_url

from memory.embedded import start_embedded_server
from memory.errors import DatabaseUnavailableError
from memory.settings import DatabaseSettings


def resolve_database_url(settings: DatabaseSettings) -> str:
    """The URL to use: ``DATABASE_URL`` as given, or the embedded server (started if needed)."""
    if settings.database_url is not None:
        return str(settings.database_url)
    server = start_embedded_server(settings.data_dir)
    create_database_if_missing(server.url("postgres"), settings.embedded_database_name)
    return server.url(settings.embedded_database_name)


def create_database_if_missing(admin_url: str, name: str, *, template: str | None = None) -> None:
    """CREATE DATABASE ``name`` unless it exists (safe when several processes race)."""
    conninfo = _libpq_conninfo(admin_url)
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if exists:
                return
            stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                stmt = sql.SQL("{} TEMPLATE {} STRATEGY FILE_COPY").format(
                    stmt, sql.Identifier(template)
                )
            try:
                conn.execute(stmt)
            except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                # Another process created it between our check and our CREATE.
                return
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailableError(
            f"cannot reach PostgreSQL to create '{name}': {exc}"
        ) from exc


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(_libpq_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _libpq_conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
