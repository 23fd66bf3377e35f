"""Following Gmail into the inbound ledger: a real database, and GmailMailbox on the shipped
discovery document with recorded HTTP responses (RecordingMailbox where noted)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from agent.inbox.gmail_sync import SyncReport, sync_mailbox
from agent.inbox.ingest import ingest
from memory.database import Database
from memory.models import InboundEmail, MailboxSyncState
from memory.models.enums import LeadSource
from memory.repositories.mailbox_sync import MailboxSyncRepository
from tests.tools.integrations import (
    NOT_FOUND,
    SERVER_ERROR,
    UNAUTHENTICATED,
    SleepRecorder,
    fast_retry,
    gmail_raw,
    ok,
    recorded,
    sent,
)
from tests.tools.integrations.test_gmail import history_page
from tools.integrations.gmail import GmailMailbox
from tools.integrations.local import RecordingMailbox
from tools.integrations.ports import ErrorCode, IntegrationError, MailboxPort

FIXTURES = Path(__file__).resolve().parents[2] / "tools" / "mail" / "fixtures"
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
KEY = "gmail:info@rendetalje.dk"
LIMIT = 10 * 1024 * 1024


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


LEADPOINT = fixture("leadpoint-rengoering-aarhus.eml")  # <lp-5531902@leadpoint.dk>
ADHELP = fixture("adhelp.eml")  # <ah-77120@adhelp.dk>
DIRECT = fixture("direct-question.eml")  # <CAF7x9q1-direct-42@mail.example.dk>
WEBSITE = fixture("website-form.eml")  # <web-20261201-0931@rendetalje.dk>


def profile(history_id: str) -> tuple[dict[str, str], str]:
    return ok({"emailAddress": "info@rendetalje.dk", "historyId": history_id})


def listing(ids: list[str], token: str = "") -> tuple[dict[str, str], str]:
    body: dict[str, Any] = {"resultSizeEstimate": len(ids)}
    if ids:
        body["messages"] = [{"id": i, "threadId": "t-" + i} for i in ids]
    if token:
        body["nextPageToken"] = token
    return ok(body)


def gmail(http: Any) -> GmailMailbox:
    return GmailMailbox(http, retry=fast_retry(SleepRecorder()), clock=lambda: NOW, page_size=2)


async def sync(db: Database, mailbox: MailboxPort, at: datetime = NOW) -> SyncReport:
    return await sync_mailbox(db, mailbox, mailbox_key=KEY, now=at, max_raw_bytes=LIMIT)


async def ledger(db: Database) -> dict[str, InboundEmail]:
    async with db.transaction() as s:
        rows = (await s.execute(select(InboundEmail))).scalars()
        return {row.message_id: row for row in rows}


async def state(db: Database) -> MailboxSyncState:
    async with db.transaction() as s:
        found = await MailboxSyncRepository(s).get(KEY)
    assert found is not None
    return found


def counts(report: SyncReport) -> tuple[int, int, int, int, int]:
    return report.fetched, report.new, report.duplicate, report.quarantined, report.missing


async def test_full_resync_then_incremental_then_expired_history(db: Database) -> None:
    # Run 1: no history id stored, so a full resync: profile first, then the listing pages.
    http = recorded(
        profile("4412"),
        listing(["m3", "m2"], token="page-2"),
        gmail_raw("m3", "t-lead", LEADPOINT),
        gmail_raw("m2", "t-ad", ADHELP),
        listing(["m1"]),
        gmail_raw("m1", "t-quote", DIRECT),
    )
    report = await sync(db, gmail(http))

    assert report.mode == "full" and report.history_id == "4412"
    assert counts(report) == (3, 3, 0, 0, 0)
    requests = sent(http)
    assert requests[0].path == "/gmail/v1/users/me/profile"  # noted before listing
    first_list, second_list = (r for r in requests if r.path == "/gmail/v1/users/me/messages")
    assert first_list.query["q"] == ["in:inbox newer_than:30d"]
    assert "pageToken" not in first_list.query
    assert second_list.query["pageToken"] == ["page-2"]
    gets = [r for r in requests if r.path.startswith("/gmail/v1/users/me/messages/")]
    assert [r.path.rsplit("/", 1)[1] for r in gets] == ["m3", "m2", "m1"]
    assert all(r.query["format"] == ["raw"] for r in gets)

    rows = await ledger(db)
    lead = rows["<lp-5531902@leadpoint.dk>"]
    assert (lead.provider_id, lead.provider_thread_id) == ("m3", "t-lead")
    assert lead.source == LeadSource.RENGOERING_AARHUS
    assert lead.raw == LEADPOINT
    assert rows["<CAF7x9q1-direct-42@mail.example.dk>"].provider_thread_id == "t-quote"
    saved = await state(db)
    assert (saved.history_id, saved.full_syncs) == ("4412", 1)
    assert saved.last_full_sync_at == NOW and saved.last_sync_at == NOW

    # Run 2: incremental from 4412. m3 arrived while run 1 listed, so history has it again.
    later = NOW + timedelta(minutes=1)
    http = recorded(
        history_page([("m4", ["UNREAD", "INBOX"]), ("m3", ["INBOX"])], "4420"),
        gmail_raw("m4", "t-web", WEBSITE),
        gmail_raw("m3", "t-lead", LEADPOINT),
    )
    report = await sync(db, gmail(http), later)

    assert report.mode == "incremental" and report.history_id == "4420"
    assert counts(report) == (2, 1, 1, 0, 0)
    assert sent(http)[0].query["startHistoryId"] == ["4412"]
    rows = await ledger(db)
    assert len(rows) == 4
    assert rows["<lp-5531902@leadpoint.dk>"].delivery_count == 2
    assert rows["<web-20261201-0931@rendetalje.dk>"].provider_id == "m4"
    saved = await state(db)
    assert (saved.history_id, saved.full_syncs) == ("4420", 1)
    assert saved.last_sync_at == later and saved.last_full_sync_at == NOW

    # Run 3: Gmail no longer knows 4420 (404): a full resync from the current id.
    latest = later + timedelta(days=9)
    http = recorded(
        NOT_FOUND,
        profile("9100"),
        listing(["m4"]),
        gmail_raw("m4", "t-web", WEBSITE),
    )
    report = await sync(db, gmail(http), latest)

    assert report.mode == "full" and report.history_id == "9100"
    assert counts(report) == (1, 0, 1, 0, 0)
    assert [r.path for r in sent(http)][:2] == [
        "/gmail/v1/users/me/history",
        "/gmail/v1/users/me/profile",
    ]
    saved = await state(db)
    assert (saved.history_id, saved.full_syncs) == ("9100", 2)
    assert saved.last_full_sync_at == latest
    assert (await ledger(db))["<web-20261201-0931@rendetalje.dk>"].delivery_count == 2


async def test_a_message_deleted_before_it_is_fetched_is_skipped(db: Database) -> None:
    http = recorded(
        profile("4412"),
        listing(["m2", "m1"]),
        NOT_FOUND,
        gmail_raw("m1", "t-1", ADHELP),
    )
    report = await sync(db, gmail(http))
    assert counts(report) == (1, 1, 0, 0, 1)
    assert set(await ledger(db)) == {"<ah-77120@adhelp.dk>"}
    assert (await state(db)).history_id == "4412"


async def test_a_failure_part_way_keeps_the_old_history_id_and_the_ledger_dedups(
    db: Database,
) -> None:
    async with db.transaction() as s:
        await MailboxSyncRepository(s).save(KEY, history_id="4412", at=NOW, full=True)
    http = recorded(
        history_page([("m1", ["INBOX"]), ("m2", ["INBOX"])], "4420"),
        gmail_raw("m1", "t-1", ADHELP),
        UNAUTHENTICATED,  # the token was revoked between the two fetches
    )
    with pytest.raises(IntegrationError) as caught:
        await sync(db, gmail(http))
    assert caught.value.code is ErrorCode.AUTH
    assert (await state(db)).history_id == "4412"  # not moved past the unrecorded m2
    assert set(await ledger(db)) == {"<ah-77120@adhelp.dk>"}

    http = recorded(
        history_page([("m1", ["INBOX"]), ("m2", ["INBOX"])], "4420"),
        gmail_raw("m1", "t-1", ADHELP),
        gmail_raw("m2", "t-2", DIRECT),
    )
    report = await sync(db, gmail(http))
    assert counts(report) == (2, 1, 1, 0, 0)
    rows = await ledger(db)
    assert rows["<ah-77120@adhelp.dk>"].delivery_count == 2
    assert rows["<CAF7x9q1-direct-42@mail.example.dk>"].delivery_count == 1
    assert (await state(db)).history_id == "4420"


async def test_unavailable_gmail_propagates_without_saving(db: Database) -> None:
    http = recorded(SERVER_ERROR, SERVER_ERROR, SERVER_ERROR)  # three attempts, all 500
    with pytest.raises(IntegrationError) as caught:
        await sync(db, gmail(http))
    assert caught.value.code is ErrorCode.UNAVAILABLE
    async with db.transaction() as s:
        assert await MailboxSyncRepository(s).get(KEY) is None


async def test_provider_ids_fill_in_an_imported_mail_and_are_never_overwritten(
    db: Database,
) -> None:
    await ingest(db, DIRECT, now=NOW, max_raw_bytes=LIMIT)  # `renos inbox import` first
    assert (await ledger(db))["<CAF7x9q1-direct-42@mail.example.dk>"].provider_id is None
    await ingest(
        db, DIRECT, now=NOW, max_raw_bytes=LIMIT, provider_id="m1", provider_thread_id="t-1"
    )
    await ingest(
        db, DIRECT, now=NOW, max_raw_bytes=LIMIT, provider_id="m9", provider_thread_id="t-9"
    )
    row = (await ledger(db))["<CAF7x9q1-direct-42@mail.example.dk>"]
    assert (row.provider_id, row.provider_thread_id, row.delivery_count) == ("m1", "t-1", 3)


async def test_with_the_recording_mailbox(db: Database) -> None:
    box = RecordingMailbox(page_size=2)
    box.deliver(LEADPOINT, thread_id="thread-lead")
    box.deliver(ADHELP)
    box.deliver(DIRECT)

    first = await sync(db, box)
    assert (first.mode, counts(first)) == ("full", (3, 3, 0, 0, 0))
    assert first.history_id == await box.current_history_id()

    box.deliver(WEBSITE)
    box.deliver(ADHELP)  # the same mail delivered to the mailbox again
    second = await sync(db, box)
    assert (second.mode, counts(second)) == ("incremental", (2, 1, 1, 0, 0))
    nothing = await sync(db, box)
    assert (nothing.mode, counts(nothing)) == ("incremental", (0, 0, 0, 0, 0))

    box.deliver(b"From: a@example.dk\r\nMessage-ID: <big@example.dk>\r\n\r\n" + b"x" * 100)
    box.expire_history()  # the stored id is now older than what the mailbox remembers
    third = await sync_mailbox(db, box, mailbox_key=KEY, now=NOW, max_raw_bytes=50)
    assert third.mode == "full"
    assert counts(third) == (6, 0, 5, 1, 0)

    rows = await ledger(db)
    assert rows["<lp-5531902@leadpoint.dk>"].provider_thread_id == "thread-lead"
    assert rows["<lp-5531902@leadpoint.dk>"].provider_id == "msg-1"
    assert rows["<ah-77120@adhelp.dk>"].delivery_count == 4
    assert rows["<big@example.dk>"].status_reason == "oversized"
    assert (await state(db)).full_syncs == 2


async def test_two_pollers_of_one_mailbox_take_turns(db: Database) -> None:
    box = RecordingMailbox()
    for raw in (LEADPOINT, ADHELP, DIRECT):
        box.deliver(raw)
    reports = await asyncio.gather(sync(db, box), sync(db, box))

    # One resynced; the other waited for it and continued from its history id.
    assert sorted(r.mode for r in reports) == ["full", "incremental"]
    assert sum(r.fetched for r in reports) == 3
    assert all(row.delivery_count == 1 for row in (await ledger(db)).values())
    assert (await state(db)).full_syncs == 1
