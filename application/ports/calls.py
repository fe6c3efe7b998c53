"""What the application needs to keep calls, the calls in flight, their AI usage and
the provider's webhook messages.
"""

from __future__ import annotations

import builtins
import enum
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.pagination import PageRequest, Position
from domain.calls import AiUsage, CallDirection, CallStatus, ContentKind, VoiceCall
from domain.ids import AgentId, CallId, LeadId, PhoneNumberId, TenantId, VoiceId
from domain.phones import PhoneNumber


@attrs.frozen
class CallFilter:
    """What a call list is narrowed to; None means any. Dates bound `created_at`."""

    agent_id: AgentId | None = None
    lead_id: LeadId | None = None
    status: CallStatus | None = None
    batch_id: UUID | None = None
    direction: CallDirection | None = None
    created_from: datetime | None = None
    """Inclusive."""
    created_before: datetime | None = None
    """Exclusive."""
    number: PhoneNumber | None = None
    """Calls to or from this number: its `to_number` or its `caller_number`."""


@attrs.frozen
class CallRoute:
    """How a provider's message names a call: our id (Vapi echoes it in the call's `name`),
    the provider's id, or both."""

    call_id: CallId | None = None
    provider_call_id: str | None = None


# Not frozen: one is built for every row a list reads, and a frozen attrs class takes
# several times longer to build. Nothing changes one once built.
@attrs.define
class CallListItem:
    """A call as a list shows it: what the call is and where it stands, without what only
    the call itself carries (transcript, analysis, cost breakdown, the provider's record,
    the client's metadata). Lists never read those: they are most of a call's size."""

    id: CallId
    tenant_id: TenantId
    direction: CallDirection
    status: CallStatus
    agent_id: AgentId | None
    lead_id: LeadId | None
    voice_id: VoiceId | None
    from_number_id: PhoneNumberId | None
    to_number: str
    caller_number: str | None
    """Inbound calls: who called."""
    ended_reason: str | None
    error: str | None
    vapi_call_id: str | None
    cost: Decimal | None
    call_duration: int | None
    batch_id: UUID | None
    started_at: datetime | None
    ended_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, call: VoiceCall) -> CallListItem:
        return cls(
            call.id,
            call.tenant_id,
            call.direction,
            call.status,
            call.agent_id,
            call.lead_id,
            call.voice_id,
            call.from_number_id,
            call.to_number,
            call.caller_number,
            call.ended_reason,
            call.error,
            call.vapi_call_id,
            call.cost,
            call.call_duration,
            call.batch_id,
            call.started_at,
            call.ended_at,
            call.created_at,
            call.updated_at,
        )

    def position(self) -> Position:
        """Where a page that ends with this call ends."""
        return Position(self.created_at, self.id)


class CallRepository(Protocol):
    async def add(self, call: VoiceCall) -> None:
        """Raises AlreadyExists(field="idempotency_key") when the tenant used the key."""
        ...

    async def add_many(self, calls: Sequence[VoiceCall]) -> None:
        """`add` of each, in one go (a batch's round queues its calls so)."""
        ...

    async def get(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None: ...
    async def get_for_update(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        """Read and lock the call until the transaction ends (messages about one call are
        applied one after another)."""
        ...

    async def get_many_for_update(
        self, tenant_id: TenantId, call_ids: Sequence[CallId]
    ) -> list[VoiceCall]:
        """`get_for_update` of each that exists, in one go, locked in id order (two
        transactions locking overlapping sets wait rather than deadlock)."""
        ...

    async def save(self, call: VoiceCall) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def save_many(self, calls: Sequence[VoiceCall]) -> None:
        """`save` of each, in one go: ConcurrencyConflict when the stored version of any
        moved on (the transaction is then to be abandoned: which were saved is not said)."""
        ...

    async def by_idempotency_key(self, tenant_id: TenantId, key: str) -> VoiceCall | None: ...
    async def of_lead(
        self, tenant_id: TenantId, lead_id: LeadId, page: PageRequest
    ) -> list[CallListItem]:
        """The lead's calls, newest first, at most `page.limit + 1`."""
        ...

    async def exist_for_agent(self, tenant_id: TenantId, agent_id: AgentId) -> bool: ...
    async def seconds_since(self, tenant_id: TenantId, since: datetime) -> int:
        """Talk time (call_duration) of the tenant's calls created since `since`."""
        ...

    async def average_talk_since(self, tenant_id: TenantId, since: datetime) -> float | None:
        """The mean talk time (call_duration, seconds) of the tenant's calls created since
        `since` that were talked on (a duration above 0); None when none was."""
        ...

    async def route(self, route: CallRoute) -> tuple[TenantId, CallId] | None:
        """Which tenant's call a provider message is about, whichever tenant it is.

        Needs a unit of work opened with `call_route=route`: row-level security shows the
        calls with those ids and nothing else of other tenants.
        """
        ...

    async def list(
        self, tenant_id: TenantId, where: CallFilter, page: PageRequest
    ) -> list[CallListItem]:
        """Newest first, at most `page.limit + 1`."""
        ...

    async def purge_expired(
        self,
        tenant_id: TenantId,
        kind: ContentKind,
        ended_before: datetime,
        at: datetime,
        limit: int,
    ) -> int:
        """`VoiceCall.purge` of `kind` at `at` for at most `limit` of the tenant's finished
        calls that hold it and ended (or, never placed, were made) before `ended_before`,
        oldest first, skipping any locked by another transaction; how many."""
        ...

    async def stop_storing_content(self, tenant_id: TenantId, at: datetime) -> int:
        """`VoiceCall.stop_storing_content` for each of the tenant's calls not finished;
        how many changed."""
        ...

    async def of_person(
        self, tenant_id: TenantId, lead_id: LeadId, number: str
    ) -> builtins.list[VoiceCall]:
        """Locked, in id order: the tenant's calls of the lead, to `number` or from it."""
        ...


@attrs.frozen
class LiveCall:
    """A call not finished yet, in the registry every tenant's placements count against
    (the provider's concurrency is shared) and the reconciler sweeps."""

    call_id: CallId
    tenant_id: TenantId
    check_at: datetime
    """When the reconciler should ask the provider about it, if nothing settled it before."""
    on_line: bool = True
    """False once the call has ended: it no longer counts against concurrency, but stays
    until its report arrives (or the reconciler fetches it)."""


class LiveCallRegistry(Protocol):
    async def lock(self) -> None:
        """Serialise placements across all tenants until the transaction ends, so the global
        count cannot be passed by two at once. Take it after the tenant lock."""
        ...

    async def hold(self, live: LiveCall) -> None:
        """Register the call; a call already held keeps its entry."""
        ...

    async def hold_many(self, lives: Sequence[LiveCall]) -> None:
        """`hold` of each, in one go."""
        ...

    async def hang_up(self, tenant_id: TenantId, call_id: CallId, check_at: datetime) -> None:
        """The call ended: it stops counting; check it at `check_at` unless due sooner."""
        ...

    async def release(self, tenant_id: TenantId, call_id: CallId) -> None:
        """The call is settled: forget it. Idempotent."""
        ...

    async def postpone(self, tenant_id: TenantId, call_id: CallId, check_at: datetime) -> None: ...
    async def count(self, tenant_id: TenantId | None = None) -> int:
        """The tenant's calls on the line, or every tenant's with None."""
        ...

    async def on_line(self, tenant_id: TenantId) -> tuple[int, int]:
        """(every tenant's calls on the line, the tenant's): `count()` and `count(tenant_id)`
        counted together, as a placement checks both under the lines' lock."""
        ...

    async def lock_and_count(self, tenant_id: TenantId) -> tuple[int, int]:
        """`lock()`, then `on_line(tenant_id)` counted once the lock is held (so the count
        includes every call its previous holder committed): a placement's check of the lines
        in one step (PostgreSQL: one round trip)."""
        ...

    async def due(self, at: datetime, limit: int, after: LiveCall | None = None) -> list[LiveCall]:
        """Every tenant's calls to check at `at` (check_at <= at), the most overdue first
        (ties in call id order): up to `limit`, those after `after` in that order (None:
        from the first), so that a sweep pages on even past entries it could not clear."""
        ...

    async def in_flight(self, after: CallId | None, limit: int) -> list[LiveCall]:
        """Every tenant's calls in the registry, whenever they are due: up to `limit`, in
        call id order, those after `after` (None: from the first)."""
        ...


class UsagePeriod(enum.StrEnum):
    """The calendar period a usage report sums by, in UTC."""

    DAY = "day"
    MONTH = "month"


class UsageGrouping(enum.StrEnum):
    """What a usage report also sums by, within each period."""

    AGENT = "agent"
    BATCH = "batch"


@attrs.frozen
class UsageQuery:
    """A usage report: calls created in [start, end), summed by period (and by agent or
    batch)."""

    start: datetime
    end: datetime
    period: UsagePeriod = attrs.field(default=UsagePeriod.DAY, converter=UsagePeriod)
    by: UsageGrouping | None = attrs.field(
        default=None, converter=attrs.converters.optional(UsageGrouping)
    )


@attrs.frozen
class UsageTotal:
    period_start: datetime
    calls: int
    seconds: int
    cost: Any
    """Decimal: the sum of the ai_usage rows of those calls."""
    agent_id: AgentId | None = None
    batch_id: UUID | None = None


class AiUsageRepository(Protocol):
    async def add_many(self, rows: Sequence[AiUsage]) -> None: ...
    async def of_call(self, tenant_id: TenantId, call_id: CallId) -> list[AiUsage]:
        """In the order they were reported."""
        ...

    async def totals(self, tenant_id: TenantId, query: UsageQuery) -> list[UsageTotal]:
        """By period ascending, then agent or batch id (None last)."""
        ...


@attrs.frozen
class InboxMessage:
    """A provider's webhook message as it came, kept once per dedupe key."""

    id: UUID
    provider: str
    dedupe_key: str
    type: str
    payload: dict[str, Any]
    received_at: datetime
    provider_call_id: str | None = None
    tenant_id: TenantId | None = None
    """None when no tenant's call is named in it (stored outside any tenant)."""
    processed_at: datetime | None = None
    error: str | None = None


# Not frozen, as CallListItem: one is built for every row a list reads.
@attrs.define
class InboxEntry:
    """A kept message as a list shows it: what it is and where it stands, without its
    payload (a report with its transcript runs to megabytes)."""

    id: UUID
    provider: str
    dedupe_key: str
    type: str
    received_at: datetime
    provider_call_id: str | None
    tenant_id: TenantId | None
    processed_at: datetime | None
    error: str | None

    @classmethod
    def of(cls, m: InboxMessage) -> InboxEntry:
        return cls(
            m.id,
            m.provider,
            m.dedupe_key,
            m.type,
            m.received_at,
            m.provider_call_id,
            m.tenant_id,
            m.processed_at,
            m.error,
        )

    @property
    def failed(self) -> bool:
        """Kept without being applied, with why: a replay may apply it."""
        return self.processed_at is None and self.error is not None


class WebhookInbox(Protocol):
    async def add(self, message: InboxMessage) -> bool:
        """Store the message; False (and nothing stored) when its dedupe key was seen."""
        ...

    async def recent(
        self,
        tenant_id: TenantId | None,
        page: PageRequest,
        *,
        failed: bool = False,
        since: datetime | None = None,
    ) -> list[InboxEntry]:
        """The tenant's messages (None: those of no tenant), newest received first, at most
        `page.limit + 1` after `page.after` (a position of `received_at` and id); `failed`:
        only those kept unapplied with an error; `since`: only those received at or after."""
        ...

    async def get(self, tenant_id: TenantId | None, message_id: UUID) -> InboxMessage | None:
        """The tenant's message (None: one of no tenant) by id, with its payload; None when
        the tenant has no such message."""
        ...

    async def get_for_update(
        self, tenant_id: TenantId | None, message_id: UUID
    ) -> InboxMessage | None:
        """`get`, the message locked until the transaction ends."""
        ...

    async def save(self, message: InboxMessage) -> None:
        """Write the stored message's `processed_at` and `error` (nothing else of a message
        ever changes); read it with `get_for_update` in this transaction first."""
        ...

    async def remove(self, message: InboxMessage) -> None:
        """Delete the stored message (to keep it again in another tenant's context: row-level
        security lets no single write move a row between tenants)."""
        ...

    async def purge(
        self,
        tenant_id: TenantId | None,
        *,
        settled_before: datetime,
        failed_before: datetime,
        limit: int,
    ) -> int:
        """Delete at most `limit` of the tenant's messages (None: those of no tenant): those
        received before `settled_before` that were applied or kept without an error, and
        those received before `failed_before` whatever became of them. How many went."""
        ...

    async def remove_mentioning(
        self, tenant_id: TenantId, provider_call_ids: Sequence[str], texts: Sequence[str]
    ) -> int:
        """Delete the tenant's messages about any of the provider's calls, or whose payload
        holds any of `texts`; how many went."""
        ...

    async def list(self, tenant_id: TenantId | None, page: PageRequest) -> list[InboxMessage]:
        """The tenant's messages (None: those of no tenant), oldest first."""
        ...
