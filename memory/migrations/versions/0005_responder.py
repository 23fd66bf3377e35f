"""email responder: mailbox sync state, triage and queue columns, send bookkeeping

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mailbox_sync_state",
        sa.Column("mailbox", sa.String(length=320), nullable=False),
        sa.Column("history_id", sa.String(length=100), nullable=True),
        sa.Column("last_full_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("full_syncs", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("mailbox", name=op.f("pk_mailbox_sync_state")),
    )
    op.add_column("inbound_emails", sa.Column("provider_thread_id", sa.String(200)))
    op.add_column("inbound_emails", sa.Column("intent", sa.String(40)))
    op.add_column("inbound_emails", sa.Column("language", sa.String(8)))
    op.add_column(
        "inbound_emails",
        sa.Column(
            "reasons",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column(
        "inbound_emails",
        sa.Column(
            "merged_into_id",
            sa.Uuid(),
            sa.ForeignKey(
                "inbound_emails.id",
                ondelete="SET NULL",
                name=op.f("fk_inbound_emails_merged_into_id_inbound_emails"),
            ),
        ),
    )
    op.create_index(
        "ix_inbound_emails_lower_from", "inbound_emails", [sa.text("lower(from_address)")]
    )
    op.add_column("outbound_emails", sa.Column("purpose", sa.String(40)))
    op.add_column(
        "outbound_emails",
        sa.Column("automatic", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "outbound_emails",
        sa.Column(
            "review_reasons",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column("outbound_emails", sa.Column("provider_draft_id", sa.String(200)))
    op.add_column("outbound_emails", sa.Column("send_mark", sa.String(100)))
    op.add_column("outbound_emails", sa.Column("send_started_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    for column in (
        "send_started_at",
        "send_mark",
        "provider_draft_id",
        "review_reasons",
        "automatic",
        "purpose",
    ):
        op.drop_column("outbound_emails", column)
    op.drop_index("ix_inbound_emails_lower_from", table_name="inbound_emails")
    for column in ("merged_into_id", "reasons", "language", "intent", "provider_thread_id"):
        op.drop_column("inbound_emails", column)
    op.drop_table("mailbox_sync_state")
