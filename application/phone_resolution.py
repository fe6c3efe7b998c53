"""Phone resolution (the seed's PhoneResolverModel): which tenant, number and agent answer a
called number, and which of that tenant's leads is calling. The inbound-call path uses it
before any tenant is known, so it takes no principal."""

from __future__ import annotations

import attrs

from application.context import UseCaseDeps
from application.ports.unit_of_work import UnitOfWork
from domain.agents import VoiceAgent
from domain.ids import TenantId
from domain.leads import Lead
from domain.phones import PhoneLine, PhoneNumber
from domain.tenancy import Tenant
from domain.voices import Voice


@attrs.frozen
class InboundRoute:
    tenant: Tenant
    line: PhoneLine
    agent: VoiceAgent | None
    """The number's inbound agent; None when it routes to none."""
    lead: Lead | None
    """The tenant's lead with the caller's number, when there is one."""
    voice: Voice | None = None
    """The inbound agent's voice, when it has one."""

    @property
    def number(self) -> PhoneNumber:
        """The called number (only active lines route, and an active line has its number)."""
        assert self.line.number is not None
        return self.line.number


class PhoneResolver:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def resolve(self, called: PhoneNumber, caller: PhoneNumber | None) -> InboundRoute | None:
        """None when no tenant has `called` as an active number. The route says what it
        found; whether the tenant may take the call (active, feature) is the caller's rule."""
        async with self._deps.uows(called_number=called) as tx:
            return await self.resolve_in(tx, called, caller)

    async def resolve_provider_line(
        self, provider_number_id: str, caller: PhoneNumber | None
    ) -> InboundRoute | None:
        """Like `resolve`, for a line named by the provider's id for it (Vapi's
        phoneNumberId), when the provider does not say the number."""
        async with self._deps.uows(called_provider_number=provider_number_id) as tx:
            return await self.resolve_provider_line_in(tx, provider_number_id, caller)

    async def resolve_in(
        self, tx: UnitOfWork, called: PhoneNumber, caller: PhoneNumber | None
    ) -> InboundRoute | None:
        """`resolve` inside `tx`, opened with `called` as its called number: it leaves `tx`
        in the tenant found, for the rest of the caller's work."""
        return await self._route_entered(tx, await tx.enter_called_line(called), caller)

    async def resolve_provider_line_in(
        self, tx: UnitOfWork, provider_number_id: str, caller: PhoneNumber | None
    ) -> InboundRoute | None:
        """`resolve_provider_line` inside `tx`, opened with that provider line (see
        `resolve_in`)."""
        line = await tx.phone_numbers.routing_by_provider_id(provider_number_id)
        if line is not None:
            await tx.switch_tenant(line.tenant_id)
        return await self._route_entered(tx, line, caller)

    async def _route_entered(
        self, tx: UnitOfWork, line: PhoneLine | None, caller: PhoneNumber | None
    ) -> InboundRoute | None:
        """The route through `line`, `tx` being in its tenant's context already."""
        if line is None:
            return None
        parties = await tx.line_parties(line, caller)
        if parties.tenant is None:
            return None
        return InboundRoute(parties.tenant, line, parties.agent, parties.lead, parties.voice)

    async def lead_for_caller(self, tenant_id: TenantId, caller: PhoneNumber) -> Lead | None:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            return await tx.leads.by_phone(tenant_id, caller)
