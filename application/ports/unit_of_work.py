"""The unit of work: one transaction over every repository, opened in a security
context; and the probe that tells whether the database can serve.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from application.ports.agents import (
    LineParties,
    PhoneNumberRepository,
    VoiceAgentRepository,
    VoiceRepository,
)
from application.ports.audit import AuditLog
from application.ports.batches import BatchItemRepository, BatchRepository, RunningBatches
from application.ports.calls import (
    AiUsageRepository,
    CallRepository,
    CallRoute,
    InboxMessage,
    LiveCallRegistry,
    WebhookInbox,
)
from application.ports.credentials import ApiKeyRepository, UserTokenRepository
from application.ports.invitations import InvitationRepository
from application.ports.leads import LeadRepository
from application.ports.plans import FeatureRepository, OverrideRepository, PlanRepository
from application.ports.sign_in import PasswordResetTokenRepository, SignInThrottle
from application.ports.tenancy import MembershipRepository, TenantRepository, UserRepository
from application.ports.tenant_data import TenantExportRepository
from application.ports.webhooks import (
    OutboundEvents,
    WebhookDeliveries,
    WebhookEndpointRepository,
)
from domain.calls import VoiceCall
from domain.ids import CallId, TenantId, UserId
from domain.phones import PhoneLine, PhoneNumber


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without `commit()` rolls everything back."""

    users: UserRepository
    tenants: TenantRepository
    memberships: MembershipRepository
    api_keys: ApiKeyRepository
    user_tokens: UserTokenRepository
    password_resets: PasswordResetTokenRepository
    sign_in_throttle: SignInThrottle
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
    batches: BatchRepository
    batch_items: BatchItemRepository
    running_batches: RunningBatches
    webhook_endpoints: WebhookEndpointRepository
    invitations: InvitationRepository
    events: OutboundEvents
    deliveries: WebhookDeliveries
    exports: TenantExportRepository

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
        as if the unit of work had been opened with it. Routing work (a unit of work opened
        with a called number or a call route) sees its lines or calls no more. For routing
        work once it knows its tenant, and for the rare change that must hold in several
        tenants or none (a deactivated user's keys are revoked in every tenant)."""
        ...

    async def enter_routed_call(self, route: CallRoute) -> tuple[TenantId, CallId] | None:
        """The tenant and id of the call `route` names (as `calls.route` finds it) and, when
        there is one, this transaction moved into that tenant's context as `switch_tenant`
        would, in one step; None, and the context unchanged, when it names no call of ours.
        For a unit of work opened with that `call_route`."""
        ...

    async def enter_called_line(self, called: PhoneNumber) -> PhoneLine | None:
        """The active line with the number `called` (as `phone_numbers.routing` finds it)
        and, when there is one, this transaction moved into its tenant's context as
        `switch_tenant` would, in one step; None, and the context unchanged, when no tenant
        has it in service. For a unit of work opened with that `called_number`."""
        ...

    async def line_parties(self, line: PhoneLine, caller: PhoneNumber | None) -> LineParties:
        """The line's tenant, inbound agent and its voice, and the tenant's lead with the
        caller's number (`caller` None: no lead), as each repository's own read finds them,
        read at once (PostgreSQL: in one round trip). In the line's tenant's context."""
        ...

    async def store_and_lock_call(
        self, message: InboxMessage, call_id: CallId
    ) -> tuple[bool, VoiceCall | None]:
        """`inbox.add(message)` and `calls.get_for_update(message.tenant_id, call_id)` in one
        step (one round trip where the adapter can): whether the message was stored, and
        the call locked until the transaction ends, or None. A message whose dedupe key was
        seen stores nothing and locks nothing: (False, None), at once, however busy the
        call."""
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
        entering: bool = False,
        bulk: bool = False,
    ) -> UnitOfWork:
        """A new unit of work.

        `tenant_id` opens it in that tenant's row-level security context: tenant-scoped
        tables show and accept only that tenant's rows. `user_id` additionally shows that
        user's own memberships in every tenant. `called_number` opens it for routing an
        inbound call: it shows the one active phone number with that value, in whichever
        tenant; `called_provider_number` the active numbers with that provider id.
        `call_route` opens it for routing a provider's message: it shows the calls it
        names, in whichever tenant. Routing work may only read those lines or calls, and
        nothing else, until `switch_tenant` moves it into a tenant's context (or into none,
        to write what belongs to no tenant). With none of these, tenant-scoped tables are
        empty. `entering` (with `call_route`, or `called_number`) says the unit of work's
        first work is `enter_routed_call(call_route)` (or `enter_called_line(called_number)`):
        a store may then do it as it opens the unit of work, its answer kept for that call
        (PostgreSQL: in the same round trip as the transaction's start).

        Every wait for the storage is bounded; one that runs out raises ServiceUnavailable.
        `bulk` is for work that writes many rows at once (an import): its statements and
        lock waits get the longer bulk bound instead of a request's.
        """
        ...


class DatabaseProbe(Protocol):
    async def check(self) -> str | None:
        """None when the database is reachable and migrated to head, else what is wrong."""
        ...
