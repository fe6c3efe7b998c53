"""Closing a tenant (purged after a grace period) and exporting its data: a tenant's
closed_at and purge_after, its exports with their archives in ordered chunks, and the queue of
exports to build or remove (ids and times, read by every worker); under row-level security.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "voice_agent_app"
TABLES = ("tenant_exports", "tenant_export_chunks", "tenant_export_queue")

# Frozen copy of adapters.postgres.rls at this revision: a migration never changes.
_OWN = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
ROW_LEVEL_SECURITY = [
    statement
    for table in TABLES
    for statement in (
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING ({_OWN}) WITH CHECK ({_OWN})",
    )
] + ["CREATE POLICY every_tenant_reads ON tenant_export_queue FOR SELECT USING (true)"]


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )


def _export_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "export_id"],
        ["tenant_exports.tenant_id", "tenant_exports.id"],
        name=op.f(f"fk_{table}_tenant_id_export_id_tenant_exports"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.add_column("tenants", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tenants", sa.Column("purge_after", sa.DateTime(timezone=True), nullable=True))
    op.drop_constraint(op.f("ck_tenants_status"), "tenants", type_="check")
    op.create_check_constraint(
        op.f("ck_tenants_status"), "tenants", "status IN ('active', 'suspended', 'closed')"
    )
    op.create_check_constraint(
        op.f("ck_tenants_closed_dates"),
        "tenants",
        "(status = 'closed') = (closed_at IS NOT NULL)"
        " AND (closed_at IS NULL) = (purge_after IS NULL)",
    )
    op.create_index(
        "ix_tenants_purge_after",
        "tenants",
        ["purge_after"],
        unique=False,
        postgresql_where=sa.text("status = 'closed'"),
    )
    op.create_table(
        "tenant_exports",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("requested_by", sa.UUID(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column(
            "counts",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("chunks", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'ready', 'failed')",
            name=op.f("ck_tenant_exports_status"),
        ),
        sa.CheckConstraint(
            "(status = 'ready') = (sha256 IS NOT NULL AND size_bytes IS NOT NULL"
            " AND chunks IS NOT NULL)",
            name=op.f("ck_tenant_exports_ready_has_archive"),
        ),
        _tenant_fk("tenant_exports"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tenant_exports")),
    )
    op.create_index(
        "ix_tenant_exports_tenant_id_created_at_id",
        "tenant_exports",
        ["tenant_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "tenant_export_chunks",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("export_id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _export_fk("tenant_export_chunks"),
        _tenant_fk("tenant_export_chunks"),
        sa.PrimaryKeyConstraint(
            "tenant_id", "export_id", "seq", name=op.f("pk_tenant_export_chunks")
        ),
    )
    op.create_table(
        "tenant_export_queue",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("export_id", sa.UUID(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        _export_fk("tenant_export_queue"),
        _tenant_fk("tenant_export_queue"),
        sa.PrimaryKeyConstraint("tenant_id", "export_id", name=op.f("pk_tenant_export_queue")),
    )
    op.create_index(
        "ix_tenant_export_queue_due_at", "tenant_export_queue", ["due_at"], unique=False
    )
    # Default privileges already grant new tables; say it for databases migrated by others.
    for table in TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
    for statement in ROW_LEVEL_SECURITY:
        op.execute(statement)


def downgrade() -> None:
    # The tables' policies and grants go with them.
    op.drop_index("ix_tenant_export_queue_due_at", table_name="tenant_export_queue")
    op.drop_table("tenant_export_queue")
    op.drop_table("tenant_export_chunks")
    op.drop_index("ix_tenant_exports_tenant_id_created_at_id", table_name="tenant_exports")
    op.drop_table("tenant_exports")
    # Closed tenants cannot be told apart once the columns go: they become suspended, which
    # keeps them refused until a platform admin decides.
    op.execute("UPDATE tenants SET status = 'suspended' WHERE status = 'closed'")
    op.drop_index("ix_tenants_purge_after", table_name="tenants")
    op.drop_constraint(op.f("ck_tenants_closed_dates"), "tenants", type_="check")
    op.drop_constraint(op.f("ck_tenants_status"), "tenants", type_="check")
    op.create_check_constraint(
        op.f("ck_tenants_status"), "tenants", "status IN ('active', 'suspended')"
    )
    op.drop_column("tenants", "purge_after")
    op.drop_column("tenants", "closed_at")
