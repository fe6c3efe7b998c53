"""Voice agents (the seed's VoiceAgentModel, enhanced): configured by admins, read by all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from application.access import Access, Permission, Principal, authorize
from application.context import UseCaseDeps, apply_changes, check_version
from application.entitlements import require_capacity
from application.errors import NotFound
from application.links import check_number, check_voice
from application.pagination import Page, PageRequest, Position
from application.ports.unit_of_work import UnitOfWork
from domain.agents import VoiceAgent
from domain.ids import AgentId, PhoneNumberId, TenantId, VoiceId

AGENT_FIELDS = frozenset(
    {
        "name",
        "voice_id",
        "default_number_id",
        "agent_instructions",
        "system_instructions",
        "outbound_prompt",
        "inbound_prompt",
        "first_message",
        "language",
        "provider_assistant_id",
        "config",
        "is_active",
    }
)


@attrs.frozen
class CreateAgent:
    tenant_id: TenantId
    name: str
    voice_id: VoiceId | None = None
    default_number_id: PhoneNumberId | None = None
    agent_instructions: str | None = None
    system_instructions: str | None = None
    outbound_prompt: str | None = None
    inbound_prompt: str | None = None
    first_message: str | None = None
    language: str | None = None
    provider_assistant_id: str | None = None
    config: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class UpdateAgent:
    tenant_id: TenantId
    agent_id: AgentId
    changes: Mapping[str, Any]
    """Only the fields to change, among AGENT_FIELDS."""
    version: int | None = None


@attrs.frozen
class AgentRemoval:
    """What deleting an agent did: an agent with calls is kept, deactivated, for its history."""

    agent: VoiceAgent
    deleted: bool


def _position(agent: VoiceAgent) -> Position:
    return Position(agent.created_at, agent.id)


async def agent_of(tx: UnitOfWork, tenant_id: TenantId, agent_id: AgentId) -> VoiceAgent:
    agent = await tx.agents.get(tenant_id, agent_id)
    if agent is None:
        raise NotFound("agent", agent_id)
    return agent


class AgentService:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def _require_room(self, tx: UnitOfWork, access: Access) -> None:
        """Room for one more active agent; `access` must hold the tenant lock."""
        await require_capacity(
            self._deps.entitlements,
            tx,
            access.tenant,
            "voice_agents.max",
            self._deps.clock.now(),
            ids=self._deps.ids,
        )

    async def create_agent(self, principal: Principal, cmd: CreateAgent) -> VoiceAgent:
        """Within `voice_agents.max` active agents; the voice and number must be the tenant's
        own and in service."""
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            access = await authorize(
                principal, Permission.AGENTS_MANAGE, cmd.tenant_id, tx, lock=True
            )
            await self._require_room(tx, access)
            await check_voice(tx, cmd.tenant_id, cmd.voice_id)
            await check_number(tx, cmd.tenant_id, cmd.default_number_id)
            now = self._deps.clock.now()
            agent = VoiceAgent(
                id=AgentId(self._deps.ids.new()),
                tenant_id=cmd.tenant_id,
                name=cmd.name,
                created_at=now,
                updated_at=now,
                voice_id=cmd.voice_id,
                default_number_id=cmd.default_number_id,
                created_by=principal.user_id,
                agent_instructions=cmd.agent_instructions,
                system_instructions=cmd.system_instructions,
                outbound_prompt=cmd.outbound_prompt,
                inbound_prompt=cmd.inbound_prompt,
                first_message=cmd.first_message,
                language=cmd.language,
                provider_assistant_id=cmd.provider_assistant_id,
                config=cmd.config,
            )
            await tx.agents.add(agent)
            await self._deps.audit(
                tx,
                principal,
                "agent.created",
                "agent",
                agent.id,
                tenant_id=cmd.tenant_id,
                changes={"name": agent.name},
            )
            await tx.commit()
        return agent

    async def get_agent(
        self, principal: Principal, tenant_id: TenantId, agent_id: AgentId
    ) -> VoiceAgent:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CATALOGUE_READ, tenant_id, tx)
            return await agent_of(tx, tenant_id, agent_id)

    async def list_agents(
        self,
        principal: Principal,
        tenant_id: TenantId,
        page: PageRequest,
        *,
        active: bool | None = None,
    ) -> Page[VoiceAgent]:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CATALOGUE_READ, tenant_id, tx)
            rows = await tx.agents.list(tenant_id, page, active=active)
        return Page.from_rows(rows, page, _position)

    async def update_agent(self, principal: Principal, cmd: UpdateAgent) -> VoiceAgent:
        """Reactivating counts against `voice_agents.max` again."""
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            reactivating = cmd.changes.get("is_active") is True
            access = await authorize(
                principal, Permission.AGENTS_MANAGE, cmd.tenant_id, tx, lock=reactivating
            )
            agent = await agent_of(tx, cmd.tenant_id, cmd.agent_id)
            check_version(cmd.version, agent.version, "agent", agent.id)
            if reactivating and not agent.is_active:
                await self._require_room(tx, access)
            if "voice_id" in cmd.changes and cmd.changes["voice_id"] != agent.voice_id:
                await check_voice(tx, cmd.tenant_id, cmd.changes["voice_id"])
            number_id = cmd.changes.get("default_number_id")
            if "default_number_id" in cmd.changes and number_id != agent.default_number_id:
                await check_number(tx, cmd.tenant_id, number_id)
            diff = apply_changes(agent, cmd.changes, self._deps.clock.now())
            if diff:
                if not agent.is_active:
                    await tx.phone_numbers.stop_routing_to(cmd.tenant_id, agent.id)
                await tx.agents.save(agent)
                await self._deps.audit(
                    tx,
                    principal,
                    "agent.updated",
                    "agent",
                    agent.id,
                    tenant_id=cmd.tenant_id,
                    changes=diff,
                )
                await tx.commit()
        return agent

    async def remove_agent(
        self, principal: Principal, tenant_id: TenantId, agent_id: AgentId
    ) -> AgentRemoval:
        """Delete an agent that never made a call nor is in a batch; one with calls or batches
        is deactivated instead, so they keep their agent. Either way its numbers stop routing
        inbound calls to it."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.AGENTS_MANAGE, tenant_id, tx)
            agent = await agent_of(tx, tenant_id, agent_id)
            deleted = not (
                await tx.calls.exist_for_agent(tenant_id, agent.id)
                or await tx.batches.exist_for_agent(tenant_id, agent.id)
            )
            if not deleted and not agent.is_active:
                return AgentRemoval(agent, deleted=False)  # kept for its calls already
            await tx.phone_numbers.stop_routing_to(tenant_id, agent.id)
            if deleted:
                await tx.agents.remove(agent)
            else:
                agent.deactivate(self._deps.clock.now())
                await tx.agents.save(agent)
            await self._deps.audit(
                tx,
                principal,
                "agent.deleted" if deleted else "agent.deactivated",
                "agent",
                agent.id,
                tenant_id=tenant_id,
                changes={"name": agent.name},
            )
            await tx.commit()
        return AgentRemoval(agent, deleted)
