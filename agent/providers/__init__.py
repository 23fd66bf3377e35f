"""Model providers: the only package in the agent layer that knows which model vendor is used.

The composition root reads ``ModelSettings`` once, calls ``build_chat_model`` and hands the
handle's model to the graphs; graph nodes call it through ``invoke_with_retry`` or
``stream_with_retry`` and only ever see ``ProviderError`` with its stable ``code``.
"""

from agent.providers.errors import ErrorCode, ProviderError, classify_error, ensure_finished
from agent.providers.factory import (
    ChatModelHandle,
    ModelConfigurationError,
    OfflineFactory,
    build_chat_model,
)
from agent.providers.retry import RetryPolicy, invoke_with_retry, stream_with_retry
from agent.providers.settings import ModelSettings, Provider

__all__ = [
    "ChatModelHandle",
    "ErrorCode",
    "ModelConfigurationError",
    "ModelSettings",
    "OfflineFactory",
    "Provider",
    "ProviderError",
    "RetryPolicy",
    "build_chat_model",
    "classify_error",
    "ensure_finished",
    "invoke_with_retry",
    "stream_with_retry",
]
