"""What the application needs to keep a tenant's voices, phone numbers and voice agents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import attrs

from application.pagination import PageRequest
from domain.agents import VoiceAgent
from domain.ids import AgentId, PhoneNumberId, TenantId, VoiceId
from domain.leads import Lead
from domain.phones import NumberOwnership, NumberStatus, PhoneLine, PhoneNumber
from domain.tenancy import Tenant
from domain.voices import Voice


@attrs.frozen
class LineParties:
    """Who is on an inbound call through a line, read together (`UnitOfWork.line_parties`):
    the line's tenant, its inbound agent and the agent's voice, and the tenant's lead with the
    caller's number. Each None when there is none."""

    tenant: Tenant | None
    agent: VoiceAgent | None
    voice: Voice | None
    lead: Lead | None


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
        """Raises AlreadyExists when the number (field "number") or the provider's line (field
        "provider_number_id") is held in any tenant, without saying which, or when the
        tenant's Idempotency-Key is taken (field "idempotency_key")."""
        ...

    async def save(self, line: PhoneLine) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on; the
        AlreadyExists of `add` when the provider's answer names a line held elsewhere."""
        ...

    async def remove(self, line: PhoneLine) -> None:
        """Forget a number the provider refused to make (it never held anything)."""
        ...

    async def list(
        self,
        tenant_id: TenantId,
        page: PageRequest,
        *,
        status: NumberStatus | None = None,
        ownership: NumberOwnership | None = None,
    ) -> list[PhoneLine]:
        """Oldest first, at most `page.limit + 1`."""
        ...

    async def count_held(self, tenant_id: TenantId) -> int:
        """Numbers active or being provisioned: those that take a place in the plan."""
        ...

    async def by_idempotency_key(self, tenant_id: TenantId, key: str) -> PhoneLine | None: ...

    async def claim_credential(self, tenant_id: TenantId, credential_id: str) -> bool:
        """Make the provider credential the tenant's if no tenant has it; True when it is the
        tenant's (now or already), False when another tenant's (without saying which)."""
        ...

    async def settle_later(
        self, tenant_id: TenantId, number_id: PhoneNumberId, due_at: datetime
    ) -> None:
        """Have the number's provisioning looked at again from `due_at` (the registry of
        numbers being provisioned, read across tenants)."""
        ...

    async def settled(self, tenant_id: TenantId, number_id: PhoneNumberId) -> None: ...

    async def due_for_settling(
        self, now: datetime, limit: int
    ) -> Sequence[tuple[TenantId, PhoneNumberId]]:
        """Numbers being provisioned whose time to be looked at has come, soonest first, in
        any tenant."""
        ...

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
