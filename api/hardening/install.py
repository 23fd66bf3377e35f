"""Wires the hardening into an app: middleware order, /metrics, logging and Sentry."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.auth.dependencies import current_principal
from api.config import Settings
from api.hardening.body_limit import BodyLimitMiddleware
from api.hardening.headers import SecurityHeadersMiddleware
from api.hardening.hosts import TrustedHostMiddleware
from api.hardening.logs import configure_logging
from api.hardening.metrics import Metrics, metrics_endpoint
from api.hardening.observe import ObserveMiddleware
from api.hardening.sentry import init_sentry
from api.inbox_settings import WEBHOOK_PATH, InboxSettings


def install_hardening(app: FastAPI, settings: Settings) -> None:
    server = settings.server
    configure_logging(server.log_level)
    init_sentry(server)

    metrics = Metrics()
    app.state.metrics = metrics
    guard = [] if server.metrics_public else [Depends(current_principal)]
    app.add_api_route(
        "/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False, dependencies=guard
    )

    # add_middleware puts each new one outside the previous ones, so this reads inside-out:
    # the body limit runs last before the app, the security headers wrap everything.
    # The mail webhook takes whole messages: up to twice the mail limit gets through, so a
    # message over the limit is still recorded (quarantined) rather than lost.
    webhook_limit = max(server.max_body_bytes, 2 * InboxSettings().max_mail_bytes)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=server.max_body_bytes,
        per_path={WEBHOOK_PATH: webhook_limit},
    )
    if server.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=server.cors_origin_list,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID", "Last-Event-ID"],
            expose_headers=["X-Request-ID"],
            allow_credentials=False,  # bearer tokens, no cookies
            max_age=600,
        )
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=server.trusted_host_list)
    app.add_middleware(ObserveMiddleware, metrics=metrics)
    app.add_middleware(SecurityHeadersMiddleware, production=server.environment == "production")
