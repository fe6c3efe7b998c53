"""Retention: each tenant's choices of how long its calls' content is kept (NULL: as its
plan), which kinds of a call's content went (purged_content) and whether it keeps any
(content_stored), and the indexes the retention purge reads: per kind, the calls holding it
by tenant and age.

A report's parts not yet come (transcript, analysis, cost breakdown, artifacts) are NULL in
SQL rather than JSON null.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LINKS = (
    "'recording', 'recordingUrl', 'stereoRecordingUrl', 'videoRecordingUrl',"
    " 'presignedMonoUrl', 'presignedStereoUrl', 'presignedVideoUrl', 'presignedAssistantUrl',"
    " 'presignedCustomerUrl', 'pcapUrl', 'presignedPcapUrl'"
)
_HELD = {
    "transcript": "transcription IS NOT NULL OR summary IS NOT NULL OR analysis IS NOT NULL"
    " OR (artifacts - 'recordings') <> '{}'::jsonb",
    "recording": "recording_url IS NOT NULL OR artifacts ? 'recordings'"
    f" OR vapi_data ?| ARRAY[{_LINKS}, 'recordings']"
    " OR (jsonb_typeof(vapi_data -> 'artifact') = 'object'"
    f" AND (vapi_data -> 'artifact') ?| ARRAY[{_LINKS}])",
    "provider_record": "vapi_data <> '{}'::jsonb",
}


def upgrade() -> None:
    for name in ("transcripts_days", "recordings_days", "provider_record_days"):
        op.add_column("tenants", sa.Column(f"retention_{name}", sa.Integer(), nullable=True))
    op.add_column("tenants", sa.Column("retention_store_transcripts", sa.Boolean(), nullable=True))
    op.add_column(
        "voice_calls",
        sa.Column(
            "purged_content", ARRAY(sa.String(20)), nullable=False, server_default=sa.text("'{}'")
        ),
    )
    op.add_column(
        "voice_calls",
        sa.Column("content_stored", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    # A report's parts absent are NULL in SQL from now on, not JSON null.
    op.execute(
        "UPDATE voice_calls SET transcription = NULLIF(transcription, 'null'::jsonb),"
        " analysis = NULLIF(analysis, 'null'::jsonb),"
        " cost_breakdown = NULLIF(cost_breakdown, 'null'::jsonb),"
        " artifacts = NULLIF(artifacts, 'null'::jsonb)"
        " WHERE transcription = 'null'::jsonb OR analysis = 'null'::jsonb"
        " OR cost_breakdown = 'null'::jsonb OR artifacts = 'null'::jsonb"
    )
    # Calls whose content was deleted on demand before: every kind went.
    op.execute(
        "UPDATE voice_calls SET purged_content = ARRAY['transcript', 'recording',"
        " 'provider_record'] WHERE content_purged_at IS NOT NULL"
    )
    for kind, held in _HELD.items():
        op.create_index(
            f"ix_voice_calls_{kind}_held",
            "voice_calls",
            ["tenant_id", sa.text("coalesce(ended_at, created_at)")],
            postgresql_where=sa.text(held),
        )


def downgrade() -> None:
    for kind in _HELD:
        op.drop_index(f"ix_voice_calls_{kind}_held", table_name="voice_calls")
    op.drop_column("voice_calls", "content_stored")
    op.drop_column("voice_calls", "purged_content")
    for name in (
        "store_transcripts",
        "provider_record_days",
        "recordings_days",
        "transcripts_days",
    ):
        op.drop_column("tenants", f"retention_{name}")
