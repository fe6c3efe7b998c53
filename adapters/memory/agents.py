"""A tenant's voices, phone numbers and voice agents in memory."""

from __future__ import annotations

from adapters.memory.repositories import Overlay, owned, page_of, save_versioned
from application.errors import number_taken
from application.pagination import PageRequest, Position
from domain.agents import VoiceAgent
from domain.ids import AgentId, PhoneNumberId, TenantId, VoiceId
from domain.phones import NumberStatus, PhoneLine, PhoneNumber
from domain.voices import Voice


class InMemoryVoiceRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def get(self, tenant_id: TenantId, voice_id: VoiceId) -> Voice | None:
        return owned(self._o.get("voices", voice_id), tenant_id)

    async def add(self, voice: Voice) -> None:
        self._o.put("voices", voice.id, voice)

    async def save(self, voice: Voice) -> None:
        save_versioned(self._o, "voices", voice, "voice")

    async def list(
        self, tenant_id: TenantId, page: PageRequest, *, active: bool | None = None
    ) -> list[Voice]:
        rows = [
            v
            for v in self._o.rows("voices")
            if v.tenant_id == tenant_id and active in (None, v.is_active)
        ]
        return page_of(rows, page, lambda v: Position(v.created_at, v.id))


class InMemoryPhoneNumberRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def get(self, tenant_id: TenantId, number_id: PhoneNumberId) -> PhoneLine | None:
        return owned(self._o.get("phone_numbers", number_id), tenant_id)

    async def add(self, line: PhoneLine) -> None:
        if await self.routing(line.number) is not None:
            raise number_taken()
        self._o.put("phone_numbers", line.id, line)

    async def save(self, line: PhoneLine) -> None:
        save_versioned(self._o, "phone_numbers", line, "phone number")

    async def list(
        self, tenant_id: TenantId, page: PageRequest, *, status: NumberStatus | None = None
    ) -> list[PhoneLine]:
        rows = [
            n
            for n in self._o.rows("phone_numbers")
            if n.tenant_id == tenant_id and status in (None, n.status)
        ]
        return page_of(rows, page, lambda n: Position(n.created_at, n.id))

    async def count_active(self, tenant_id: TenantId) -> int:
        return sum(
            1 for n in self._o.rows("phone_numbers") if n.tenant_id == tenant_id and n.is_active
        )

    async def routing(self, number: PhoneNumber) -> PhoneLine | None:
        return next(
            (n for n in self._o.rows("phone_numbers") if n.number == number and n.is_active), None
        )

    async def routing_by_provider_id(self, provider_number_id: str) -> PhoneLine | None:
        found = [
            n
            for n in self._o.rows("phone_numbers")
            if n.provider_number_id == provider_number_id and n.is_active
        ]
        return found[0] if len(found) == 1 else None

    async def stop_routing_to(self, tenant_id: TenantId, agent_id: AgentId) -> None:
        for line in self._o.rows("phone_numbers"):
            if line.tenant_id == tenant_id and line.inbound_agent_id == agent_id:
                line.inbound_agent_id = None
                line.version += 1
                self._o.put("phone_numbers", line.id, line)


class InMemoryVoiceAgentRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def get(self, tenant_id: TenantId, agent_id: AgentId) -> VoiceAgent | None:
        return owned(self._o.get("agents", agent_id), tenant_id)

    async def add(self, agent: VoiceAgent) -> None:
        self._o.put("agents", agent.id, agent)

    async def save(self, agent: VoiceAgent) -> None:
        save_versioned(self._o, "agents", agent, "agent")

    async def remove(self, agent: VoiceAgent) -> None:
        if await self.get(agent.tenant_id, agent.id) is not None:
            self._o.delete("agents", agent.id)

    async def list(
        self, tenant_id: TenantId, page: PageRequest, *, active: bool | None = None
    ) -> list[VoiceAgent]:
        rows = [
            a
            for a in self._o.rows("agents")
            if a.tenant_id == tenant_id and active in (None, a.is_active)
        ]
        return page_of(rows, page, lambda a: Position(a.created_at, a.id))

    async def count_active(self, tenant_id: TenantId) -> int:
        return sum(1 for a in self._o.rows("agents") if a.tenant_id == tenant_id and a.is_active)
