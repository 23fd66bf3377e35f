"""The responder's settings (RESPONDER_*): the auto-reply mode, caps, limits and the queue."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Mode = Literal["off", "draft-only", "auto-send"]
_INTENTS = frozenset({"new_lead", "booking_change", "question", "complaint", "not_for_us"})


class ResponderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    mode: Mode = Field(
        default="off",
        validation_alias="RESPONDER_MODE",
        description="off: record, triage and escalate only; draft-only: every reply waits for "
        "review; auto-send: allowed intents go out when no check objects.",
    )
    auto_send_intents: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset({"new_lead"}),
        validation_alias="RESPONDER_AUTO_SEND_INTENTS",
        description="Comma-separated intents that may be sent without review in auto-send.",
    )
    daily_cap: int = Field(default=50, ge=0, validation_alias="RESPONDER_DAILY_CAP")
    sender_hourly_limit: int = Field(default=2, ge=0, validation_alias="RESPONDER_SENDER_HOURLY")
    thread_daily_limit: int = Field(default=3, ge=0, validation_alias="RESPONDER_THREAD_DAILY")
    lease_s: float = Field(default=120.0, gt=0, validation_alias="RESPONDER_LEASE_S")
    max_attempts: int = Field(default=5, ge=1, validation_alias="RESPONDER_MAX_ATTEMPTS")
    backoff_s: float = Field(
        default=10.0,
        ge=0,
        validation_alias="RESPONDER_BACKOFF_S",
        description="First retry delay; doubles per attempt (capped at one hour).",
    )
    poll_interval_s: float = Field(default=2.0, gt=0, validation_alias="RESPONDER_POLL_S")
    max_model_steps: int = Field(default=6, ge=1, le=20, validation_alias="RESPONDER_MAX_STEPS")
    service_workers: int = Field(
        default=1,
        ge=0,
        le=32,
        validation_alias="RESPONDER_SERVICE_WORKERS",
        description="Worker tasks `renos serve` runs itself (0: only `renos inbox work`).",
    )

    @field_validator("auto_send_intents", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            value = {part.strip() for part in value.split(",") if part.strip()}
        return value

    @field_validator("auto_send_intents")
    @classmethod
    def _known(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = sorted(value - _INTENTS)
        if unknown:
            raise ValueError(f"unknown intents {unknown}; known: {sorted(_INTENTS)}")
        return value
