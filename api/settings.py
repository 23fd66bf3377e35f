"""HTTP server settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DEV_TRUSTED_HOSTS = "127.0.0.1,localhost,testserver,test"


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
    cors_origins: str = Field(
        default="",
        validation_alias="RENOS_CORS_ORIGINS",
        description="Comma-separated CORS origins; empty: no CORS. No '*' in production.",
    )
    trusted_hosts: str | None = Field(
        default=None,
        validate_default=True,
        validation_alias="RENOS_TRUSTED_HOSTS",
        description="Comma-separated Host names served ('*.example.dk' allowed). "
        "Required in production; else local names.",
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1, validation_alias="RENOS_MAX_BODY_BYTES")
    metrics_public: bool = Field(
        default=False,
        validation_alias="RENOS_METRICS_PUBLIC",
        description="Serve /metrics without a token.",
    )
    rate_limit_per_minute: int = Field(
        default=120,
        ge=1,
        validation_alias="RENOS_RATE_LIMIT_PER_MINUTE",
        description="Calls per minute and token, over all authenticated /v1 endpoints.",
    )
    chat_rate_limit_per_minute: int = Field(
        default=20,
        ge=1,
        validation_alias="RENOS_CHAT_RATE_LIMIT_PER_MINUTE",
        description="Chat turns (messages and approvals) per minute and token.",
    )
    sentry_dsn: SecretStr | None = Field(default=None, validation_alias="SENTRY_DSN")

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard_origin_in_production(cls, value: str, info: ValidationInfo) -> str:
        origins = _split(value)
        if "*" in origins and info.data.get("environment") == "production":
            raise ValueError("RENOS_CORS_ORIGINS: '*' is not allowed in production; list origins")
        return ",".join(origins)

    @field_validator("trusted_hosts")
    @classmethod
    def _hosts_required_in_production(cls, value: str | None, info: ValidationInfo) -> str:
        if value is None or not _split(value):
            if info.data.get("environment") == "production":
                raise ValueError(
                    "RENOS_TRUSTED_HOSTS is required in production (the served host names)"
                )
            return _DEV_TRUSTED_HOSTS
        return ",".join(_split(value))

    @property
    def cors_origin_list(self) -> list[str]:
        return _split(self.cors_origins)

    @property
    def trusted_host_list(self) -> list[str]:
        return _split(self.trusted_hosts or _DEV_TRUSTED_HOSTS)

    @property
    def seeds_demo_data(self) -> bool:
        return self.environment == "development" if self.seed_demo is None else self.seed_demo


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]
