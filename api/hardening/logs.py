"""Structured logs: one JSON object per line. Only the fields named here and the message
itself are written; request bodies, headers and tokens are never passed to a logger."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO

from api.hardening.request_id import RequestIdFilter
from tools.privacy import mask_codes

ACCESS_LOGGER = "renos.access"
_FIELDS = ("request_id", "method", "path", "status", "duration_ms")
_MARK = "_renos_json_handler"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask_codes(record.getMessage()),
        }
        for name in _FIELDS:
            entry[name] = getattr(record, name, None)
        if record.exc_info:
            entry["exception"] = mask_codes(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler[IO[str]]):
    """Writes to whatever ``sys.stderr`` is at the time (it is swapped by test runners)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def json_handler(stream: IO[str] | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    return handler


def configure_logging(level: str = "info") -> None:
    """Route all logs (ours and uvicorn's) through one JSON handler on the root logger.
    Idempotent; a plain console handler (the CLI's basicConfig) is replaced, other
    handlers (pytest's, for one) are left in place."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False) or _plain_console(h)]:
        root.removeHandler(old)
    handler = json_handler()
    setattr(handler, _MARK, True)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    # Our access log (renos.access) replaces uvicorn's plain-text one.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    # The embedded server's helper narrates every attach and detach at info level.
    logging.getLogger("pgserver").setLevel(logging.WARNING)


def _plain_console(handler: logging.Handler) -> bool:
    consoles = (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__)
    return type(handler) is logging.StreamHandler and handler.stream in consoles
