"""The in-memory unit of work: the same contract as PostgreSQL, for fast use-case tests.

Each unit of work reads the committed tables through its own overlay of pending writes and
publishes them on commit, so concurrent units of work behave like read-committed
transactions: a lost update is refused by version, a rollback leaves nothing behind, and
`get_for_update` serialises writers of a tenant like a row lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from adapters.memory.agents import (
    InMemoryPhoneNumberRepository,
    InMemoryVoiceAgentRepository,
    InMemoryVoiceRepository,
)
from adapters.memory.audit import InMemoryAuditLog
from adapters.memory.batches import (
    InMemoryBatchItemRepository,
    InMemoryBatchRepository,
    InMemoryRunningBatches,
)
from adapters.memory.calls import (
    InMemoryAiUsageRepository,
    InMemoryCallRepository,
    InMemoryLiveCallRegistry,
    InMemoryWebhookInbox,
)
from adapters.memory.credentials import InMemoryApiKeyRepository, InMemoryUserTokenRepository
from adapters.memory.invitations import InMemoryInvitationRepository
from adapters.memory.leads import InMemoryLeadRepository
from adapters.memory.plans import (
    InMemoryFeatureRepository,
    InMemoryOverrideRepository,
    InMemoryPlanRepository,
)
from adapters.memory.repositories import Overlay
from adapters.memory.sign_in import InMemoryPasswordResetTokenRepository, InMemorySignInThrottle
from adapters.memory.tenancy import (
    InMemoryMembershipRepository,
    InMemoryTenantRepository,
    InMemoryUserRepository,
)
from adapters.memory.tenant_exports import EXPORT_TABLES, InMemoryTenantExportRepository
from adapters.memory.webhooks import (
    InMemoryOutboundEvents,
    InMemoryWebhookDeliveries,
    InMemoryWebhookEndpointRepository,
)
from application.ports.agents import LineParties
from application.ports.calls import CallRoute, InboxMessage
from domain.calls import VoiceCall
from domain.ids import CallId, TenantId, UserId
from domain.phones import PhoneLine, PhoneNumber


class InMemoryDatabase:
    """The committed state shared by every unit of work of one test or process."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Any, Any]] = {
            name: {}
            for name in (
                "users",
                "tenants",
                "memberships",
                "api_keys",
                "user_tokens",
                "password_reset_tokens",
                "sign_in_throttle",
                "audit",
                "plans",
                "plan_values",
                "features",
                "overrides",
                "voices",
                "phone_numbers",
                "provider_credentials",
                "phone_number_settling",
                "agents",
                "leads",
                "calls",
                "live_calls",
                "ai_usage",
                "inbox",
                "batches",
                "batch_items",
                "running_batches",
                "webhook_endpoints",
                "invitations",
                "outbound_events",
                "webhook_deliveries",
                "webhook_delivery_attempts",
                "webhook_delivery_queue",
                *EXPORT_TABLES,
            )
        }
        self.tenant_locks: dict[TenantId, asyncio.Lock] = {}
        # Row locks by (table, key), as SELECT … FOR UPDATE takes them.
        self.row_locks: dict[tuple[str, Any], asyncio.Lock] = {}
        self.placement_lock = asyncio.Lock()
        self.dedupe_locks: dict[str, asyncio.Lock] = {}

    def unit_of_work(
        self,
        *,
        tenant_id: TenantId | None = None,
        user_id: UserId | None = None,
        called_number: PhoneNumber | None = None,
        called_provider_number: str | None = None,
        call_route: CallRoute | None = None,
        entering: bool = False,
        bulk: bool = False,
    ) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self)


class InMemoryUnitOfWork:
    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self._overlay = Overlay(db)
        self._held: list[asyncio.Lock] = []
        self._after_commit: list[Callable[[], None]] = []
        self.users = InMemoryUserRepository(self._overlay, self)
        self.tenants = InMemoryTenantRepository(self._overlay, self)
        self.memberships = InMemoryMembershipRepository(self._overlay)
        self.api_keys = InMemoryApiKeyRepository(self._overlay)
        self.user_tokens = InMemoryUserTokenRepository(self._overlay)
        self.password_resets = InMemoryPasswordResetTokenRepository(self._overlay, self)
        self.sign_in_throttle = InMemorySignInThrottle(self._overlay, self)
        self.audit = InMemoryAuditLog(self._overlay)
        self.plans = InMemoryPlanRepository(self._overlay)
        self.features = InMemoryFeatureRepository(self._overlay)
        self.overrides = InMemoryOverrideRepository(self._overlay)
        self.voices = InMemoryVoiceRepository(self._overlay)
        self.phone_numbers = InMemoryPhoneNumberRepository(self._overlay)
        self.agents = InMemoryVoiceAgentRepository(self._overlay)
        self.leads = InMemoryLeadRepository(self._overlay)
        self.calls = InMemoryCallRepository(self._overlay)
        self.live_calls = InMemoryLiveCallRegistry(self._overlay, self)
        self.ai_usage = InMemoryAiUsageRepository(self._overlay)
        self.inbox = InMemoryWebhookInbox(self._overlay, self)
        self.batches = InMemoryBatchRepository(self._overlay, self)
        self.batch_items = InMemoryBatchItemRepository(self._overlay, self)
        self.running_batches = InMemoryRunningBatches(self._overlay)
        self.webhook_endpoints = InMemoryWebhookEndpointRepository(self._overlay)
        self.invitations = InMemoryInvitationRepository(self._overlay)
        self.events = InMemoryOutboundEvents(self._overlay)
        self.deliveries = InMemoryWebhookDeliveries(self._overlay)
        self.exports = InMemoryTenantExportRepository(self._overlay)

    @property
    def db(self) -> InMemoryDatabase:
        return self._db

    async def hold_lock(self, lock: asyncio.Lock) -> None:
        """Hold `lock` until the unit of work ends (like a row or advisory lock)."""
        if lock not in self._held:
            await lock.acquire()
            self._held.append(lock)

    async def lock_row(self, table: str, key: Any) -> None:
        """Lock the row until the unit of work ends, waiting for another holder first."""
        await self.hold_lock(self._db.row_locks.setdefault((table, key), asyncio.Lock()))

    async def try_lock_row(self, table: str, key: Any) -> bool:
        """Lock the row unless another unit of work holds it or waits for it (SKIP LOCKED):
        False then, without waiting."""
        lock = self._db.row_locks.setdefault((table, key), asyncio.Lock())
        if lock in self._held:
            return True
        if lock.locked() or getattr(lock, "_waiters", None):
            return False
        await self.hold_lock(lock)
        return True

    async def lock_tenant(self, tenant_id: TenantId) -> None:
        await self.hold_lock(self._db.tenant_locks.setdefault(tenant_id, asyncio.Lock()))

    async def switch_tenant(self, tenant_id: TenantId | None) -> None:
        """Nothing to move: these repositories filter by the tenant each call names."""

    async def enter_routed_call(self, route: CallRoute) -> tuple[TenantId, CallId] | None:
        return await self.calls.route(route)

    async def enter_called_line(self, called: PhoneNumber) -> PhoneLine | None:
        return await self.phone_numbers.routing(called)

    async def line_parties(self, line: PhoneLine, caller: PhoneNumber | None) -> LineParties:
        tenant_id = line.tenant_id
        agent = (
            await self.agents.get(tenant_id, line.inbound_agent_id)
            if line.inbound_agent_id
            else None
        )
        return LineParties(
            await self.tenants.get(tenant_id),
            agent,
            await self.voices.get(tenant_id, agent.voice_id) if agent and agent.voice_id else None,
            await self.leads.by_phone(tenant_id, caller) if caller else None,
        )

    async def store_and_lock_call(
        self, message: InboxMessage, call_id: CallId
    ) -> tuple[bool, VoiceCall | None]:
        stored = await self.inbox.add(message)
        assert message.tenant_id is not None, "a message about a call is kept in its tenant"
        if not stored:
            return False, None
        return True, await self.calls.get_for_update(message.tenant_id, call_id)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._overlay.pending = {name: {} for name in self._db.tables}
        self._overlay.based_on.clear()
        self._overlay.staged_leads.clear()
        for lock in self._held:
            lock.release()
        self._held.clear()
        self._after_commit.clear()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    async def commit(self) -> None:
        self._overlay.publish()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()
