"""Exactly once across processes: worker processes (`renos inbox work`) racing over the same
mail, and a worker killed with SIGKILL in the middle of a backlog."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from typer.testing import CliRunner

from api.app import create_app
from api.cli.main import build_cli
from api.routes.inbound_webhook import sign
from memory.database import Database, create_database
from memory.models import InboundEmail, OutboundEmail
from memory.models.enums import OutboundStatus
from memory.repositories.inbox_queue import FINAL_STATUSES

from .conftest import mail, responder_settings

RENOS = str(Path(sys.executable).parent / "renos")
SECRET = "exactly-once-secret"
FINAL = sorted(s.value for s in FINAL_STATUSES)


def _env(db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESPONDER_", "MODEL_"))}
    env.update(
        DATABASE_URL=db_url,
        RESPONDER_MODE="auto-send",
        RESPONDER_POLL_S="0.1",
        RESPONDER_DAILY_CAP="1000",
        RENOS_ENV="test",
    )
    env.update(extra)
    return env


class Workers:
    def __init__(self, db_url: str, cwd: Path, n: int, **env: str) -> None:
        self.procs = [
            subprocess.Popen(
                [RENOS, "inbox", "work"],
                env=_env(db_url, **env),
                cwd=cwd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for _ in range(n)
        ]

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture
def workers(db_url: str, tmp_path: Path) -> Iterator[list[Workers]]:
    started: list[Workers] = []
    yield started
    for w in started:
        w.stop()


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    db = create_database(db_url)
    yield db
    await db.dispose()


async def _wait_all_final(db: Database, expected: int, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        async with db.transaction() as s:
            done = (
                await s.execute(
                    select(func.count())
                    .select_from(InboundEmail)
                    .where(InboundEmail.status.in_(FINAL))
                )
            ).scalar_one()
        if done >= expected:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"only {done} of {expected} mails reached a final status")


@pytest.fixture
async def app(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FastAPI]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RENOS_WEBHOOK_SECRET", SECRET)
    application = create_app(responder_settings(db_url, mode="auto-send"))
    async with application.router.lifespan_context(application):
        yield application


def _signed(body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        "Content-Type": "message/rfc822",
        "X-Renos-Timestamp": stamp,
        "X-Renos-Signature": sign(SECRET, stamp, body),
    }


async def test_webhook_twice_and_import_once_with_four_workers_make_one_row_and_one_reply(
    app: FastAPI,
    db_url: str,
    tmp_path: Path,
    workers: list[Workers],
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workers.append(Workers(db_url, tmp_path, 4))
    raw = mail(message_id="<once-1@example.dk>")
    eml = tmp_path / "once.eml"
    eml.write_bytes(raw)
    monkeypatch.setenv("DATABASE_URL", db_url)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:

        async def hook() -> int:
            resp = await client.post("/v1/inbound/email", content=raw, headers=_signed(raw))
            return resp.status_code

        def cli_import() -> int:
            return CliRunner().invoke(build_cli(), ["inbox", "import", str(eml)]).exit_code

        codes = await asyncio.gather(hook(), hook(), asyncio.to_thread(cli_import))
    assert codes[0] in (200, 202) and codes[1] in (200, 202) and codes[2] == 0
    await _wait_all_final(database, 1, within_s=60)
    await asyncio.sleep(1.0)  # give any (wrong) second attempt time to show
    async with database.transaction() as s:
        rows = list((await s.execute(select(InboundEmail))).scalars())
        outbound = list((await s.execute(select(OutboundEmail))).scalars())
    assert len(rows) == 1
    assert rows[0].delivery_count == 3
    assert rows[0].status.value == "replied"
    assert len(outbound) == 1 and outbound[0].status is OutboundStatus.SENT


async def test_a_worker_killed_mid_backlog_leaves_every_mail_final_and_none_answered_twice(
    db_url: str, tmp_path: Path, workers: list[Workers], database: Database
) -> None:
    from agent.inbox.ingest import ingest

    from .conftest import NOW

    total = 200
    for i in range(total):
        raw = mail(
            sender=f"Kunde {i} <kunde{i}@example.dk>",
            message_id=f"<backlog-{i}@example.dk>",
            body=f"Hej\n\nKan I give et tilbud på flytterengøring af {60 + i % 50} m²?\n\nMvh",
        )
        await ingest(database, raw, now=NOW, max_raw_bytes=200_000)
    pool = Workers(db_url, tmp_path, 3, RESPONDER_LEASE_S="2")
    workers.append(pool)
    victim = pool.procs[0]
    deadline = time.monotonic() + 60
    killed_mid_message = False
    while time.monotonic() < deadline and not killed_mid_message:
        # Frozen first, so the mail it is seen holding is still its own when it dies (a mail
        # takes it a few milliseconds: it could finish one between the look and the kill).
        victim.send_signal(signal.SIGSTOP)
        async with database.transaction() as s:
            holding = (
                await s.execute(
                    select(func.count())
                    .select_from(InboundEmail)
                    .where(
                        InboundEmail.status == "processing",
                        InboundEmail.lease_owner.like(f"%:{victim.pid}:%"),
                    )
                )
            ).scalar_one()
            finished = (
                await s.execute(
                    select(func.count())
                    .select_from(InboundEmail)
                    .where(InboundEmail.status.in_(FINAL))
                )
            ).scalar_one()
        if holding and finished >= 20:
            victim.send_signal(signal.SIGKILL)
            killed_mid_message = True
        else:
            victim.send_signal(signal.SIGCONT)
            await asyncio.sleep(0.01)
    assert killed_mid_message, "the victim never held a mail after 20 were done"
    victim.wait(timeout=10)
    await _wait_all_final(database, total, within_s=180)
    async with database.transaction() as s:
        grouped = await s.execute(
            select(InboundEmail.status, func.count()).group_by(InboundEmail.status)
        )
        statuses = {status.value: int(n) for status, n in grouped.all()}
        per_mail = (
            await s.execute(
                select(OutboundEmail.inbound_email_id, func.count())
                .group_by(OutboundEmail.inbound_email_id)
                .having(func.count() > 1)
            )
        ).all()
        sent = (
            await s.execute(
                select(func.count())
                .select_from(OutboundEmail)
                .where(OutboundEmail.status == OutboundStatus.SENT)
            )
        ).scalar_one()
        retried = (
            await s.execute(
                select(func.count()).select_from(InboundEmail).where(InboundEmail.attempts > 1)
            )
        ).scalar_one()
    assert sum(statuses.values()) == total
    assert set(statuses) <= set(FINAL)
    assert per_mail == []  # no mail has two replies
    assert sent == statuses.get("replied", 0) == total  # every mail answered exactly once
    assert retried >= 1  # the killed worker's mail was taken over after its lease ran out
