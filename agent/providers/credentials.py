"""Vendor keys and endpoints, shared by the chat model's and the embedder's settings (the same
environment variables serve both)."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class VendorCredentials(BaseSettings):
    # env_ignore_empty: `GEMINI_API_KEY=` is unset, so GOOGLE_API_KEY can still supply the key.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    gemini_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GEMINI_API_KEY", "GOOGLE_API_KEY")
    )
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(
        default=None,
        validation_alias="OPENAI_BASE_URL",
        description="e.g. http://localhost:11434/v1 for Ollama; also overrides OpenAI's endpoint.",
    )
    gemini_base_url: str | None = Field(
        default=None,
        validation_alias="GEMINI_BASE_URL",
        description="Override of the Gemini API endpoint (proxies, tests).",
    )

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
