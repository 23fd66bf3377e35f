"""Trusted hosts: requests whose Host header is not in the allow-list get a 400 in the API's
error shape (Starlette's own middleware answers in plain text)."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import ErrorCode, error_response


class TrustedHostMiddleware:
    def __init__(self, app: ASGIApp, allowed_hosts: list[str]) -> None:
        self.app = app
        self.exact = {h.lower() for h in allowed_hosts if not h.startswith("*.")}
        self.suffixes = tuple(h[1:].lower() for h in allowed_hosts if h.startswith("*."))
        self.any = "*" in self.exact

    def allows(self, host_header: str) -> bool:
        host = _strip_port(host_header.strip().lower())
        if not host:
            return False
        return self.any or host in self.exact or host.endswith(self.suffixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.allows(
            Headers(scope=scope).get("host", "")
        ):
            await self.app(scope, receive, send)
            return
        reply = error_response(400, ErrorCode.INVALID_REQUEST, "invalid host header")
        await reply(scope, receive, send)


def _strip_port(host: str) -> str:
    if host.startswith("["):  # [::1]:8000
        return host.split("]", 1)[0] + "]"
    return host.split(":", 1)[0]
