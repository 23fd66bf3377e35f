"""Model provider settings. Environment is read here, and only when the composition root asks."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from agent.providers.credentials import VendorCredentials

Provider = Literal["offline", "gemini", "openai", "openai-compatible"]

DEFAULT_MODEL_NAMES: dict[Provider, str] = {
    "offline": "offline",
    "gemini": "gemini-2.5-flash",
    "openai": "gpt-4.1-mini",
}


class ModelSettings(VendorCredentials):
    """Which model vendor answers, and how patiently.

    ``offline`` (the default) needs no key and calls no vendor. ``openai-compatible`` is any
    server speaking OpenAI Chat Completions (Ollama, vLLM, LM Studio, a gateway); it needs
    ``OPENAI_BASE_URL`` and ``MODEL_NAME``, and a key only if that server wants one.
    """

    provider: Provider = Field(default="offline", validation_alias="MODEL_PROVIDER")
    model_name: str = Field(
        default="",
        validation_alias="MODEL_NAME",
        description="Empty: the provider's default (gemini-2.5-flash, gpt-4.1-mini).",
    )
    timeout_s: float = Field(default=60.0, gt=0, le=600, validation_alias="MODEL_TIMEOUT_S")
    max_retries: int = Field(default=3, ge=0, le=10, validation_alias="MODEL_MAX_RETRIES")
    retry_backoff_s: float = Field(
        default=0.5,
        ge=0,
        le=60,
        validation_alias="MODEL_RETRY_BACKOFF_S",
        description="First wait before a retry; doubles per retry (at most 8 s), plus up to "
        "half of it at random. A server's Retry-After wins (at most 30 s).",
    )
    temperature: float = Field(default=0.2, ge=0, le=2, validation_alias="MODEL_TEMPERATURE")

    @field_validator("provider", mode="before")
    @classmethod
    def _normalise_provider(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("model_name", mode="before")
    @classmethod
    def _strip_name(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _provider_has_what_it_needs(self) -> Self:
        needs = f"MODEL_PROVIDER={self.provider} needs"
        if self.provider == "gemini" and self.gemini_api_key is None:
            raise ValueError(f"{needs} GEMINI_API_KEY (or GOOGLE_API_KEY)")
        if self.provider == "openai" and self.openai_api_key is None:
            raise ValueError(f"{needs} OPENAI_API_KEY")
        if self.provider == "openai-compatible":
            if self.openai_base_url is None:
                raise ValueError(f"{needs} OPENAI_BASE_URL (e.g. http://localhost:11434/v1)")
            if not self.model_name:
                raise ValueError(f"{needs} MODEL_NAME (the name the server knows the model by)")
        if not self.model_name:
            self.model_name = DEFAULT_MODEL_NAMES[self.provider]
        return self
