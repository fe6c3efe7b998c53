"""Voice calls: one phone call placed or answered by an agent."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs

from domain.ids import AgentId, CallId, LeadId, PhoneNumberId, TenantId, VoiceId


class CallDirection(enum.StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class CallStatus(enum.StrEnum):
    """Vapi's call statuses, plus ours: `failed` (the provider refused to place it) and
    `unknown` (its creation's outcome is not known yet; the reconciler finds out)."""

    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    FORWARDING = "forwarding"
    ENDED = "ended"
    FAILED = "failed"
    UNKNOWN = "unknown"


@attrs.define
class VoiceCall:
    id: CallId
    tenant_id: TenantId
    direction: CallDirection
    status: CallStatus
    to_number: str
    created_at: datetime
    updated_at: datetime
    agent_id: AgentId | None = None
    lead_id: LeadId | None = None
    voice_id: VoiceId | None = None
    from_number_id: PhoneNumberId | None = None
    ended_reason: str | None = None
    vapi_call_id: str | None = None
    vapi_data: dict[str, Any] = attrs.field(factory=dict)
    transcription: dict[str, Any] | None = None
    recording_url: str | None = None
    summary: str | None = None
    analysis: dict[str, Any] | None = None
    cost: Decimal | None = None
    cost_breakdown: dict[str, Any] | None = None
    call_duration: int | None = None
    batch_id: UUID | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    idempotency_key: str | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict)
    version: int = 0
