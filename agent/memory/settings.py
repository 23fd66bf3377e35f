"""Embedding settings. Environment is read here, and only when the composition root asks."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from memory.models import EMBEDDING_DIMENSION

EmbeddingProvider = Literal["offline", "gemini", "openai"]


class EmbeddingConfigurationError(Exception):
    """The embedding configuration cannot work (wrong dimension, missing key, bad vectors)."""

    code = "embedding_misconfigured"


class EmbeddingSettings(BaseSettings):
    """Which embedder turns chat messages into vectors for recall.

    ``offline`` (the default) is the deterministic hashing embedder: no key, no network.
    ``gemini`` and ``openai`` call the vendor with the same keys and base URLs the chat model
    uses (``GEMINI_API_KEY``/``GOOGLE_API_KEY``, ``OPENAI_API_KEY``, ``*_BASE_URL``).
    ``EMBEDDING_DIMENSION`` must equal the dimension the database stores (checked at start-up).
    """

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    provider: EmbeddingProvider = Field(default="offline", validation_alias="EMBEDDING_PROVIDER")
    model: str = Field(
        default="",
        validation_alias="EMBEDDING_MODEL",
        description="Empty: the provider's default model.",
    )
    dimension: int = Field(
        default=EMBEDDING_DIMENSION, gt=0, le=16_000, validation_alias="EMBEDDING_DIMENSION"
    )
    gemini_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GEMINI_API_KEY", "GOOGLE_API_KEY")
    )
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(
        default=None,
        validation_alias="OPENAI_BASE_URL",
        description="An OpenAI-compatible server's /v1 URL; also overrides OpenAI's endpoint.",
    )
    gemini_base_url: str | None = Field(
        default=None,
        validation_alias="GEMINI_BASE_URL",
        description="Override of the Gemini API endpoint (proxies, tests).",
    )

    @field_validator("provider", mode="before")
    @classmethod
    def _normalise_provider(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("model", mode="before")
    @classmethod
    def _strip_model(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator(
        "gemini_api_key", "openai_api_key", "openai_base_url", "gemini_base_url", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """An empty variable (``OPENAI_API_KEY=``) counts as unset, not as an empty key."""
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("openai_base_url", "gemini_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value


def check_dimension(settings_dim: int, stored_dim: int) -> None:
    """Stop start-up when the configured embedder would write vectors the database refuses."""
    if settings_dim != stored_dim:
        raise EmbeddingConfigurationError(
            f"EMBEDDING_DIMENSION={settings_dim} but the database stores vectors of "
            f"{stored_dim} dimensions; set EMBEDDING_DIMENSION={stored_dim} (Gemini and OpenAI "
            "embedders accept an output dimension) or migrate the chat_messages.embedding column"
        )
