"""The offline model's final answers: exact text, in the staff member's language, with every
figure taken from the tool results (never recomputed), and plain reports of failures."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agent.offline.compose_email import compose_mail
from agent.offline.plan_types import MailContent
from agent.offline.understand import understand
from tests.agent.offline.offline_world import (
    METTE,
    METTE_J,
    NOW,
    World,
    offline_model,
    quote_record,
    uid,
)
from tools.canonical.records import (
    AvailabilityResult,
    EmailSent,
    LeadDetail,
    QuoteDraft,
    SearchResult,
)

QUOTE_DA = (
    "Flytterengøring af 80 m²: 2 medarbejdere × 2 timer = 4 arbejdstimer. "
    "Pris: 1.396–2.094 kr inkl. moms (349 kr/time). Kunden betaler kun for den faktiske tid. "
    "Tilbuddet er gemt som kladde (id 00000064) og gælder til torsdag 31. december."
)
QUOTE_EN = (
    "Move-out cleaning of 80 m²: 2 workers × 2 hours = 4 work hours. "
    "Price: 1,396–2,094 kr incl. VAT (349 kr/hour). The customer pays only for the time "
    "actually used. The quote is saved as a draft (id 00000064), valid until Thursday "
    "31 December."
)


def answer_after(text: str, name: str, args: dict[str, Any], content: str) -> str:
    """The answer once one tool call for `text` came back with `content`."""
    call = AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": "c1"}])
    messages: list[BaseMessage] = [
        HumanMessage(text),
        call,
        ToolMessage(content, tool_call_id="c1"),
    ]
    reply = offline_model().invoke(messages)
    assert isinstance(reply, AIMessage)
    assert reply.tool_calls == []
    return str(reply.content)


def quote_answer(text: str, quote: QuoteDraft) -> str:
    args = {"service": quote.service.value, "area_m2": 80}
    return answer_after(text, "draft_quote", args, quote.model_dump_json())


def test_danish_quote_answer() -> None:
    answer = quote_answer(
        "Hvad koster en flytterengøring på 80 m2?", quote_record("moving_out", 80)
    )
    assert answer == QUOTE_DA
    for part in ("1.396", "2.094", "2 medarbejdere", "4 arbejdstimer"):
        assert part in answer


def test_english_quote_answer() -> None:
    answer = quote_answer(
        "How much is a move-out cleaning of 80 m2?", quote_record("moving_out", 80)
    )
    assert answer == QUOTE_EN
    for part in ("1,396", "2,094", "2 workers", "4 work hours"):
        assert part in answer


def test_quote_figures_are_the_tools_not_recomputed() -> None:
    odd = quote_record("moving_out", 80).model_copy(
        update={
            "workers": 3,
            "hours_on_site": Decimal("2.5"),
            "work_hours": Decimal("7.5"),
            "price_min": Decimal("2617.50"),
            "price_max": Decimal("3664.50"),
        }
    )
    answer = quote_answer("Hvad koster en flytterengøring på 80 m2?", odd)
    assert "3 medarbejdere × 2,5 timer = 7,5 arbejdstimer" in answer
    assert "Pris: 2.617,50–3.664,50 kr inkl. moms" in answer
    assert "1.396" not in answer


def test_search_lists_the_matches() -> None:
    search = World().search_leads("Mette")
    answer = answer_after(
        "Find Mette", "search_leads", {"query": "Mette"}, search.model_dump_json()
    )
    assert answer == (
        "Fandt 2 leads for »Mette«:\n"
        "- Mette Hansen (mette.hansen@example.dk) – ny, flytterengøring, 80 m², score 72 "
        "[id 00000001]\n"
        "- Mette Jensen (mette.j@example.dk) – ny, hovedrengøring, 120 m², score 50 [id 00000002]"
    )


def test_search_without_matches_in_english() -> None:
    empty = SearchResult(query="Ole", leads=[]).model_dump_json()
    answer = answer_after("Look up Ole", "search_leads", {"query": "Ole"}, empty)
    assert answer == 'No leads match "Ole".'


def test_lead_details() -> None:
    detail = World().get_lead(str(METTE.id)).model_copy(update={"quotes": []})
    text = "Vis lead 3fa85f64"
    answer = answer_after(text, "get_lead", {"lead_id": "3fa85f64"}, detail.model_dump_json())
    assert answer == (
        "Mette Hansen – ny, flytterengøring, 80 m², score 72 [id 00000001]\n"
        "- Kontakt: mette.hansen@example.dk, +45 20304050\n"
        "- Adresse: Skovvej 12, 8000 Aarhus C\n"
        "- Værelser: 3\n"
        "- Kilde: website · warm"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Har vi ledige tider i næste uge?",
            "Ledige tider (2 timer på stedet):\n- mandag 7. december kl. 8.00–10.00\n"
            "- tirsdag 8. december kl. 8.00–10.00\n- onsdag 9. december kl. 8.00–10.00",
        ),
        (
            "Any free slots next week?",
            "Free slots (2 hours on site):\n- Monday 7 December at 08:00–10:00\n"
            "- Tuesday 8 December at 08:00–10:00\n- Wednesday 9 December at 08:00–10:00",
        ),
    ],
)
def test_availability_lists_slots_with_weekday_and_time(text: str, expected: str) -> None:
    args: dict[str, Any] = {"from_date": "2026-12-07", "days": 6, "count": 3}
    result = World().check_availability(from_date="2026-12-07", days=6).model_dump_json()
    assert answer_after(text, "check_availability", args, result) == expected


def test_no_free_slots() -> None:
    none = AvailabilityResult(hours_on_site=Decimal(4), slots=[]).model_dump_json()
    answer = answer_after("Har vi tid i morgen?", "check_availability", {}, none)
    assert answer == "Der er ingen ledige tider i perioden til en opgave på 4 timer."


def _denied(message: str) -> str:
    return json.dumps({"error": {"code": "denied", "message": message}})


@pytest.mark.parametrize(
    ("text", "content", "expected"),
    [
        ("Send udkastet 3fa85f64", _denied("for tidligt"),
         "Ikke udført: afsendelsen af mailen blev afvist (begrundelse: for tidligt)."),
        ("Send the draft 3fa85f64", _denied(""), "Not performed: sending the email was rejected."),
        ("Send udkastet 3fa85f64", json.dumps({"error": {"code": "pending_approval"}}),
         "Ikke udført endnu: afsendelsen af mailen afventer godkendelse."),
        ("Send the draft 3fa85f64", "Connection reset by peer",
         "That did not work: sending the email failed (error: Connection reset by peer)."),
        ("Send the draft 3fa85f64", '{"unexpected": true}',
         "That did not work: sending the email failed "
         "(unreadable_result: send_email: unreadable result)."),
    ],
)  # fmt: skip
def test_failures_are_reported_plainly(text: str, content: str, expected: str) -> None:
    answer = answer_after(text, "send_email", {"draft_id": "3fa85f64"}, content)
    assert answer == expected


def test_sent_mail() -> None:
    sent = EmailSent(draft_id=uid(9), to="jens@example.dk", status="sent", provider_message_id=None)
    answer = answer_after("Send the draft 3fa85f64", "send_email", {}, sent.model_dump_json())
    assert answer == "The email to jens@example.dk is sent."


def test_draft_is_shown_and_sending_is_offered() -> None:
    world = World()
    answer = world.run(offline_model(), [], "Skriv til jens@example.dk at vi kommer fredag")
    assert answer.content == (
        "Kunde: Jens Hansen (jens@example.dk).\n\n"
        "Mailudkast til jens@example.dk (emne »Henvendelse fra Rendetalje«, id 00000191). "
        "Det er ikke sendt.\n\n"
        "> Hej Jens,\n>\n> Vi kommer fredag 4. december.\n>\n> Venlig hilsen\n> Rendetalje\n\n"
        "Skal jeg sende mailen? (Afsendelse kræver godkendelse.)"
    )


def test_english_wording_is_not_translated_into_the_mail() -> None:
    world = World()
    answer = world.run(offline_model(), [], "Write an email to Jens Hansen saying we come Friday")
    body = world.calls[-1][1]["body"]
    assert body == (
        "Hej Jens,\n\nTak for din henvendelse. Vi vender tilbage hurtigst muligt.\n\n"
        "Venlig hilsen\nRendetalje"
    )
    assert "The draft has a general Danish text" in str(answer.content)


def test_quote_mail_carries_the_tools_quote_text() -> None:
    quote = quote_record("moving_out", 80, lead_id=METTE.id)
    u = understand("Send tilbuddet til Mette", now=NOW)
    body = compose_mail(u, METTE, MailContent(quote=quote))
    assert body.startswith("Hej Mette,\n\nTak for din henvendelse. Her er vores tilbud:\n\n")
    assert quote.text in body
    assert body.endswith("\n\nVenlig hilsen\nRendetalje")


def test_booking_answer_offers_a_confirmation_mail() -> None:
    world = World()
    answer = world.run(offline_model(), [], "Book Jens Hansen fredag kl. 13 i 3 timer")
    assert answer.content == (
        "Kunde: Jens Hansen (jens@example.dk).\n\n"
        "Bookingen er oprettet: fredag 4. december kl. 13.00–16.00 (id 0000012c, status: "
        "bekræftet).\n\n"
        "Skal jeg sende en bekræftelse af bookingen til Jens Hansen på mail?"
    )


def test_greeting_and_help_in_both_languages() -> None:
    hello = offline_model().invoke([HumanMessage("Hej")])
    assert str(hello.content).startswith("Hej! Jeg kan finde leads")
    help_en = offline_model().invoke([HumanMessage("What can you do?")])
    assert str(help_en.content).startswith("I can find leads, show a lead's details")


def test_neutral_reply_keeps_the_conversations_language() -> None:
    world, history, model = World(), list[BaseMessage](), offline_model()
    world.run(model, history, "How much is a deep cleaning?")
    answer = world.run(model, history, "120 m2")
    assert str(answer.content).startswith("Deep cleaning of 120 m²: 2 workers × 4 hours")


def test_lead_detail_mentions_quotes_and_bookings() -> None:
    quote = quote_record("deep", 120, lead_id=METTE_J.id)
    detail = LeadDetail(
        lead=METTE_J, score_parts={}, tier="warm", quotes=[quote], bookings=[], mails=[]
    )
    answer = answer_after(
        "Show details for Mette Jensen", "get_lead", {"lead_id": "x"}, detail.model_dump_json()
    )
    assert "- Quote: deep cleaning, 2,792–3,490 kr (draft)" in answer


def test_unknown_lead_mail_goes_to_the_typed_address() -> None:
    world = World()
    world.run(offline_model(), [], "Skriv til ny.kunde@example.dk at vi kommer fredag")
    assert world.calls[-1][1]["to"] == "ny.kunde@example.dk"
    assert world.calls[-1][1]["body"].startswith("Hej,\n\nVi kommer fredag 4. december.")
