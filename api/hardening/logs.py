"""Structured logs: one JSON object per line. Only the fields named here and the message
itself are written; request bodies, headers and tokens are never passed to a logger.

Log statements carry ids, not names, emails, phones or addresses; as a safety net the message,
the exception text and the path pass :func:`tools.privacy.scrub.scrub_text` (emails, phone and
CPR numbers, street addresses, door codes, values quoted in database and validation errors)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO

from api.hardening.request_id import RequestIdFilter
from tools.privacy.scrub import scrub_text

ACCESS_LOGGER = "renos.access"
_FIELDS = ("request_id", "method", "path", "status", "duration_ms")
_SCRUBBED_FIELDS = ("path",)  # an unknown path is whatever the caller sent
_MARK = "_renos_json_handler"
# Libraries that write request or response bodies (prompts, mail) at debug level: at most info.
_BODIES_AT_DEBUG = (
    "openai",
    "google_genai",
    "googleapiclient",
    "httpcore",
    "hpack",
    "urllib3",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub_text(record.getMessage()),
        }
        for name in _FIELDS:
            value = getattr(record, name, None)
            entry[name] = scrub_text(str(value)) if name in _SCRUBBED_FIELDS and value else value
        if record.exc_info:
            entry["exception"] = scrub_text(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = scrub_text(record.exc_text)
        if record.stack_info:
            entry["stack"] = scrub_text(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """``LEVEL logger: message`` for the terminal (the CLI), scrubbed like the JSON lines."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return scrub_text(super().format(record))


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
    # Our access log (renos.access: the route, never the query string, which can hold an
    # email) replaces uvicorn's plain-text one; disabled, it writes nothing even when a handler
    # is attached to it later.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True
    # The embedded server's helper narrates every attach and detach at info level.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    _quiet_bodies(root.level)


def configure_cli_logging(level: int = logging.WARNING) -> None:
    """Warnings and errors of CLI commands (`renos inbox work` …) on stderr as plain lines,
    scrubbed like the service's JSON lines. `renos serve` replaces this with JSON."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if _plain_console(h)]:
        root.removeHandler(old)
    handler = _StderrHandler()
    handler.setFormatter(PlainFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    _quiet_bodies(level)


def _quiet_bodies(level: int) -> None:
    for name in _BODIES_AT_DEBUG:
        logging.getLogger(name).setLevel(max(level, logging.INFO))


def _plain_console(handler: logging.Handler) -> bool:
    if type(handler) is _StderrHandler and isinstance(handler.formatter, PlainFormatter):
        return True  # configure_cli_logging's
    consoles = (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__)
    return type(handler) is logging.StreamHandler and handler.stream in consoles
