"""Plans: one default plan for new tenants, and unique plan names.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 23:01:41.584672
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "plans",
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.create_index(
        "uq_plans_default",
        "plans",
        ["is_default"],
        unique=True,
        postgresql_where=sa.text("is_default"),
    )
    op.create_unique_constraint(op.f("uq_plans_name"), "plans", ["name"])


def downgrade() -> None:
    op.drop_constraint(op.f("uq_plans_name"), "plans", type_="unique")
    op.drop_index("uq_plans_default", table_name="plans", postgresql_where=sa.text("is_default"))
    op.drop_column("plans", "is_default")
