"""Prometheus metrics in the text exposition format (0.0.4), kept per process: a request
counter by method, route template and status, and a latency histogram. Written here because
prometheus-client is not a dependency; the format is small and stable."""

from __future__ import annotations

import math
import threading
from collections import defaultdict

from fastapi import Request
from fastapi.responses import PlainTextResponse

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
REQUESTS = "renos_http_requests_total"
LATENCY = "renos_http_request_duration_seconds"


class _Histogram:
    __slots__ = ("buckets", "count", "total")

    def __init__(self) -> None:
        self.buckets = [0] * len(BUCKETS)
        self.count = 0
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                self.buckets[i] += 1
        self.count += 1
        self.total += seconds


class Metrics:
    """One registry per app (built by install_hardening, never at import)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self._latency: dict[tuple[str, str], _Histogram] = defaultdict(_Histogram)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self._requests[(method, route, str(status))] += 1
            self._latency[(method, route)].observe(seconds)

    def render(self) -> str:
        with self._lock:
            lines = [
                f"# HELP {REQUESTS} HTTP requests answered.",
                f"# TYPE {REQUESTS} counter",
            ]
            for (method, route, status), n in sorted(self._requests.items()):
                labels = _labels(method=method, route=route, status=status)
                lines.append(f"{REQUESTS}{labels} {n}")
            lines += [
                f"# HELP {LATENCY} Time from request start to the end of the response.",
                f"# TYPE {LATENCY} histogram",
            ]
            for (method, route), hist in sorted(self._latency.items()):
                for bound, n in zip(BUCKETS, hist.buckets, strict=True):
                    le = _labels(method=method, route=route, le=_number(bound))
                    lines.append(f"{LATENCY}_bucket{le} {n}")
                inf = _labels(method=method, route=route, le="+Inf")
                lines.append(f"{LATENCY}_bucket{inf} {hist.count}")
                base = _labels(method=method, route=route)
                lines.append(f"{LATENCY}_sum{base} {_number(hist.total)}")
                lines.append(f"{LATENCY}_count{base} {hist.count}")
        return "\n".join(lines) + "\n"


def _labels(**labels: str) -> str:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return "{" + ",".join(f'{k}="{escape(v)}"' for k, v in labels.items()) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return repr(float(value))


async def metrics_endpoint(request: Request) -> PlainTextResponse:
    metrics: Metrics = request.app.state.metrics
    return PlainTextResponse(metrics.render(), media_type=CONTENT_TYPE)
