"""indexes for the responder's per-mail queries: queue order, today's automatic sends, other
customers' data in a reply

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 18:00:00

- ``ix_inbound_emails_pending`` gains ``id``: the claim orders by ``(received_at, id)``, and
  mail ingested together shares ``received_at``; without ``id`` every claim sorted the whole
  backlog.
- ``ix_outbound_emails_auto_sent``: the daily cap counts today's automatic sends without
  reading every outbound mail ever written.
- ``*_name_prefix``, ``*_address_prefix``, ``*_phone_digits`` on leads and customers: the
  outgoing check finds other customers named in a reply by index (a contained name starts
  with one of the text's four-character pieces) instead of testing every row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status IN ('received', 'processing')")
AUTO_SENT = sa.text("automatic IS true AND status = 'sent'")
# Must equal the expressions memory/repositories/customer_mentions.py queries with.
PREFIX = "left(lower(coalesce({column}, '')), 4)"
PHONE_DIGITS = r"right(regexp_replace(coalesce(phone, ''), '\D', '', 'g'), 8)"


def upgrade() -> None:
    op.drop_index("ix_inbound_emails_pending", table_name="inbound_emails")
    op.create_index(
        "ix_inbound_emails_pending",
        "inbound_emails",
        ["received_at", "id"],
        postgresql_where=PENDING,
    )
    op.create_index(
        "ix_outbound_emails_auto_sent", "outbound_emails", ["sent_at"], postgresql_where=AUTO_SENT
    )
    for table in ("leads", "customers"):
        for column in ("name", "address"):
            op.create_index(
                f"ix_{table}_{column}_prefix",
                table,
                [sa.literal_column(PREFIX.format(column=column))],
            )
        op.create_index(f"ix_{table}_phone_digits", table, [sa.literal_column(PHONE_DIGITS)])


def downgrade() -> None:
    for table in ("leads", "customers"):
        op.drop_index(f"ix_{table}_phone_digits", table_name=table)
        for column in ("name", "address"):
            op.drop_index(f"ix_{table}_{column}_prefix", table_name=table)
    op.drop_index("ix_outbound_emails_auto_sent", table_name="outbound_emails")
    op.drop_index("ix_inbound_emails_pending", table_name="inbound_emails")
    op.create_index(
        "ix_inbound_emails_pending", "inbound_emails", ["received_at"], postgresql_where=PENDING
    )
