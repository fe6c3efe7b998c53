"""Voices, phone numbers, voice agents, leads and voice calls, with their row-level security.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 00:06:09.823819
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "voice_agent_app"

# Frozen copies of adapters.postgres.rls at this revision: a migration never changes.
ROW_LEVEL_SECURITY = [
    "ALTER TABLE voices ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE voices FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON voices USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)",
    "ALTER TABLE phone_numbers ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE phone_numbers FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON phone_numbers USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)",
    "CREATE POLICY inbound_routing ON phone_numbers FOR SELECT USING (status = 'active' AND number = NULLIF(current_setting('app.called_number', true), ''))",
    "ALTER TABLE voice_agents ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE voice_agents FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON voice_agents USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)",
    "ALTER TABLE leads ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE leads FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON leads USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)",
    "ALTER TABLE voice_calls ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE voice_calls FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON voice_calls USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)",
]

ROW_LEVEL_SECURITY_OFF = [
    "DROP POLICY IF EXISTS tenant_isolation ON voice_calls",
    "ALTER TABLE voice_calls NO FORCE ROW LEVEL SECURITY",
    "ALTER TABLE voice_calls DISABLE ROW LEVEL SECURITY",
    "DROP POLICY IF EXISTS tenant_isolation ON leads",
    "ALTER TABLE leads NO FORCE ROW LEVEL SECURITY",
    "ALTER TABLE leads DISABLE ROW LEVEL SECURITY",
    "DROP POLICY IF EXISTS tenant_isolation ON voice_agents",
    "ALTER TABLE voice_agents NO FORCE ROW LEVEL SECURITY",
    "ALTER TABLE voice_agents DISABLE ROW LEVEL SECURITY",
    "DROP POLICY IF EXISTS inbound_routing ON phone_numbers",
    "DROP POLICY IF EXISTS tenant_isolation ON phone_numbers",
    "ALTER TABLE phone_numbers NO FORCE ROW LEVEL SECURITY",
    "ALTER TABLE phone_numbers DISABLE ROW LEVEL SECURITY",
    "DROP POLICY IF EXISTS tenant_isolation ON voices",
    "ALTER TABLE voices NO FORCE ROW LEVEL SECURITY",
    "ALTER TABLE voices DISABLE ROW LEVEL SECURITY",
]

# The links that close a cycle, checked at commit (see tables._in_tenant).
CYCLE_LINKS = [
    ("leads", "last_call_id", "voice_calls"),
    ("phone_numbers", "inbound_agent_id", "voice_agents"),
]


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="new", nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("do_not_call", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "metadata",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("last_contacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_call_id", sa.UUID(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
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
        sa.CheckConstraint("phone ~ '^\\+[1-9][0-9]{6,14}$'", name=op.f("ck_leads_phone_e164")),
        sa.CheckConstraint(
            "status IN ('new', 'contacted', 'qualified', 'converted', 'lost')",
            name=op.f("ck_leads_status"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_leads_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_leads_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "phone", name=op.f("uq_leads_tenant_id_phone")),
    )
    op.create_index(
        "ix_leads_tenant_id_created_at_id", "leads", ["tenant_id", "created_at", "id"], unique=False
    )
    op.create_table(
        "phone_numbers",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_number_id", sa.String(length=255), nullable=True),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        sa.Column("inbound_agent_id", sa.UUID(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
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
        sa.CheckConstraint(
            "number ~ '^\\+[1-9][0-9]{6,14}$'", name=op.f("ck_phone_numbers_number_e164")
        ),
        sa.CheckConstraint(
            "provider IN ('vapi', 'twilio', 'vonage', 'telnyx')",
            name=op.f("ck_phone_numbers_provider"),
        ),
        sa.CheckConstraint(
            "status = 'active' OR inbound_agent_id IS NULL",
            name=op.f("ck_phone_numbers_released_routes_nowhere"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'released')", name=op.f("ck_phone_numbers_status")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_phone_numbers_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_numbers")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_phone_numbers_tenant_id_id")),
    )
    op.create_index(
        "ix_phone_numbers_tenant_id_created_at_id",
        "phone_numbers",
        ["tenant_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "uq_phone_numbers_number_active",
        "phone_numbers",
        ["number"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "voices",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=30), nullable=False),
        sa.Column("provider_voice_id", sa.String(length=255), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column(
            "settings",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
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
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_voices_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voices")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_voices_tenant_id_id")),
    )
    op.create_index(
        "ix_voices_tenant_id_created_at_id",
        "voices",
        ["tenant_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "voice_agents",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("voice_id", sa.UUID(), nullable=True),
        sa.Column("default_number_id", sa.UUID(), nullable=True),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("agent_instructions", sa.Text(), nullable=True),
        sa.Column("system_instructions", sa.Text(), nullable=True),
        sa.Column("outbound_prompt", sa.Text(), nullable=True),
        sa.Column("inbound_prompt", sa.Text(), nullable=True),
        sa.Column("first_message", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("provider_assistant_id", sa.String(length=255), nullable=True),
        sa.Column(
            "config",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
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
            ["created_by"],
            ["users.id"],
            name=op.f("fk_voice_agents_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "default_number_id"],
            ["phone_numbers.tenant_id", "phone_numbers.id"],
            name=op.f("fk_voice_agents_tenant_id_default_number_id_phone_numbers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "voice_id"],
            ["voices.tenant_id", "voices.id"],
            name=op.f("fk_voice_agents_tenant_id_voice_id_voices"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_voice_agents_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_agents")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_voice_agents_tenant_id_id")),
    )
    op.create_index(
        "ix_voice_agents_tenant_id_created_at_id",
        "voice_agents",
        ["tenant_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "voice_calls",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("agent_id", sa.UUID(), nullable=True),
        sa.Column("lead_id", sa.UUID(), nullable=True),
        sa.Column("voice_id", sa.UUID(), nullable=True),
        sa.Column("from_number_id", sa.UUID(), nullable=True),
        sa.Column("to_number", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ended_reason", sa.String(length=255), nullable=True),
        sa.Column("vapi_call_id", sa.String(length=255), nullable=True),
        sa.Column(
            "vapi_data",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("transcription", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("recording_url", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("analysis", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("cost", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("cost_breakdown", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("call_duration", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.UUID(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column(
            "metadata",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
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
        sa.CheckConstraint(
            "direction IN ('outbound', 'inbound')", name=op.f("ck_voice_calls_direction")
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'ringing', 'in-progress', 'forwarding', 'ended', 'failed', 'unknown')",
            name=op.f("ck_voice_calls_status"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "agent_id"],
            ["voice_agents.tenant_id", "voice_agents.id"],
            name=op.f("fk_voice_calls_tenant_id_agent_id_voice_agents"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "from_number_id"],
            ["phone_numbers.tenant_id", "phone_numbers.id"],
            name=op.f("fk_voice_calls_tenant_id_from_number_id_phone_numbers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "lead_id"],
            ["leads.tenant_id", "leads.id"],
            name=op.f("fk_voice_calls_tenant_id_lead_id_leads"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "voice_id"],
            ["voices.tenant_id", "voices.id"],
            name=op.f("fk_voice_calls_tenant_id_voice_id_voices"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_voice_calls_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_calls")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_voice_calls_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id", "idempotency_key", name=op.f("uq_voice_calls_tenant_id_idempotency_key")
        ),
        sa.UniqueConstraint("vapi_call_id", name=op.f("uq_voice_calls_vapi_call_id")),
    )
    op.create_index("ix_voice_calls_agent", "voice_calls", ["tenant_id", "agent_id"], unique=False)
    op.create_index(
        "ix_voice_calls_lead_history",
        "voice_calls",
        ["tenant_id", "lead_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_voice_calls_tenant_id_created_at_id",
        "voice_calls",
        ["tenant_id", "created_at", "id"],
        unique=False,
    )
    for table, column, parent in CYCLE_LINKS:
        op.create_foreign_key(
            op.f(f"fk_{table}_tenant_id_{column}_{parent}"),
            table,
            parent,
            ["tenant_id", column],
            ["tenant_id", "id"],
            deferrable=True,
            initially="DEFERRED",
        )
    # Default privileges already grant new tables; say it for databases migrated by others.
    op.execute(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON voices, phone_numbers, voice_agents, leads,"
        f" voice_calls TO {APP_ROLE}"
    )
    for statement in ROW_LEVEL_SECURITY:
        op.execute(statement)


def downgrade() -> None:
    for statement in ROW_LEVEL_SECURITY_OFF:
        op.execute(statement)
    for table, column, parent in CYCLE_LINKS:
        op.drop_constraint(
            op.f(f"fk_{table}_tenant_id_{column}_{parent}"), table, type_="foreignkey"
        )
    op.drop_index("ix_voice_calls_tenant_id_created_at_id", table_name="voice_calls")
    op.drop_index("ix_voice_calls_lead_history", table_name="voice_calls")
    op.drop_index("ix_voice_calls_agent", table_name="voice_calls")
    op.drop_table("voice_calls")
    op.drop_index("ix_voice_agents_tenant_id_created_at_id", table_name="voice_agents")
    op.drop_table("voice_agents")
    op.drop_index("ix_voices_tenant_id_created_at_id", table_name="voices")
    op.drop_table("voices")
    op.drop_index(
        "uq_phone_numbers_number_active",
        table_name="phone_numbers",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_index("ix_phone_numbers_tenant_id_created_at_id", table_name="phone_numbers")
    op.drop_table("phone_numbers")
    op.drop_index("ix_leads_tenant_id_created_at_id", table_name="leads")
    op.drop_table("leads")
