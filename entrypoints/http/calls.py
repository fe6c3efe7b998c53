"""Calls as the API shows them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import msgspec

from domain.calls import CallDirection, CallStatus, VoiceCall


class CallOut(msgspec.Struct):
    id: UUID
    tenant_id: UUID
    direction: CallDirection
    status: CallStatus
    agent_id: UUID | None
    lead_id: UUID | None
    from_number_id: UUID | None
    to_number: str
    ended_reason: str | None
    vapi_call_id: str | None
    cost: Decimal | None
    call_duration: int | None
    batch_id: UUID | None
    started_at: datetime | None
    ended_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: VoiceCall) -> CallOut:
        return cls(
            c.id,
            c.tenant_id,
            c.direction,
            c.status,
            c.agent_id,
            c.lead_id,
            c.from_number_id,
            c.to_number,
            c.ended_reason,
            c.vapi_call_id,
            c.cost,
            c.call_duration,
            c.batch_id,
            c.started_at,
            c.ended_at,
            c.created_at,
            c.updated_at,
        )


class CallPage(msgspec.Struct):
    items: list[CallOut]
    next_cursor: str | None
