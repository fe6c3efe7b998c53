"""The events a tenant's webhook endpoints receive: their bodies (the public resource shapes
of the API, never the provider's) and their documentation (OpenAPI 3.1 `webhooks`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import attrs
import msgspec

from domain.batches import Batch
from domain.calls import VoiceCall
from domain.webhooks import EventType, OutboundEvent
from entrypoints.http.batches import BatchOut
from entrypoints.http.calls import CallOut
from entrypoints.http.routing import encode
from entrypoints.http.schemas import TenantRef

EventId = Annotated[
    UUID,
    msgspec.Meta(
        description="The event's id, also sent as the `webhook-id` header: the same for every"
        " attempt, retry and replay of this event. Deduplicate on it."
    ),
]
OccurredAt = Annotated[
    datetime,
    msgspec.Meta(description="When it happened (the `webhook-timestamp` header is when sent)."),
]


class CallEventData(msgspec.Struct):
    """What a call event carries."""

    object: Annotated[
        CallOut | None,
        msgspec.Meta(
            description="The call as it stands when the delivery is made (as `GET …/calls/"
            "{id}` shows it): a late delivery carries the newest state, and the event's"
            " `type` says which step this event announces. null if the call is gone."
        ),
    ]


class CallEvent(msgspec.Struct, kw_only=True):
    """A call reached a step of its life."""

    id: EventId
    type: EventType
    timestamp: OccurredAt
    tenant_id: TenantRef
    data: CallEventData


class BatchEventData(msgspec.Struct):
    """What a batch event carries."""

    object: Annotated[
        BatchOut | None,
        msgspec.Meta(description="The batch as it stands when the delivery is made."),
    ]
    pause_reason: Annotated[
        str | None,
        msgspec.Meta(
            description="batch.paused: why (requested, minutes_exhausted, …).",
            examples=["requested"],
        ),
    ] = None


class BatchEvent(msgspec.Struct, kw_only=True):
    """A batch started, paused or completed."""

    id: EventId
    type: EventType
    timestamp: OccurredAt
    tenant_id: TenantRef
    data: BatchEventData


class LeadImportData(msgspec.Struct):
    """An import's figures, as its report gave them."""

    import_id: UUID
    rows: int
    created: int
    updated: int
    failed: int


class LeadImportEvent(msgspec.Struct, kw_only=True):
    """A lead import finished (its leads are written)."""

    id: EventId
    type: EventType
    timestamp: OccurredAt
    tenant_id: TenantRef
    data: LeadImportData


class LimitReachedData(msgspec.Struct):
    """The limit reached and the usage that reached it."""

    feature: Annotated[str, msgspec.Meta(examples=["voice_agents.max"])]
    limit: int
    used: Annotated[int, msgspec.Meta(description="The usage the change brought: the limit.")]


class LimitReachedEvent(msgspec.Struct, kw_only=True):
    """A change brought a counted limit of the tenant's plan (agents, numbers, members,
    webhook endpoints) to its limit: the next one will be refused."""

    id: EventId
    type: EventType
    timestamp: OccurredAt
    tenant_id: TenantRef
    data: LimitReachedData


@attrs.frozen
class EventDoc:
    payload: type
    summary: str


EVENT_DOCS: dict[EventType, EventDoc] = {
    EventType.CALL_QUEUED: EventDoc(CallEvent, "A call was placed and waits for the line"),
    EventType.CALL_STARTED: EventDoc(CallEvent, "A call is in progress"),
    EventType.CALL_ENDED: EventDoc(CallEvent, "A call ended (its report may follow)"),
    EventType.CALL_ANALYZED: EventDoc(
        CallEvent, "A call's transcript, summary, analysis and cost are ready"
    ),
    EventType.CALL_FAILED: EventDoc(CallEvent, "A call could not be placed"),
    EventType.BATCH_STARTED: EventDoc(BatchEvent, "A batch started dialling"),
    EventType.BATCH_PAUSED: EventDoc(BatchEvent, "A batch paused (asked, or stopped by a rule)"),
    EventType.BATCH_COMPLETED: EventDoc(BatchEvent, "Every lead of a batch is finished"),
    EventType.LEAD_IMPORT_COMPLETED: EventDoc(LeadImportEvent, "A lead import finished"),
    EventType.ENTITLEMENT_LIMIT_REACHED: EventDoc(
        LimitReachedEvent, "A counted limit of the plan is reached"
    ),
}


class PublicEventPayloads:
    """EventPayloads in the API's own shapes."""

    def render(self, event: OutboundEvent, subject: VoiceCall | Batch | None) -> bytes:
        head: dict[str, Any] = {
            "id": event.id,
            "type": event.type,
            "timestamp": event.occurred_at,
            "tenant_id": event.tenant_id,
        }
        details = dict(event.details or {})
        payload: msgspec.Struct
        doc = EVENT_DOCS[event.type].payload
        if doc is CallEvent:
            call = CallOut.of(subject) if isinstance(subject, VoiceCall) else None
            payload = CallEvent(**head, data=CallEventData(call))
        elif doc is BatchEvent:
            batch = BatchOut.of(subject) if isinstance(subject, Batch) else None
            payload = BatchEvent(**head, data=BatchEventData(batch, details.get("pause_reason")))
        elif doc is LeadImportEvent:
            payload = LeadImportEvent(
                **head, data=msgspec.convert(details, LeadImportData, strict=False)
            )
        else:
            payload = LimitReachedEvent(**head, data=msgspec.convert(details, LimitReachedData))
        return encode(payload)
