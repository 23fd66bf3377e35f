"""The demo data set behind ``renos db seed``."""

from memory.seed.demo import LeadScoreParts, LeadScorer, SeedReport, seed_demo
from memory.seed.plan import DEMO_NAMESPACE, demo_id

__all__ = [
    "DEMO_NAMESPACE",
    "LeadScoreParts",
    "LeadScorer",
    "SeedReport",
    "demo_id",
    "seed_demo",
]
