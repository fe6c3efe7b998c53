"""Passwords, password reset tokens and sign-in throttling.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 09:00:00

Users get an optional argon2id password hash. Reset tokens and the throttle are global (no
tenant): no row-level security, and the application role reaches them by the grant below.
The audit trail learns an anonymous actor (sign-in attempts, reset requests).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "voice_agent_app"


def upgrade() -> None:
    op.add_column("users", sa.Column("password_hash", sa.String(length=255), nullable=True))
    op.add_column(
        "users", sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "password_reset_tokens",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_reset_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_tokens")),
        sa.UniqueConstraint("prefix", name=op.f("uq_password_reset_tokens_prefix")),
    )
    op.create_index(
        "ix_password_reset_tokens_user_id", "password_reset_tokens", ["user_id"], unique=False
    )
    op.create_table(
        "sign_in_throttle",
        sa.Column("scope", sa.String(length=30), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope", "key_hash", name=op.f("pk_sign_in_throttle")),
    )
    op.create_index(
        "ix_sign_in_throttle_last_failure_at",
        "sign_in_throttle",
        ["last_failure_at"],
        unique=False,
    )
    # Default privileges already grant new tables; say it for databases migrated by others.
    op.execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON password_reset_tokens, sign_in_throttle"
        f" TO {APP_ROLE}"
    )
    op.drop_constraint(op.f("ck_audit_log_actor_type"), "audit_log", type_="check")
    op.create_check_constraint(
        op.f("ck_audit_log_actor_type"),
        "audit_log",
        "actor_type IN ('user', 'api_key', 'system', 'anonymous')",
    )


def downgrade() -> None:
    # Anonymous entries have no kind to go back to: they are the system's, as before.
    op.execute("UPDATE audit_log SET actor_type = 'system' WHERE actor_type = 'anonymous'")
    op.drop_constraint(op.f("ck_audit_log_actor_type"), "audit_log", type_="check")
    op.create_check_constraint(
        op.f("ck_audit_log_actor_type"),
        "audit_log",
        "actor_type IN ('user', 'api_key', 'system')",
    )
    op.drop_table("sign_in_throttle")
    op.drop_table("password_reset_tokens")
    op.drop_column("users", "password_changed_at")
    op.drop_column("users", "password_hash")
