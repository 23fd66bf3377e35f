"""`renos serve`: run the HTTP service."""

from __future__ import annotations

import typer
import uvicorn

from api.cli.common import fail
from api.config import ConfigurationError, load_settings


def serve(
    host: str | None = typer.Option(None, "--host", help="Default: RENOS_HOST."),
    port: int | None = typer.Option(None, "--port", help="Default: RENOS_PORT."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
) -> None:
    """Run the HTTP service (migrates the database first; seeds demo data on first start in
    development)."""
    try:
        settings = load_settings()
    except ConfigurationError as exc:
        fail(str(exc), code=2)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or settings.server.host,
        port=port or settings.server.port,
        workers=workers,
        log_level=settings.server.log_level,
        access_log=False,  # request lines carry query strings; our middleware logs requests
        timeout_graceful_shutdown=30,
        # With --workers, children still importing on a busy machine must not be killed.
        timeout_worker_healthcheck=30,
    )
