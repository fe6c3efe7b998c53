"""A tenant's export: an archive of every record it has, built by a worker, kept for a while."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import NewType
from uuid import UUID

import attrs

from domain.errors import InvalidStateTransition
from domain.ids import TenantId, UserId

ExportId = NewType("ExportId", UUID)


class ExportStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"


class ExportKind(enum.StrEnum):
    """What a line of the archive holds, in the order the archive lists them: the one list
    of what an export contains."""

    TENANT = "tenant"
    MEMBER = "member"
    INVITATION = "invitation"
    API_KEY = "api_key"
    FEATURE_OVERRIDE = "feature_override"
    VOICE = "voice"
    PHONE_NUMBER = "phone_number"
    AGENT = "agent"
    LEAD = "lead"
    CALL = "call"
    AI_USAGE = "ai_usage"
    BATCH = "batch"
    BATCH_ITEM = "batch_item"
    WEBHOOK_ENDPOINT = "webhook_endpoint"
    AUDIT = "audit"


_ERROR_LENGTH = 500


@attrs.define
class TenantExport:
    id: ExportId
    tenant_id: TenantId
    requested_by: UserId | None
    created_at: datetime
    expires_at: datetime
    status: ExportStatus = ExportStatus.PENDING
    started_at: datetime | None = None
    completed_at: datetime | None = None
    error: str | None = None
    counts: dict[str, int] = attrs.field(factory=dict)
    size_bytes: int | None = None
    chunks: int | None = None
    sha256: str | None = None

    @classmethod
    def request(
        cls,
        id: ExportId,
        tenant_id: TenantId,
        requested_by: UserId | None,
        at: datetime,
        keep_for: timedelta,
    ) -> TenantExport:
        return cls(id, tenant_id, requested_by, created_at=at, expires_at=at + keep_for)

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.READY, ExportStatus.FAILED)

    def start(self, at: datetime) -> None:
        """Begin building, or begin again: a build that did not finish is started over."""
        if self.is_finished:
            raise InvalidStateTransition(f"the export is already {self.status}", field="status")
        self.status = ExportStatus.RUNNING
        self.started_at = at
        self.counts = {}

    def complete(
        self,
        at: datetime,
        keep_for: timedelta,
        *,
        counts: dict[str, int],
        size_bytes: int,
        chunks: int,
        sha256: str,
    ) -> None:
        if self.status is not ExportStatus.RUNNING:
            raise InvalidStateTransition(
                f"the export is {self.status}, not running", field="status"
            )
        self.status = ExportStatus.READY
        self.completed_at = at
        self.expires_at = at + keep_for
        self.counts = dict(counts)
        self.size_bytes = size_bytes
        self.chunks = chunks
        self.sha256 = sha256

    def fail(self, at: datetime, keep_for: timedelta, reason: str) -> None:
        if self.is_finished:
            raise InvalidStateTransition(f"the export is already {self.status}", field="status")
        self.status = ExportStatus.FAILED
        self.completed_at = at
        self.expires_at = at + keep_for
        self.error = (reason or "failed")[:_ERROR_LENGTH]
