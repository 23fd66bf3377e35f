"""The routing rules of agent.adapters.threading as pure functions (no database)."""

from __future__ import annotations

from agent.adapters.threading import (
    MAX_REFERENCES,
    LeadFacts,
    MailFacts,
    at_system_domain,
    parse_references,
    reply_address,
    thread_info,
)


def mail(mid: str, source: str | None, sender: str, reply_to: str | None = None) -> MailFacts:
    return MailFacts(mid, "t", "Emne", source, sender, reply_to)


def test_references_come_from_the_header_or_in_reply_to() -> None:
    raw = b"From: a@b.dk\r\nReferences: <1@x.dk>\r\n <2@y.dk>\r\nIn-Reply-To: <2@y.dk>\r\n\r\nHej"
    assert parse_references(raw) == ("<1@x.dk>", "<2@y.dk>")
    assert parse_references(b"From: a@b.dk\r\nIn-Reply-To: <9@x.dk>\r\n\r\nHej") == ("<9@x.dk>",)
    assert parse_references(b"From: a@b.dk\r\n\r\nHej") == ()
    assert parse_references(None) == ()


def test_a_long_chain_keeps_its_root_and_the_latest() -> None:
    refs = tuple(f"<{i}@x.dk>" for i in range(40))
    info = thread_info(LeadFacts("direct", None), [mail("<40@x.dk>", "direct", "k@x.dk")], refs)
    assert len(info.references) == MAX_REFERENCES
    assert info.references[0] == "<0@x.dk>" and info.references[-1] == "<40@x.dk>"
    assert info.references[-2] == "<39@x.dk>"


def test_system_domains_and_their_subdomains() -> None:
    assert at_system_domain("noreply@leadmail.no")
    assert at_system_domain("Leads <leads@mail.adhelp.dk>")
    assert at_system_domain("system@LEADPOINT.dk")
    assert not at_system_domain("kunde@notleadmail.no")
    assert not at_system_domain("kunde@example.dk")


def test_a_relay_lead_falls_back_to_the_customers_own_mail_never_the_relay() -> None:
    relay = mail("<r@adhelp.dk>", "adhelp", "leads@adhelp.dk", "svar@adhelp.dk")
    own = mail("<o@x.dk>", "direct", "kunde@x.dk")
    assert reply_address(LeadFacts("adhelp", None), [relay]) is None
    assert reply_address(LeadFacts("adhelp", None), [own, relay]) == "kunde@x.dk"
    assert reply_address(LeadFacts("adhelp", "lead@x.dk"), [own, relay]) == "lead@x.dk"
    # A mail from a relay's address counts as the relay's, whatever its recorded source.
    disguised = mail("<d@leadmail.no>", None, "noreply@leadmail.no")
    assert thread_info(LeadFacts("unknown", None), [disguised], ()).last_message_id is None
