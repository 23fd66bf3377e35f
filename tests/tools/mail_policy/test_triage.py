"""Triage of inbound mail: a table of realistic Danish and English mails, the order of the
rules (automated, complaint, spam, lead source, cues), and words that must not match."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.mail_policy.triage import Triage, TriageIntent, triage

BIRGIT = (
    "Hej\n\nTak for tilbuddet. Kan I komme lørdag den 12. december om formiddagen i stedet for "
    "fredag?\n\nMvh Birgit\n\nDen 20. nov. 2026 kl. 10.15 skrev Rendetalje "
    "<info@rendetalje.dk>:\n> Hej Birgit\n> Tak for din henvendelse. Her er vores tilbud på fast "
    "rengøring ..."
)
TORBEN = (
    "Hej, jeg er lidt skuffet over rengøringen i går. Køkkenet var fint, men der var ikke "
    "støvsuget\nunder sengene. Kan I kigge på det næste gang?\nTorben"
)


def run(
    subject: str,
    text: str,
    source: str = "direct",
    *,
    automated: bool = False,
    has_lead_fields: bool = False,
) -> Triage:
    return triage(
        subject, text, source=source, automated=automated, has_lead_fields=has_lead_fields
    )


@pytest.mark.parametrize(
    ("subject", "text", "intent"),
    [
        # new leads / quote requests
        ("Tilbud på flytterengøring", "Vi skal bruge en flytterengøring af 85 m2.", "new_lead"),
        ("Pris", "Hvad koster en hovedrengøring af et hus på 140 kvm?", "new_lead"),
        ("", "Hej, jeg søger fast rengøring hver 14. dag. Lejligheden er 70 m².", "new_lead"),
        ("Forespørgsel", "Kan I give et prisoverslag på vinduespudsning?", "new_lead"),
        ("", "Hej, kan I sende en pris på rengøring af 65 m2? Vh Lene", "new_lead"),
        ("", "Vi flytter 1. marts og skal bruge flytterengøring.", "new_lead"),
        ("", "Vi kunne godt tænke os hjælp til erhvervsrengøring af vores kontor.", "new_lead"),
        ("Quote request", "Could you send me a quote for a move-out cleaning?", "new_lead"),
        ("", "How much does a deep cleaning of a 3 bedroom flat cost?", "new_lead"),
        ("Cleaning", "We are looking for a regular cleaner for our 90 sqm apartment.", "new_lead"),
        # booking and rescheduling
        ("Kan I komme på lørdag?", BIRGIT, "booking_change"),
        ("", "Kan vi flytte tiden på torsdag til en anden dag?", "booking_change"),
        ("Aflysning", "Jeg må desværre aflyse rengøringen i morgen.", "booking_change"),
        ("", "Er det muligt at rykke aftalen til næste uge?", "booking_change"),
        ("", "Vi vil gerne booke en ny tid i december.", "booking_change"),
        ("Reschedule", "Hi, I need to reschedule our cleaning on Friday.", "booking_change"),
        ("", "Can we move the appointment to another day?", "booking_change"),
        ("Cancellation", "Please cancel the booking for Monday.", "booking_change"),
        ("", "Jeg vil gerne afmelde min faste rengøring fra januar.", "booking_change"),
        # questions
        ("Spørgsmål", "Bruger I selv miljøvenlige rengøringsmidler?", "question"),
        ("", "Har I forsikring, hvis noget går i stykker?", "question"),
        ("", "Do you bring your own vacuum cleaner?", "question"),
        ("Question", "I was wondering whether you work in Randers too.", "question"),
        ("", "Tak for i går.", "question"),  # no cue at all: a question, low confidence
        # complaints
        ("Rengøringen i går", TORBEN, "complaint"),
        ("Klage", "Jeg vil gerne klage over rengøringen.", "complaint"),
        ("", "Vi er meget utilfredse med jeres arbejde.", "complaint"),
        ("", "Det er uacceptabelt, at ingen kom.", "complaint"),
        ("", "Sagen er overgivet til min advokat.", "complaint"),
        ("", "Vi er ikke tilfredse og vil have pengene tilbage.", "complaint"),
        ("Complaint", "I want to make a complaint about Tuesday's cleaning.", "complaint"),
        ("", "We were very disappointed, the bathroom was not cleaned.", "complaint"),
        ("", "I want a refund, it was a poor job.", "complaint"),
        ("", "Dear Sir/Madam, I wish to complain about your cleaner.", "complaint"),
        # not for us
        ("SEO", "Dear Sir/Madam, we offer SEO to get you to the top of Google.", "not_for_us"),
        ("Partnership", "Invest in Bitcoin today and double your money.", "not_for_us"),
        ("Nyhedsbrev", "Se årets nyheder. Vis i browser. Afmeld nyhedsbrev her.", "not_for_us"),
        ("Summer sale", "Big summer sale on all vacuum cleaners! Unsubscribe", "not_for_us"),
        ("Congratulations", "You have won the lottery, claim your prize now.", "not_for_us"),
        ("", "Dear Sir, our services include web design services for you.", "not_for_us"),
    ],
)  # fmt: skip
def test_table(subject: str, text: str, intent: TriageIntent) -> None:
    result = run(subject, text)
    assert result.intent == intent, result
    assert 0.3 <= result.confidence <= 0.99
    assert result.cues


def test_automated_mail_is_not_for_us_whatever_it_says() -> None:
    result = run("Klage", "Vi vil gerne have et tilbud", "leadmail", automated=True)
    assert result == Triage("not_for_us", 0.99, ("automated",))


@pytest.mark.parametrize("source", ["leadmail", "leadpoint", "adhelp", "website", "LeadMail"])
def test_lead_sources_are_new_leads(source: str) -> None:
    result = run("Ny henvendelse", "Navn: Anna\nTelefon: 12 34 56 78", source)
    assert result.intent == "new_lead"
    assert f"source:{source.casefold()}" in result.cues
    assert result.confidence == 0.95


def test_parsed_lead_fields_make_a_direct_mail_a_lead() -> None:
    result = run("Hej", "Navn: Anna\nKvm: 80", has_lead_fields=True)
    assert (result.intent, result.cues) == ("new_lead", ("lead_fields",))


def test_a_lead_mentioning_disappointment_with_another_firm_stays_a_lead() -> None:
    text = "Vi er skuffede over vores nuværende firma og søger fast rengøring."
    result = run("Ny lead", text, "leadpoint")
    assert result.intent == "new_lead"
    assert "conflict:skuffet" in result.cues
    assert result.confidence < 0.95


@pytest.mark.parametrize("source", ["leadmail", "adhelp", "website"])
def test_a_lead_that_is_clearly_a_complaint_is_a_complaint(source: str) -> None:
    result = run("Klage", "Jeg klager over jeres rengøring, det er uacceptabelt.", source)
    assert result.intent == "complaint"
    assert result.confidence == 0.9


def test_critical_complaint_has_highest_confidence() -> None:
    result = run("", "Sagen går til inkasso og min advokat.")
    assert result == Triage("complaint", 0.95, ("conflict:inkasso", "conflict:advokat"))


def test_portal_leads_are_never_spam_but_website_form_spam_is() -> None:
    pitch = "Dear Sir/Madam, we offer SEO and backlinks for business growth."
    assert run("Lead", pitch, "leadmail").intent == "new_lead"
    assert run("Kontaktformular", pitch, "website").intent == "not_for_us"


def test_spam_with_a_high_complaint_is_a_complaint() -> None:
    text = "Dear Sir/Madam, this is a formal complaint. We offer you a chance to respond."
    assert run("", text).intent == "complaint"


def test_spam_wins_over_a_medium_complaint_word_in_a_pitch() -> None:
    text = "Dear Sir/Madam, disappointed with your Google ranking? We offer SEO."
    assert run("", text).intent == "not_for_us"


@pytest.mark.parametrize(
    "text",
    [
        "Vi beklager, at vi ikke nåede det.",  # "klage" inside "beklager"
        "Skuffen i køkkenet mangler et håndtag.",  # "skuffe" is a drawer
        "Hvem er Sue, som kom i går?",  # a name, not "sue"
        "I'm terribly sorry, but can you come on Monday instead?",  # not a complaint
        "Kan I tage SEOUL-tæppet med?",  # "seo" inside another word
        "Vi har et bitcoinfrit hjem.",  # "bitcoin" inside another word
    ],
)
def test_no_hits_inside_other_words(text: str) -> None:
    result = run("", text)
    assert result.intent not in ("complaint", "not_for_us"), result


def test_quoted_history_and_reply_subject_do_not_count() -> None:
    text = "Passer det med torsdag?\n\nOn Tue, 1 Dec 2026, Rendetalje wrote:\n> Her er vores tilbud"
    result = run("Re: Tilbud på flytterengøring", text)
    assert result.intent == "booking_change"
    assert not any(cue.startswith("lead:") for cue in result.cues)


def test_thanks_for_the_quote_is_not_a_quote_request() -> None:
    assert run("", "Tak for jeres tilbud. Kan I komme på mandag?").intent == "booking_change"


def test_clear_cues_give_higher_confidence_than_mixed_ones() -> None:
    clear = run("Tilbud", "Hvad koster en flytterengøring af 80 m2? Vi søger et tilbud.")
    mixed = run("", "Hvornår kan I komme?")
    assert clear.confidence > mixed.confidence


@given(st.text(max_size=300), st.text(max_size=60))
def test_never_raises_and_stays_in_range(text: str, subject: str) -> None:
    result = run(subject, text)
    assert result.intent in ("new_lead", "booking_change", "question", "complaint", "not_for_us")
    assert 0.3 <= result.confidence <= 0.99
