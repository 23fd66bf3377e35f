"""The staff web chat: one HTML page at ``/`` and its script and style sheet (api/web/).

Plain files, no build step and no external resources: the page meets the service's
Content-Security-Policy (``default-src 'self'``, no inline scripts or styles). Everything it
shows comes from the public /v1 API, called with the token the user signs in with.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

# Revalidate on every load (ETag / Last-Modified make that cheap), so a deploy is seen at once.
_HEADERS = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)


def _file(name: str, media_type: str) -> FileResponse:
    return FileResponse(WEB_DIR / name, media_type=media_type, headers=_HEADERS)


@router.get("/")
async def index() -> FileResponse:
    return _file("index.html", "text/html; charset=utf-8")


@router.get("/web/app.js")
async def script() -> FileResponse:
    return _file("app.js", "text/javascript; charset=utf-8")


@router.get("/web/app.css")
async def styles() -> FileResponse:
    return _file("app.css", "text/css; charset=utf-8")


@router.get("/favicon.ico")
async def favicon() -> Response:
    """No icon: an empty answer instead of a 404 in every browser console."""
    return Response(status_code=204)
