"""The one retry policy for model calls.

The vendor clients are built with their own retries off (factory.py), so this module alone
decides what deserves another attempt: the ProviderErrors marked retryable (errors.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from langchain_core.language_models import LanguageModelInput
from langchain_core.runnables import Runnable
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from agent.providers.errors import ProviderError, translated, unreadable_is_bad_response

# ProviderError is re-exported: callers of the retry helpers catch it from here too.
__all__ = ["ProviderError", "RetryPolicy", "invoke_with_retry", "stream_with_retry"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; a server's Retry-After wins, up to a cap."""

    max_retries: int = 3
    initial_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_retry_after_s: float = 30.0
    jitter_s: float = 0.25
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def wait_s(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, ProviderError) and error.retry_after is not None:
            return min(error.retry_after, self.max_retry_after_s)
        backoff = wait_exponential(multiplier=self.initial_delay_s, max=self.max_delay_s)
        return backoff(state) + wait_random(0, self.jitter_s)(state)

    def retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self.wait_s,
            retry=retry_if_exception(lambda e: isinstance(e, ProviderError) and e.retryable),
            sleep=self.sleep,
            before_sleep=_log_retry,
            reraise=True,
        )


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning(
        "model call failed (%s); attempt %d, retrying in %.2fs", error, state.attempt_number, wait
    )


async def invoke_with_retry(
    model: Runnable[LanguageModelInput, _T],
    messages: LanguageModelInput,
    *,
    policy: RetryPolicy | None = None,
    **kw: Any,
) -> _T:
    """``model.ainvoke`` under the retry policy; failures surface as ProviderError."""

    async def attempt() -> _T:
        with translated():
            return await model.ainvoke(messages, **kw)

    return await (policy or RetryPolicy()).retrying()(attempt)


async def stream_with_retry(
    model: Runnable[LanguageModelInput, _T],
    messages: LanguageModelInput,
    *,
    policy: RetryPolicy | None = None,
    **kw: Any,
) -> AsyncIterator[_T]:
    """``model.astream`` under the retry policy, retrying only until the first chunk arrives.

    Once a chunk has been handed to the caller a failure is raised, never retried: a second
    attempt would stream the same text again. A stream that ends without any chunk is a
    ``bad_response``, retried like the others.
    """

    async def open_stream() -> tuple[AsyncIterator[_T], _T]:
        stream = aiter(model.astream(messages, **kw))
        try:
            first: _T | None
            with translated():
                first = await anext(stream, None)
            if first is None:  # nothing was sent yet, so another attempt is safe
                raise ProviderError("bad_response", "the answer stream was empty")
            return stream, first
        except BaseException:
            await _aclose(stream)
            raise

    stream: AsyncIterator[_T]
    first: _T
    stream, first = await (policy or RetryPolicy()).retrying()(open_stream)
    try:
        yield first
        with translated(), unreadable_is_bad_response():
            async for chunk in stream:
                yield chunk
    finally:
        await _aclose(stream)


async def _aclose(stream: AsyncIterator[Any]) -> None:
    if isinstance(stream, AsyncGenerator):
        await stream.aclose()
