"""Fixtures of the responder tests: a container on the test database with the responder's
settings, inbound mail builders and a way to run workers until the queue is empty."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import pytest

from agent.inbox.ingest import ingest
from agent.responder.pipeline import Responder
from agent.responder.worker import Worker
from api.composition import Container, build_container, build_responder
from api.config import Settings
from tests.settings import make_settings

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
MAX_MAIL_BYTES = 200_000


def responder_settings(db_url: str, **responder: object) -> Settings:
    values: dict[str, object] = {
        "RESPONDER_MODE": "draft-only",
        "RESPONDER_BACKOFF_S": 0,
        "RESPONDER_POLL_S": 0.05,
        "RESPONDER_SERVICE_WORKERS": 0,
    }
    values.update({f"RESPONDER_{k.upper()}": v for k, v in responder.items()})
    return make_settings(db_url, responder=values)


ContainerFactory = Callable[..., Awaitable[Container]]


@pytest.fixture
async def make_container(db_url: str) -> AsyncIterator[ContainerFactory]:
    built: list[Container] = []

    async def make(**responder: object) -> Container:
        c = await build_container(responder_settings(db_url, **responder), clock=lambda: NOW)
        built.append(c)
        return c

    yield make
    for c in built:
        await c.aclose()


def mail(
    *,
    sender: str = "Søren Ærø <soren.aero@example.dk>",
    subject: str = "Tilbud på flytterengøring",
    body: str = "Hej\n\nJeg skal flytte og vil gerne have et tilbud på flytterengøring af min "
    "lejlighed på 80 m². Hvornår kan I komme?\n\nMvh Søren",
    message_id: str = "<m1@example.dk>",
    extra_headers: str = "",
    authenticated: bool = True,
    when: datetime = NOW,
) -> bytes:
    address = sender.rpartition("<")[2].rstrip(">") if "<" in sender else sender
    domain = address.rpartition("@")[2]
    auth = (
        f"Authentication-Results: mx.google.com; dkim=pass header.i=@{domain}; "
        f"spf=pass smtp.mailfrom={address}; dmarc=pass header.from={domain}\n"
        if authenticated
        else ""
    )
    head = (
        f"{auth}From: {sender}\nTo: info@rendetalje.dk\nSubject: {subject}\n"
        f"Message-ID: {message_id}\nDate: {format_datetime(when)}\nMIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n"
        f"{extra_headers}"
    )
    return f"{head}\n{body}\n".encode()


async def deliver(container: Container, raw: bytes) -> None:
    await ingest(container.database, raw, now=NOW, max_raw_bytes=MAX_MAIL_BYTES)


async def work_until_idle(
    container: Container, responder: Responder | None = None, *, workers: int = 1
) -> list[Worker]:
    responder = responder or build_responder(container)
    pool = [
        Worker(container.database, responder, container.settings.responder, name=f"w{i}")
        for i in range(workers)
    ]
    stop = asyncio.Event()
    await asyncio.gather(*(w.run(stop=stop, until_idle=True) for w in pool))
    return pool
