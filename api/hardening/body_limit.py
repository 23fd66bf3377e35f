"""The request body size limit. The body is read (and counted) before the app is called, so
an oversized request is refused with 413 before any route or dependency runs, whether it
declares a Content-Length or is sent chunked. At most the limit is held in memory. The read
body is also where NUL characters in request text are refused (`nul.py`)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ErrorCode
from api.hardening.nul import nul_refusal


def too_large(limit: int) -> JSONResponse:
    body = {
        "error": {
            "code": ErrorCode.PAYLOAD_TOO_LARGE.value,
            "message": f"body exceeds {limit} bytes",
        }
    }
    return JSONResponse(body, status_code=413, headers={"Connection": "close"})


class BodyLimitMiddleware:
    """``per_path`` gives some paths their own limit (the mail webhook takes whole messages)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, per_path: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = dict(per_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope.get("path", ""), self.max_bytes)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await too_large(limit)(scope, receive, send)
            return

        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before sending its body: nothing to answer
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await too_large(limit)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break

        if (refusal := nul_refusal(scope, b"".join(chunks))) is not None:
            await refusal(scope, receive, send)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()  # later calls: wait for the disconnect, as usual

        await self.app(scope, replay, send)
