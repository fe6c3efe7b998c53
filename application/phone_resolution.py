"""Phone resolution (the seed's PhoneResolverModel): which tenant, number and agent answer a
called number, and which of that tenant's leads is calling. The inbound-call path uses it
before any tenant is known, so it takes no principal."""

from __future__ import annotations

import attrs

from application.context import UseCaseDeps
from domain.agents import VoiceAgent
from domain.ids import TenantId
from domain.leads import Lead
from domain.phones import PhoneLine, PhoneNumber
from domain.tenancy import Tenant


@attrs.frozen
class InboundRoute:
    tenant: Tenant
    line: PhoneLine
    agent: VoiceAgent | None
    """The number's inbound agent; None when it routes to none."""
    lead: Lead | None
    """The tenant's lead with the caller's number, when there is one."""


class PhoneResolver:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def resolve(self, called: PhoneNumber, caller: PhoneNumber | None) -> InboundRoute | None:
        """None when no tenant has `called` as an active number. The route says what it
        found; whether the tenant may take the call (active, feature) is the caller's rule."""
        async with self._deps.uows(called_number=called) as tx:
            line = await tx.phone_numbers.routing(called)
        return await self._route(line, caller)

    async def resolve_provider_line(
        self, provider_number_id: str, caller: PhoneNumber | None
    ) -> InboundRoute | None:
        """Like `resolve`, for a line named by the provider's id for it (Vapi's
        phoneNumberId), when the provider does not say the number."""
        async with self._deps.uows(called_provider_number=provider_number_id) as tx:
            line = await tx.phone_numbers.routing_by_provider_id(provider_number_id)
        return await self._route(line, caller)

    async def _route(
        self, line: PhoneLine | None, caller: PhoneNumber | None
    ) -> InboundRoute | None:
        if line is None:
            return None
        async with self._deps.uows(tenant_id=line.tenant_id) as tx:
            tenant = await tx.tenants.get(line.tenant_id)
            agent = (
                await tx.agents.get(line.tenant_id, line.inbound_agent_id)
                if line.inbound_agent_id
                else None
            )
            lead = await tx.leads.by_phone(line.tenant_id, caller) if caller else None
        if tenant is None:  # deleted between the two reads
            return None
        return InboundRoute(tenant, line, agent, lead)

    async def lead_for_caller(self, tenant_id: TenantId, caller: PhoneNumber) -> Lead | None:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            return await tx.leads.by_phone(tenant_id, caller)
