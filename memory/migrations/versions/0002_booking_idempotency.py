"""booking idempotency key and phone-digits search index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("bookings", sa.Column("idempotency_key", sa.String(length=200), nullable=True))
    op.create_unique_constraint(
        op.f("uq_bookings_idempotency_key"), "bookings", ["idempotency_key"]
    )
    op.execute(
        "CREATE INDEX ix_leads_phone_digits_trgm ON leads "
        "USING gin (regexp_replace(phone, '[^0-9]', '', 'g') gin_trgm_ops)"
    )


def downgrade() -> None:
    op.drop_index("ix_leads_phone_digits_trgm", table_name="leads")
    op.drop_constraint(op.f("uq_bookings_idempotency_key"), "bookings", type_="unique")
    op.drop_column("bookings", "idempotency_key")
