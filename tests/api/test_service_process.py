"""The service as operators run it: `renos serve` with the embedded database, in real
processes, restarted, and two at once on one data folder."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

RENOS = str(Path(sys.executable).parent / "renos")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def service_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "RENOS_"))}
    env.update({"RENOS_DATA_DIR": str(tmp_path / "data"), "RENOS_ENV": "development"})
    return env


class Service:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = _free_port()
        self.log = cwd / f"serve-{self.port}.log"
        self.proc = subprocess.Popen(
            [RENOS, "serve", "--port", str(self.port)],
            env=env,
            cwd=cwd,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 90) -> httpx.Response:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"service exited: {self.log.read_text()[-3000:]}")
            try:
                r = httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2)
                if r.status_code == 200:
                    return r
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"not ready in {timeout}s: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


@pytest.fixture
def services(service_env: dict[str, str], tmp_path: Path) -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    for s in started:
        if s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()


def _cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [RENOS, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_first_start_seeds_and_a_restart_keeps_the_data(
    service_env: dict[str, str], tmp_path: Path, services: list[Service]
) -> None:
    first = Service(service_env, tmp_path)
    services.append(first)
    ready = first.wait_ready()
    assert ready.json() == {"status": "ready", "checks": {"database": "ok"}}
    assert httpx.get(f"http://127.0.0.1:{first.port}/healthz").json() == {"status": "ok"}

    leads = json.loads(_cli(service_env, tmp_path, "leads", "list", "--json", "--limit", "1000"))
    assert len(leads) >= 40
    _cli(
        service_env,
        tmp_path,
        "users",
        "create",
        "ejer@rendetalje.dk",
        "--name",
        "Ejer",
        "--role",
        "owner",
    )
    first.stop()
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert first.proc.returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in first.log.read_text()

    second = Service(service_env, tmp_path)
    services.append(second)
    second.wait_ready()
    again = json.loads(_cli(service_env, tmp_path, "leads", "list", "--json", "--limit", "1000"))
    assert {lead["id"] for lead in again} == {lead["id"] for lead in leads}
    users = json.loads(_cli(service_env, tmp_path, "users", "list", "--json"))
    assert "ejer@rendetalje.dk" in {u["email"] for u in users}


def test_two_processes_share_one_embedded_server(
    service_env: dict[str, str], tmp_path: Path, services: list[Service]
) -> None:
    a, b = Service(service_env, tmp_path), Service(service_env, tmp_path)
    services.extend([a, b])
    a.wait_ready()
    b.wait_ready()
    leads = json.loads(_cli(service_env, tmp_path, "leads", "list", "--json", "--limit", "1000"))
    ids = [lead["id"] for lead in leads]
    assert len(ids) == len(set(ids)) >= 40  # seeded once, not twice
    a.stop()
    # The server stays up for the process still using it.
    assert httpx.get(f"http://127.0.0.1:{b.port}/readyz", timeout=5).status_code == 200
    b.stop()
