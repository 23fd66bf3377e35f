"""HTTP hardening: security headers, CORS, trusted hosts, body size limit, request ids,
JSON logs, Sentry, metrics and a patient readiness check."""

from api.hardening.install import install_hardening

__all__ = ["install_hardening"]
