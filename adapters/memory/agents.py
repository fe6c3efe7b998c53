"""A tenant's voices, phone numbers and voice agents in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.memory.repositories import Overlay, owned, page_of, save_versioned
from application.errors import number_taken
from application.pagination import PageRequest, Position
from domain.agents import VoiceAgent
from domain.ids import AgentId, PhoneNumberId, TenantId, VoiceId
from domain.phones import NumberOwnership, NumberStatus, PhoneLine, PhoneNumber
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
        if any(
            n.is_held and n.number is not None and n.number == line.number
            for n in self._o.rows("phone_numbers")
        ):
            raise number_taken()
        self._o.put("phone_numbers", line.id, line)

    async def save(self, line: PhoneLine) -> None:
        save_versioned(self._o, "phone_numbers", line, "phone number")

    async def remove(self, line: PhoneLine) -> None:
        if await self.get(line.tenant_id, line.id) is not None:
            self._o.delete("phone_numbers", line.id)
            self._o.delete("phone_number_settling", (line.tenant_id, line.id))

    async def list(
        self,
        tenant_id: TenantId,
        page: PageRequest,
        *,
        status: NumberStatus | None = None,
        ownership: NumberOwnership | None = None,
    ) -> list[PhoneLine]:
        rows = [
            n
            for n in self._o.rows("phone_numbers")
            if n.tenant_id == tenant_id
            and status in (None, n.status)
            and ownership in (None, n.ownership)
        ]
        return page_of(rows, page, lambda n: Position(n.created_at, n.id))

    async def count_held(self, tenant_id: TenantId) -> int:
        return sum(
            1 for n in self._o.rows("phone_numbers") if n.tenant_id == tenant_id and n.is_held
        )

    async def by_idempotency_key(self, tenant_id: TenantId, key: str) -> PhoneLine | None:
        return next(
            (
                n
                for n in self._o.rows("phone_numbers")
                if n.tenant_id == tenant_id and n.idempotency_key == key
            ),
            None,
        )

    async def claim_credential(self, tenant_id: TenantId, credential_id: str) -> bool:
        holder = self._o.get("provider_credentials", credential_id)
        if holder is None:
            self._o.put("provider_credentials", credential_id, tenant_id)
            return True
        return bool(holder == tenant_id)

    async def settle_later(
        self, tenant_id: TenantId, number_id: PhoneNumberId, due_at: datetime
    ) -> None:
        self._o.put("phone_number_settling", (tenant_id, number_id), due_at)

    async def settled(self, tenant_id: TenantId, number_id: PhoneNumberId) -> None:
        self._o.delete("phone_number_settling", (tenant_id, number_id))

    async def due_for_settling(
        self, now: datetime, limit: int
    ) -> Sequence[tuple[TenantId, PhoneNumberId]]:
        due = sorted(
            (due_at, key) for key, due_at in self._o.items("phone_number_settling") if due_at <= now
        )
        return [key for _, key in due[:limit]]

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
