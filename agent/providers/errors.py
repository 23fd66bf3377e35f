"""The typed error callers see instead of vendor exceptions, and how vendor errors map onto it.

Errors are classified by walking the ``__cause__`` chain: LangChain re-raises SDK errors as
its own classes (``raise ... from e``), and the SDK error underneath carries the HTTP status
and headers. Anything that is not a vendor or transport failure (our own bugs) is left alone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import httpx
import httpx2  # the transport of openai>=3 and google-genai; its errors reach us unwrapped
import openai
import pydantic
from google.genai import errors as genai_errors
from langchain_core.exceptions import (
    ModelAuthenticationError,
    ModelError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)
from langchain_core.messages import BaseMessage
from langchain_google_genai.chat_models import ChatGoogleGenerativeAIError

ErrorCode = Literal[
    "rate_limited", "provider_unavailable", "timeout", "bad_response", "auth", "invalid_request"
]
RETRYABLE_CODES: frozenset[ErrorCode] = frozenset(
    {"rate_limited", "provider_unavailable", "timeout", "bad_response"}
)

# What a model call may raise that we translate; anything else (our bugs) passes through.
_PROVIDER_EXCEPTIONS: tuple[type[BaseException], ...] = (
    openai.OpenAIError,
    genai_errors.APIError,
    genai_errors.UnknownApiResponseError,
    ChatGoogleGenerativeAIError,
    ModelError,
    httpx.TransportError,
    httpx2.TransportError,
    json.JSONDecodeError,
    ValueError,  # only langchain's "no chunks" is classified; any other passes through
    TimeoutError,
)
# LangChain's words when a vendor's stream ended without a single chunk (a 200 with an empty
# body, or an event stream with no events): a bad response, worth another attempt.
_NO_CHUNKS = "No generation chunks were returned"
# Order matters where these are used: a timeout is also a transport/connection error.
_TIMEOUTS = (openai.APITimeoutError, httpx.TimeoutException, httpx2.TimeoutException, TimeoutError)
_TRANSPORT_FAILURES = (openai.APIConnectionError, httpx.TransportError, httpx2.TransportError)


class ProviderError(Exception):
    """A model call failed; ``code`` is stable and safe to show or map, ``message`` is for logs."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        retryable: bool | None = None,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code: ErrorCode = code
        self.message = message
        self.retryable = code in RETRYABLE_CODES if retryable is None else retryable
        self.status = status
        self.retry_after = retry_after


def classify_error(exc: BaseException) -> ProviderError | None:
    """The ProviderError for a vendor/transport exception, or None if it is not one of those."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__
    for err in chain:
        if found := _from_sdk(err):
            return found
    for err in chain:
        if isinstance(err, ModelError):
            return _from_langchain(err)
    return None


def _from_sdk(err: BaseException) -> ProviderError | None:
    if isinstance(err, ProviderError):
        return err
    if isinstance(err, _TIMEOUTS):
        return ProviderError("timeout", f"no answer within the timeout ({type(err).__name__})")
    if isinstance(err, _TRANSPORT_FAILURES):
        return ProviderError("provider_unavailable", f"transport failed: {type(err).__name__}")
    if isinstance(err, openai.APIStatusError):
        return _from_status(err.status_code, err.message, _retry_after(err.response.headers))
    if isinstance(err, openai.APIResponseValidationError):
        return ProviderError("bad_response", "response did not match the API schema")
    if isinstance(err, genai_errors.APIError):
        headers = getattr(err.response, "headers", None)
        delay = _retry_after(headers) if isinstance(headers, Mapping) else None
        message = err.message or str(err)
        return _from_status(err.code, message, delay or _google_retry_delay(err.details))
    if isinstance(err, json.JSONDecodeError | genai_errors.UnknownApiResponseError):
        return ProviderError("bad_response", "response was not valid JSON")
    if type(err) is ValueError and str(err) == _NO_CHUNKS:
        return ProviderError("bad_response", "the answer stream was empty")
    return None


def _from_status(status: int, message: str, retry_after: float | None) -> ProviderError:
    text = f"HTTP {status}: {message}"
    if status == 429:
        return ProviderError("rate_limited", text, status=status, retry_after=retry_after)
    if status in (401, 403):
        return ProviderError("auth", text, status=status)
    if status == 408:
        return ProviderError("timeout", text, status=status)
    if status >= 500:
        return ProviderError("provider_unavailable", text, status=status, retry_after=retry_after)
    return ProviderError("invalid_request", text, status=status)


def _from_langchain(err: ModelError) -> ProviderError:
    message = f"{type(err).__name__}: {err}"
    if isinstance(err, ModelRateLimitError):
        return ProviderError("rate_limited", message)
    if isinstance(err, ModelAuthenticationError | ModelPermissionDeniedError):
        return ProviderError("auth", message)
    if isinstance(err, ModelTimeoutError):
        return ProviderError("timeout", message)
    if err.is_retryable:
        return ProviderError("provider_unavailable", message)
    return ProviderError("invalid_request", message)


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    if not headers:
        return None
    try:
        if millis := headers.get("retry-after-ms"):
            return max(0.0, float(millis) / 1000)
        value = headers.get("retry-after")
        if not value:
            return None
        if value.strip().replace(".", "", 1).isdigit():
            return float(value)
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _google_retry_delay(details: Any) -> float | None:
    """Gemini sends no Retry-After header; a 429 body carries google.rpc.RetryInfo instead."""
    error = details.get("error", details) if isinstance(details, dict) else None
    items = error.get("details") if isinstance(error, dict) else None
    for item in items if isinstance(items, list) else []:
        delay = item.get("retryDelay") if isinstance(item, dict) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return float(delay[:-1])
            except ValueError:
                return None
    return None


# Where each vendor adapter puts the reason a streamed answer ended. A stream that stops
# without one was cut short (a proxy or a server closed it cleanly mid-answer): its text is a
# fragment and its tool calls may have lost their arguments, so it must not pass as whole.
_FINISH_REASON_VENDORS = frozenset({"openai", "google_genai"})


def ensure_finished(message: BaseMessage) -> None:
    """Raise ``bad_response`` if a vendor's streamed answer ended without a finish reason."""
    meta = message.response_metadata
    if meta.get("model_provider") in _FINISH_REASON_VENDORS and not meta.get("finish_reason"):
        raise ProviderError(
            "bad_response", "the answer stream ended before the model finished (no finish reason)"
        )


# What the vendor adapters raise on a chunk of the wrong shape (valid JSON, not the API's).
_UNREADABLE = (TypeError, KeyError, AttributeError, IndexError, pydantic.ValidationError)


@contextmanager
def unreadable_is_bad_response() -> Iterator[None]:
    """Around reading a stream that has already delivered a chunk: the request was accepted,
    so a chunk the adapter cannot read is the vendor's ``bad_response``, not our bug."""
    try:
        yield
    except _UNREADABLE as exc:
        raise ProviderError(
            "bad_response", f"a chunk of the answer could not be read ({type(exc).__name__})"
        ) from exc


@contextmanager
def translated() -> Iterator[None]:
    """Re-raise a vendor or transport failure inside the block as ProviderError."""
    try:
        yield
    except _PROVIDER_EXCEPTIONS as exc:
        error = classify_error(exc)
        if error is None:
            raise
        raise error from exc
