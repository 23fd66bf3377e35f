"""Builds the chat model named by ModelSettings. The only place that constructs vendor clients.

Every vendor client is built with its own retries off: retries live in retry.py, in one
place, so a 429 is not retried by two layers with two backoffs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from langchain_google_genai import ChatGoogleGenerativeAI
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from agent.providers.retry import RetryPolicy
from agent.providers.settings import ModelSettings, Provider

OfflineFactory = Callable[[], BaseChatModel]

# google-genai counts attempts, not retries: 1 is a single request. (0 would mean "the SDK's
# default", which is 5 attempts with its own backoff.)
_GEMINI_SINGLE_ATTEMPT = 1

# openai-compatible servers often need no key, but the openai client refuses to start
# without one; this placeholder is what such servers conventionally receive.
_NO_KEY = SecretStr("not-needed")


class ModelConfigurationError(ValueError):
    """The model cannot be built from the settings and arguments given."""


@dataclass(frozen=True)
class ChatModelHandle:
    """A built chat model plus what callers may want to know or log about it."""

    model: BaseChatModel
    provider: Provider
    model_name: str
    is_offline: bool
    base_url: str | None = None
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)

    def describe(self) -> str:
        """One line for logs and the start-up banner; never contains a key."""
        if self.is_offline:
            return f"offline model ({self.model_name}): built in, no model vendor is called"
        where = f" ({self.base_url})" if self.base_url else ""
        return f"{self.provider}:{self.model_name}{where}"

    async def aclose(self) -> None:
        """Release the client's connections (the Gemini client holds its own pool)."""
        close = getattr(self.model, "aclose", None)
        if callable(close):
            await close()


def build_chat_model(
    settings: ModelSettings, *, offline_factory: OfflineFactory | None = None
) -> ChatModelHandle:
    policy = RetryPolicy(
        max_retries=settings.max_retries,
        initial_delay_s=settings.retry_backoff_s,
        jitter_s=settings.retry_backoff_s / 2,
    )
    if settings.provider == "offline":
        if offline_factory is None:
            raise ModelConfigurationError(
                "MODEL_PROVIDER=offline needs an offline model: the composition root must pass "
                "offline_factory= to build_chat_model"
            )
        return ChatModelHandle(
            offline_factory(), "offline", settings.model_name, True, retry_policy=policy
        )
    if settings.provider == "gemini":
        model: BaseChatModel = _gemini(settings)
        base_url = settings.gemini_base_url
    else:
        model = _openai(settings)
        base_url = settings.openai_base_url
    return ChatModelHandle(
        model, settings.provider, settings.model_name, False, base_url, retry_policy=policy
    )


def _gemini(settings: ModelSettings) -> ChatGoogleGenerativeAI:
    # base_url becomes google-genai's HttpOptions.base_url; the SDK appends
    # "{api_version}/models/{model}:generateContent" to it.
    return ChatGoogleGenerativeAI(
        model=settings.model_name,
        api_key=settings.gemini_api_key,
        base_url=settings.gemini_base_url,
        vertexai=False,  # never let GOOGLE_GENAI_USE_VERTEXAI switch the backend
        temperature=settings.temperature,
        timeout=settings.timeout_s,
        max_retries=_GEMINI_SINGLE_ATTEMPT,
        streaming=True,
    )


def _openai(settings: ModelSettings) -> ChatOpenAI:
    key = settings.openai_api_key
    if settings.provider == "openai-compatible" and key is None:
        key = _NO_KEY
    return ChatOpenAI(
        model=settings.model_name,
        api_key=key,
        base_url=settings.openai_base_url,
        temperature=settings.temperature,
        timeout=settings.timeout_s,
        max_retries=0,
        streaming=True,
        stream_usage=True,  # usage in the last SSE chunk; Ollama and vLLM support it too
        use_responses_api=False,  # Chat Completions: the protocol compatible servers speak
    )
