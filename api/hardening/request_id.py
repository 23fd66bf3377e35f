"""The request id: taken from a sane incoming ``X-Request-ID`` or made here, kept in a
contextvar for the request's duration and stamped on every log record by a filter."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

HEADER = "x-request-id"

_current: ContextVar[str | None] = ContextVar("renos_request_id", default=None)
# Printable, short, no spaces or quotes: safe to echo in a header and to log.
_SANE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


def current_request_id() -> str | None:
    return _current.get()


def choose_request_id(incoming: str | None) -> str:
    """The caller's id when it is sane, else a fresh one."""
    if incoming is not None and _SANE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def bind_request_id(request_id: str | None) -> None:
    _current.set(request_id)


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (None outside a request) to every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True
