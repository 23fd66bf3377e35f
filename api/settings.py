"""HTTP server settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "production", "test"] = Field(
        default="development", validation_alias="RENOS_ENV"
    )
    host: str = Field(default="127.0.0.1", validation_alias="RENOS_HOST")
    port: int = Field(default=8000, ge=1, le=65535, validation_alias="RENOS_PORT")
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", validation_alias="RENOS_LOG_LEVEL"
    )
    seed_demo: bool | None = Field(
        default=None,
        validation_alias="RENOS_SEED_DEMO",
        description="Seed demo data on first start (empty database). Default: development only.",
    )

    @property
    def seeds_demo_data(self) -> bool:
        return self.environment == "development" if self.seed_demo is None else self.seed_demo
