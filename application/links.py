"""Links between a tenant's voices, numbers and agents.

A linked id must name the tenant's own, usable record. Anything else is the client's
input error (422 naming the field) — another tenant's id reads exactly like an unknown one.
The database refuses cross-tenant links too (composite foreign keys).
"""

from __future__ import annotations

from application.ports import UnitOfWork
from domain.errors import InvalidValue
from domain.ids import AgentId, PhoneNumberId, TenantId, VoiceId


async def check_voice(
    tx: UnitOfWork, tenant_id: TenantId, voice_id: VoiceId | None, *, field: str = "voice_id"
) -> None:
    if voice_id is None:
        return
    voice = await tx.voices.get(tenant_id, voice_id)
    if voice is None:
        raise InvalidValue(f"{field}: no voice {voice_id} in this tenant", field=field)
    if not voice.is_active:
        raise InvalidValue(f"{field}: voice {voice_id} is inactive", field=field)


async def check_number(
    tx: UnitOfWork,
    tenant_id: TenantId,
    number_id: PhoneNumberId | None,
    *,
    field: str = "default_number_id",
) -> None:
    if number_id is None:
        return
    line = await tx.phone_numbers.get(tenant_id, number_id)
    if line is None:
        raise InvalidValue(f"{field}: no phone number {number_id} in this tenant", field=field)
    if not line.is_active:
        raise InvalidValue(f"{field}: phone number {number_id} is released", field=field)


async def check_agent(
    tx: UnitOfWork,
    tenant_id: TenantId,
    agent_id: AgentId | None,
    *,
    field: str = "inbound_agent_id",
) -> None:
    if agent_id is None:
        return
    agent = await tx.agents.get(tenant_id, agent_id)
    if agent is None:
        raise InvalidValue(f"{field}: no agent {agent_id} in this tenant", field=field)
    if not agent.is_active:
        raise InvalidValue(f"{field}: agent {agent_id} is inactive", field=field)
