"""Settings of inbound mail: the size limit of a stored message and the webhook's secret."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class InboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    max_mail_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1,
        validation_alias="RENOS_MAX_MAIL_BYTES",
        description="A larger message is recorded without its bytes and quarantined.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        validation_alias="RENOS_WEBHOOK_SECRET",
        description="HMAC-SHA256 key of POST /v1/inbound/email; unset: the webhook is off.",
    )
    webhook_max_skew_s: int = Field(
        default=300,
        ge=1,
        validation_alias="RENOS_WEBHOOK_MAX_SKEW_S",
        description="How far X-Renos-Timestamp may be from now, in seconds.",
    )

    gmail_poll_s: float = Field(
        default=60.0,
        ge=0,
        validation_alias="GMAIL_POLL_S",
        description="How often `renos serve` syncs the Gmail inbox when Gmail is configured "
        "(0: never; `renos inbox poll` can do it instead).",
    )


# Where signed deliveries arrive (the route and the body limit both need it).
WEBHOOK_PATH = "/v1/inbound/email"
