"""The HTTP error taxonomy: stable codes, one JSON shape, and the one place that maps
exceptions to status codes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import StrEnum
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from memory.database import DATABASE_ERRORS, is_outage
from memory.errors import ConflictError, NotFoundError

_log = logging.getLogger(__name__)


class ErrorCode(StrEnum):
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    INVALID_REQUEST = "invalid_request"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    TURN_IN_PROGRESS = "turn_in_progress"
    RATE_LIMITED = "rate_limited"
    DATABASE_UNAVAILABLE = "database_unavailable"
    INTERNAL = "internal"


class ErrorDetail(BaseModel):
    code: ErrorCode = Field(description="Stable, machine-readable error code.")
    message: str = Field(description="A human-readable explanation; wording may change.")


class ErrorResponse(BaseModel):
    """The body of every error answer."""

    error: ErrorDetail

    model_config = {
        "json_schema_extra": {
            "examples": [{"error": {"code": "not_found", "message": "session not found"}}]
        }
    }


class ApiError(Exception):
    """An error the API reports to the caller as it is."""

    code: ErrorCode = ErrorCode.INVALID_REQUEST
    status: int = HTTPStatus.BAD_REQUEST

    def __init__(self, message: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers: dict[str, str] = dict(headers or {})


class UnauthorizedError(ApiError):
    code = ErrorCode.UNAUTHORIZED
    status = HTTPStatus.UNAUTHORIZED


class ForbiddenError(ApiError):
    code = ErrorCode.FORBIDDEN
    status = HTTPStatus.FORBIDDEN


class ResourceNotFoundError(ApiError):
    code = ErrorCode.NOT_FOUND
    status = HTTPStatus.NOT_FOUND


class ResourceConflictError(ApiError):
    code = ErrorCode.CONFLICT
    status = HTTPStatus.CONFLICT


class InvalidRequestError(ApiError):
    code = ErrorCode.INVALID_REQUEST
    status = HTTPStatus.BAD_REQUEST


class RateLimitedError(ApiError):
    code = ErrorCode.RATE_LIMITED
    status = HTTPStatus.TOO_MANY_REQUESTS

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            f"rate limit reached; retry in {retry_after_s} s",
            headers={"Retry-After": str(retry_after_s)},
        )


# What a 503 asks the caller to wait before trying again: a restarting database is usually
# back within seconds (readiness says when).
UNAVAILABLE_RETRY_AFTER_S = 2


# For the OpenAPI ``responses=`` of routes.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {
        "model": ErrorResponse,
        "description": "An invalid argument (e.g. a cursor), or a body that cannot be read as "
        "JSON (e.g. not UTF-8)",
    },
    401: {"model": ErrorResponse, "description": "Missing, unknown, revoked or expired token"},
    403: {"model": ErrorResponse, "description": "The caller's role lacks the permission"},
    413: {"model": ErrorResponse, "description": "The body is over RENOS_MAX_BODY_BYTES"},
    422: {"model": ErrorResponse, "description": "The request is malformed"},
    429: {"model": ErrorResponse, "description": "Too many calls with this token; see Retry-After"},
    503: {
        "model": ErrorResponse,
        "description": "The database is unavailable for the moment (`database_unavailable`); "
        "nothing was done, retry after Retry-After seconds",
    },
}
NOT_FOUND_RESPONSE: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorResponse, "description": "No such record owned by the caller"},
}

_STATUS_CODES = {
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    409: ErrorCode.CONFLICT,
    429: ErrorCode.RATE_LIMITED,
}


def error_response(
    status: int, code: ErrorCode, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = ErrorResponse(error=ErrorDetail(code=code, message=message))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = dict(exc.headers)
    if exc.status == HTTPStatus.UNAUTHORIZED:
        headers["WWW-Authenticate"] = "Bearer"
    return error_response(exc.status, exc.code, exc.message, headers or None)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return error_response(404, ErrorCode.NOT_FOUND, str(exc))


async def _conflict(request: Request, exc: Exception) -> JSONResponse:
    return error_response(409, ErrorCode.CONFLICT, str(exc))


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', 'invalid')}"
        for err in exc.errors()
    )
    return error_response(422, ErrorCode.INVALID_REQUEST, problems or "invalid request")


async def _http(request: Request, exc: Exception) -> JSONResponse:
    # Framework answers (unknown path, wrong method) in the same shape.
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, ErrorCode.INVALID_REQUEST)
    return error_response(exc.status_code, code, str(exc.detail), exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Details go to the log, never to the caller.
    _log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, ErrorCode.INTERNAL, "internal error")


def unavailable_response() -> JSONResponse:
    return error_response(
        HTTPStatus.SERVICE_UNAVAILABLE,
        ErrorCode.DATABASE_UNAVAILABLE,
        "the database is unavailable; retry shortly",
        {"Retry-After": str(UNAVAILABLE_RETRY_AFTER_S)},
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    # The database went away (or is out of connections): a transient state the service
    # recovers from by itself, so no traceback and no 500, but a 503 the caller may retry.
    if not is_outage(exc):
        return await _unexpected(request, exc)
    _log.warning(
        "database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__
    )
    return unavailable_response()


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(ConflictError, _conflict)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    for error in DATABASE_ERRORS:
        app.add_exception_handler(error, _database_error)
    app.add_exception_handler(Exception, _unexpected)
