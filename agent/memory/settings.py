"""Embedding settings. Environment is read here, and only when the composition root asks."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from agent.providers.credentials import VendorCredentials
from memory.models import EMBEDDING_DIMENSION

EmbeddingProvider = Literal["offline", "gemini", "openai"]


class EmbeddingConfigurationError(Exception):
    """The embedding configuration cannot work (wrong dimension, missing key, bad vectors)."""

    code = "embedding_misconfigured"


class EmbeddingSettings(VendorCredentials):
    """Which embedder turns chat messages into vectors for recall.

    ``offline`` (the default) is the deterministic hashing embedder: no key, no network.
    ``gemini`` and ``openai`` call the vendor with the same keys and base URLs the chat model
    uses (``GEMINI_API_KEY``/``GOOGLE_API_KEY``, ``OPENAI_API_KEY``, ``*_BASE_URL``).
    ``EMBEDDING_DIMENSION`` must equal the dimension the database stores (checked at start-up).
    """

    provider: EmbeddingProvider = Field(default="offline", validation_alias="EMBEDDING_PROVIDER")
    model: str = Field(
        default="",
        validation_alias="EMBEDDING_MODEL",
        description="Empty: the provider's default model.",
    )
    dimension: int = Field(
        default=EMBEDDING_DIMENSION, gt=0, le=16_000, validation_alias="EMBEDDING_DIMENSION"
    )

    @field_validator("provider", mode="before")
    @classmethod
    def _normalise_provider(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("model", mode="before")
    @classmethod
    def _strip_model(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


def check_dimension(settings_dim: int, stored_dim: int) -> None:
    """Stop start-up when the configured embedder would write vectors the database refuses."""
    if settings_dim != stored_dim:
        raise EmbeddingConfigurationError(
            f"EMBEDDING_DIMENSION={settings_dim} but the database stores vectors of "
            f"{stored_dim} dimensions; set EMBEDDING_DIMENSION={stored_dim} (Gemini and OpenAI "
            "embedders accept an output dimension) or migrate the chat_messages.embedding column"
        )
