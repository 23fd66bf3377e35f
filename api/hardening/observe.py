"""The outermost middleware: gives each request its id, times it, counts it, writes one
access log line, and makes sure even an unhandled error answers with the id and headers."""

from __future__ import annotations

import logging
import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ErrorCode, error_response
from api.hardening.logs import ACCESS_LOGGER
from api.hardening.metrics import Metrics
from api.hardening.request_id import HEADER, bind_request_id, choose_request_id

_access = logging.getLogger(ACCESS_LOGGER)
UNMATCHED = "unmatched"  # one label for every unknown path: no unbounded metric cardinality


class ObserveMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = choose_request_id(Headers(scope=scope).get(HEADER))
        bind_request_id(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # The app's 500 handler runs outside user middleware (Starlette's
            # ServerErrorMiddleware); answer here so the reply carries the id and the security
            # headers, then re-raise so that handler still logs and Sentry still sees it. The
            # request id stays bound for that log record (each request has its own context).
            if not response_started:
                reply = error_response(500, ErrorCode.INTERNAL, "internal error")
                await reply(scope, receive, send_with_id)
            self._record(scope, status, started)
            raise
        self._record(scope, status, started)
        bind_request_id(None)

    def _record(self, scope: Scope, status: int, started: float) -> None:
        seconds = time.perf_counter() - started
        route = getattr(scope.get("route"), "path", None) or UNMATCHED
        method = scope["method"]
        self.metrics.observe(method, route, status, seconds)
        _access.info(
            "%s %s %s",
            method,
            route,
            status,
            extra={
                "method": method,
                "path": scope["path"],
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
