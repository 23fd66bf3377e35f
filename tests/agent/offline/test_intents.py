"""The weighted cue scorer: intents, their order, the cues behind them, and negation."""

from __future__ import annotations

import pytest

from agent.offline.cues import CUES, EXECUTION_ORDER, Intent
from agent.offline.intents import THRESHOLD, classify, confidence

It = Intent


@pytest.mark.parametrize(
    ("text", "intents"),
    [
        # find_lead
        ("Find Mette Hansen", (It.FIND_LEAD,)),
        ("søg efter Jens", (It.FIND_LEAD,)),
        ("Slå Mette op", (It.FIND_LEAD,)),
        ("Hvem er Lene Mikkelsen?", (It.FIND_LEAD,)),
        ("Look up John", (It.FIND_LEAD,)),
        ("Look John up", (It.FIND_LEAD,)),
        ("Search for leads in Randers", (It.FIND_LEAD,)),
        ("who is jens@example.dk?", (It.FIND_LEAD,)),
        ("Hvilke leads er kommet ind i går?", (It.FIND_LEAD,)),
        ("Show me the new leads", (It.FIND_LEAD,)),
        # lead_details
        ("Vis Mette", (It.LEAD_DETAILS,)),
        ("Show me Jens", (It.LEAD_DETAILS,)),
        ("Detaljer om Mette Hansen", (It.LEAD_DETAILS,)),
        ("Hvad er status på Jens?", (It.LEAD_DETAILS,)),
        ("What do we know about Lene?", (It.LEAD_DETAILS,)),
        # availability
        ("Har vi ledige tider på fredag?", (It.AVAILABILITY,)),
        ("Vis ledige tider", (It.AVAILABILITY,)),  # "vis" is generic, "ledige" specific
        ("Hvornår kan vi komme?", (It.AVAILABILITY,)),
        ("har vi tid i morgen", (It.AVAILABILITY,)),
        ("Any free slots next week?", (It.AVAILABILITY,)),
        ("What's our availability on Monday?", (It.AVAILABILITY,)),
        ("Do we have time on Saturday for a window cleaning?", (It.AVAILABILITY,)),
        ("Har I tid i næste uge?", (It.AVAILABILITY,)),
        # quote
        ("Lav et tilbud", (It.QUOTE,)),
        ("Lav et tilbdu", (It.QUOTE,)),  # typo corrected
        ("Hvad er prisen for 80 m2?", (It.QUOTE,)),
        ("Hvad koster det?", (It.QUOTE,)),
        ("Can I get a quote?", (It.QUOTE,)),
        ("How much would that be?", (It.QUOTE,)),
        ("What's the price?", (It.QUOTE,)),
        # book
        ("Book Jens", (It.BOOK,)),
        ("Reserver tirsdag til Mette", (It.BOOK,)),
        ("Læg det i kalenderen", (It.BOOK,)),
        ("Schedule Peter for Friday", (It.BOOK,)),
        # write / send
        ("Skriv til Lene", (It.WRITE_EMAIL,)),
        ("Svar Mette", (It.WRITE_EMAIL,)),
        ("Reply to the customer", (It.WRITE_EMAIL,)),
        ("Send en mail til Lene", (It.WRITE_EMAIL, It.SEND_EMAIL)),
        ("Send udkastet", (It.SEND_EMAIL,)),
        ("Afsend mailen", (It.SEND_EMAIL,)),
        ("send the draft", (It.SEND_EMAIL,)),
        ("send tilbuddet til Mette", (It.QUOTE, It.WRITE_EMAIL, It.SEND_EMAIL)),
        # several at once, in execution order whatever the word order
        ("lav et tilbud og find Mette", (It.FIND_LEAD, It.QUOTE)),
        ("book Jens og skriv til ham", (It.BOOK, It.WRITE_EMAIL)),
        ("Find Jens, check availability and book him", (It.FIND_LEAD, It.AVAILABILITY, It.BOOK)),
        # confirm / decline
        ("Ja", (It.CONFIRM,)),
        ("ok", (It.CONFIRM,)),
        ("Gør det", (It.CONFIRM,)),
        ("Yes please", (It.CONFIRM,)),
        ("Godkend", (It.CONFIRM,)),
        ("Ja, send det", (It.CONFIRM, It.SEND_EMAIL)),
        ("Nej", (It.DECLINE,)),
        ("No", (It.DECLINE,)),
        ("Annullér", (It.DECLINE,)),
        ("Cancel", (It.DECLINE,)),
        ("Glem det", (It.DECLINE,)),
        ("ok, nej alligevel", (It.DECLINE,)),  # confirm + decline is a decline
        # greeting / help / unknown
        ("Hej", (It.GREETING,)),
        ("Godmorgen!", (It.GREETING,)),
        ("Hjælp", (It.HELP,)),
        ("Hej, hvad kan du?", (It.GREETING, It.HELP)),
        ("Hej, find Mette", (It.FIND_LEAD,)),  # the greeting is dropped next to a task
        ("Kan du hjælpe mig med at finde Mette?", (It.FIND_LEAD,)),
        ("Det regner", (It.UNKNOWN,)),
        ("", (It.UNKNOWN,)),
    ],
)
def test_classifies(text: str, intents: tuple[Intent, ...]) -> None:
    assert classify(text).names == intents


@pytest.mark.parametrize(
    ("text", "intents", "negated"),
    [
        ("ikke send", (It.DECLINE,), ("send",)),
        ("Send ikke udkastet", (It.DECLINE,), ("send",)),
        ("send det ikke", (It.DECLINE,), ("send", "send det")),
        ("Du må ikke sende det endnu", (It.DECLINE,), ("send",)),
        ("Don't send it", (It.DECLINE,), ("send", "send det")),
        ("do not book Jens", (It.DECLINE,), ("book",)),
        ("Lad være med at booke Jens", (It.DECLINE,), ("book",)),
        ("Skriv til Lene, men send det ikke", (It.WRITE_EMAIL,), ("send", "send det")),
        ("Lav et tilbud uden at sende det", (It.QUOTE,), ("send",)),
        # not negations
        ("Kan du ikke lige sende udkastet?", (It.SEND_EMAIL,), ()),  # polite request
        ("Vil du ikke finde Mette?", (It.FIND_LEAD,), ()),
        ("Send det, ikke?", (It.CONFIRM, It.SEND_EMAIL), ()),  # tag question, other clause
        ("Find Mette, ikke Jens", (It.FIND_LEAD,), ()),
    ],
)
def test_negation(text: str, intents: tuple[Intent, ...], negated: tuple[str, ...]) -> None:
    result = classify(text)
    assert result.names == intents
    assert result.negated == negated


def test_cues_explain_the_result() -> None:
    result = classify("Skriv et svar til Lene og send det")
    by_intent = {match.intent: match.cues for match in result.intents}
    assert by_intent == {
        It.CONFIRM: ("send det",),
        It.WRITE_EMAIL: ("skriv", "svar"),
        It.SEND_EMAIL: ("send",),
    }
    declined = classify("Send det ikke")
    assert declined.intents[0].cues == ("ikke send", "ikke send det")


def test_confidence_grows_with_evidence() -> None:
    one = classify("Lav et tilbud").intents[0].confidence
    two = classify("Lav et tilbud, hvad er prisen?").intents[0].confidence
    assert 0.5 < one < two < 1
    assert confidence(THRESHOLD) < confidence(2) < confidence(4)
    assert classify("Det regner").intents[0].confidence == 0.0


def test_cue_table_is_sane() -> None:
    assert EXECUTION_ORDER.index(It.FIND_LEAD) < EXECUTION_ORDER.index(It.QUOTE)
    assert EXECUTION_ORDER.index(It.QUOTE) < EXECUTION_ORDER.index(It.BOOK)
    assert EXECUTION_ORDER.index(It.WRITE_EMAIL) < EXECUTION_ORDER.index(It.SEND_EMAIL)
    labels = [(cue.intent, cue.label) for cue in CUES]
    assert len(labels) == len(set(labels)), "every cue label is unique within its intent"
    covered = {cue.intent for cue in CUES}
    assert covered == set(Intent) - {It.UNKNOWN}
