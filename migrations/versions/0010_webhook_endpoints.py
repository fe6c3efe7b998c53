"""Webhook endpoints: where a tenant's own systems receive its events, with the secret that
signs them (and the previous one while a rotation overlaps), under row-level security.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "voice_agent_app"

# Frozen copy of adapters.postgres.rls at this revision: a migration never changes.
_OWN = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
ROW_LEVEL_SECURITY = [
    "ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON webhook_endpoints USING ({_OWN}) WITH CHECK ({_OWN})",
]


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.String(length=50)), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("previous_secret", sa.String(length=100), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
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
            "cardinality(event_types) > 0", name=op.f("ck_webhook_endpoints_event_types_named")
        ),
        sa.CheckConstraint(
            "(previous_secret IS NULL) = (previous_secret_expires_at IS NULL)",
            name=op.f("ck_webhook_endpoints_previous_secret_expires"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_webhook_endpoints_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_index(
        "ix_webhook_endpoints_tenant_id_created_at_id",
        "webhook_endpoints",
        ["tenant_id", "created_at", "id"],
        unique=False,
    )
    # Default privileges already grant new tables; say it for databases migrated by others.
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoints TO {APP_ROLE}")
    for statement in ROW_LEVEL_SECURITY:
        op.execute(statement)


def downgrade() -> None:
    # The table's policy and grant go with it.
    op.drop_table("webhook_endpoints")
