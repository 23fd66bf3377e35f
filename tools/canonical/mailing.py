"""draft_email_reply and send_email. A draft is our own data; sending leaves the building and
happens only for an existing draft, after a person approved it."""

from __future__ import annotations

import hashlib

from tools.canonical.args import DraftEmailReplyArgs, SendEmailArgs
from tools.canonical.caller import Caller
from tools.canonical.errors import ToolError, ToolErrorCode
from tools.canonical.ports import NewDraft, Ports, ThreadInfo
from tools.canonical.records import EmailDraft, EmailSent
from tools.integrations.ports import IntegrationError, OutgoingMail

SIGNATURE = "Venlig hilsen\nRendetalje"
# Lead relays: a mail there reaches a system, not the customer (domain.md "Leads").
_NEVER_SEND_TO = ("@adhelp.dk", "@leadmail.no")


def _check_recipient(address: str) -> str:
    address = address.strip()
    if "@" not in address or any(ch in address for ch in "\r\n,;"):
        raise ToolError(ToolErrorCode.INVALID, f"not a single email address: {address!r}")
    if address.lower().endswith(_NEVER_SEND_TO):
        raise ToolError(
            ToolErrorCode.POLICY,
            "never write to a lead relay address; write to the customer's own address",
        )
    return address


def _signed(body: str) -> str:
    body = body.strip()
    return body if "rendetalje" in body[-80:].lower() else f"{body}\n\n{SIGNATURE}"


def _subject(args: DraftEmailReplyArgs, thread: ThreadInfo | None) -> str:
    if args.subject:
        return args.subject.strip()
    if thread is not None and thread.subject and thread.last_message_id:
        subject = thread.subject.strip()
        return subject if subject.lower().startswith(("re:", "sv:")) else f"Re: {subject}"
    return "Henvendelse fra Rendetalje"


async def draft_email_reply(
    args: DraftEmailReplyArgs, ports: Ports, caller: Caller, *, idempotency_key: str
) -> EmailDraft:
    lead = await ports.leads.find(args.lead_id) if args.lead_id else None
    if args.lead_id and lead is None:
        raise ToolError(ToolErrorCode.NOT_FOUND, f"no lead {args.lead_id}")
    thread = await ports.outbox.thread_for_lead(lead.id) if lead else None
    to = args.to or (thread.reply_to if thread else None) or (lead.email if lead else None)
    if not to:
        raise ToolError(ToolErrorCode.INVALID, "no recipient: give a lead_id or an address")
    body = args.body
    quote = await ports.quotes.find(args.quote_id) if args.quote_id else None
    if args.quote_id and quote is None:
        raise ToolError(ToolErrorCode.NOT_FOUND, f"no quote {args.quote_id}")
    if quote is not None and quote.text not in body:
        body = f"{body.strip()}\n\n{quote.text}"
    return await ports.outbox.create_draft(
        NewDraft(
            to=_check_recipient(to),
            subject=_subject(args, thread),
            body=_signed(body),
            lead_id=lead.id if lead else None,
            quote_id=quote.id if quote else None,
            in_reply_to=thread.last_message_id if thread else None,
            references=thread.references if thread else (),
            thread_id=thread.thread_id if thread else None,
            idempotency_key=idempotency_key,
            session_id=caller.session_id,
            created_by=caller.user_id,
        )
    )


async def validate_send(args: SendEmailArgs, ports: Ports) -> EmailDraft:
    """What send_email checks before it asks for approval."""
    draft = await ports.outbox.find_draft(args.draft_id)
    if draft is None:
        raise ToolError(ToolErrorCode.NOT_FOUND, f"no draft {args.draft_id}: draft it first")
    if draft.status not in ("draft", "approved"):
        raise ToolError(ToolErrorCode.WRONG_STATE, f"draft {draft.id} is {draft.status}")
    _check_recipient(draft.to)
    return draft


async def send_email(args: SendEmailArgs, ports: Ports, caller: Caller) -> EmailSent:
    """Runs only after approval: approve the draft, send it once, record it as sent."""
    draft = await validate_send(args, ports)
    if draft.status == "draft":
        draft = await ports.outbox.mark_approved(draft.id, by=caller.user_id)
    provider_id = None
    if ports.mailbox is not None:
        mail = OutgoingMail(
            to=(draft.to,),
            subject=draft.subject,
            body=draft.body,
            idempotency_key=f"outbound:{draft.id}",
            in_reply_to=draft.in_reply_to,
            references=draft.references,
            thread_id=draft.thread_id,
        )
        try:
            provider_id = (await ports.mailbox.send(mail)).message_id
        except IntegrationError as exc:
            raise ToolError(ToolErrorCode.UNAVAILABLE, f"mail not sent: {exc}") from exc
    sent = await ports.outbox.mark_sent(draft.id, provider_message_id=provider_id)
    return EmailSent(
        draft_id=sent.id, to=sent.to, status=sent.status, provider_message_id=provider_id
    )


def draft_key(tool_call_id: str) -> str:
    return "draft:" + hashlib.sha256(tool_call_id.encode()).hexdigest()[:40]
