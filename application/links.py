"""Links between a tenant's voices, numbers and agents.

A linked id must name the tenant's own, usable record. Anything else is the client's
input error (422 naming the field) — another tenant's id reads exactly like an unknown one.
The database refuses cross-tenant links too (composite foreign keys).
"""

from __future__ import annotations

from uuid import UUID

from application.ports.unit_of_work import UnitOfWork
from domain.errors import InvalidValue
from domain.ids import AgentId, PhoneNumberId, TenantId, VoiceId


def _require(found: object, in_service: bool, field: str, what: str, id_: UUID) -> None:
    if found is None:
        raise InvalidValue(f"{field}: no {what} {id_} in this tenant", field=field)
    if not in_service:
        raise InvalidValue(f"{field}: {what} {id_} is not in service", field=field)


async def check_voice(
    tx: UnitOfWork, tenant_id: TenantId, voice_id: VoiceId | None, *, field: str = "voice_id"
) -> None:
    if voice_id is not None:
        voice = await tx.voices.get(tenant_id, voice_id)
        _require(voice, voice is not None and voice.is_active, field, "voice", voice_id)


async def check_number(
    tx: UnitOfWork,
    tenant_id: TenantId,
    number_id: PhoneNumberId | None,
    *,
    field: str = "default_number_id",
) -> None:
    if number_id is not None:
        line = await tx.phone_numbers.get(tenant_id, number_id)
        _require(line, line is not None and line.is_active, field, "phone number", number_id)


async def check_agent(
    tx: UnitOfWork,
    tenant_id: TenantId,
    agent_id: AgentId | None,
    *,
    field: str = "inbound_agent_id",
) -> None:
    if agent_id is not None:
        agent = await tx.agents.get(tenant_id, agent_id)
        _require(agent, agent is not None and agent.is_active, field, "agent", agent_id)
