"""Phone resolution: which tenant, number, agent and lead an inbound call reaches.

Run on both adapters (`uows`): on PostgreSQL the first read happens before any tenant is
known, through the row-level security policy that shows the one active called number.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.ids import Uuid7Generator
from application.context import UseCaseDeps
from application.phone_resolution import PhoneResolver
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.agents import VoiceAgent
from domain.ids import AgentId, LeadId, PhoneNumberId, TenantId
from domain.leads import Lead
from domain.phones import NumberProvider, PhoneLine, PhoneNumber
from domain.tenancy import Tenant
from tests.support import MutableClock

ids = Uuid7Generator()
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
CALLER = PhoneNumber.parse("+1 415 555 0123")
# Distinct valid numbers for the lines: active numbers are unique across tenants.
_line_numbers = (PhoneNumber(f"+1212736{n:04d}") for n in itertools.count(1000))


def resolver(uows: UnitOfWorkFactory) -> PhoneResolver:
    return PhoneResolver(UseCaseDeps(uows=uows, ids=ids, clock=MutableClock(T0)))


async def a_tenant(uows: UnitOfWorkFactory, name: str) -> Tenant:
    tenant = Tenant(TenantId(ids.new()), name, created_at=T0, updated_at=T0)
    async with uows(tenant_id=tenant.id) as tx:
        await tx.tenants.add(tenant)
        await tx.commit()
    return tenant


async def a_line(
    uows: UnitOfWorkFactory, tenant: Tenant, *, agent: VoiceAgent | None = None
) -> PhoneLine:
    line = PhoneLine(
        PhoneNumberId(ids.new()),
        tenant.id,
        next(_line_numbers),
        NumberProvider.VAPI,
        T0,
        T0,
        label=f"{tenant.name} main",
        inbound_agent_id=agent.id if agent else None,
    )
    async with uows(tenant_id=tenant.id) as tx:
        await tx.phone_numbers.add(line)
        await tx.commit()
    return line


async def an_agent(uows: UnitOfWorkFactory, tenant: Tenant) -> VoiceAgent:
    agent = VoiceAgent(
        AgentId(ids.new()), tenant.id, f"{tenant.name} receptionist", T0, T0, first_message="Hi"
    )
    async with uows(tenant_id=tenant.id) as tx:
        await tx.agents.add(agent)
        await tx.commit()
    return agent


async def a_lead(uows: UnitOfWorkFactory, tenant: Tenant, phone: PhoneNumber = CALLER) -> Lead:
    lead = Lead.new(LeadId(ids.new()), tenant.id, phone, T0, name=f"{tenant.name}'s caller")
    async with uows(tenant_id=tenant.id) as tx:
        await tx.leads.add(lead)
        await tx.commit()
    return lead


async def release(uows: UnitOfWorkFactory, line: PhoneLine) -> None:
    async with uows(tenant_id=line.tenant_id) as tx:
        stored = await tx.phone_numbers.get(line.tenant_id, line.id)
        assert stored is not None
        stored.release(T0 + timedelta(minutes=1))
        await tx.phone_numbers.save(stored)
        await tx.commit()


async def test_a_called_number_resolves_to_its_tenant_line_agent_and_the_callers_lead(uows):
    acme = await a_tenant(uows, "Acme")
    agent = await an_agent(uows, acme)
    line = await a_line(uows, acme, agent=agent)
    lead = await a_lead(uows, acme)

    route = await resolver(uows).resolve(line.number, CALLER)

    assert route is not None
    assert (route.tenant, route.line, route.agent, route.lead) == (acme, line, agent, lead)


async def test_a_callers_lead_in_another_tenant_is_never_returned(uows):
    acme, globex = await a_tenant(uows, "Acme"), await a_tenant(uows, "Globex")
    acme_line, globex_line = await a_line(uows, acme), await a_line(uows, globex)
    theirs = await a_lead(uows, globex)

    route = await resolver(uows).resolve(acme_line.number, CALLER)
    other = await resolver(uows).resolve(globex_line.number, CALLER)

    assert route is not None
    assert (route.tenant, route.line, route.lead) == (acme, acme_line, None)
    assert other is not None
    assert (other.tenant, other.lead) == (globex, theirs)
    assert await resolver(uows).lead_for_caller(acme.id, CALLER) is None
    assert await resolver(uows).lead_for_caller(globex.id, CALLER) == theirs


async def test_a_number_routed_nowhere_and_an_unknown_caller_resolve_without_agent_or_lead(uows):
    acme = await a_tenant(uows, "Acme")
    line = await a_line(uows, acme)
    await a_lead(uows, acme)

    unknown_caller = await resolver(uows).resolve(line.number, PhoneNumber.parse("+4930123456"))
    withheld = await resolver(uows).resolve(line.number, None)

    for route in (unknown_caller, withheld):
        assert route is not None
        assert (route.tenant, route.line, route.agent, route.lead) == (acme, line, None, None)


async def test_unknown_and_released_numbers_resolve_to_nothing(uows):
    acme = await a_tenant(uows, "Acme")
    line = await a_line(uows, acme, agent=await an_agent(uows, acme))
    await a_lead(uows, acme)

    assert await resolver(uows).resolve(next(_line_numbers), CALLER) is None
    await release(uows, line)
    assert await resolver(uows).resolve(line.number, CALLER) is None


async def test_a_released_number_registered_by_another_tenant_resolves_to_that_tenant(uows):
    acme, globex = await a_tenant(uows, "Acme"), await a_tenant(uows, "Globex")
    old = await a_line(uows, acme)
    await a_lead(uows, acme)
    await release(uows, old)
    new = PhoneLine(PhoneNumberId(ids.new()), globex.id, old.number, NumberProvider.TWILIO, T0, T0)
    async with uows(tenant_id=globex.id) as tx:
        await tx.phone_numbers.add(new)
        await tx.commit()

    route = await resolver(uows).resolve(old.number, CALLER)

    assert route is not None
    assert (route.tenant, route.line, route.lead) == (globex, new, None)


@settings(
    max_examples=15,
    deadline=None,
    # Each example makes its own tenants and numbers: what earlier examples left is apart.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(holders=st.lists(st.booleans(), min_size=1, max_size=4))
async def test_each_tenant_sees_only_its_own_lead_for_the_caller(uows, holders):
    tenants = [await a_tenant(uows, f"T{i}") for i in range(len(holders))]
    lines = [await a_line(uows, tenant) for tenant in tenants]
    leads = [
        await a_lead(uows, tenant) if holds else None
        for tenant, holds in zip(tenants, holders, strict=True)
    ]

    for tenant, line, lead in zip(tenants, lines, leads, strict=True):
        route = await resolver(uows).resolve(line.number, CALLER)
        assert route is not None
        assert (route.tenant, route.line, route.lead) == (tenant, line, lead)


@pytest.mark.parametrize("caller", [None, CALLER])
async def test_resolution_needs_no_principal_and_writes_nothing(uows, caller):
    acme = await a_tenant(uows, "Acme")
    line = await a_line(uows, acme)

    first = await resolver(uows).resolve(line.number, caller)
    second = await resolver(uows).resolve(line.number, caller)

    assert first == second
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.phone_numbers.get(acme.id, line.id) == line
