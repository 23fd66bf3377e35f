"""The outgoing RFC 5322 message: Danish text, threading headers, a stable Message-ID."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

import pytest

from tools.integrations.mime_build import (
    build_message,
    decode_raw,
    encode_raw,
    header_message_id,
    mail_ref,
    references_chain,
)
from tools.integrations.ports import OutgoingMail

SENDER = "Rendetalje ApS <info@rendetalje.dk>"
NOW = datetime(2026, 7, 6, 11, 0, tzinfo=UTC)


def mail(**changes: object) -> OutgoingMail:
    fields: dict[str, object] = {
        "to": ("Søren Ærø <soren@example.dk>",),
        "subject": "Tilbud på flytterengøring – Østergade 12",
        "body": "Hej Søren\n\nPrisen er 1.396–2.094 kr. inkl. moms.\nVenlig hilsen\nRendetalje",
        "idempotency_key": "quote:17:send",
    }
    fields.update(changes)
    return OutgoingMail(**fields)  # type: ignore[arg-type]


def wire(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=policy.SMTP)


def parsed(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_danish_subject_names_and_body_survive_the_wire() -> None:
    data = wire(build_message(mail(), sender=SENDER, now=NOW))
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.isascii()
    assert body.isascii()
    back = parsed(data)
    assert back["Subject"] == "Tilbud på flytterengøring – Østergade 12"
    assert back["To"] == "Søren Ærø <soren@example.dk>"
    assert back["From"] == SENDER
    assert back.get_content_type() == "text/plain"
    assert back.get_content_charset() == "utf-8"
    assert back["Content-Transfer-Encoding"] == "quoted-printable"
    assert back.get_content().replace("\r\n", "\n") == mail().body + "\n"


def test_the_message_id_is_derived_from_key_and_sender_domain() -> None:
    first = build_message(mail(), sender=SENDER, now=NOW)
    again = build_message(mail(body="changed"), sender=SENDER, now=NOW.replace(hour=12))
    other = build_message(mail(idempotency_key="quote:18:send"), sender=SENDER, now=NOW)
    assert first["Message-ID"] == again["Message-ID"] == header_message_id("quote:17:send", SENDER)
    assert first["Message-ID"] != other["Message-ID"]
    assert first["Message-ID"] == f"<renos.{mail_ref('quote:17:send')}@rendetalje.dk>"
    assert first["X-RenOS-Ref"] == mail_ref("quote:17:send")
    assert "quote:17" not in wire(first).decode("ascii")  # the raw key stays out of headers


def test_a_danish_domain_becomes_punycode_in_the_message_id() -> None:
    message_id = header_message_id("k", "Rengøring <info@rengøring-århus.dk>")
    assert message_id.endswith("@xn--rengring-rhus-xfb3z.dk>")


def test_a_sender_without_an_address_is_refused() -> None:
    with pytest.raises(ValueError, match="not an email address"):
        build_message(mail(), sender="Rendetalje", now=NOW)


def test_a_reply_carries_in_reply_to_and_the_references_chain() -> None:
    reply = mail(
        in_reply_to="<c3@kunde.dk>",
        references=("<a1@rendetalje.dk>", "b2@kunde.dk", "<a1@rendetalje.dk>"),
    )
    back = parsed(wire(build_message(reply, sender=SENDER, now=NOW)))
    assert back["In-Reply-To"] == "<c3@kunde.dk>"
    assert back["References"] == "<a1@rendetalje.dk> <b2@kunde.dk> <c3@kunde.dk>"


def test_the_parent_ends_the_chain_even_when_given_inside_it() -> None:
    reply = mail(in_reply_to="<b@x.dk>", references=("<a@x.dk>", "<b@x.dk>", "<c@x.dk>"))
    assert references_chain(reply) == ["<a@x.dk>", "<c@x.dk>", "<b@x.dk>"]


def test_a_long_references_chain_folds_without_breaking_ids() -> None:
    ids = [f"<{'x' * 40}.{n}@mail.gmail.com>" for n in range(12)]
    reply = mail(in_reply_to=ids[-1], references=tuple(ids[:-1]))
    data = wire(build_message(reply, sender=SENDER, now=NOW))
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    assert parsed(data)["References"].split() == ids


def test_a_new_mail_has_no_threading_headers() -> None:
    back = parsed(wire(build_message(mail(), sender=SENDER, now=NOW)))
    assert back["In-Reply-To"] is None
    assert back["References"] is None


def test_only_automatic_mail_is_marked_auto_submitted() -> None:
    auto = build_message(mail(automatic=True), sender=SENDER, now=NOW)
    manual = build_message(mail(), sender=SENDER, now=NOW)
    assert auto["Auto-Submitted"] == "auto-replied"
    assert auto["X-Auto-Response-Suppress"] == "All"
    assert manual["Auto-Submitted"] is None


def test_cc_and_date_in_copenhagen_time() -> None:
    message = build_message(mail(cc=("ejer@rendetalje.dk",)), sender=SENDER, now=NOW)
    assert message["Cc"] == "ejer@rendetalje.dk"
    assert message["Date"] == "Mon, 06 Jul 2026 13:00:00 +0200"


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_message(mail(), sender=SENDER, now=datetime(2026, 7, 6, 11, 0))


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Tilbud\r\nBcc: alle@example.com"},
        {"to": ("soren@example.dk\nBcc: x@example.com",)},
        {"in_reply_to": "<a@x>\r\nX-Evil: 1"},
        {"to": ()},
        {"idempotency_key": ""},
    ],
)
def test_outgoing_mail_refuses_header_injection_and_missing_fields(
    changes: dict[str, object],
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - several messages, one rule
        mail(**changes)


def test_raw_round_trip_with_and_without_padding() -> None:
    message = build_message(mail(), sender=SENDER, now=NOW)
    raw = encode_raw(message)
    assert set(raw) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
    assert decode_raw(raw) == wire(message)
    assert decode_raw(raw.rstrip("=")) == wire(message)


def test_decode_raw_refuses_garbage() -> None:
    with pytest.raises(ValueError, match="base64url"):
        decode_raw("not base64 at all!")
    with pytest.raises(ValueError, match="base64url"):
        decode_raw("SGVqIGÆ")
