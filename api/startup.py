"""Start-up jobs run by the service and the CLI."""

from __future__ import annotations

import logging

from agent.demo_pricing import TOOLS_QUOTE_PRICER
from api.composition import Container
from memory.locks import advisory_xact_lock
from memory.repositories.leads import LeadRepository
from memory.seed.demo import seed_demo as insert_demo_data
from tools.lead_score import score_lead

_log = logging.getLogger(__name__)


async def seed_demo(container: Container, *, only_if_empty: bool = False) -> str:
    """Insert the demo data set (idempotent) and say what was inserted. Serialised across
    processes, so several service processes starting together seed once."""
    async with container.database.transaction() as session:
        await advisory_xact_lock(session, "renos:seed-demo")
        if only_if_empty and await LeadRepository(session).count() > 0:
            return "database already has data; demo data not seeded"
        report = await insert_demo_data(
            session, now=container.clock(), pricer=TOOLS_QUOTE_PRICER, scorer=score_lead
        )
    if not report.inserted_anything:
        return "demo data already present: nothing inserted"
    counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in report.as_dict().items())
    _log.info("demo data inserted: %s", counts)
    return f"demo data inserted: {counts}"


async def seed_demo_if_empty(container: Container) -> None:
    """First start: an empty database gets the demo data."""
    await seed_demo(container, only_if_empty=True)
