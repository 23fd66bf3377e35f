"""NUL (U+0000) in request text is refused with 422: PostgreSQL text cannot hold it, and no
title, message, reason or address legitimately contains it. Checked on the query string and on
JSON bodies (an escaped "\\u0000" or a raw 0x00 byte); raw mail bodies are bytes and may."""

from __future__ import annotations

import re

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import Scope

from api.errors import ErrorCode

_QUERY_NUL = re.compile(rb"%00")
_JSON_NUL = re.compile(rb"\\u0000|\x00", re.IGNORECASE)


def nul_refusal(scope: Scope, body: bytes) -> JSONResponse | None:
    """The 422 answer for a request carrying NUL in its text, else None."""
    query: bytes = scope.get("query_string", b"")
    content_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    in_json = content_type in ("", "application/json") and _JSON_NUL.search(body) is not None
    if _QUERY_NUL.search(query) is None and not in_json:
        return None
    message = "text may not contain NUL (U+0000) characters"
    return JSONResponse(
        {"error": {"code": ErrorCode.INVALID_REQUEST.value, "message": message}},
        status_code=422,
    )
