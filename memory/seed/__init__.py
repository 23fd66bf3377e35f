"""The demo data set behind ``renos db seed``."""

from memory.seed.demo import LeadScoreParts, LeadScorer, SeedReport, seed_demo
from memory.seed.plan import DEMO_NAMESPACE, demo_id
from memory.seed.ports import QuoteFigures, QuotePricer

__all__ = [
    "DEMO_NAMESPACE",
    "LeadScoreParts",
    "LeadScorer",
    "QuoteFigures",
    "QuotePricer",
    "SeedReport",
    "demo_id",
    "seed_demo",
]
