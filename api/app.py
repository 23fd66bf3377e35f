"""The FastAPI application. Everything it needs is built in its lifespan by the composition
root, so importing this module creates nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.background import start_background
from api.composition import Container, build_container
from api.config import Settings, load_settings
from api.errors import install_error_handlers
from api.hardening import install_hardening
from api.routes import chat, gdpr, health, inbound_webhook, review, sessions, web
from api.startup import seed_demo_if_empty


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; settings are read now (not at import) unless given."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container: Container = await build_container(settings, with_agent=True)
        try:
            if settings.server.seeds_demo_data:
                await seed_demo_if_empty(container)
            app.state.container = container
            app.state.turn_tasks = set()
            background = start_background(container)
            try:
                yield
            finally:
                await background.aclose()
        finally:
            await chat.drain_turns(app)
            await container.aclose()

    docs = settings.server.environment != "production"
    app = FastAPI(
        title="RenOS Assistant",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    install_error_handlers(app)
    install_hardening(app, settings)
    app.include_router(health.router)
    app.include_router(sessions.router)
    app.include_router(chat.router)
    app.include_router(review.router)
    app.include_router(gdpr.router)
    app.include_router(inbound_webhook.router)  # HMAC-signed, no bearer token
    app.include_router(web.router)  # the staff web chat at /
    return app
