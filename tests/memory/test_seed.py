"""The demo data set (``renos db seed``) against a real, freshly migrated PostgreSQL."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from agent.demo_pricing import TOOLS_QUOTE_PRICER
from memory.database import Database
from memory.models import (
    ApiToken,
    Base,
    Booking,
    Customer,
    Escalation,
    InboundEmail,
    Lead,
    OutboundEmail,
    Quote,
    StaffUser,
)
from memory.models.enums import LeadStatus
from memory.seed import SeedReport, seed_demo
from memory.seed.calendar import easter_sunday
from memory.seed.plan import build_plan
from memory.seed.ports import DemoPricing
from tools.pricing import calculate_quote
from tools.quote_text import validate_quote_text

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=CPH)
LATER = NOW + timedelta(days=9, hours=5, minutes=17)
SPEED = {"moving_out": 20, "deep": 15, "regular": 30, "standard": 25, "business": 35,
         "windows": 100}  # fmt: skip
# Danish holidays near the windows these tests seed in (hard-coded, not computed).
HOLIDAYS = {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 31),
            date(2027, 1, 1), date(2027, 3, 25), date(2027, 3, 26), date(2027, 3, 29),
            date(2027, 5, 6), date(2027, 5, 17)}  # fmt: skip
FREE_MAIL = re.compile(r"@(gmail|googlemail|hotmail|yahoo|outlook|live|icloud|msn)\.", re.I)
M = TypeVar("M", bound=Base)


async def _seed(db: Database, now: datetime = NOW, **kw: Any) -> SeedReport:
    """Seed with the real pricing rules from ``tools`` unless a test injects its own."""
    kw.setdefault("pricer", TOOLS_QUOTE_PRICER)
    async with db.transaction() as session:
        return await seed_demo(session, now=now, **kw)


async def _rows(db: Database, model: type[M]) -> list[M]:
    async with db.sessions() as session:
        return list((await session.execute(select(model))).scalars())


async def _counts(db: Database) -> dict[str, int]:
    models = (StaffUser, Customer, Lead, Quote, InboundEmail, OutboundEmail, Booking, Escalation)
    async with db.sessions() as session:
        return {
            m.__tablename__: (
                await session.execute(select(func.count()).select_from(m))
            ).scalar_one()
            for m in models
        }


def _price(service: str, area: Decimal) -> tuple[int, Decimal]:
    """domain.md's formula, written independently of the seed: (workers, hours on site)."""
    workers = 1 if area < 60 else 2
    if service == "moving_out" and area > 50:
        workers = 2
    halves = math.ceil(area * 2 / (SPEED[service] * workers))
    return workers, max(Decimal(halves) / 2, Decimal(2))


def _text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


async def test_counts_vocabularies_and_spread(db: Database) -> None:
    report = await _seed(db)
    counts = await _counts(db)
    assert report.inserted_anything
    assert report.as_dict() == {
        "staff_users": counts["staff_users"], "customers": counts["customers"],
        "leads": counts["leads"], "quotes": counts["quotes"],
        "inbound_emails": counts["inbound_emails"], "outbound_emails": counts["outbound_emails"],
        "bookings": counts["bookings"], "escalations": counts["escalations"],
    }  # fmt: skip
    assert report.customers >= 45
    assert report.leads >= 45
    assert report.bookings >= 60
    assert report.inbound_emails >= 30
    leads = await _rows(db, Lead)
    expected_sources = {"rengoering_nu", "rengoering_aarhus", "adhelp", "website", "direct"}
    assert {lead.source.value for lead in leads} == expected_sources
    assert {lead.status.value for lead in leads} == {s.value for s in LeadStatus}
    assert len({lead.dedup_key for lead in leads}) == len(leads)
    ages = [NOW - lead.received_at for lead in leads]
    for limit in (1, 4, 24, 72):
        assert any(timedelta(hours=limit / 4) < a <= timedelta(hours=limit) for a in ages), limit
    assert all(timedelta(0) < a <= timedelta(days=61) for a in ages)
    assert max(ages) > timedelta(days=45)
    assert all(lead.score == 0 and lead.score_response == 0 for lead in leads)  # no scorer
    assert {lead.property_type for lead in leads} >= {"lejlighed", "rækkehus", "villa", "kontor"}
    assert {lead.frequency.value for lead in leads if lead.frequency} >= {"weekly", "once"}
    for lead in leads:
        assert lead.name
        assert lead.email
        assert lead.phone
        assert lead.address
        assert lead.service
        assert lead.wanted_dates
        if lead.area_m2 is None:
            assert lead.estimated_value is None
            assert lead.status.value in ("new", "contacted")
            continue
        assert 30 <= lead.area_m2 <= 500
        assert lead.rooms is not None
        assert 1 <= lead.rooms <= 15
        workers, hours = _price(lead.service.value, lead.area_m2)
        per_visit = workers * hours * 349
        assert lead.estimated_value is not None
        assert lead.estimated_value / per_visit in {1, 2, 4, 8}, lead.dedup_key
    assert sum(lead.area_m2 is None for lead in leads) >= 2  # some we must ask about
    quotes = await _rows(db, Quote)
    assert {q.status.value for q in quotes} == {"draft", "sent", "accepted", "declined", "expired"}
    inbound = await _rows(db, InboundEmail)
    assert {m.status.value for m in inbound} >= {"replied", "drafted", "escalated", "ignored",
                                                 "received"}  # fmt: skip
    outbound = await _rows(db, OutboundEmail)
    assert {m.status.value for m in outbound} >= {"draft", "approved", "sent", "rejected"}
    escalations = await _rows(db, Escalation)
    assert {e.severity.value for e in escalations} == {"medium", "high"}
    staff = await _rows(db, StaffUser)
    assert sorted(u.role.value for u in staff) == ["owner", "staff", "staff"]
    assert all(u.email.endswith("@rendetalje.dk") for u in staff)
    assert await _rows(db, ApiToken) == []


async def test_second_run_inserts_nothing(db: Database) -> None:
    first = await _seed(db)
    before = await _counts(db)
    leads_before = {lead.id: lead.received_at for lead in await _rows(db, Lead)}
    again = await _seed(db, LATER)
    assert not again.inserted_anything
    assert again.total == 0
    assert again == SeedReport()
    assert await _counts(db) == before
    assert {lead.id: lead.received_at for lead in await _rows(db, Lead)} == leads_before
    assert (await _seed(db)).total == 0
    assert first.total == sum(before.values())


async def test_seed_leaves_the_transaction_to_the_caller(db: Database) -> None:
    async with db.sessions() as session:
        report = await seed_demo(session, now=NOW, pricer=TOOLS_QUOTE_PRICER)
        await session.rollback()
    assert report.leads > 0
    assert sum((await _counts(db)).values()) == 0


async def test_naive_now_is_rejected(db: Database) -> None:
    async with db.sessions() as session:
        with pytest.raises(ValueError, match="timezone"):
            await seed_demo(session, now=datetime(2026, 12, 1, 9), pricer=TOOLS_QUOTE_PRICER)


def _check_calendar(bookings: list[Booking], now: datetime, *, past_days: int | None) -> None:
    """Working hours, no Sundays or holidays, 2–6 h, 60 minutes apart; coming bookings in
    the next 21 days, completed ones before ``now`` (within ``past_days`` when given)."""
    bookings = sorted(bookings, key=lambda b: b.start)
    for b in bookings:
        start, end = b.start.astimezone(CPH), b.end.astimezone(CPH)
        day = start.date()
        assert end.date() == day, b.start
        assert day.weekday() != 6, b.start
        assert day not in HOLIDAYS, b.start
        closes = 15 if day.weekday() == 5 else 17
        assert start.hour >= 8, b.start
        assert (end.hour, end.minute) <= (closes, 0), b.start
        assert timedelta(hours=2) <= end - start <= timedelta(hours=6)
        if b.status.value == "completed":
            assert b.end <= now
            if past_days is not None:
                assert day >= now.date() - timedelta(days=past_days), b.start
        else:
            assert b.status.value in ("confirmed", "tentative")
            assert now <= b.start
            assert b.end <= now + timedelta(days=21)
    visits = Counter((b.customer_id, b.start.astimezone(CPH).date()) for b in bookings)
    assert max(visits.values()) == 1  # one visit per customer and day
    for prev, nxt in itertools.pairwise(bookings):
        assert nxt.start - prev.end >= timedelta(minutes=60), (prev.start, nxt.start)


def _days_with_a_free_2h_slot(bookings: list[Booking], now: datetime, *, days: int) -> int:
    free_days = 0
    for offset in range(days):
        day = now.date() + timedelta(days=offset)
        if day.weekday() == 6 or day in HOLIDAYS:
            continue
        close = datetime.combine(day, time(15 if day.weekday() == 5 else 17), CPH)
        start = max(datetime.combine(day, time(8), CPH), now)
        while start + timedelta(hours=2) <= close:
            end = start + timedelta(hours=2)
            hour = timedelta(hours=1)
            if all(end + hour <= b.start or start >= b.end + hour for b in bookings):
                free_days += 1
                break
            start += timedelta(minutes=30)
    return free_days


async def test_bookings_fit_the_one_team_calendar(db: Database) -> None:
    await _seed(db)
    bookings = await _rows(db, Booking)
    _check_calendar(bookings, NOW, past_days=14)
    status = Counter(b.status.value for b in bookings)
    assert status["confirmed"] > status["tentative"] > 0
    assert status["completed"] > 0
    assert sum(b.start >= NOW for b in bookings) >= 35
    assert _days_with_a_free_2h_slot(bookings, NOW, days=14) >= 5  # room to book a new job
    leads = {lead.id: lead for lead in await _rows(db, Lead)}
    quotes = {q.id: q for q in await _rows(db, Quote)}
    for b in bookings:
        assert b.lead_id is not None
        assert b.quote_id is not None
        assert b.customer_id is not None
        lead, quote = leads[b.lead_id], quotes[b.quote_id]
        assert lead.customer_id == b.customer_id
        assert quote.lead_id == lead.id
        assert b.end - b.start == timedelta(hours=float(quote.hours_on_site))
        assert b.start >= lead.received_at
        want = "quoted" if b.status.value == "tentative" else "won"
        assert lead.status.value == want


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 19, 13, 40, tzinfo=CPH),  # Christmas and New Year
        datetime(2027, 3, 20, 16, 5, tzinfo=CPH),  # Easter
        datetime(2027, 4, 30, 7, 0, tzinfo=CPH),  # Kristi himmelfart and pinse
    ],
)
async def test_bookings_skip_holidays(db: Database, now: datetime) -> None:
    report = await _seed(db, now)
    assert report.bookings >= 60
    # Around holidays the coming weeks hold fewer visits; the rest lie further back.
    _check_calendar(await _rows(db, Booking), now, past_days=None)


def test_easter() -> None:
    assert [easter_sunday(y) for y in (2024, 2026, 2027, 2038)] == [
        date(2024, 3, 31), date(2026, 4, 5), date(2027, 3, 28), date(2038, 4, 25)
    ]  # fmt: skip


async def test_quotes_follow_the_pricing_rules(db: Database) -> None:
    await _seed(db)
    leads = {lead.id: lead for lead in await _rows(db, Lead)}
    quotes = await _rows(db, Quote)
    mails = await _rows(db, OutboundEmail)
    assert len(quotes) >= 30
    for q in quotes:
        workers, hours = _price(q.service.value, q.area_m2)
        work = workers * hours
        assert (q.workers, q.hours_on_site, q.work_hours) == (workers, hours, work), q.id
        assert q.hourly_rate == 349
        assert q.price_min == work * 349
        assert q.price_max == (work + workers) * 349
        assert q.vat_min == (q.price_min / 5).quantize(Decimal("0.01"))
        assert q.vat_max == (q.price_max / 5).quantize(Decimal("0.01"))
        assert q.valid_until == q.created_at.astimezone(CPH).date() + timedelta(days=30)
        lead = leads[q.lead_id] if q.lead_id else None
        assert lead is not None
        assert lead.area_m2 == q.area_m2
        assert lead.service == q.service
        assert q.customer_id == lead.customer_id
        assert q.created_at >= lead.received_at
        text = q.text.lower()
        hours_da = f"{int(work)}" if work == int(work) else f"{work:.1f}".replace(".", ",")
        assert f"i alt {hours_da} arbejdstimer" in text
        assert f"{workers} medarbejder" in text
        assert "du betaler kun for den tid, vi faktisk bruger" in text
        assert "349 kr pr. time pr. medarbejder inkl. moms" in text
        assert "mere end 1 time" in text
        assert "ringer vi" in text
        assert not re.search(r"3\s*[–-]\s*5 timer|250\s*[–-]\s*300|\b(250|300) kr", text)
        # The stored text is the tools' quote text itself, so it passes the tools' own check.
        assert validate_quote_text(q.text, calculate_quote(q.service.value, q.area_m2)) == []
        # The mail carrying the quote frames that text with a greeting and the signature.
        carriers = [m.body for m in mails if m.quote_id == q.id]
        assert carriers or q.status.value == "draft", q.id
        for body in carriers:
            assert q.text in body
            assert body.rstrip().endswith("Venlig hilsen\nRendetalje")
        day = NOW.date()
        match q.status.value:
            case "draft":
                assert q.sent_at is None
                assert q.decided_at is None
            case "sent":
                assert q.sent_at is not None
                assert q.valid_until >= day
                assert lead.status.value in ("quoted", "won", "lost")
            case "expired":
                assert q.valid_until < day
                assert lead.status.value == "lost"
            case "accepted":
                assert q.decided_at is not None
                assert lead.status.value == "won"
            case "declined":
                assert q.decided_at is not None
                assert lead.status.value == "lost"
        if q.sent_at is not None:
            assert q.created_at <= q.sent_at <= NOW


async def test_inbound_mails_are_real_rfc5322_in_every_lead_shape(db: Database) -> None:
    await _seed(db)
    leads = {lead.id: lead for lead in await _rows(db, Lead)}
    inbound = await _rows(db, InboundEmail)
    kinds: Counter[str] = Counter()
    by_source: dict[str, list[tuple[InboundEmail, EmailMessage]]] = {}
    for row in inbound:
        assert row.raw is not None
        assert row.raw_size == len(row.raw)
        assert b"\r\n" in row.raw
        msg = message_from_bytes(row.raw, _class=EmailMessage, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        assert msg["Message-ID"] == row.message_id
        assert row.message_id.startswith("<demo-")
        assert msg["Subject"] == row.subject
        assert msg["From"].addresses[0].addr_spec == row.from_address
        assert row.thread_id
        assert row.received_at <= NOW
        assert (row.status.value == "received") == (row.processed_at is None)
        kinds[msg.get_content_type()] += 1
        by_source.setdefault(row.from_address or "", []).append((row, msg))
    assert kinds["text/plain"]
    assert kinds["text/html"]
    assert kinds["multipart/alternative"]
    assert sum(row.lead_id is not None for row in inbound) >= 50
    relays = {
        "noreply@leadmail.no": "body",
        "system@leadpoint.dk": "reply-to",
        "leads@adhelp.dk": "body",
        "formular@rendetalje.dk": "reply-to",
    }
    for sender, where in relays.items():
        mails = by_source[sender]
        assert len(mails) >= 5, sender
        for row, msg in mails:
            assert row.lead_id is not None
            lead = leads[row.lead_id]
            assert lead.thread_id == row.message_id
            assert lead.email is not None
            assert lead.email not in str(msg["From"])
            if where == "body":
                assert lead.email in _text(msg)
                assert msg["Reply-To"] is None
            else:
                assert row.reply_to == lead.email == msg["Reply-To"].addresses[0].addr_spec
    leadmail_bodies = [_text(msg) for _, msg in by_source["noreply@leadmail.no"]]
    assert all("Besvar ikke denne mail" in body for body in leadmail_bodies)
    assert any("\nNavn: " in body for body in leadmail_bodies)
    assert any("\nNavn\n" in body for body in leadmail_bodies)  # labels without colons
    phones = [lead.phone or "" for lead in leads.values()]
    assert any(p.startswith("+45 ") for p in phones)
    assert any(re.fullmatch(r"\d{8}", p) for p in phones)
    assert any(re.fullmatch(r"\d{4} \d{4}", p) for p in phones)
    replies = [row for row in inbound if row.raw and b"In-Reply-To:" in row.raw]
    assert len(replies) >= 5


async def test_outbound_mail_follows_the_routing_rules(db: Database) -> None:
    await _seed(db)
    leads = {lead.id: lead for lead in await _rows(db, Lead)}
    message_ids = {row.message_id for row in await _rows(db, InboundEmail)}
    outbound = await _rows(db, OutboundEmail)
    assert len({m.idempotency_key for m in outbound}) == len(outbound) >= 40
    for m in outbound:
        assert m.body.rstrip().endswith("Venlig hilsen\nRendetalje"), m.idempotency_key
        assert m.thread_id
        assert m.lead_id is not None
        assert m.inbound_email_id is not None
        assert not re.search(r"@(adhelp\.dk|leadmail\.no|leadpoint\.dk)$", m.to_address)
        if m.in_reply_to is not None:
            assert m.in_reply_to in message_ids
            assert m.references
        lead = leads[m.lead_id]
        assert m.to_address == lead.email
        if lead.source.value in ("rengoering_nu", "adhelp") and m.subject.startswith("Din "):
            assert m.in_reply_to is None  # a new mail to the customer, never a reply to the relay
        status = m.status.value
        assert (m.sent_at is not None) == (status == "sent")
        assert (m.approved_by is not None) == (status in ("approved", "sent"))
        assert (m.rejection_reason is not None) == (status == "rejected")
        if m.quote_id is not None:
            assert "349 kr pr. time" in m.body
    assert sum(m.in_reply_to is not None for m in outbound) >= 10


async def test_no_real_mail_provider_anywhere(db: Database) -> None:
    await _seed(db)
    addresses: list[str] = []
    addresses += [c.email or "" for c in await _rows(db, Customer)]
    addresses += [lead.email or "" for lead in await _rows(db, Lead)]
    addresses += [m.to_address for m in await _rows(db, OutboundEmail)]
    addresses += [e.customer_email or "" for e in await _rows(db, Escalation)]
    inbound = await _rows(db, InboundEmail)
    addresses += [m.from_address or "" for m in inbound] + [m.reply_to or "" for m in inbound]
    allowed = re.compile(
        r"[^@\s]+@(([a-z0-9-]+\.)*example\.(dk|com|net)|rendetalje\.dk|leadmail\.no|"
        r"leadpoint\.dk|adhelp\.dk)"
    )
    for address in filter(None, addresses):
        assert allowed.fullmatch(address), address
    for m in inbound:
        assert m.raw is not None
        assert not FREE_MAIL.search(m.raw.decode())
    customers = await _rows(db, Customer)
    assert all(c.email and c.email.split("@")[1].endswith(("example.dk", "example.com",
               "example.net")) for c in customers)  # fmt: skip


async def test_people_hang_together_across_tables(db: Database) -> None:
    await _seed(db)
    customers = {c.id: c for c in await _rows(db, Customer)}
    leads = await _rows(db, Lead)
    for lead in leads:
        assert lead.customer_id is not None
        assert customers[lead.customer_id].email == lead.email
    with_quote = {q.lead_id for q in await _rows(db, Quote)}
    with_booking = {b.lead_id for b in await _rows(db, Booking)}
    with_mail_in = {m.lead_id for m in await _rows(db, InboundEmail)}
    with_mail_out = {m.lead_id for m in await _rows(db, OutboundEmail)}
    complete = {lead.id for lead in leads} & with_quote & with_booking & with_mail_in
    assert len(complete & with_mail_out) >= 10
    per_customer = Counter(lead.customer_id for lead in leads)
    assert max(per_customer.values()) == 2  # returning customers
    escalations = await _rows(db, Escalation)
    by_id = {lead.id: lead for lead in leads}
    for e in escalations:
        assert e.lead_id is not None
        assert by_id[e.lead_id].email == e.customer_email
        assert e.inbound_email_id is not None
        assert e.matched_keywords


@dataclass(frozen=True)
class _Parts:
    response_speed: int
    contact_quality: int
    value: int
    engagement: int
    total: int


async def test_an_injected_scorer_scores_every_lead(db: Database) -> None:
    seen: list[tuple[datetime, datetime, str]] = []

    def scorer(
        *,
        created_at: datetime,
        now: datetime,
        email: str | None,
        phone: str | None,
        estimated_value_kr: Decimal | None,
        status: LeadStatus,
    ) -> _Parts:
        seen.append((created_at, now, status.value))
        response = 25 if now - created_at <= timedelta(hours=1) else 5
        contact = 25 if email and phone else 10
        value = 20 if (estimated_value_kr or 0) >= 5000 else 5
        engagement = 15 if status is LeadStatus.WON else 0
        return _Parts(response, contact, value, engagement, response + contact + value + engagement)

    report = await _seed(db, scorer=scorer)
    leads = await _rows(db, Lead)
    assert len(seen) == report.leads == len(leads)
    assert all(now == NOW for _, now, _ in seen)
    for lead in leads:
        parts = (lead.score_response, lead.score_contact, lead.score_value, lead.score_engagement)
        assert lead.score == sum(parts)
        assert lead.score_response == (25 if NOW - lead.received_at <= timedelta(hours=1) else 5)
        assert lead.score_engagement == (15 if lead.status is LeadStatus.WON else 0)
    assert len({lead.score for lead in leads}) >= 4


@dataclass(frozen=True)
class _Figures:
    workers: int
    hours_on_site: Decimal
    work_hours: Decimal
    price_min: Decimal
    price_max: Decimal
    vat_min: Decimal
    vat_max: Decimal
    service: str
    area_m2: Decimal


class _OtherRatePricer:
    """The tools' hours at a made-up rate of 400 kr, with a marker text: whatever money or
    text the seed stores must have come from the injected pricer."""

    hourly_rate = Decimal(400)

    def __init__(self) -> None:
        self.texts = 0

    def price(self, service: str, area_m2: Decimal) -> _Figures:
        calc = calculate_quote(service, area_m2)
        low, high = calc.work_hours * 400, (calc.work_hours + calc.workers) * 400
        return _Figures(calc.workers, calc.hours_on_site, calc.work_hours, low, high,
                        Decimal(1), Decimal(2), service, area_m2)  # fmt: skip

    def text(self, figures: _Figures) -> str:
        self.texts += 1
        return f"TESTTILBUD {figures.service} {figures.area_m2} m² {figures.price_min} kr"


async def test_an_injected_pricer_prices_every_quote_and_lead(db: Database) -> None:
    pricer = _OtherRatePricer()
    report = await _seed(db, pricer=pricer)
    quotes = await _rows(db, Quote)
    assert pricer.texts == report.quotes == len(quotes) >= 30
    for q in quotes:
        figures = pricer.price(q.service.value, Decimal(int(q.area_m2)))
        assert q.hourly_rate == 400
        assert (q.workers, q.hours_on_site, q.work_hours) == (
            figures.workers, figures.hours_on_site, figures.work_hours
        )  # fmt: skip
        assert (q.price_min, q.price_max, q.vat_min, q.vat_max) == (
            figures.price_min, figures.price_max, Decimal(1), Decimal(2)
        )  # fmt: skip
        assert q.text == pricer.text(figures)
    for m in await _rows(db, OutboundEmail):
        if m.quote_id is not None:
            assert "TESTTILBUD " in m.body
            assert "349" not in m.body
    for lead in await _rows(db, Lead):
        if lead.area_m2 is not None:
            assert lead.service is not None
            per_visit = pricer.price(lead.service.value, lead.area_m2).price_min
            assert lead.estimated_value is not None
            assert lead.estimated_value / per_visit in {1, 2, 4, 8}, lead.dedup_key


async def test_existing_data_is_left_alone(db: Database) -> None:
    """A customer already using a demo address and a real booking in the coming days: the
    seed neither fails nor books over them, and adds the rest."""
    taken = datetime(2026, 12, 2, 8, 0, tzinfo=CPH)
    async with db.transaction() as session:
        plan_email = build_plan(DemoPricing.of(TOOLS_QUOTE_PRICER)).people[0].email
        session.add(Customer(name="Eksisterende kunde", email=plan_email.upper()))
        session.add(Booking(start=taken, end=taken + timedelta(hours=5), notes="eget job"))
    report = await _seed(db)
    customers = await _rows(db, Customer)
    assert report.customers == len(customers) - 1
    assert report.bookings >= 60
    bookings = await _rows(db, Booking)
    _check_calendar(bookings, NOW, past_days=14)
    assert len(bookings) == report.bookings + 1
    orphaned = [lead for lead in await _rows(db, Lead) if lead.email == plan_email]
    assert orphaned
    assert all(lead.customer_id is None for lead in orphaned)
