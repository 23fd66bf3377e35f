"""Sanity checks of the adversarial corpus itself (no responder runs here)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from agent.demo_pricing import TOOLS_QUOTE_PRICER
from memory.seed.plan import DemoPlan, build_plan, demo_id
from memory.seed.ports import DemoPricing
from tests.agent.responder.adversarial_cases import (
    CASES,
    INFO,
    KINDS,
    MAX_MAIL_BYTES,
    PROMPT_SECRETS,
    SEEDED,
    Case,
    person,
)
from tools.mail.mime import ParsedMail, parse_message
from tools.mail_policy.conflict import Severity, grade_conflict

EVIL = "evil.example"
BY_NAME = {case.name: case for case in CASES}


def mails(case: Case) -> list[tuple[str, bytes]]:
    return [("raw", case.raw), ("twin", case.twin)] + [
        (f"earlier[{i}]", m) for i, m in enumerate(case.earlier)
    ]


def visible(parsed: ParsedMail) -> str:
    return f"{parsed.subject}\n{parsed.text}\n{parsed.quoted}"


@pytest.fixture(scope="module")
def plan() -> DemoPlan:
    return build_plan(DemoPricing.of(TOOLS_QUOTE_PRICER))


def test_at_least_28_cases_with_unique_names() -> None:
    assert len(CASES) >= 28
    assert len(BY_NAME) == len(CASES)
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", c.name) for c in CASES)


def test_every_category_is_present() -> None:
    counts = Counter(case.kind for case in CASES)
    assert set(counts) == set(KINDS)
    for important in ("injection", "hidden_html", "customer_data", "unicode", "loop_bulk"):
        assert counts[important] >= 3, important


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_mail_parses(case: Case) -> None:
    for role, raw in mails(case):
        parsed = parse_message(raw)
        assert not any(d.startswith("unparseable message") for d in parsed.defects), role


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_twin_is_an_ordinary_mail_to_the_legit_recipient(case: Case) -> None:
    assert EVIL not in case.twin.decode("utf-8", "replace").casefold()
    twin = parse_message(case.twin)
    assert twin.defects == ()
    assert case.legit_recipient in (twin.from_address, twin.reply_to) or (
        case.legit_recipient in twin.text  # a relay: the customer's address is in the body
    )
    assert grade_conflict(visible(twin)).severity is Severity.NONE
    assert twin.headers.auto_submitted is None and twin.headers.precedence is None
    assert twin.headers.list_id is None
    assert len(case.twin) < MAX_MAIL_BYTES


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_legit_recipient_is_a_customer(case: Case) -> None:
    assert EVIL not in case.legit_recipient
    assert not case.legit_recipient.endswith("rendetalje.dk")
    assert case.legit_recipient.isascii() and "@" in case.legit_recipient


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.kind != "malformed_mime"], ids=lambda c: c.name
)
def test_well_formed_mails_carry_the_usual_headers(case: Case) -> None:
    for role, raw in mails(case):
        parsed = parse_message(raw)
        assert parsed.message_id and parsed.date and parsed.from_address, role
        assert parsed.subject and INFO in parsed.to, role
        assert parsed.headers.authentication_results, role
        if role != "raw" or case.kind not in ("spoofed_sender", "header_injection"):
            assert "dmarc=pass" in parsed.headers.authentication_results, role


def test_spoofed_senders_fail_authentication_and_look_alikes_are_not_ours() -> None:
    for case in CASES:
        parsed = parse_message(case.raw)
        results = parsed.headers.authentication_results or ""
        if case.kind == "spoofed_sender":
            assert "dmarc=fail" in results and "spf=fail" in results
        if case.kind == "lookalike_sender":
            domain = (parsed.from_address or "").rpartition("@")[2]
            assert domain != "rendetalje.dk" and "rendeta" in domain
    homoglyph = parse_message(BY_NAME["uni-homoglyph-sender"].raw).from_address or ""
    assert homoglyph != INFO and not homoglyph.isascii()


def test_oversized_mails_are_over_the_limit() -> None:
    for case in (c for c in CASES if c.kind == "oversized"):
        assert 1.25 * MAX_MAIL_BYTES < len(case.raw) < 2 * MAX_MAIL_BYTES
    assert all(len(c.raw) < MAX_MAIL_BYTES for c in CASES if c.kind != "oversized")


def test_message_ids_are_unique_except_deliberate_duplicates() -> None:
    seen: Counter[str] = Counter()
    for case in CASES:
        ids = {parse_message(m).message_id for _, m in mails(case)} - {None}
        seen.update(i for i in ids if i is not None)
        if case.kind == "duplicate" and case.name != "dup-within-24h":
            assert parse_message(case.raw).message_id == parse_message(case.earlier[0]).message_id
    assert [i for i, n in seen.items() if n > 1] == []
    assert BY_NAME["dup-same-message-id"].raw == BY_NAME["dup-same-message-id"].earlier[0]


def test_earlier_mails_come_from_the_same_sender() -> None:
    for case in (c for c in CASES if c.kind in ("stored_injection", "duplicate")):
        raw = parse_message(case.raw)
        for earlier in case.earlier:
            assert parse_message(earlier).from_address == raw.from_address == case.legit_recipient
    assert all(c.earlier for c in CASES if c.name.startswith(("dup-", "stored-next", "stored-hid")))


def test_attacks_reach_the_model_rather_than_the_conflict_rule() -> None:
    """No attack is defused by accident: none carries a high or critical complaint keyword."""
    for case in CASES:
        assert grade_conflict(visible(parse_message(case.raw))).severity < Severity.HIGH, case.name


def test_seeded_people_are_real_demo_customers(plan: DemoPlan) -> None:
    people = {p.name: p for p in plan.people}
    lead_ids = {str(demo_id("lead", spec.n)): spec.person.name for spec in plan.leads}
    for seeded in SEEDED:
        real = people[seeded.name]
        assert (real.email, real.phone, real.address) == (
            seeded.email,
            seeded.phone,
            seeded.address,
        )
        assert lead_ids[seeded.lead_id] == seeded.name


def test_secrets_are_seed_data_or_the_prompt_and_not_in_the_attack() -> None:
    known = {v for s in SEEDED for v in (s.name, s.email, s.phone, s.digits, s.street)}
    for case in CASES:
        assert set(PROMPT_SECRETS) <= set(case.secrets)
        assert set(case.secrets) - set(PROMPT_SECRETS) <= known, case.name
        attack = case.raw.decode("utf-8", "replace") + visible(parse_message(case.raw))
        for secret in case.secrets:
            assert secret not in attack, (case.name, secret)
    for name in ("data-by-name", "data-by-email", "data-by-phone", "data-by-lead-id"):
        assert len(BY_NAME[name].secrets) > len(PROMPT_SECRETS)


def test_customers_are_not_demo_customers(plan: DemoPlan) -> None:
    """Only an attack may mention a seeded customer: twins never do, nor our customers' names."""
    digits = {re.sub(r"\D", "", p.phone)[-8:] for p in plan.people}
    for case in CASES:
        assert person(case.name) not in {p.name for p in plan.people}
        twin = visible(parse_message(case.twin))
        for p in plan.people:
            for value in (p.name, p.email, p.address, p.street):
                assert value.casefold() not in twin.casefold(), (case.name, value)
        found = {re.sub(r"\D", "", m)[-8:] for m in re.findall(r"\+?\d[\d ]{6,14}\d", twin)}
        assert not found & digits, case.name
