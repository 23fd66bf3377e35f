"""Record raw inbound mail in the ledger, once per Message-ID.

Only the header block is parsed here: the body of a mail (however large) is handed to the
ledger as bytes and nothing else, so an oversized message never reaches the MIME parser.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from memory.database import Database
from memory.models.enums import InboundStatus, LeadSource
from memory.repositories.inbox import InboxRepository
from tools.mail.mime import ParsedMail, parse_message
from tools.mail.relays import detect_source
from tools.privacy import mask_codes

_MAX_HEADER_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class IngestResult:
    message_id: str
    created: bool
    status: InboundStatus


def header_block(raw: bytes) -> bytes:
    """The message's header section (at most 256 KiB), ending in a blank line."""
    window = raw[:_MAX_HEADER_BYTES]
    ends = [i for i in (window.find(b"\r\n\r\n"), window.find(b"\n\n")) if i >= 0]
    head = window[: min(ends)] if ends else window
    return head + b"\r\n\r\n"


def parse_headers(raw: bytes) -> ParsedMail:
    return parse_message(header_block(raw))


def _thread_id(parsed: ParsedMail) -> str | None:
    if parsed.references:
        return parsed.references[0]
    return parsed.in_reply_to or parsed.message_id


async def ingest(
    database: Database,
    raw: bytes,
    *,
    now: datetime,
    max_raw_bytes: int,
    provider_id: str | None = None,
    provider_thread_id: str | None = None,
) -> IngestResult:
    """Record one delivery of ``raw``; a message seen before is only counted again.

    ``provider_id`` and ``provider_thread_id`` (Gmail's id and threadId) are kept with the
    mail; a redelivery fills them in if they were unknown, and never changes them."""
    parsed = parse_headers(raw)
    source = LeadSource(detect_source(parsed).value)
    async with database.transaction() as s:
        row, created = await InboxRepository(s).record(
            parsed.message_id,
            raw,
            received_at=now,
            from_address=parsed.from_address,
            reply_to=parsed.reply_to,
            to_address=", ".join(parsed.to) or None,
            subject=mask_codes(parsed.subject) or None,  # door/alarm codes never stored
            thread_id=_thread_id(parsed),
            source=source,
            max_raw_bytes=max_raw_bytes,
            provider_id=provider_id,
            provider_thread_id=provider_thread_id,
        )
        return IngestResult(message_id=row.message_id, created=created, status=row.status)


def iter_messages(path: Path) -> Iterator[bytes]:
    """The raw messages of a .eml file, an mbox file, or a folder of .eml files."""
    if path.is_dir():
        for child in sorted(path.glob("*.eml")):
            yield child.read_bytes()
        return
    with path.open("rb") as fh:
        is_mbox = fh.read(5) == b"From "
    if not is_mbox:
        yield path.read_bytes()
        return
    box = mailbox.mbox(path, create=False)
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()
