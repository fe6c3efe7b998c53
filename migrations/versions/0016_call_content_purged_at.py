"""A call records when its content (transcript, recording, analysis, the provider's record) was
deleted: content_purged_at on voice_calls.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-15 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "voice_calls", sa.Column("content_purged_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("voice_calls", "content_purged_at")
