"""Chat agent settings: the prompt's token budget, recall and the step budget. Environment is
read here, and only when the composition root asks."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ChatSettings(BaseSettings):
    """How much of the conversation reaches the model.

    ``CHAT_CONTEXT_TOKENS`` bounds everything the prompt carries besides the system prompt and
    the tool schemas: the running summary, the recalled snippets, the recent stored messages
    and the current turn. A fifth of it is the most the summary may take, and a fifth the most
    the recalled snippets may take, so the recent messages always keep the larger part.
    """

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    context_tokens: int = Field(
        default=2500, ge=400, le=1_000_000, validation_alias="CHAT_CONTEXT_TOKENS"
    )
    recall_k: int = Field(default=4, ge=0, le=50, validation_alias="CHAT_RECALL_K")
    recall_min_similarity: float = Field(
        default=0.3, ge=-1.0, le=1.0, validation_alias="CHAT_RECALL_MIN_SIMILARITY"
    )
    max_steps: int = Field(default=12, ge=1, le=100, validation_alias="CHAT_MAX_STEPS")

    @property
    def summary_tokens(self) -> int:
        return self.context_tokens // 5

    @property
    def recall_tokens(self) -> int:
        return self.context_tokens // 5
