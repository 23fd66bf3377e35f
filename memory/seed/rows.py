"""Customers, leads, quotes and bookings of the demo plan, placed in time around ``now``.

Rows are plain dicts of mapped attribute names, ready for one bulk INSERT per table. Leads
leave their score at 0 here; ``demo.seed_demo`` fills it in when a scorer is given. Quote
figures, job lengths, lead values and quote texts come from the injected pricing rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from memory.models.enums import BookingStatus, Frequency, LeadStatus, QuoteStatus
from memory.seed.calendar import CPH, WEEKS_BACK, Job, Placement
from memory.seed.plan import DemoPlan, LeadSpec, demo_id
from memory.seed.ports import DemoPricing

Row = dict[str, Any]
QUOTE_VALID_DAYS = 30
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
          "september", "oktober", "november", "december")  # fmt: skip
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_MIN = timedelta(minutes=1)
_H = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Timeline:
    """When things happened to one lead (all before ``now``)."""

    received: datetime
    replied: datetime  # first answer (or the draft of it)
    quote_created: datetime
    quote_sent: datetime
    decided: datetime

    @staticmethod
    def of(spec: LeadSpec, now: datetime) -> Timeline:
        received = now - spec.age
        age = spec.age
        replied = received + _whole(min(35 * _MIN + (spec.n % 5) * 15 * _MIN, age * 0.3))
        replied = min(_office_hours(replied), received + _whole(age * 0.5))
        created = received + _whole(min((3 + spec.n % 4) * _H, age * 0.4))
        created = min(_office_hours(created), received + _whole(age * 0.6))
        if spec.quote is QuoteStatus.DRAFT and spec.status is LeadStatus.NEW:
            created = received + _whole(min(4 * _MIN, age * 0.4))
        sent = created + _whole(min(20 * _MIN, age * 0.05))
        decided = sent + _whole(min(timedelta(days=2), (now - sent) * 0.5))
        return Timeline(received, replied, created, sent, decided)


def _office_hours(moment: datetime) -> datetime:
    """Staff answer between 07:00 and 21:00; a night-time answer waits for the morning."""
    local = moment.astimezone(CPH)
    if 7 <= local.hour < 21:
        return moment
    day = local.date() + timedelta(days=1 if local.hour >= 21 else 0)
    return datetime.combine(day, time(7, 30), CPH)


def _whole(span: timedelta) -> timedelta:
    return timedelta(seconds=int(span.total_seconds()))


def da_date(day: date, *, weekday: bool = False) -> str:
    """How a customer writes a date: "7. december 2026", "mandag 7. december 2026"."""
    text = f"{day.day}. {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if weekday else text


def wanted_text(spec: LeadSpec, received: datetime) -> str:
    day = (received + timedelta(days=spec.wanted_in_days)).astimezone(CPH).date()
    if day.weekday() == 6:  # nobody asks for a Sunday
        day += timedelta(days=1)
    if spec.frequency is not Frequency.ONCE:
        return f"Gerne {WEEKDAYS[day.weekday()]}e, start fra {day.day}. {MONTHS[day.month - 1]}"
    return (
        "Hurtigst muligt",
        f"Senest {day.day}. {MONTHS[day.month - 1]}",
        da_date(day, weekday=True),
        day.isoformat(),
        "Fleksibel, gerne en formiddag",
    )[spec.n % 5]


def customer_rows(plan: DemoPlan, now: datetime) -> list[Row]:
    first_seen: dict[int, datetime] = {}
    for spec in plan.leads:
        received = now - spec.age
        first_seen[spec.customer] = min(received, first_seen.get(spec.customer, received))
    return [
        {
            "id": demo_id("customer", i),
            "name": p.customer_name,
            "email": p.email,
            "phone": p.phone,
            "address": p.address,
            "created_at": first_seen[i],
        }
        for i, p in enumerate(plan.people)
    ]


def estimated_value(spec: LeadSpec, pricing: DemoPricing) -> Decimal | None:
    """The lead's value: the lower quote price per visit × visits in a month (one-offs: 1)."""
    if spec.area_m2 is None:
        return None
    per_visit = pricing.figures(spec.service, spec.area_m2).price_min
    return per_visit * max(spec.visits_per_month, 1)


def lead_row(spec: LeadSpec, now: datetime, thread_id: str, pricing: DemoPricing) -> Row:
    t = Timeline.of(spec, now)
    p = spec.person
    notes = " ".join(x for x in (f"Firma: {p.company}." if p.company else None, spec.note) if x)
    contacted = None
    if spec.status is not LeadStatus.NEW:
        sent_quote = spec.quote not in (None, QuoteStatus.DRAFT)
        contacted = t.quote_sent if sent_quote else t.replied
    return {
        "id": demo_id("lead", spec.n),
        "customer_id": demo_id("customer", spec.customer),
        "source": spec.source,
        "status": spec.status,
        "name": p.name,
        "email": p.email,
        "phone": p.phone,
        "address": p.address,
        "area_m2": None if spec.area_m2 is None else Decimal(spec.area_m2),
        "rooms": spec.rooms,
        "property_type": spec.property_type,
        "service": spec.service,
        "frequency": spec.frequency,
        "wanted_dates": wanted_text(spec, t.received),
        "notes": notes or None,
        "estimated_value": estimated_value(spec, pricing),
        "score": 0,
        "score_response": 0,
        "score_contact": 0,
        "score_value": 0,
        "score_engagement": 0,
        "dedup_key": f"demo:{spec.n}",
        "thread_id": thread_id,
        "received_at": t.received,
        "contacted_at": contacted,
        "created_at": t.received,
    }


def quote_row(spec: LeadSpec, now: datetime, pricing: DemoPricing) -> Row | None:
    """The lead's quote: figures and text exactly as the injected pricing rules give them."""
    if spec.quote is None or spec.area_m2 is None:
        return None
    t = Timeline.of(spec, now)
    figures = pricing.figures(spec.service, spec.area_m2)
    valid_until: date = t.quote_created.astimezone(CPH).date() + timedelta(days=QUOTE_VALID_DAYS)
    decided = spec.quote in (QuoteStatus.ACCEPTED, QuoteStatus.DECLINED)
    return {
        "id": demo_id("quote", spec.n),
        "lead_id": demo_id("lead", spec.n),
        "customer_id": demo_id("customer", spec.customer),
        "service": spec.service,
        "area_m2": Decimal(spec.area_m2),
        "workers": figures.workers,
        "hours_on_site": figures.hours_on_site,
        "work_hours": figures.work_hours,
        "hourly_rate": pricing.hourly_rate,
        "price_min": figures.price_min,
        "price_max": figures.price_max,
        "vat_min": figures.vat_min,
        "vat_max": figures.vat_max,
        "add_ons": {},
        "status": spec.quote,
        "valid_until": valid_until,
        "text": pricing.text(spec.service, spec.area_m2),
        "sent_at": None if spec.quote is QuoteStatus.DRAFT else t.quote_sent,
        "decided_at": t.decided if decided else None,
        "created_at": t.quote_created,
    }


def booking_jobs(plan: DemoPlan, pricing: DemoPricing) -> list[tuple[Job, LeadSpec]]:
    """Visits to place: recurring customers first (so they keep their weekday), then one-off
    jobs, then tentative holds for quotes not yet accepted. No visit before its lead arrived."""
    recurring: list[tuple[Job, LeadSpec]] = []
    single: list[tuple[Job, LeadSpec]] = []
    for spec in plan.leads:
        if spec.area_m2 is None or not (spec.status is LeadStatus.WON or spec.tentative_booking):
            continue
        hours = pricing.figures(spec.service, spec.area_m2).hours_on_site
        age_days = spec.age / timedelta(days=1)
        first = next(
            (c for c in range(WEEKS_BACK) if 7 * (WEEKS_BACK - c) <= age_days - 4), WEEKS_BACK
        )
        group = f"customer-{spec.customer}"
        if spec.tentative_booking or spec.visits_per_week == 0:
            chunk = max(first, spec.n % 4) if age_days < 30 else spec.n % WEEKS_BACK
            key = f"{spec.n}:1"
            if spec.tentative_booking:
                chunk, key = WEEKS_BACK + spec.n % 3, f"{spec.n}:t"
            single.append((Job(key, hours, chunk, group=group, spacing_days=1), spec))
            continue
        step = 2 if spec.frequency is Frequency.BIWEEKLY else 1
        spacing = 3 * step if spec.visits_per_week == 1 else 2
        for chunk in range(first + (spec.n + first) % step, WEEKS_BACK + 3, step):
            for k in range(spec.visits_per_week):
                day = (spec.n + 3 * k) % 6
                job = Job(f"{spec.n}:{chunk}:{k}", hours, chunk, day, group, spacing)
                recurring.append((job, spec))
    return recurring + single


def booking_row(job: Job, spec: LeadSpec, spot: Placement, now: datetime) -> Row:
    t = Timeline.of(spec, now)
    if spot.past:
        status = BookingStatus.COMPLETED
    elif spec.tentative_booking:
        status = BookingStatus.TENTATIVE
    else:
        status = BookingStatus.CONFIRMED
    how_often = {
        Frequency.WEEKLY: "fast rengøring hver uge",
        Frequency.BIWEEKLY: "fast rengøring hver 14. dag",
    }.get(spec.frequency, "engangsopgave")
    if spec.visits_per_week > 1:
        how_often = f"{spec.visits_per_week} gange om ugen"
    note = f"{spec.person.customer_name}, {how_often}. Tlf. {spec.person.phone}"
    return {
        "id": demo_id("booking", job.key),
        "customer_id": demo_id("customer", spec.customer),
        "lead_id": demo_id("lead", spec.n),
        "quote_id": demo_id("quote", spec.n),
        "service": spec.service,
        "start": spot.start,
        "end": spot.end,
        "status": status,
        "address": spec.person.address,
        "notes": note
        + (" Afventer kundens accept af tilbuddet." if spec.tentative_booking else ""),
        "calendar_event_id": None,
        "created_at": min(t.quote_sent if spec.tentative_booking else t.decided, spot.start),
    }
