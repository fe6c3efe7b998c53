"""Phone numbers come from the provider: a number is provisioned (its number unknown until a
bought one is ready, failed when the provider made none), says how the tenant came to hold it
(provisioned, attached by a platform admin, or typed in before this and unconfirmed), keeps
the provider credential it was imported with and a request's Idempotency-Key; a number being
provisioned holds its number and provider id against every other tenant. Provider credentials
belong to the first tenant that imports with one (provider_credentials, under row-level
security), and numbers whose provisioning is to be looked at again are listed, ids and times
only, in phone_number_settling (read by every worker).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-14 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "voice_agent_app"
HELD = "status IN ('active', 'provisioning')"

# Frozen copy of adapters.postgres.rls at this revision: a migration never changes.
_OWN = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
TABLES = ("provider_credentials", "phone_number_settling")
ROW_LEVEL_SECURITY = [
    statement
    for table in TABLES
    for statement in (
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING ({_OWN}) WITH CHECK ({_OWN})",
    )
] + ["CREATE POLICY every_tenant_reads ON phone_number_settling FOR SELECT USING (true)"]


def _replace_check(name: str, condition: str) -> None:
    op.drop_constraint(op.f(f"ck_phone_numbers_{name}"), "phone_numbers", type_="check")
    op.create_check_constraint(op.f(f"ck_phone_numbers_{name}"), "phone_numbers", condition)


def _held_index(column: str, where: str) -> None:
    name = f"uq_phone_numbers_{column}_active"
    op.drop_index(name, table_name="phone_numbers")
    op.create_index(name, "phone_numbers", [column], unique=True, postgresql_where=sa.text(where))


def upgrade() -> None:
    op.alter_column("phone_numbers", "number", existing_type=sa.String(16), nullable=True)
    # Every number typed in so far is unproven: it stops routing and dialling until confirmed.
    # So is any row written without saying how it was proven (the default).
    op.add_column(
        "phone_numbers",
        sa.Column("ownership", sa.String(20), nullable=False, server_default="unconfirmed"),
    )
    op.add_column("phone_numbers", sa.Column("provider_credential_id", sa.String(255)))
    op.add_column("phone_numbers", sa.Column("error", sa.Text()))
    op.add_column("phone_numbers", sa.Column("idempotency_key", sa.String(255)))
    _replace_check(
        "provider", "provider IN ('vapi', 'twilio', 'vonage', 'telnyx', 'byo-phone-number')"
    )
    _replace_check("status", "status IN ('provisioning', 'active', 'released', 'failed')")
    _replace_check("released_routes_nowhere", f"{HELD} OR inbound_agent_id IS NULL")
    op.create_check_constraint(
        op.f("ck_phone_numbers_ownership"),
        "phone_numbers",
        "ownership IN ('provisioned', 'attached', 'unconfirmed', 'confirmed')",
    )
    op.create_check_constraint(
        op.f("ck_phone_numbers_number_once_provisioned"),
        "phone_numbers",
        "number IS NOT NULL OR status IN ('provisioning', 'failed')",
    )
    _held_index("number", HELD)
    _held_index("provider_number_id", HELD)
    op.create_unique_constraint(
        op.f("uq_phone_numbers_tenant_id_idempotency_key"),
        "phone_numbers",
        ["tenant_id", "idempotency_key"],
    )
    op.create_table(
        "provider_credentials",
        sa.Column("credential_id", sa.String(255), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_provider_credentials_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("credential_id", name=op.f("pk_provider_credentials")),
    )
    op.create_index(
        op.f("ix_provider_credentials_tenant_id"), "provider_credentials", ["tenant_id"]
    )
    op.create_table(
        "phone_number_settling",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("number_id", sa.UUID(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "number_id"],
            ["phone_numbers.tenant_id", "phone_numbers.id"],
            name=op.f("fk_phone_number_settling_tenant_id_number_id_phone_numbers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_phone_number_settling_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "number_id", name=op.f("pk_phone_number_settling")),
    )
    op.create_index(
        "ix_phone_number_settling_due_at", "phone_number_settling", ["due_at"], unique=False
    )
    # Default privileges already grant new tables; say it for databases migrated by others.
    for table in TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
    for statement in ROW_LEVEL_SECURITY:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("phone_number_settling")
    op.drop_table("provider_credentials")
    op.execute("DELETE FROM phone_numbers WHERE number IS NULL")
    op.drop_constraint(
        op.f("uq_phone_numbers_tenant_id_idempotency_key"), "phone_numbers", type_="unique"
    )
    _held_index("number", "status = 'active'")
    _held_index("provider_number_id", "status = 'active'")
    op.drop_constraint(
        op.f("ck_phone_numbers_number_once_provisioned"), "phone_numbers", type_="check"
    )
    op.drop_constraint(op.f("ck_phone_numbers_ownership"), "phone_numbers", type_="check")
    op.execute(
        "UPDATE phone_numbers SET status = 'released', inbound_agent_id = NULL "
        "WHERE status IN ('provisioning', 'failed')"
    )
    op.execute("UPDATE phone_numbers SET provider = 'vapi' WHERE provider = 'byo-phone-number'")
    _replace_check("released_routes_nowhere", "status = 'active' OR inbound_agent_id IS NULL")
    _replace_check("status", "status IN ('active', 'released')")
    _replace_check("provider", "provider IN ('vapi', 'twilio', 'vonage', 'telnyx')")
    op.drop_column("phone_numbers", "idempotency_key")
    op.drop_column("phone_numbers", "error")
    op.drop_column("phone_numbers", "provider_credential_id")
    op.drop_column("phone_numbers", "ownership")
    op.alter_column("phone_numbers", "number", existing_type=sa.String(16), nullable=False)
