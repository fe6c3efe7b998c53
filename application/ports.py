"""What the application needs from the outside world, named for its role.

Adapters in `adapters/memory` and `adapters/postgres` implement every protocol here and pass
the same contract tests.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, NamedTuple, Protocol, Self, TypeVar
from uuid import UUID

import attrs

from application.pagination import PageRequest, Position
from domain.agents import VoiceAgent
from domain.audit import AuditEntry
from domain.calls import AiUsage, CallDirection, CallStatus, EndOfCallReport, VoiceCall
from domain.credentials import ApiKey, UserToken
from domain.ids import (
    AgentId,
    ApiKeyId,
    CallId,
    FeatureId,
    LeadId,
    PhoneNumberId,
    PlanId,
    TenantId,
    UserId,
    UserTokenId,
    VoiceId,
)
from domain.leads import Lead, LeadStatus
from domain.phones import NumberStatus, PhoneLine, PhoneNumber
from domain.plans import Feature, FeatureValue, Override, Plan
from domain.tenancy import Member, Membership, Tenant, User, UserTenant
from domain.values import Email
from domain.voices import Voice

R = TypeVar("R")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class IdGenerator(Protocol):
    def new(self) -> UUID:
        """A new unique, time-ordered id (UUIDv7)."""
        ...


class WorkerPool(Protocol):
    """Processes beside this one for CPU-bound work: another core works on it, and this
    process's event loop stays free for I/O meanwhile."""

    @property
    def workers(self) -> int:
        """How many pieces of work run at once."""
        ...

    def start(self) -> None:
        """Have the processes start now, when they are not running yet (else the first
        work starts them): they take a moment to start."""
        ...

    async def run(self, fn: Callable[..., R], /, *args: Any) -> R:
        """fn(*args) in one of the processes. fn is a module-level function, its arguments
        and result plain picklable values; what it raises is raised here. Cancelling the
        wait drops the result (work that has begun runs to its end, its process stays)."""
        ...


class UserRepository(Protocol):
    async def get(self, user_id: UserId) -> User | None: ...
    async def by_email(self, email: Email) -> User | None: ...
    async def add(self, user: User) -> None:
        """Raises AlreadyExists(field="email") when the address is taken, in any case."""
        ...

    async def save(self, user: User) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def list(self, page: PageRequest) -> list[User]:
        """Oldest first, at most `page.limit + 1` rows after `page.after`."""
        ...


class TenantRepository(Protocol):
    async def get(self, tenant_id: TenantId) -> Tenant | None: ...
    async def get_for_update(self, tenant_id: TenantId) -> Tenant | None:
        """Read and lock the tenant until the transaction ends.

        Writes that must see every member of a tenant (owner checks, member limits) take
        this lock first, so concurrent requests on the same tenant run one after another.
        """
        ...

    async def add(self, tenant: Tenant) -> None: ...
    async def save(self, tenant: Tenant) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def list(self, page: PageRequest) -> list[Tenant]:
        """Every tenant, oldest first (platform administration)."""
        ...


class MembershipRepository(Protocol):
    async def get(self, tenant_id: TenantId, user_id: UserId) -> Membership | None: ...
    async def add(self, membership: Membership) -> None:
        """Raises AlreadyExists(field="user_id") when the user is already a member."""
        ...

    async def save(self, membership: Membership) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def remove(self, membership: Membership) -> None: ...
    async def count_owners(self, tenant_id: TenantId) -> int: ...
    async def count(self, tenant_id: TenantId) -> int: ...
    async def members(self, tenant_id: TenantId, page: PageRequest) -> list[Member]:
        """The tenant's members with their users, oldest membership first."""
        ...

    async def tenants_of(self, user_id: UserId, page: PageRequest) -> list[UserTenant]:
        """The user's tenants with the user's role, oldest membership first.

        Needs a unit of work opened for that user (`user_id=`), whose row-level security
        context shows the user's own memberships across tenants.
        """
        ...


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...
    async def get(self, tenant_id: TenantId, key_id: ApiKeyId) -> ApiKey | None: ...
    async def by_prefix(self, tenant_id: TenantId, prefix: str) -> ApiKey | None: ...
    async def save(self, key: ApiKey) -> None: ...
    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[ApiKey]: ...
    async def mark_used(self, key_id: ApiKeyId, at: datetime) -> None:
        """Record a use; cheap and idempotent (skipped when recorded recently)."""
        ...

    async def revoke_created_by(
        self, tenant_id: TenantId, user_id: UserId, at: datetime
    ) -> Sequence[ApiKey]:
        """Revoke, as of `at`, every key the user created in the tenant that is not revoked
        yet (expired ones included); keys revoked before keep their time. Returns the keys
        this call revoked, oldest first."""
        ...


class UserTokenRepository(Protocol):
    async def add(self, token: UserToken) -> None: ...
    async def get(self, user_id: UserId, token_id: UserTokenId) -> UserToken | None: ...
    async def by_prefix(self, prefix: str) -> UserToken | None: ...
    async def save(self, token: UserToken) -> None: ...
    async def list(self, user_id: UserId, page: PageRequest) -> list[UserToken]: ...
    async def mark_used(self, token_id: UserTokenId, at: datetime) -> None: ...


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> None: ...
    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[AuditEntry]:
        """The tenant's entries, newest first."""
        ...


class PlanRepository(Protocol):
    """The plan catalogue (global, not tenant-scoped)."""

    async def list(self) -> list[Plan]:
        """Every plan, oldest first (a catalogue is small)."""
        ...

    async def get(self, plan_id: PlanId) -> Plan | None: ...
    async def default(self) -> Plan | None:
        """The plan new tenants get, if one is marked default."""
        ...

    async def add(self, plan: Plan) -> None:
        """Raises AlreadyExists(field="name") when the name is taken."""
        ...

    async def save(self, plan: Plan) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def values(self, plan_id: PlanId) -> dict[FeatureId, FeatureValue]:
        """What the plan gives each feature it mentions."""
        ...

    async def set_value(
        self, plan_id: PlanId, feature_id: FeatureId, value: FeatureValue
    ) -> None: ...
    async def remove_value(self, plan_id: PlanId, feature_id: FeatureId) -> bool:
        """False when the plan did not mention the feature."""
        ...


class FeatureRepository(Protocol):
    async def list(self) -> list[Feature]:
        """Every feature, by key."""
        ...

    async def by_key(self, key: str) -> Feature | None: ...
    async def add(self, feature: Feature) -> None:
        """Raises AlreadyExists(field="feature_key") when the key is taken."""
        ...


class OverrideRepository(Protocol):
    """Tenant feature overrides (tenant-scoped)."""

    async def for_tenant(self, tenant_id: TenantId) -> list[Override]: ...
    async def put(self, override: Override) -> None:
        """Insert, or replace the tenant's override of the same feature."""
        ...

    async def remove(self, tenant_id: TenantId, feature_id: FeatureId) -> bool:
        """False when there was none."""
        ...


class VoiceRepository(Protocol):
    async def get(self, tenant_id: TenantId, voice_id: VoiceId) -> Voice | None: ...
    async def add(self, voice: Voice) -> None: ...
    async def save(self, voice: Voice) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def list(
        self, tenant_id: TenantId, page: PageRequest, *, active: bool | None = None
    ) -> list[Voice]:
        """Oldest first, at most `page.limit + 1`."""
        ...


class PhoneNumberRepository(Protocol):
    async def get(self, tenant_id: TenantId, number_id: PhoneNumberId) -> PhoneLine | None: ...
    async def add(self, line: PhoneLine) -> None:
        """Raises AlreadyExists(field="number") when the number is active in any tenant,
        without saying which."""
        ...

    async def save(self, line: PhoneLine) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def list(
        self, tenant_id: TenantId, page: PageRequest, *, status: NumberStatus | None = None
    ) -> list[PhoneLine]:
        """Oldest first, at most `page.limit + 1`."""
        ...

    async def count_active(self, tenant_id: TenantId) -> int: ...
    async def routing(self, number: PhoneNumber) -> PhoneLine | None:
        """The active line with this number, whichever tenant owns it.

        Needs a unit of work opened with `called_number=number`: row-level security shows
        that one row and nothing else of other tenants.
        """
        ...

    async def routing_by_provider_id(self, provider_number_id: str) -> PhoneLine | None:
        """The one active line with this provider id (e.g. Vapi's phoneNumberId), whichever
        tenant owns it; None when none or several claim it.

        Needs a unit of work opened with `called_provider_number=provider_number_id`.
        """
        ...

    async def stop_routing_to(self, tenant_id: TenantId, agent_id: AgentId) -> None:
        """Numbers that sent inbound calls to the agent send them nowhere now."""
        ...


class VoiceAgentRepository(Protocol):
    async def get(self, tenant_id: TenantId, agent_id: AgentId) -> VoiceAgent | None: ...
    async def add(self, agent: VoiceAgent) -> None: ...
    async def save(self, agent: VoiceAgent) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def remove(self, agent: VoiceAgent) -> None: ...
    async def list(
        self, tenant_id: TenantId, page: PageRequest, *, active: bool | None = None
    ) -> list[VoiceAgent]:
        """Oldest first, at most `page.limit + 1`."""
        ...

    async def count_active(self, tenant_id: TenantId) -> int: ...


@attrs.frozen
class LeadFilter:
    """What a lead list is narrowed to; None means any."""

    status: LeadStatus | None = None
    source: str | None = None
    do_not_call: bool | None = None
    contacted: bool | None = None
    text: str | None = None
    """Case-insensitive substring of the name, phone or email."""


class StagedLead(NamedTuple):
    """One valid row of a CSV import, its values checked and normalised, kept until the
    import merges it into the lead book. Plain values: rows are checked in other processes
    and written in bulk."""

    row: int
    """The record number in the file (the header is 1)."""
    phone: str
    """E.164."""
    phone_zone: str | None
    """The number's own time zone (PhoneNumber.time_zone): a new lead's when the file gives
    none."""
    name: str | None
    email: str | None
    """Normalised (Email.value)."""
    timezone: str | None
    metadata: dict[str, str]
    id: LeadId
    """The id of the lead this row creates when it is the first row of a number the tenant
    has no lead with."""


@attrs.frozen
class StagedMerge:
    """What merging an import's staged rows into the lead book did, one number at a time."""

    created: int
    updated: int
    unchanged: int
    duplicates: int
    """Rows whose number appeared on an earlier row: combined with it."""


class LeadRepository(Protocol):
    async def get(self, tenant_id: TenantId, lead_id: LeadId) -> Lead | None: ...
    async def by_phone(self, tenant_id: TenantId, phone: PhoneNumber) -> Lead | None: ...
    async def by_phones(
        self, tenant_id: TenantId, phones: Sequence[PhoneNumber]
    ) -> dict[PhoneNumber, Lead]: ...
    async def add(self, lead: Lead) -> None:
        """Raises AlreadyExists(field="phone") when the tenant has a lead with the number."""
        ...

    async def save(self, lead: Lead) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def stage(self, rows: Sequence[StagedLead]) -> None:
        """Keep rows of an import until the unit of work ends, seen by nothing else: an
        import stages its file batch by batch instead of holding it in memory."""
        ...

    async def merge_staged(self, tenant_id: TenantId, *, source: str, at: datetime) -> StagedMerge:
        """Merge every row staged so far into the tenant's lead book, one lead per number,
        in one go (nothing of the file is held here), and forget them.

        The rows of a number are combined in file order: a later row's name, email and time
        zone win where it has them, its metadata keys overwrite the earlier rows'. A number
        the tenant has no lead with becomes a new lead: the id of its first row, `source`,
        the number's own zone when the rows give none, created and updated `at`. A number
        it has a lead with brings those values into the lead (metadata keys added or
        overwritten, the rest kept); the lead is written (updated `at`, its next version)
        only when that changed it, emails compared ignoring case. What the tenant's leads
        were is read when the merge begins."""
        ...

    async def remove(self, lead: Lead) -> None:
        """Delete the lead; its calls stay, no longer linked to it."""
        ...

    async def list(self, tenant_id: TenantId, where: LeadFilter, page: PageRequest) -> list[Lead]:
        """Newest first, at most `page.limit + 1`."""
        ...


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

    async def get(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None: ...
    async def get_for_update(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        """Read and lock the call until the transaction ends (messages about one call are
        applied one after another)."""
        ...

    async def save(self, call: VoiceCall) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
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


class WebhookInbox(Protocol):
    async def add(self, message: InboxMessage) -> bool:
        """Store the message; False (and nothing stored) when its dedupe key was seen."""
        ...

    async def list(self, tenant_id: TenantId | None, page: PageRequest) -> list[InboxMessage]:
        """The tenant's messages (None: those of no tenant), oldest first."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without `commit()` rolls everything back."""

    users: UserRepository
    tenants: TenantRepository
    memberships: MembershipRepository
    api_keys: ApiKeyRepository
    user_tokens: UserTokenRepository
    audit: AuditLog
    plans: PlanRepository
    features: FeatureRepository
    overrides: OverrideRepository
    voices: VoiceRepository
    phone_numbers: PhoneNumberRepository
    agents: VoiceAgentRepository
    leads: LeadRepository
    calls: CallRepository
    live_calls: LiveCallRegistry
    ai_usage: AiUsageRepository
    inbox: WebhookInbox

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once this unit of work has committed (never if it does not)."""
        ...

    async def switch_tenant(self, tenant_id: TenantId | None) -> None:
        """Move this transaction into another tenant's row-level security context (None: no
        tenant's): from now on tenant-scoped tables show and accept that tenant's rows only,
        as if the unit of work had been opened with it. For the rare change that must hold in
        several tenants or none (a deactivated user's keys are revoked in every tenant)."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(
        self,
        *,
        tenant_id: TenantId | None = None,
        user_id: UserId | None = None,
        called_number: PhoneNumber | None = None,
        called_provider_number: str | None = None,
        call_route: CallRoute | None = None,
        bulk: bool = False,
    ) -> UnitOfWork:
        """A new unit of work.

        `tenant_id` opens it in that tenant's row-level security context: tenant-scoped
        tables show and accept only that tenant's rows. `user_id` additionally shows that
        user's own memberships in every tenant. `called_number` additionally shows the one
        active phone number with that value, in whichever tenant (routing an inbound call);
        `called_provider_number` the active numbers with that provider id.
        `call_route` additionally shows the calls it names, in whichever tenant (routing a
        provider's message). With none, tenant-scoped tables are empty.

        Every wait for the storage is bounded; one that runs out raises ServiceUnavailable.
        `bulk` is for work that writes many rows at once (an import): its statements and
        lock waits get the longer bulk bound instead of a request's.
        """
        ...


@attrs.frozen
class OutboundCall:
    """What the provider is asked to dial: our call, from one of our numbers, to a person,
    spoken by an agent (with its voice)."""

    call_id: CallId
    tenant_id: TenantId
    agent: VoiceAgent
    from_number: PhoneLine
    to: PhoneNumber
    lead_id: LeadId | None = None
    voice: Voice | None = None
    customer_name: str | None = None
    variables: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class ProviderCall:
    """A call as the provider reports it; `status` and `ended_reason` are its own words."""

    provider_call_id: str
    status: str
    name: str | None = None
    ended_reason: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    created_at: datetime | None = None
    data: dict[str, Any] = attrs.field(factory=dict)
    """The provider's whole record, kept as it came."""
    report: EndOfCallReport | None = None
    """What the record says of the finished call, once it has ended."""


class TelephonyProvider(Protocol):
    async def place_call(self, call: OutboundCall) -> ProviderCall:
        """Ask the provider to dial. Never retried blindly: raises ProviderRejected (nothing
        was created), ProviderUnreachable (nothing was sent) or ProviderOutcomeUnknown (a
        call may exist: find it with `find_call`)."""
        ...

    async def get_call(self, provider_call_id: str) -> ProviderCall | None:
        """None when the provider does not know the id."""
        ...

    async def find_call(
        self, call_id: CallId, from_number: PhoneLine, created_after: datetime
    ) -> ProviderCall | None:
        """The provider's call for our `call_id`, placed from `from_number` after
        `created_after`, if one was created (reconciling an unknown outcome)."""
        ...


class ProcessBoundCalls(Protocol):
    """A provider whose calls live only in the process that placed them (the sandbox): when
    that process is gone, so are its calls, and nothing more will be heard of them."""

    @property
    def instance(self) -> int:
        """This process's instance of the provider, unique among the live ones."""
        ...

    def placed_by(self, provider_call_id: str) -> int | None:
        """The instance that placed the call; None when this provider did not place it."""
        ...


class ProcessLeases(Protocol):
    """A lease each live process holds on the shared database while it runs: a lease no one
    holds proves its process gone (a killed process loses it with its connection)."""

    async def hold(self, instance: int) -> None:
        """Take `instance`'s lease and keep it until `release`, taking it again after a lost
        connection. Raises ServiceUnavailable when the database cannot be reached now."""
        ...

    async def release(self) -> None:
        """Let go of the lease (idempotent)."""
        ...

    async def gone(self, instances: Collection[int]) -> set[int]:
        """Those of `instances` whose lease no one holds."""
        ...


class DatabaseProbe(Protocol):
    async def check(self) -> str | None:
        """None when the database is reachable and migrated to head, else what is wrong."""
        ...
