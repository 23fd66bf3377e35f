"""The inbound mail ledger: CLI import, the signed webhook, and exactly-once recording."""

from __future__ import annotations

import asyncio
import json
import mailbox
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from typer.testing import CliRunner

from agent.inbox.ingest import ingest, iter_messages
from api.app import create_app
from api.cli.main import build_cli
from api.composition import Container
from api.routes.inbound_webhook import sign
from memory.database import Database, create_database
from memory.models import InboundEmail
from memory.models.enums import InboundStatus, LeadSource
from memory.repositories.inbox import InboxRepository
from tests.settings import make_settings

FIXTURES = Path(__file__).resolve().parents[1] / "tools" / "mail" / "fixtures"
SECRET = "test-webhook-secret"
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(build_cli(), list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def imported(*paths: Path) -> list[dict[str, object]]:
    out: list[dict[str, object]] = json.loads(invoke("inbox", "import", *map(str, paths), "--json"))
    return out


def ledger() -> dict[str, dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(invoke("inbox", "list", "--json"))
    return {str(r["message_id"]): r for r in rows}


def big_mail(size: int) -> bytes:
    head = b"From: a@example.dk\r\nTo: info@rendetalje.dk\r\nSubject: Stor\r\n"
    head += b"Message-ID: <big-1@example.dk>\r\n\r\n"
    return head + b"x" * size


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)


# -- CLI import -----------------------------------------------------------------------------


@pytest.mark.usefixtures("cli_env")
def test_import_fixtures_once_then_only_counts() -> None:
    first = imported(FIXTURES)
    assert first == [{"file": str(FIXTURES), "new": 6, "duplicate": 0, "quarantined": 0}]
    rows = ledger()
    assert len(rows) == 6
    assert all(r["delivery_count"] == 1 and r["status"] == "received" for r in rows.values())
    assert rows["<lp-5531902@leadpoint.dk>"]["source"] == "rengoering_aarhus"
    assert rows["<web-20261201-0931@rendetalje.dk>"]["source"] == "website"

    again = imported(FIXTURES)
    assert again[0]["new"] == 0 and again[0]["duplicate"] == 6
    rows = ledger()
    assert len(rows) == 6
    assert all(r["delivery_count"] == 2 for r in rows.values())
    text = invoke("inbox", "import", str(FIXTURES / "adhelp.eml"))
    assert text.strip().endswith("0 new, 1 duplicate, 0 quarantined")
    assert invoke("inbox", "list", "--status", "quarantined", "--json").strip() == "[]"


@pytest.mark.usefixtures("cli_env")
def test_import_mbox_with_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "mails.mbox"
    box = mailbox.mbox(path)
    for name in ("adhelp.eml", "website-form.eml", "adhelp.eml"):
        box.add((FIXTURES / name).read_bytes())
    box.flush()
    box.close()
    assert len(list(iter_messages(path))) == 3

    counts = imported(path)
    assert counts[0] == {"file": str(path), "new": 2, "duplicate": 1, "quarantined": 0}
    rows = ledger()
    assert set(rows) == {"<ah-77120@adhelp.dk>", "<web-20261201-0931@rendetalje.dk>"}
    assert rows["<ah-77120@adhelp.dk>"]["delivery_count"] == 2


@pytest.mark.usefixtures("cli_env")
def test_oversized_mail_is_quarantined_without_its_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RENOS_MAX_MAIL_BYTES", "5000")
    path = tmp_path / "big.eml"
    path.write_bytes(big_mail(20_000))
    assert imported(path)[0]["quarantined"] == 1
    row = ledger()["<big-1@example.dk>"]
    assert row["status"] == "quarantined" and row["status_reason"] == "oversized"
    assert row["raw_size"] == path.stat().st_size


async def test_oversized_raw_is_not_stored_and_missing_id_is_synthetic(db: Database) -> None:
    result = await ingest(db, big_mail(2_000), now=NOW, max_raw_bytes=1_000)
    assert result.created and result.status == InboundStatus.QUARANTINED
    no_id = b"From: a@example.dk\r\nSubject: Uden id\r\n\r\nHej\r\n"
    first = await ingest(db, no_id, now=NOW, max_raw_bytes=1_000)
    second = await ingest(db, no_id, now=NOW, max_raw_bytes=1_000)
    assert first.message_id == second.message_id
    assert first.message_id.startswith("<") and first.message_id.endswith("@renos.invalid>")
    assert not second.created
    async with db.transaction() as s:
        big = (
            await s.execute(
                select(InboundEmail).where(InboundEmail.message_id == "<big-1@example.dk>")
            )
        ).scalar_one()
        assert big.raw is None and big.raw_size > 2_000
        assert big.status_reason == "oversized"
        counts = await InboxRepository(s).counts()
        assert counts[InboundStatus.QUARANTINED] == 1
        assert counts[InboundStatus.RECEIVED] == 1
        assert [
            r.message_id for r in await InboxRepository(s).list(InboundStatus.RECEIVED, 10)
        ] == [first.message_id]


async def test_concurrent_deliveries_make_one_row(db_url: str) -> None:
    raw = (FIXTURES / "direct-question.eml").read_bytes()
    database = create_database(db_url, pool_size=10)
    try:
        results = await asyncio.gather(
            *(ingest(database, raw, now=NOW, max_raw_bytes=10**7) for _ in range(10))
        )
        assert sum(r.created for r in results) == 1
        async with database.transaction() as s:
            rows = list((await s.execute(select(InboundEmail))).scalars())
        assert len(rows) == 1
        assert rows[0].delivery_count == 10
        assert rows[0].raw == raw and rows[0].source == LeadSource.DIRECT
    finally:
        await database.dispose()


# -- the webhook ----------------------------------------------------------------------------


@pytest.fixture
async def app(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FastAPI]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RENOS_WEBHOOK_SECRET", SECRET)
    application = create_app(make_settings(db_url))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def signed(body: bytes, *, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
    stamp = str(int(time.time()) if ts is None else ts)
    return {
        "Content-Type": "message/rfc822",
        "X-Renos-Timestamp": stamp,
        "X-Renos-Signature": sign(secret, stamp, body),
    }


async def row_count(app: FastAPI) -> int:
    container: Container = app.state.container
    async with container.database.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(InboundEmail))).scalar_one())


async def test_webhook_accepts_a_signed_delivery(client: httpx.AsyncClient, app: FastAPI) -> None:
    body = (FIXTURES / "leadmail-rengoering-nu.eml").read_bytes()
    resp = await client.post("/v1/inbound/email", content=body, headers=signed(body))
    assert resp.status_code == 202, resp.text
    assert resp.json() == {
        "message_id": "<lm-20261130-88123@leadmail.no>",
        "created": True,
        "status": "received",
    }
    assert await row_count(app) == 1


async def test_webhook_rejects_bad_signatures(client: httpx.AsyncClient, app: FastAPI) -> None:
    body = (FIXTURES / "adhelp.eml").read_bytes()
    url = "/v1/inbound/email"
    unsigned = {"Content-Type": "message/rfc822"}
    wrong = signed(body, secret="not-the-secret")
    stale = signed(body, ts=int(time.time()) - 3600)
    tampered = signed(body)
    for name, headers, content in (
        ("unsigned", unsigned, body),
        ("wrong secret", wrong, body),
        ("stale", stale, body),
        ("tampered body", tampered, body + b"extra"),
        ("no timestamp", {k: v for k, v in signed(body).items() if k != "X-Renos-Timestamp"}, body),
    ):
        resp = await client.post(url, content=content, headers=headers)
        assert resp.status_code == 401, f"{name}: {resp.status_code} {resp.text}"
        assert resp.json()["error"]["code"] == "unauthorized"
    assert await row_count(app) == 0


async def test_webhook_is_off_without_a_secret(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RENOS_WEBHOOK_SECRET")
    body = (FIXTURES / "adhelp.eml").read_bytes()
    resp = await client.post("/v1/inbound/email", content=body, headers=signed(body))
    assert resp.status_code == 404


async def test_webhook_twice_and_import_once_is_one_row(
    client: httpx.AsyncClient, app: FastAPI, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    path = FIXTURES / "complaint-medium.eml"
    body = path.read_bytes()
    answers = []
    for _ in range(2):
        resp = await client.post("/v1/inbound/email", content=body, headers=signed(body))
        assert resp.status_code == 202, resp.text
        answers.append(resp.json()["created"])
    assert answers == [True, False]  # the replay is accepted and only counted
    counts = await asyncio.to_thread(imported, path)
    assert counts[0]["duplicate"] == 1

    container: Container = app.state.container
    async with container.database.transaction() as s:
        rows = list((await s.execute(select(InboundEmail))).scalars())
    assert len(rows) == 1
    assert rows[0].message_id == "<th-complaint-1@example.dk>"
    assert rows[0].delivery_count == 3


async def test_webhook_takes_messages_over_the_api_body_limit_and_quarantines_big_ones(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RENOS_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("RENOS_MAX_MAIL_BYTES", "4000")
    settings = make_settings(db_url)
    server = settings.server.model_copy(update={"max_body_bytes": 2000})
    application = create_app(type(settings)(**{**settings.__dict__, "server": server}))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            fits = big_mail(3000).replace(
                b"big-1@", b"fits@"
            )  # over the API's 2000-byte limit, under the mail limit
            resp = await c.post("/v1/inbound/email", content=fits, headers=signed(fits))
            assert resp.status_code == 202, resp.text
            assert resp.json()["status"] == "received"
            big = big_mail(6000).replace(
                b"big-1@", b"big@"
            )  # over the mail limit: recorded, quarantined
            resp = await c.post("/v1/inbound/email", content=big, headers=signed(big))
            assert resp.status_code == 202, resp.text
            assert resp.json()["status"] == "quarantined"
            huge = big_mail(9000).replace(
                b"big-1@", b"huge@"
            )  # over twice the mail limit: refused before anything runs
            resp = await c.post("/v1/inbound/email", content=huge, headers=signed(huge))
            assert resp.status_code == 413
            other = await c.post(
                "/v1/sessions", content=b"x" * 2500, headers={"Authorization": "Bearer x"}
            )
            assert other.status_code == 413  # the rest of the API keeps its own limit
        assert await row_count(application) == 2
