"""Database settings. Environment is read here and only when the composition root asks."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATA_DIR = Path(".renos")


class DatabaseSettings(BaseSettings):
    """Where the data lives.

    Without ``DATABASE_URL`` the service runs its own embedded PostgreSQL (with pgvector and
    pg_trgm) whose files sit under ``RENOS_DATA_DIR`` and survive restarts.
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="PostgreSQL URL (postgresql://user:pass@host:5432/db). Empty: embedded server.",
    )
    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        validation_alias="RENOS_DATA_DIR",
        description="Folder for the embedded PostgreSQL's data and other local state.",
    )
    embedded_database_name: str = Field(
        default="renos",
        validation_alias="RENOS_EMBEDDED_DB_NAME",
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
    )
    pool_size: int = Field(default=10, ge=1, le=200, validation_alias="DATABASE_POOL_SIZE")
    pool_timeout_s: float = Field(default=10.0, gt=0, validation_alias="DATABASE_POOL_TIMEOUT")
    echo_sql: bool = Field(default=False, validation_alias="DATABASE_ECHO")

    @field_validator("database_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("database_url")
    @classmethod
    def _must_be_postgres(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            backend = make_url(value.replace("postgres://", "postgresql://", 1)).get_backend_name()
        except ArgumentError:
            backend = ""
        if backend != "postgresql":
            raise ValueError(
                "must be a PostgreSQL URL such as postgresql://user:password@host:5432/renos"
            )
        return value
