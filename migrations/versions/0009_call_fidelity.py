"""Calls as Vapi sends them: costs to Vapi's precision (no rounding to six places, for calls,
usage rows and batches alike), every token and minute count of a usage row, who called as a
column (the call list finds calls by either number), the artifacts users look for
(recordings per channel, structured outputs, transfers, the log), and whether a call may
keep its recording (the tenant's plan decides when the call is placed; calls before this
were all recorded).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An inbound call's caller was kept in its metadata; it moves to its column. The owner is
# bound by row-level security too (FORCE), which is lifted for this statement and put back
# in the same transaction.
COPY_CALLERS = [
    "ALTER TABLE voice_calls NO FORCE ROW LEVEL SECURITY",
    "UPDATE voice_calls SET caller_number = left(metadata ->> 'caller_number', 32)"
    " WHERE direction = 'inbound' AND jsonb_typeof(metadata -> 'caller_number') = 'string'",
    "ALTER TABLE voice_calls FORCE ROW LEVEL SECURITY",
]


def upgrade() -> None:
    # Unconstrained NUMERIC keeps every digit Vapi sends; dropping the typmod rewrites nothing.
    op.alter_column("voice_calls", "cost", type_=sa.Numeric(), existing_type=sa.Numeric(12, 6))
    op.alter_column("ai_usage", "cost", type_=sa.Numeric(), existing_type=sa.Numeric(12, 6))
    # A batch's cost is the sum of its calls': rounded, it would differ from their usage.
    op.alter_column("call_batches", "cost", type_=sa.Numeric(), existing_type=sa.Numeric(14, 6))
    for column in (
        "cached_prompt_tokens",
        "reasoning_tokens",
        "prompt_audio_tokens",
        "completion_audio_tokens",
    ):
        op.add_column("ai_usage", sa.Column(column, sa.BigInteger(), nullable=True))
    op.add_column("ai_usage", sa.Column("minutes", sa.Numeric(), nullable=True))
    op.add_column("voice_calls", sa.Column("caller_number", sa.String(length=32), nullable=True))
    op.add_column(
        "voice_calls",
        sa.Column("artifacts", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column(
        "voice_calls",
        sa.Column(
            "recording_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False
        ),
    )
    for statement in COPY_CALLERS:
        op.execute(statement)
    op.create_index(
        "ix_voice_calls_to_number", "voice_calls", ["tenant_id", "to_number", "created_at", "id"]
    )
    op.create_index(
        "ix_voice_calls_caller_number",
        "voice_calls",
        ["tenant_id", "caller_number", "created_at", "id"],
        postgresql_where=sa.text("caller_number IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_voice_calls_caller_number",
        table_name="voice_calls",
        postgresql_where=sa.text("caller_number IS NOT NULL"),
    )
    op.drop_index("ix_voice_calls_to_number", table_name="voice_calls")
    op.drop_column("voice_calls", "recording_enabled")
    op.drop_column("voice_calls", "artifacts")
    op.drop_column("voice_calls", "caller_number")
    for column in (
        "minutes",
        "completion_audio_tokens",
        "prompt_audio_tokens",
        "reasoning_tokens",
        "cached_prompt_tokens",
    ):
        op.drop_column("ai_usage", column)
    # Narrowed back: amounts are rounded to six places, as the columns held them before.
    op.alter_column("call_batches", "cost", type_=sa.Numeric(14, 6), existing_type=sa.Numeric())
    op.alter_column("ai_usage", "cost", type_=sa.Numeric(12, 6), existing_type=sa.Numeric())
    op.alter_column("voice_calls", "cost", type_=sa.Numeric(12, 6), existing_type=sa.Numeric())
