"""Batches (campaigns): call_batches, their items (one per lead) and the registry of running
batches, with their row-level security; a call's batch_id becomes a link to its batch.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "voice_agent_app"

# Frozen copies of adapters.postgres.rls at this revision: a migration never changes.
_OWN = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
ROW_LEVEL_SECURITY = [
    "ALTER TABLE call_batches ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE call_batches FORCE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON call_batches USING ({_OWN}) WITH CHECK ({_OWN})",
    "ALTER TABLE call_batch_items ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE call_batch_items FORCE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON call_batch_items USING ({_OWN}) WITH CHECK ({_OWN})",
    "ALTER TABLE running_batches ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE running_batches FORCE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON running_batches USING ({_OWN}) WITH CHECK ({_OWN})",
    "CREATE POLICY every_tenant_reads ON running_batches FOR SELECT USING (true)",
]

# Until now no batch existed, so a call's batch_id named nothing (no path ever set it). Any
# value left would break the new link: it is cleared first, past row-level security (the
# owner is bound by it too, FORCE), which is put back in the same transaction.
CLEAR_DANGLING_BATCH_IDS = [
    "ALTER TABLE voice_calls NO FORCE ROW LEVEL SECURITY",
    "UPDATE voice_calls SET batch_id = NULL WHERE batch_id IS NOT NULL",
    "ALTER TABLE voice_calls FORCE ROW LEVEL SECURITY",
]


def _timestamps() -> list[sa.Column[object]]:
    return [
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
    ]


def upgrade() -> None:
    op.create_table(
        "call_batches",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("agent_id", sa.UUID(), nullable=False),
        sa.Column("from_number_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="draft", nullable=False),
        sa.Column("pause_reason", sa.String(length=30), nullable=True),
        sa.Column("concurrency", sa.Integer(), server_default="1", nullable=False),
        sa.Column("window_days", postgresql.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("window_start", sa.Time(), nullable=False),
        sa.Column("window_end", sa.Time(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("max_attempts", sa.Integer(), server_default="3", nullable=False),
        sa.Column("retry_policy", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("pending", sa.Integer(), server_default="0", nullable=False),
        sa.Column("dialling", sa.Integer(), server_default="0", nullable=False),
        sa.Column("live", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("skipped", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cancelled", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "ended_by",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "skipped_by",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("cost", sa.Numeric(precision=14, scale=6), server_default="0", nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "pause_reason IN ('requested', 'minutes_exhausted', 'tenant_suspended',"
            " 'feature_lost', 'agent_unavailable', 'number_unavailable')",
            name=op.f("ck_call_batches_pause_reason"),
        ),
        sa.CheckConstraint(
            "pause_reason IS NULL OR status = 'paused'",
            name=op.f("ck_call_batches_paused_for_a_reason"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'running', 'paused', 'completed', 'cancelled')",
            name=op.f("ck_call_batches_status"),
        ),
        sa.CheckConstraint(
            "cardinality(window_days) > 0"
            " AND window_days <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[]",
            name=op.f("ck_call_batches_window_days"),
        ),
        sa.CheckConstraint(
            "concurrency >= 1 AND max_attempts >= 1", name=op.f("ck_call_batches_at_least_one")
        ),
        sa.CheckConstraint(
            "pending >= 0 AND dialling >= 0 AND live >= 0 AND completed >= 0 AND failed >= 0"
            " AND skipped >= 0 AND cancelled >= 0",
            name=op.f("ck_call_batches_counts"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_call_batches_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "agent_id"],
            ["voice_agents.tenant_id", "voice_agents.id"],
            name=op.f("fk_call_batches_tenant_id_agent_id_voice_agents"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "from_number_id"],
            ["phone_numbers.tenant_id", "phone_numbers.id"],
            name=op.f("fk_call_batches_tenant_id_from_number_id_phone_numbers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_call_batches_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_batches")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_call_batches_tenant_id_id")),
    )
    op.create_index(
        "ix_call_batches_tenant_id_created_at_id",
        "call_batches",
        ["tenant_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "call_batch_items",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("batch_id", sa.UUID(), nullable=False),
        # No link to leads: see adapters/postgres/tables.py.
        sa.Column("lead_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_call_id", sa.UUID(), nullable=True),
        sa.Column("last_outcome", sa.String(length=20), nullable=True),
        sa.Column("skip_reason", sa.String(length=30), nullable=True),
        sa.Column(
            "variables",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "last_outcome IN ('completed', 'busy', 'no-answer', 'voicemail', 'failed', 'unknown')",
            name=op.f("ck_call_batch_items_last_outcome"),
        ),
        sa.CheckConstraint(
            "skip_reason IN ('do_not_call', 'unknown_time_zone', 'invalid_number',"
            " 'duplicate_number')",
            name=op.f("ck_call_batch_items_skip_reason"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'dialling', 'live', 'completed', 'failed', 'skipped',"
            " 'cancelled')",
            name=op.f("ck_call_batch_items_status"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_call_batch_items_attempts_not_negative")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "batch_id"],
            ["call_batches.tenant_id", "call_batches.id"],
            name=op.f("fk_call_batch_items_tenant_id_batch_id_call_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_call_batch_items_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_batch_items")),
        sa.UniqueConstraint(
            "tenant_id",
            "batch_id",
            "lead_id",
            name=op.f("uq_call_batch_items_tenant_id_batch_id_lead_id"),
        ),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_call_batch_items_tenant_id_id")),
    )
    op.create_index(
        "ix_call_batch_items_batch",
        "call_batch_items",
        ["tenant_id", "batch_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_call_batch_items_due",
        "call_batch_items",
        [
            "tenant_id",
            "batch_id",
            # When the item falls due; unset is due at once (see tables.ITEM_DUE_AT).
            sa.literal_column("coalesce(next_attempt_at, '-infinity'::timestamptz)"),
            "id",
        ],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_call_batch_items_last_call",
        "call_batch_items",
        ["tenant_id", "last_call_id"],
        unique=False,
        postgresql_where=sa.text("last_call_id IS NOT NULL"),
    )
    # The call of an item's last try is queued in the transaction that claims the item:
    # checked at commit.
    op.create_foreign_key(
        op.f("fk_call_batch_items_tenant_id_last_call_id_voice_calls"),
        "call_batch_items",
        "voice_calls",
        ["tenant_id", "last_call_id"],
        ["tenant_id", "id"],
        deferrable=True,
        initially="DEFERRED",
    )
    op.create_table(
        "running_batches",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("batch_id", sa.UUID(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["tenant_id", "batch_id"],
            ["call_batches.tenant_id", "call_batches.id"],
            name=op.f("fk_running_batches_tenant_id_batch_id_call_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_running_batches_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "batch_id", name=op.f("pk_running_batches")),
    )
    for statement in CLEAR_DANGLING_BATCH_IDS:
        op.execute(statement)
    op.create_foreign_key(
        op.f("fk_voice_calls_tenant_id_batch_id_call_batches"),
        "voice_calls",
        "call_batches",
        ["tenant_id", "batch_id"],
        ["tenant_id", "id"],
    )
    op.create_index(
        "ix_voice_calls_batch",
        "voice_calls",
        ["tenant_id", "batch_id", "created_at", "id"],
        unique=False,
        postgresql_where=sa.text("batch_id IS NOT NULL"),
    )
    # Default privileges already grant new tables; say it for databases migrated by others.
    op.execute(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON call_batches, call_batch_items, running_batches"
        f" TO {APP_ROLE}"
    )
    for statement in ROW_LEVEL_SECURITY:
        op.execute(statement)


def downgrade() -> None:
    # The tables' policies and grants go with them.
    op.drop_index(
        "ix_voice_calls_batch",
        table_name="voice_calls",
        postgresql_where=sa.text("batch_id IS NOT NULL"),
    )
    op.drop_constraint(
        op.f("fk_voice_calls_tenant_id_batch_id_call_batches"), "voice_calls", type_="foreignkey"
    )
    op.drop_table("running_batches")
    op.drop_table("call_batch_items")
    op.drop_table("call_batches")
