"""What the application needs to keep a tenant's voices, phone numbers and voice agents."""

from __future__ import annotations

from typing import Protocol

from application.pagination import PageRequest
from domain.agents import VoiceAgent
from domain.ids import AgentId, PhoneNumberId, TenantId, VoiceId
from domain.phones import NumberStatus, PhoneLine, PhoneNumber
from domain.voices import Voice


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
