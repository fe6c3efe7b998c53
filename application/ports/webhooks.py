"""What the application needs to keep a tenant's webhook endpoints, the events recorded for
them and their deliveries."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

import attrs

from application.pagination import PageRequest
from domain.batches import Batch
from domain.calls import VoiceCall
from domain.ids import EventId, TenantId, WebhookDeliveryId, WebhookEndpointId
from domain.webhooks import (
    DeliveryAttempt,
    DeliveryStatus,
    EventType,
    OutboundEvent,
    WebhookDelivery,
    WebhookEndpoint,
)


class WebhookEndpointRepository(Protocol):
    async def get(
        self, tenant_id: TenantId, endpoint_id: WebhookEndpointId
    ) -> WebhookEndpoint | None: ...
    async def add(self, endpoint: WebhookEndpoint) -> None: ...
    async def save(self, endpoint: WebhookEndpoint) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def remove(self, endpoint: WebhookEndpoint) -> None: ...
    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[WebhookEndpoint]:
        """Oldest first, at most `page.limit + 1`."""
        ...

    async def count(self, tenant_id: TenantId) -> int: ...

    async def note_delivered(self, tenant_id: TenantId, endpoint_id: WebhookEndpointId) -> None:
        """A delivery succeeded: the endpoint is failing no more (its version is unchanged:
        this is the deliveries' bookkeeping, not a change of the tenant's)."""
        ...

    async def note_failed(
        self, tenant_id: TenantId, endpoint_id: WebhookEndpointId, at: datetime
    ) -> datetime | None:
        """A delivery failed: since when the endpoint has been failing (`at` when it was not
        yet); None when there is no such endpoint."""
        ...

    async def disable(
        self, tenant_id: TenantId, endpoint_id: WebhookEndpointId, reason: str, at: datetime
    ) -> bool:
        """Turn the endpoint off with `reason`; False when it was off already (or gone), so
        that of several workers noticing at once only one tells of it."""
        ...


class OutboundEvents(Protocol):
    async def record(self, events: Sequence[OutboundEvent]) -> int:
        """Keep the events and, in the same transaction, a delivery of each due at once to
        every enabled endpoint of its tenant that wants its type; how many deliveries. One
        endpoint's deliveries about one subject go out in the order of the events' ids."""
        ...

    async def get(self, tenant_id: TenantId, event_id: EventId) -> OutboundEvent | None: ...

    async def since(
        self, tenant_id: TenantId, since: datetime, types: frozenset[EventType], limit: int
    ) -> list[OutboundEvent]:
        """The tenant's events of those types that occurred at or after `since`, oldest
        first, at most `limit`."""
        ...


@attrs.frozen
class DueDelivery:
    tenant_id: TenantId
    delivery_id: WebhookDeliveryId
    endpoint_id: WebhookEndpointId


class WebhookDeliveries(Protocol):
    async def add(self, delivery: WebhookDelivery) -> None:
        """Keep a new delivery; a pending one is due at its `next_attempt_at`."""
        ...

    async def get(
        self, tenant_id: TenantId, delivery_id: WebhookDeliveryId
    ) -> WebhookDelivery | None: ...

    async def save(self, delivery: WebhookDelivery) -> None:
        """Keep what became of it: a pending delivery is due at its `next_attempt_at`, a
        delivered or failed one is due no more."""
        ...

    async def due(
        self,
        at: datetime,
        limit: int,
        *,
        per_endpoint: int,
        skip: Collection[WebhookEndpointId] = (),
    ) -> list[DueDelivery]:
        """Across every tenant (the queue holds ids only): deliveries due by `at`, the
        longest due first, at most `limit`, at most `per_endpoint` of one endpoint, none of
        the endpoints in `skip` (so that one endpoint's backlog never fills the answer);
        none while an earlier pending delivery of the same endpoint about the same subject
        waits (they go out in order)."""
        ...

    async def claim(
        self, tenant_id: TenantId, delivery_id: WebhookDeliveryId, at: datetime, until: datetime
    ) -> bool:
        """Take a delivery due by `at` for one attempt: it is due again at `until` (should the
        attempt never be recorded, a worker killed mid-way, it is made again then). False
        when it is not due (another worker took it, or it was settled)."""
        ...

    async def add_attempt(self, attempt: DeliveryAttempt) -> None: ...

    async def attempts(
        self, tenant_id: TenantId, delivery_id: WebhookDeliveryId
    ) -> list[DeliveryAttempt]:
        """Oldest first."""
        ...

    async def forget_responses(self, tenant_id: TenantId, subject_ids: Sequence[UUID]) -> int:
        """Drop what the receivers answered (`response_excerpt`) to deliveries of events
        about any of `subject_ids` (a receiver may echo what it was sent); how many."""
        ...

    async def list(
        self,
        tenant_id: TenantId,
        endpoint_id: WebhookEndpointId,
        status: DeliveryStatus | None,
        page: PageRequest,
    ) -> list[WebhookDelivery]:
        """Newest first, at most `page.limit + 1`."""
        ...

    async def fail_pending(
        self, tenant_id: TenantId, endpoint_id: WebhookEndpointId, reason: str
    ) -> int:
        """Every pending delivery to the endpoint failed with `reason`; how many."""
        ...


@attrs.frozen
class ReceiverAnswer:
    """What became of one request to a receiver."""

    latency_ms: int
    status_code: int | None = None
    """None when no answer came: refused, unreachable, timed out, or a target not allowed."""
    excerpt: str | None = None
    """The start of the answer's body (a small bound is read, never more)."""
    error: str | None = None
    """Why no answer came, or why the answer is not a success."""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender(Protocol):
    async def send(self, url: str, headers: Mapping[str, str], body: bytes) -> ReceiverAnswer:
        """POST `body` to `url`, within the sender's time bound, following no redirect; never
        raises for what the network or the receiver does. A URL whose host is, or resolves
        to, a loopback, private, link-local or otherwise non-public address is not sent to
        (unless the sender allows them), and the answer says so."""
        ...


class EventPayloads(Protocol):
    def render(self, event: OutboundEvent, subject: VoiceCall | Batch | None) -> bytes:
        """The event's body as its receivers get it (JSON): the event's id, type, time and
        tenant, and `subject` in its public shape (None: it has none, or it is gone)."""
        ...
