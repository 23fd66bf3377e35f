"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 11:01:54.654936
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "customers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_index(
        "ix_customers_name_trgm",
        "customers",
        ["name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index(
        "uq_customers_email_lower", "customers", [sa.literal_column("lower(email)")], unique=True
    )
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "staff",
                "owner",
                "evaluator",
                name="staff_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
    )
    op.create_index(
        "uq_staff_users_email_lower",
        "staff_users",
        [sa.literal_column("lower(email)")],
        unique=True,
    )
    op.create_table(
        "task_executions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tool_call_id", sa.String(length=200), nullable=False),
        sa.Column("task_type", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "succeeded",
                "failed",
                "denied",
                "pending_approval",
                name="task_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("input", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("result_summary", sa.String(length=500), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("intent", sa.String(length=500), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("trace_id", sa.String(length=64), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_executions")),
        sa.UniqueConstraint("tool_call_id", name=op.f("uq_task_executions_tool_call_id")),
    )
    op.create_index(
        op.f("ix_task_executions_session_id"), "task_executions", ["session_id"], unique=False
    )
    op.create_index(
        op.f("ix_task_executions_trace_id"), "task_executions", ["trace_id"], unique=False
    )
    op.create_index(
        "ix_task_executions_type_started",
        "task_executions",
        ["task_type", "started_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_task_executions_user_id"), "task_executions", ["user_id"], unique=False
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name=op.f("fk_api_tokens_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "chat_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "chat",
                "email",
                "cli",
                "eval",
                name="chat_channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("summary_upto_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["staff_users.id"],
            name=op.f("fk_chat_sessions_owner_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_sessions")),
    )
    op.create_index(op.f("ix_chat_sessions_owner_id"), "chat_sessions", ["owner_id"], unique=False)
    op.create_index(
        "ix_chat_sessions_owner_updated", "chat_sessions", ["owner_id", "updated_at"], unique=False
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "rengoering_nu",
                "rengoering_aarhus",
                "adhelp",
                "website",
                "direct",
                "unknown",
                name="lead_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "new",
                "contacted",
                "quoted",
                "won",
                "lost",
                name="lead_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("area_m2", sa.Numeric(precision=7, scale=1), nullable=True),
        sa.Column("rooms", sa.Integer(), nullable=True),
        sa.Column("property_type", sa.String(length=100), nullable=True),
        sa.Column(
            "service",
            sa.Enum(
                "regular",
                "moving_out",
                "deep",
                "standard",
                "business",
                "windows",
                name="service",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "frequency",
            sa.Enum(
                "weekly",
                "biweekly",
                "monthly",
                "once",
                name="frequency",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("wanted_dates", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("estimated_value", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("score_response", sa.Integer(), nullable=False),
        sa.Column("score_contact", sa.Integer(), nullable=False),
        sa.Column("score_value", sa.Integer(), nullable=False),
        sa.Column("score_engagement", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("thread_id", sa.String(length=300), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("area_m2 IS NULL OR area_m2 > 0", name=op.f("ck_leads_area_positive")),
        sa.CheckConstraint("rooms IS NULL OR rooms > 0", name=op.f("ck_leads_rooms_positive")),
        sa.CheckConstraint("score BETWEEN 0 AND 100", name=op.f("ck_leads_score_range")),
        sa.CheckConstraint(
            "score_response BETWEEN 0 AND 25 AND score_contact BETWEEN 0 AND 25 AND score_value BETWEEN 0 AND 25 AND score_engagement BETWEEN 0 AND 25",
            name=op.f("ck_leads_score_parts_range"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_leads_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_leads_dedup_key")),
    )
    op.create_index(
        "ix_leads_address_trgm",
        "leads",
        ["address"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"address": "gin_trgm_ops"},
    )
    op.create_index(op.f("ix_leads_customer_id"), "leads", ["customer_id"], unique=False)
    op.create_index(
        "ix_leads_email_lower", "leads", [sa.literal_column("lower(email)")], unique=False
    )
    op.create_index(
        "ix_leads_email_trgm",
        "leads",
        ["email"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"email": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_leads_name_trgm",
        "leads",
        ["name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_leads_phone_trgm",
        "leads",
        ["phone"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"phone": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_leads_status_received",
        "leads",
        ["status", sa.literal_column("received_at DESC")],
        unique=False,
    )
    op.create_index(op.f("ix_leads_thread_id"), "leads", ["thread_id"], unique=False)
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "user",
                "assistant",
                "tool",
                "system",
                name="message_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("tool_calls", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("tool_call_id", sa.String(length=200), nullable=True),
        sa.Column("token_count", sa.Integer(), nullable=False),
        sa.Column("embedding", Vector(768), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_sessions.id"],
            name=op.f("fk_chat_messages_session_id_chat_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
    )
    op.create_index(
        "ix_chat_messages_embedding_hnsw",
        "chat_messages",
        ["embedding"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_with={"m": 16, "ef_construction": 64},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.create_index(
        "ix_chat_messages_session_id_id", "chat_messages", ["session_id", "id"], unique=False
    )
    op.create_table(
        "inbound_emails",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("thread_id", sa.String(length=998), nullable=True),
        sa.Column("provider_id", sa.String(length=200), nullable=True),
        sa.Column("from_address", sa.String(length=320), nullable=True),
        sa.Column("reply_to", sa.String(length=320), nullable=True),
        sa.Column("to_address", sa.String(length=998), nullable=True),
        sa.Column("subject", sa.String(length=998), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("raw_size", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "rengoering_nu",
                "rengoering_aarhus",
                "adhelp",
                "website",
                "direct",
                "unknown",
                name="lead_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "processing",
                "replied",
                "drafted",
                "escalated",
                "ignored",
                "quarantined",
                "failed",
                name="inbound_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivery_count", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_inbound_emails_lead_id_leads"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_emails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_inbound_emails_message_id")),
    )
    op.create_index(op.f("ix_inbound_emails_lead_id"), "inbound_emails", ["lead_id"], unique=False)
    op.create_index(
        "ix_inbound_emails_pending",
        "inbound_emails",
        ["received_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('received', 'processing')"),
    )
    op.create_index(
        op.f("ix_inbound_emails_thread_id"), "inbound_emails", ["thread_id"], unique=False
    )
    op.create_table(
        "quotes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column(
            "service",
            sa.Enum(
                "regular",
                "moving_out",
                "deep",
                "standard",
                "business",
                "windows",
                name="service",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("area_m2", sa.Numeric(precision=7, scale=1), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("hours_on_site", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column("work_hours", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column("hourly_rate", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("price_min", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("price_max", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("vat_min", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("vat_max", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("add_ons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "sent",
                "accepted",
                "declined",
                "expired",
                name="quote_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("hours_on_site >= 2", name=op.f("ck_quotes_minimum_hours")),
        sa.CheckConstraint(
            "price_max >= price_min AND price_min > 0", name=op.f("ck_quotes_price_range")
        ),
        sa.CheckConstraint("workers BETWEEN 1 AND 10", name=op.f("ck_quotes_workers_range")),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_quotes_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_quotes_lead_id_leads"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    op.create_index(op.f("ix_quotes_customer_id"), "quotes", ["customer_id"], unique=False)
    op.create_index(op.f("ix_quotes_lead_id"), "quotes", ["lead_id"], unique=False)
    op.create_index("ix_quotes_status_created", "quotes", ["status", "created_at"], unique=False)
    op.create_table(
        "bookings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("quote_id", sa.Uuid(), nullable=True),
        sa.Column(
            "service",
            sa.Enum(
                "regular",
                "moving_out",
                "deep",
                "standard",
                "business",
                "windows",
                name="service",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "tentative",
                "confirmed",
                "completed",
                "cancelled",
                name="booking_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("calendar_event_id", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint('"end" > start', name=op.f("ck_bookings_end_after_start")),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_bookings_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_bookings_lead_id_leads"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["quotes.id"],
            name=op.f("fk_bookings_quote_id_quotes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("calendar_event_id", name=op.f("uq_bookings_calendar_event_id")),
    )
    op.create_index(op.f("ix_bookings_customer_id"), "bookings", ["customer_id"], unique=False)
    op.create_index(op.f("ix_bookings_lead_id"), "bookings", ["lead_id"], unique=False)
    op.create_index(op.f("ix_bookings_quote_id"), "bookings", ["quote_id"], unique=False)
    op.create_index("ix_bookings_start", "bookings", ["start"], unique=False)
    op.create_table(
        "escalations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_email", sa.String(length=320), nullable=True),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("inbound_email_id", sa.Uuid(), nullable=True),
        sa.Column(
            "severity",
            sa.Enum(
                "low",
                "medium",
                "high",
                "critical",
                name="severity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("matched_keywords", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "resolved",
                name="escalation_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["inbound_email_id"],
            ["inbound_emails.id"],
            name=op.f("fk_escalations_inbound_email_id_inbound_emails"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_escalations_lead_id_leads"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    op.create_index(
        "ix_escalations_customer_email_lower",
        "escalations",
        [sa.literal_column("lower(customer_email)")],
        unique=False,
    )
    op.create_index(
        op.f("ix_escalations_inbound_email_id"), "escalations", ["inbound_email_id"], unique=False
    )
    op.create_index(op.f("ix_escalations_lead_id"), "escalations", ["lead_id"], unique=False)
    op.create_table(
        "outbound_emails",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("cc", sa.String(length=998), nullable=True),
        sa.Column("subject", sa.String(length=998), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "approved",
                "sent",
                "rejected",
                "failed",
                name="outbound_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("in_reply_to", sa.String(length=998), nullable=True),
        sa.Column("references", sa.Text(), nullable=True),
        sa.Column("thread_id", sa.String(length=998), nullable=True),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("inbound_email_id", sa.Uuid(), nullable=True),
        sa.Column("quote_id", sa.Uuid(), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        sa.Column("review_notes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("provider_message_id", sa.String(length=998), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"],
            ["staff_users.id"],
            name=op.f("fk_outbound_emails_approved_by_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["staff_users.id"],
            name=op.f("fk_outbound_emails_created_by_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inbound_email_id"],
            ["inbound_emails.id"],
            name=op.f("fk_outbound_emails_inbound_email_id_inbound_emails"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_outbound_emails_lead_id_leads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["quotes.id"],
            name=op.f("fk_outbound_emails_quote_id_quotes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_sessions.id"],
            name=op.f("fk_outbound_emails_session_id_chat_sessions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_emails")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbound_emails_idempotency_key")),
    )
    op.create_index(
        op.f("ix_outbound_emails_inbound_email_id"),
        "outbound_emails",
        ["inbound_email_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_outbound_emails_lead_id"), "outbound_emails", ["lead_id"], unique=False
    )
    op.create_index(
        op.f("ix_outbound_emails_quote_id"), "outbound_emails", ["quote_id"], unique=False
    )
    op.create_index(
        op.f("ix_outbound_emails_thread_id"), "outbound_emails", ["thread_id"], unique=False
    )
    op.create_index(
        "ix_outbound_emails_to_lower",
        "outbound_emails",
        [sa.literal_column("lower(to_address)")],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_outbound_emails_to_lower", table_name="outbound_emails")
    op.drop_index(op.f("ix_outbound_emails_thread_id"), table_name="outbound_emails")
    op.drop_index(op.f("ix_outbound_emails_quote_id"), table_name="outbound_emails")
    op.drop_index(op.f("ix_outbound_emails_lead_id"), table_name="outbound_emails")
    op.drop_index(op.f("ix_outbound_emails_inbound_email_id"), table_name="outbound_emails")
    op.drop_table("outbound_emails")
    op.drop_index(op.f("ix_escalations_lead_id"), table_name="escalations")
    op.drop_index(op.f("ix_escalations_inbound_email_id"), table_name="escalations")
    op.drop_index("ix_escalations_customer_email_lower", table_name="escalations")
    op.drop_table("escalations")
    op.drop_index("ix_bookings_start", table_name="bookings")
    op.drop_index(op.f("ix_bookings_quote_id"), table_name="bookings")
    op.drop_index(op.f("ix_bookings_lead_id"), table_name="bookings")
    op.drop_index(op.f("ix_bookings_customer_id"), table_name="bookings")
    op.drop_table("bookings")
    op.drop_index("ix_quotes_status_created", table_name="quotes")
    op.drop_index(op.f("ix_quotes_lead_id"), table_name="quotes")
    op.drop_index(op.f("ix_quotes_customer_id"), table_name="quotes")
    op.drop_table("quotes")
    op.drop_index(op.f("ix_inbound_emails_thread_id"), table_name="inbound_emails")
    op.drop_index(
        "ix_inbound_emails_pending",
        table_name="inbound_emails",
        postgresql_where=sa.text("status IN ('received', 'processing')"),
    )
    op.drop_index(op.f("ix_inbound_emails_lead_id"), table_name="inbound_emails")
    op.drop_table("inbound_emails")
    op.drop_index("ix_chat_messages_session_id_id", table_name="chat_messages")
    op.drop_index(
        "ix_chat_messages_embedding_hnsw",
        table_name="chat_messages",
        postgresql_using="hnsw",
        postgresql_with={"m": 16, "ef_construction": 64},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.drop_table("chat_messages")
    op.drop_index(op.f("ix_leads_thread_id"), table_name="leads")
    op.drop_index("ix_leads_status_received", table_name="leads")
    op.drop_index(
        "ix_leads_phone_trgm",
        table_name="leads",
        postgresql_using="gin",
        postgresql_ops={"phone": "gin_trgm_ops"},
    )
    op.drop_index(
        "ix_leads_name_trgm",
        table_name="leads",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.drop_index(
        "ix_leads_email_trgm",
        table_name="leads",
        postgresql_using="gin",
        postgresql_ops={"email": "gin_trgm_ops"},
    )
    op.drop_index("ix_leads_email_lower", table_name="leads")
    op.drop_index(op.f("ix_leads_customer_id"), table_name="leads")
    op.drop_index(
        "ix_leads_address_trgm",
        table_name="leads",
        postgresql_using="gin",
        postgresql_ops={"address": "gin_trgm_ops"},
    )
    op.drop_table("leads")
    op.drop_index("ix_chat_sessions_owner_updated", table_name="chat_sessions")
    op.drop_index(op.f("ix_chat_sessions_owner_id"), table_name="chat_sessions")
    op.drop_table("chat_sessions")
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_index(op.f("ix_task_executions_user_id"), table_name="task_executions")
    op.drop_index("ix_task_executions_type_started", table_name="task_executions")
    op.drop_index(op.f("ix_task_executions_trace_id"), table_name="task_executions")
    op.drop_index(op.f("ix_task_executions_session_id"), table_name="task_executions")
    op.drop_table("task_executions")
    op.drop_index("uq_staff_users_email_lower", table_name="staff_users")
    op.drop_table("staff_users")
    op.drop_index("uq_customers_email_lower", table_name="customers")
    op.drop_index(
        "ix_customers_name_trgm",
        table_name="customers",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.drop_table("customers")
