"""Security headers on every response. A header the app already set is kept."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"
# Swagger UI (development only) loads its script and styles from a CDN.
_NO_CSP_PATHS = ("/docs", "/docs/oauth2-redirect")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if path not in _NO_CSP_PATHS:
                    headers.setdefault("Content-Security-Policy", CSP)
                if self.production or scope.get("scheme") == "https":
                    headers.setdefault("Strict-Transport-Security", HSTS)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if path == "/v1" or path.startswith("/v1/"):
                    # Owned data: never kept by browsers or shared caches.
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
