"""Invitations to a tenant, accepted or declined by the invitee with a one-time token.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "voice_agent_app"

# Frozen copy of adapters.postgres.rls at this revision: a migration never changes.
_OWN = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
ROW_LEVEL_SECURITY = [
    "ALTER TABLE invitations ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE invitations FORCE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON invitations USING ({_OWN}) WITH CHECK ({_OWN})",
]


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by", sa.UUID(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_by", sa.UUID(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
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
            "(status = 'accepted') = (accepted_at IS NOT NULL)",
            name=op.f("ck_invitations_accepted_at"),
        ),
        sa.CheckConstraint(
            "(status = 'declined') = (declined_at IS NOT NULL)",
            name=op.f("ck_invitations_declined_at"),
        ),
        sa.CheckConstraint(
            "(status = 'revoked') = (revoked_at IS NOT NULL)",
            name=op.f("ck_invitations_revoked_at"),
        ),
        sa.CheckConstraint(
            "role IN ('owner', 'admin', 'member', 'viewer')", name=op.f("ck_invitations_role")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'revoked', 'expired')",
            name=op.f("ck_invitations_status"),
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by"],
            ["users.id"],
            name=op.f("fk_invitations_accepted_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_invitations_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_invitations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("tenant_id", "prefix", name=op.f("uq_invitations_tenant_id_prefix")),
    )
    op.create_index(
        "ix_invitations_tenant_id_created_at_id",
        "invitations",
        ["tenant_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "uq_invitations_pending_email",
        "invitations",
        ["tenant_id", sa.literal_column("lower(email)")],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    # Default privileges already grant new tables; say it for databases migrated by others.
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON invitations TO {APP_ROLE}")
    for statement in ROW_LEVEL_SECURITY:
        op.execute(statement)


def downgrade() -> None:
    # The table's policy and grants go with it.
    op.drop_index("uq_invitations_pending_email", table_name="invitations")
    op.drop_index("ix_invitations_tenant_id_created_at_id", table_name="invitations")
    op.drop_table("invitations")
