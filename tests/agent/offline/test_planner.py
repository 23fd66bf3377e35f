"""The offline model's decisions: the first tool call for a request, and whole turns.

The clock is Tuesday 1 December 2026, 09:00 in Copenhagen. Each table row is the exact
first tool call (name and all arguments) or, when information is missing, the exact
question, so a wrong tool, a wrong argument or a guessed figure fails the row.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from tests.agent.offline.offline_world import (
    JENS,
    LENE,
    METTE,
    METTE_J,
    World,
    offline_model,
    uid,
)

Call = tuple[str, dict[str, Any]]


def quote(service: str, area: int, **extra: Any) -> Call:
    return ("draft_quote", {"service": service, "area_m2": area, **extra})


def search(query: str) -> Call:
    return ("search_leads", {"query": query})


def slots(days: int, from_date: str | None = None, hours: int | None = None) -> Call:
    args: dict[str, Any] = {} if hours is None else {"hours_on_site": hours}
    args |= {} if from_date is None else {"from_date": from_date}
    return ("check_availability", {**args, "days": days, "count": 3})


CALLS: list[tuple[str, Call]] = [
    # quotes
    ("Hvad koster en flytterengøring på 80 m2?", quote("moving_out", 80)),
    ("How much is a move-out cleaning of 80 m2?", quote("moving_out", 80)),
    (
        "Flytterengøring inkl. ovn, køleskab og afkalkning, 65 m2",
        quote("moving_out", 65, add_ons=["oven", "fridge", "descaling"]),
    ),
    ("Lav en pris på ugentlig rengøring 70m2", quote("regular", 70)),
    ("Hvad koster vinduespudsning af 150 m2?", quote("windows", 150)),
    ("Hvad koster hovdrengøring af 100 kvm med 3 værelser?", quote("deep", 100)),
    # add-ons exist only for move-out cleaning: the oven is not passed on
    ("Price for deep cleaning 120 sqm with oven", quote("deep", 120)),
    ("Lav et tilbud på flytterengøring til Mette Hansen", search("Mette Hansen")),
    ("Quote for Mette Hansen", search("Mette Hansen")),
    (
        "Kan du lave et overslag på erhvervsrengøring af 200 kvm til info@firma.dk?",
        search("info@firma.dk"),
    ),
    # finding and reading leads
    ("Find Mette Hansen", search("Mette Hansen")),
    ("Søg på 20304050", search("+4520304050")),
    ("Hvem er mette.hansen@example.dk?", search("mette.hansen@example.dk")),
    ("Find leads i Aarhus", search("aarhus")),
    ("Look up jens@example.dk", search("jens@example.dk")),
    ("Vis detaljer for Mette Hansen", search("Mette Hansen")),
    ("vis lead 3fa85f64", ("get_lead", {"lead_id": "3fa85f64"})),
    ("Show me the details for lead 3fa85f64", ("get_lead", {"lead_id": "3fa85f64"})),
    # availability
    ("Har vi ledige tider i næste uge?", slots(6, "2026-12-07")),
    ("har vi ledige tider på mandag?", slots(1, "2026-12-07")),
    ("Har vi tid i morgen?", slots(1, "2026-12-02")),
    ("Tjek kalenderen for 4 timer", slots(14, hours=4)),
    ("Do we have any free slots next week for 4 hours?", slots(6, "2026-12-07", hours=4)),
    ("Any free slots on Monday?", slots(1, "2026-12-07")),
    # a job of known size is priced first: its hours on site are the slot length
    ("Har vi ledige tider i næste uge til en hovedrengøring på 120 m2?", quote("deep", 120)),
    # booking
    ("Book Mette Hansen på tirsdag kl. 10", search("Mette Hansen")),
    ("Book Jens tomorrow at 9", search("Jens")),
    ("Book 3fa85f64 fredag kl. 12", ("get_lead", {"lead_id": "3fa85f64"})),
    # mail
    ("Skriv et svar til Lene om at vi kan komme torsdag", search("Lene")),
    ("Reply to Lene that we can come Friday at 10", search("Lene")),
    ("Mail til jens@example.dk om at vi kommer i overmorgen", search("jens@example.dk")),
    ("Follow up on Mette Hansen", search("Mette Hansen")),
]

QUESTIONS: list[tuple[str, str]] = [
    ("Hvad koster en hovedrengøring?",
     "Jeg gætter ikke på en pris. Hvor mange m² er boligen, og hvor mange værelser er der?"),
    ("What does a deep clean cost?",
     "I won't guess a price. How many m² is the home, and how many rooms does it have?"),
    ("Hvad koster det?",
     "Jeg gætter ikke på en pris. Hvor mange m² er boligen, og hvor mange værelser er der? "
     "Hvilken slags rengøring ønsker du – fx fast rengøring eller flytterengøring?"),
    ("Vis nye leads",
     "Hvem skal jeg søge efter? Skriv et navn, en e-mail, et telefonnummer eller en adresse."),
    ("Book Mette", "Hvilken dag og hvilket klokkeslæt skal bookingen være?"),
    ("Book tirsdag kl 10", "Hvilken kunde skal bookingen være til (navn, e-mail eller telefon)?"),
    ("Schedule a cleaning",
     "Which day and at what time should the booking be? "
     "Which customer is the booking for (name, email or phone)?"),
    ("Write an email", "Who should the email go to (name or email)?"),
    ("Send udkastet",
     "Jeg kan ikke finde et usendt mailudkast i samtalen. Hvilket udkast skal sendes (id), "
     "eller skal jeg skrive en ny mail?"),
    ("Send the draft",
     "I cannot find an unsent email draft in this conversation. Which draft should I send "
     "(id), or shall I write a new email?"),
    ("ja", "Der er ikke noget, der venter på et ja. Hvad skal jeg gøre?"),
    ("nej", "OK, det lader jeg være."),
    ("Tak", "Selv tak!"),
]  # fmt: skip


def first_reply(text: str, tools: list[Any] | None = None) -> AIMessage:
    reply = offline_model(tools).invoke([HumanMessage(text)])
    assert isinstance(reply, AIMessage)
    return reply


def calls_of(world: World) -> list[str]:
    return [name for name, _ in world.calls]


@pytest.mark.parametrize(("text", "expected"), CALLS, ids=[row[0] for row in CALLS])
def test_first_tool_call(text: str, expected: Call) -> None:
    reply = first_reply(text)
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [expected]
    # JSON-exact too: 80 stays 80 (not 80.0 or "80"), arguments in a stable order.
    assert json.dumps(reply.tool_calls[0]["args"]) == json.dumps(expected[1])


@pytest.mark.parametrize(("text", "question"), QUESTIONS, ids=[row[0] for row in QUESTIONS])
def test_missing_information_is_a_question(text: str, question: str) -> None:
    reply = first_reply(text)
    assert reply.tool_calls == []
    assert reply.content == question


def test_table_is_large_enough() -> None:
    assert len(CALLS) + len(QUESTIONS) >= 40


def test_quote_for_a_known_lead_reads_the_lead_then_prices_its_job() -> None:
    world = World()
    world.run(offline_model(), [], "Lav et tilbud på flytterengøring til Mette Hansen")
    lead_id = str(METTE.id)
    assert world.calls == [
        ("search_leads", {"query": "Mette Hansen"}),
        ("get_lead", {"lead_id": lead_id}),
        ("draft_quote", {"service": "moving_out", "area_m2": 80, "lead_id": lead_id}),
    ]


def test_lead_without_an_area_leads_to_the_area_question_then_the_quote() -> None:
    world, history, model = World(), list[BaseMessage](), offline_model()
    answer = world.run(model, history, "Lav et tilbud til Lene")
    assert calls_of(world) == ["search_leads", "get_lead"]
    assert "Hvor mange m² er boligen, og hvor mange værelser er der?" in str(answer.content)
    world.run(model, history, "90 m2 flytterengøring")
    assert world.calls[-1] == (
        "draft_quote",
        {"service": "moving_out", "area_m2": 90, "lead_id": str(LENE.id)},
    )


def test_answer_to_the_area_question_completes_the_earlier_request() -> None:
    world, history, model = World(), list[BaseMessage](), offline_model()
    world.run(model, history, "Hvad koster en flytterengøring?")
    assert world.calls == []
    world.run(model, history, "80 m2, 3 værelser")
    assert world.calls == [("draft_quote", {"service": "moving_out", "area_m2": 80})]


def test_ambiguous_search_asks_which_lead_and_the_answer_continues() -> None:
    world, history, model = World(), list[BaseMessage](), offline_model()
    answer = world.run(model, history, "Lav et tilbud på 80 m2 flytterengøring til Mette")
    assert calls_of(world) == ["search_leads"]
    assert str(answer.content).endswith(
        "Flere leads passer. Hvilket mener du? Skriv det fulde navn eller e-mailen."
    )
    world.run(model, history, "Mette Hansen")
    assert world.calls[1:] == [
        ("search_leads", {"query": "Mette Hansen"}),
        ("draft_quote", {"service": "moving_out", "area_m2": 80, "lead_id": str(METTE.id)}),
    ]


def test_search_then_mail_to_the_one_match() -> None:
    world = World()
    world.run(offline_model(), [], "Skriv et svar til Lene om at vi kan komme torsdag")
    assert world.calls == [
        ("search_leads", {"query": "Lene"}),
        (
            "draft_email_reply",
            {
                "lead_id": str(LENE.id),
                "body": (
                    "Hej Lene,\n\nVi kan komme torsdag 3. december.\n\nVenlig hilsen\nRendetalje"
                ),
            },
        ),
    ]


def test_send_after_a_draft_exists_sends_that_draft() -> None:
    world, history, model = World(), list[BaseMessage](), offline_model()
    world.run(model, history, "Skriv en mail til Jens Hansen om at vi kommer i overmorgen kl. 10")
    draft_id = str(uid(401))
    assert world.calls[-1][0] == "draft_email_reply"
    answer = world.run(model, history, "send tilbuddet")
    assert world.calls[-1] == ("send_email", {"draft_id": draft_id})
    assert answer.content == "Mailen er sendt til jens@example.dk."


def test_yes_after_a_quote_offer_drafts_and_sends_the_quote_mail() -> None:
    world, history, model = World(), list[BaseMessage](), offline_model()
    world.run(model, history, "How much is a move-out cleaning of 80 m2 for Mette Hansen?")
    world.run(model, history, "Yes please")
    name, args = world.calls[-2]
    assert name == "draft_email_reply"
    assert args["lead_id"] == str(METTE.id)
    assert args["quote_id"] == str(uid(100))
    assert world.calls[-1] == ("send_email", {"draft_id": str(uid(401))})


def test_yes_without_an_offer_does_nothing() -> None:
    world, history, model = World(), list[BaseMessage](), offline_model()
    world.run(model, history, "Find Jens Hansen")
    answer = world.run(model, history, "ja")
    assert calls_of(world) == ["search_leads"]
    assert answer.content == "Der er ikke noget, der venter på et ja. Hvad skal jeg gøre?"


def test_pronoun_refers_to_the_lead_of_an_earlier_turn() -> None:
    world, history, model = World(), list[BaseMessage](), offline_model()
    world.run(model, history, "Find Jens Hansen")
    world.run(model, history, "Lav et tilbud til ham")
    assert world.calls[1:] == [
        ("get_lead", {"lead_id": str(JENS.id)}),
        ("draft_quote", {"service": "regular", "area_m2": 95, "lead_id": str(JENS.id)}),
    ]


def test_quote_then_slots_then_mail_then_send_in_one_turn() -> None:
    world = World()
    text = "Lav et tilbud på 80 m2 flytterengøring til Mette Hansen og send hende ledige tider"
    world.run(offline_model(), [], text)
    assert calls_of(world) == [
        "search_leads",
        "draft_quote",
        "check_availability",
        "draft_email_reply",
        "send_email",
    ]
    assert world.calls[2][1] == {"hours_on_site": 2, "days": 14, "count": 3}


def test_booking_uses_the_stated_duration() -> None:
    world = World()
    world.run(offline_model(), [], "Book Jens Hansen fredag kl. 13 i 3 timer")
    assert world.calls[-1] == (
        "create_booking",
        {"start": "2026-12-04T13:00:00+01:00", "hours_on_site": 3, "lead_id": str(JENS.id)},
    )


def test_denied_step_stops_the_turn_and_is_reported() -> None:
    world = World(deny={"create_booking"})
    answer = world.run(offline_model(), [], "Book Jens Hansen fredag kl. 13 i 3 timer")
    assert calls_of(world) == ["search_leads", "create_booking"]
    assert str(answer.content).endswith(
        "Ikke udført: bookingen blev afvist (begrundelse: afvist af Anna)."
    )


def test_failed_step_stops_before_dependent_steps() -> None:
    world = World(fail={"draft_quote": ("invalid", "area above 5000 m²")})
    text = "Har vi ledige tider i næste uge til en hovedrengøring på 120 m2?"
    answer = world.run(offline_model(), [], text)
    assert calls_of(world) == ["draft_quote"]
    assert answer.content == "Det lykkedes ikke: tilbuddet fejlede (invalid: area above 5000 m²)."


def test_unbound_tools_are_never_called() -> None:
    reply = first_reply("Hvad koster en flytterengøring på 80 m2?", tools=[])
    assert reply.tool_calls == []
    assert reply.content == "Det kan jeg ikke her: værktøjet draft_quote er ikke tilgængeligt."
    search_only = {"type": "function", "function": {"name": "search_leads", "parameters": {}}}
    only_search = first_reply("Book Mette Hansen på tirsdag kl. 10", tools=[search_only])
    assert [c["name"] for c in only_search.tool_calls] == ["search_leads"]


def test_a_call_without_a_result_is_not_repeated() -> None:
    model = offline_model()
    first = model.invoke([HumanMessage("Find Mette Hansen")])
    again = model.invoke([HumanMessage("Find Mette Hansen"), first])
    assert again.tool_calls == []
    assert again.content == "Det lykkedes ikke: søgningen efter leads fejlede (no_result)."
    call = AIMessage(content="", tool_calls=[{"name": "send_email", "args": {}, "id": "s1"}])
    paused = model.invoke([HumanMessage("Send the draft 3fa85f64"), call])
    assert paused.content == "Not performed yet: sending the email is waiting for approval."


@pytest.mark.parametrize("reply", ["Ja tak, send tilbuddet", "send tilbuddet", "Send det"])
def test_taking_up_the_quote_offer_mails_the_offered_quote(reply: str) -> None:
    world, history, model = World(), list[BaseMessage](), offline_model()
    world.run(model, history, "Lav et tilbud på flytterengøring til Mette Hansen")
    world.run(model, history, reply)
    assert calls_of(world)[3:] == ["draft_email_reply", "send_email"]
    assert world.calls[3][1]["quote_id"] == str(uid(100))


def test_ok_after_a_booking_sends_a_confirmation() -> None:
    world, history, model = World(), list[BaseMessage](), offline_model()
    world.run(model, history, "Book Jens Hansen fredag kl. 13 i 3 timer")
    world.run(model, history, "ok")
    body = world.calls[2][1]["body"]
    assert body == (
        "Hej Jens,\n\nHermed bekræfter vi din booking fredag 4. december kl. 13.00–16.00."
        "\n\nVenlig hilsen\nRendetalje"
    )
    assert calls_of(world)[2:] == ["draft_email_reply", "send_email"]


def test_no_after_an_offer_does_nothing() -> None:
    world, history, model = World(), list[BaseMessage](), offline_model()
    world.run(model, history, "Lav et tilbud på flytterengøring til Mette Hansen")
    answer = world.run(model, history, "nej")
    assert len(world.calls) == 3
    assert answer.content == "OK, det lader jeg være."


def test_mail_wording_survives_the_which_lead_question() -> None:
    world, history, model = World(), list[BaseMessage](), offline_model()
    world.run(model, history, "Skriv til Mette om at vi kommer fredag")
    assert calls_of(world) == ["search_leads"]
    world.run(model, history, "Mette Jensen")
    name, args = world.calls[-1]
    assert name == "draft_email_reply"
    assert args["lead_id"] == str(METTE_J.id)
    assert (
        args["body"] == "Hej Mette,\n\nVi kommer fredag 4. december.\n\nVenlig hilsen\nRendetalje"
    )
