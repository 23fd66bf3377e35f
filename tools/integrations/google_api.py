"""Running googleapiclient requests: off the event loop, retried when the failure is
transient, and every failure turned into an IntegrationError with a stable code.

The client library is synchronous and untyped; this module is where its `Any` stops. The
services are built from the discovery documents shipped inside googleapiclient
(`static_discovery=True`), so building one needs no network. An `httplib2.Http` is not
thread-safe, so calls on one service take turns (a lock held inside the worker thread, so a
cancelled caller cannot let two threads share the connection).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httplib2  # type: ignore[import-untyped]
from google.auth import exceptions as auth_errors
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_base, wait_exponential_jitter

from tools.integrations.ports import ErrorCode, IntegrationError

Json = dict[str, Any]
T = TypeVar("T")
log = logging.getLogger(__name__)
# True inside `GoogleApi.run`: calls made there are single attempts, so retries do not nest
# and the outer run maps their errors.
_IN_RUN: ContextVar[bool] = ContextVar("google_api_in_run", default=False)

# Google reports short-term throttling as 403 with these reasons as well as 429.
_RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
# A used-up daily quota is rate limiting too, but waiting seconds will not help.
_QUOTA_REASONS = frozenset({"dailyLimitExceeded", "quotaExceeded"})


def _default_wait() -> wait_base:
    return wait_exponential_jitter(initial=1.0, max=10.0)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry; tests pass `wait_none()` or a recording sleep."""

    attempts: int = 4
    wait: wait_base = field(default_factory=_default_wait)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


def _reason(exc: HttpError) -> str | None:
    """Google's machine-readable reason from an error body ({"error": {"errors": [...]}})."""
    try:
        error = json.loads(exc.content.decode("utf-8"))["error"]
        details = error.get("errors") or [{}]
        reason = details[0].get("reason") or error.get("status")
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
    return str(reason) if reason else None


def _from_http_error(exc: HttpError, operation: str) -> IntegrationError:
    status, reason = int(exc.resp.status), _reason(exc)
    if status == 429 or (status == 403 and reason in _RATE_LIMIT_REASONS | _QUOTA_REASONS):
        code = ErrorCode.RATE_LIMITED
    elif status in (401, 403):
        code = ErrorCode.AUTH
    elif status in (404, 410):
        code = ErrorCode.NOT_FOUND
    elif status == 408 or status >= 500:
        code = ErrorCode.UNAVAILABLE
    else:
        code = ErrorCode.INVALID
    message = f"{operation}: HTTP {status} {exc.reason}"
    return IntegrationError(code, message, status=status, reason=reason)


def to_integration_error(exc: BaseException, operation: str) -> IntegrationError | None:
    """The IntegrationError for a failure of a Google call; None for a programming error."""
    if isinstance(exc, IntegrationError):
        return exc
    if isinstance(exc, HttpError):
        return _from_http_error(exc, operation)
    transport = (auth_errors.TransportError, auth_errors.TimeoutError, OSError)
    if isinstance(exc, (*transport, httplib2.HttpLib2Error)):
        # OSError covers timeouts, refused and reset connections and DNS failures.
        return IntegrationError(ErrorCode.UNAVAILABLE, f"{operation}: {type(exc).__name__}")
    if isinstance(exc, auth_errors.GoogleAuthError):
        if exc.retryable:  # e.g. a token refresh that met a 5xx
            return IntegrationError(ErrorCode.UNAVAILABLE, f"{operation}: {exc}")
        return IntegrationError(ErrorCode.AUTH, f"{operation}: {type(exc).__name__}: {exc}")
    return None


def is_transient(exc: BaseException) -> bool:
    error = to_integration_error(exc, "")
    if error is None:
        return False
    if error.code is ErrorCode.RATE_LIMITED:
        return error.reason not in _QUOTA_REASONS
    return error.code is ErrorCode.UNAVAILABLE


def _log_retry(operation: str) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome else None
        attempt = state.attempt_number
        log.warning("%s failed (attempt %d), retrying: %r", operation, attempt, failure)

    return before_sleep


class GoogleApi:
    """One discovery-built Google service on one HTTP connection (real or recorded)."""

    def __init__(self, api: str, version: str, http: Any, retry: RetryPolicy) -> None:
        self.service: Any = build(
            api, version, http=http, static_discovery=True, cache_discovery=False
        )
        self._retry = retry
        self._lock = threading.Lock()

    async def execute_once(self, request: Any) -> Json:
        """One attempt, no retry, errors as the library raised them."""

        def blocking() -> object:
            with self._lock:
                return request.execute(num_retries=0)

        result = await asyncio.to_thread(blocking)
        if not isinstance(result, dict):
            raise IntegrationError(ErrorCode.INVALID, f"unexpected response: {type(result)}")
        return result

    async def execute(self, operation: str, request: Any) -> Json:
        """The request's JSON response, retried on transient failures (single attempt when
        called inside `run`, whose retry covers it)."""
        if _IN_RUN.get():
            return await self.execute_once(request)
        return await self.run(operation, lambda: self.execute_once(request))

    async def run(self, operation: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run `attempt` (which may make several calls) with retries; map the last failure."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._retry.attempts),
            wait=self._retry.wait,
            sleep=self._retry.sleep,
            retry=retry_if_exception(is_transient),
            before_sleep=_log_retry(operation),
            reraise=True,
        )

        async def call() -> T:  # tenacity awaits only functions it sees as coroutine functions
            return await attempt()

        token = _IN_RUN.set(True)
        try:
            return await retrying(call)
        except (HttpError, OSError, httplib2.HttpLib2Error, auth_errors.GoogleAuthError) as exc:
            error = to_integration_error(exc, operation)
            if error is None:  # pragma: no cover - every caught type maps
                raise
            raise error from exc
        finally:
            _IN_RUN.reset(token)


def field_str(data: Json, key: str, operation: str) -> str:
    """A required string field of a Google response, or an `invalid` error."""
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise IntegrationError(ErrorCode.INVALID, f"{operation}: response lacks {key!r}")
    return value
