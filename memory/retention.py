"""How long personal data is kept (GDPR storage limitation). Read only when asked."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RetentionSettings(BaseSettings):
    """Retention limits in days, applied by ``renos gdpr purge`` and, every
    ``purge_interval_h`` hours, by ``renos serve`` itself."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    raw_mail_days: int = Field(
        default=90,
        ge=1,
        validation_alias="RENOS_RETAIN_RAW_MAIL_DAYS",
        description="Raw inbound mail bytes are cleared after this many days (the ledger stays).",
    )
    transcript_days: int = Field(
        default=365,
        ge=1,
        validation_alias="RENOS_RETAIN_TRANSCRIPT_DAYS",
        description="Chat sessions idle this long are deleted with messages and checkpoints.",
    )
    audit_detail_days: int = Field(
        default=365,
        ge=1,
        validation_alias="RENOS_RETAIN_AUDIT_DETAIL_DAYS",
        description="Audit input and result are replaced by a marker after this many days.",
    )
    purge_interval_h: float = Field(
        default=24.0,
        ge=0,
        validation_alias="RENOS_PURGE_INTERVAL_H",
        description="How often `renos serve` applies the limits (the first time shortly after "
        "start); 0: never (run `renos gdpr purge` from cron instead).",
    )
