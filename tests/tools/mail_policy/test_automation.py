"""Automated, bulk, list and bounce mail is recognised; people and lead relays are not ignored."""

from __future__ import annotations

import pytest

from tools.mail_policy.automation import (
    AutomationReason,
    InboundFacts,
    automation_reason,
    is_automated,
    is_never_reply_relay,
)

R = AutomationReason
PERSON = "birgit.norgaard@example.dk"


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (InboundFacts(PERSON), None),
        (InboundFacts(PERSON, return_path=PERSON), None),
        (InboundFacts(PERSON, {"Auto-Submitted": "no"}), None),
        (InboundFacts(PERSON, {"Auto-Submitted": "No; comment"}), None),
        (InboundFacts(PERSON, {"Auto-Submitted": "auto-replied"}), R.AUTO_SUBMITTED),
        (InboundFacts(PERSON, {"auto-submitted": "auto-generated"}), R.AUTO_SUBMITTED),
        (InboundFacts(PERSON, {"Precedence": "bulk"}), R.PRECEDENCE),
        (InboundFacts(PERSON, {"Precedence": "List"}), R.PRECEDENCE),
        (InboundFacts(PERSON, {"Precedence": "junk"}), R.PRECEDENCE),
        (InboundFacts(PERSON, {"Precedence": "first-class"}), None),
        (InboundFacts(PERSON, {"List-Id": "<news.example.dk>"}), R.MAILING_LIST),
        (InboundFacts(PERSON, {"List-Unsubscribe": "<mailto:u@x.dk>"}), R.MAILING_LIST),
        (InboundFacts(PERSON, {"X-Autoreply": "yes"}), R.AUTOREPLY_HEADER),
        (InboundFacts(PERSON, {"X-Autorespond": "yes"}), R.AUTOREPLY_HEADER),
        (InboundFacts(PERSON, return_path=""), R.NULL_SENDER),
        (InboundFacts(PERSON, return_path="<>"), R.NULL_SENDER),
        (InboundFacts("MAILER-DAEMON@mx.example.dk"), R.MAILER_DAEMON),
        (InboundFacts(PERSON, return_path="postmaster@example.dk"), R.MAILER_DAEMON),
        (InboundFacts("noreply@shop.example.dk"), R.NOREPLY_SENDER),
        (InboundFacts("no-reply@shop.example.dk"), R.NOREPLY_SENDER),
        (InboundFacts("do_not_reply@shop.example.dk"), R.NOREPLY_SENDER),
        (InboundFacts("DoNotReply@shop.example.dk"), R.NOREPLY_SENDER),
        (InboundFacts("norah.eply@example.dk"), None),
        (InboundFacts("noreply@leadmail.no", {"Auto-Submitted": "auto-generated"}), R.LEAD_RELAY),
        (InboundFacts("sp@adhelp.dk", {"Precedence": "bulk"}), R.LEAD_RELAY),
        (InboundFacts("x@mail.adhelp.dk"), R.LEAD_RELAY),
        (InboundFacts("noreply@leadmail.no", return_path="<>"), R.NULL_SENDER),
        (InboundFacts("system@leadpoint.dk", lead_source="leadpoint"), None),
    ],
)
def test_automation_reason(facts: InboundFacts, reason: AutomationReason | None) -> None:
    assert automation_reason(facts) == reason


def test_relay_is_processed_not_ignored() -> None:
    assert not is_automated(InboundFacts("noreply@leadmail.no"))
    assert is_automated(InboundFacts("noreply@shop.example.dk"))
    assert not is_automated(InboundFacts(PERSON))


@pytest.mark.parametrize(
    ("address", "relay"),
    [
        ("noreply@leadmail.no", True),
        ("SP@AdHelp.dk", True),
        ("kunde@notadhelp.dk", False),
        ("system@leadpoint.dk", False),
        (PERSON, False),
    ],
)
def test_never_reply_relay(address: str, relay: bool) -> None:
    assert is_never_reply_relay(address) is relay
