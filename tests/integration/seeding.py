"""Rows of the voice-agent catalogue and the lead book, written in one tenant's context, and
raw SQL sessions in a chosen row-level security context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.ids import Uuid7Generator
from adapters.postgres.rls import APP_ROLE, CALLED_NUMBER_SETTING, TENANT_SETTING
from adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.context import UseCaseDeps
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.agents import VoiceAgent
from domain.calls import CallDirection, CallStatus, VoiceCall
from domain.ids import AgentId, CallId, LeadId, PhoneNumberId, TenantId, VoiceId
from domain.leads import Lead
from domain.phones import NumberProvider, NumberStatus, PhoneLine, PhoneNumber
from domain.voices import Voice, VoiceProvider
from tests.support import World

ids = Uuid7Generator()

NEW_TABLES = ("voices", "phone_numbers", "voice_agents", "leads", "voice_calls")

NUMBER_A = "+14155550101"
NUMBER_B = "+14155550102"
LEAD_PHONE = "+14155550199"  # both tenants have a lead with it: unique per tenant only


@attrs.frozen
class Catalogue:
    """One row of each kind in a tenant, linked the way the application links them: the
    number routes inbound calls to the agent, the agent calls from the number, the lead's
    last call is the call (both cycles close at commit)."""

    tenant_id: TenantId
    voice: Voice
    line: PhoneLine
    released: PhoneLine
    """A number the tenant held once and released: history, routing nowhere."""
    agent: VoiceAgent
    lead: Lead
    call: VoiceCall


async def seed_catalogue(
    uows: UnitOfWorkFactory,
    tenant_id: TenantId,
    *,
    number: str,
    released_number: str,
    lead_phone: str,
) -> Catalogue:
    now = datetime.now(UTC)
    voice = Voice(
        VoiceId(ids.new()), tenant_id, "Ava", VoiceProvider.ELEVENLABS, "pv-ava", now, now
    )
    agent_id = AgentId(ids.new())
    line = PhoneLine(
        PhoneNumberId(ids.new()),
        tenant_id,
        PhoneNumber.parse(number),
        NumberProvider.VAPI,
        now,
        now,
        label="main",
        inbound_agent_id=agent_id,
    )
    released = PhoneLine(
        PhoneNumberId(ids.new()),
        tenant_id,
        PhoneNumber.parse(released_number),
        NumberProvider.TWILIO,
        now,
        now,
        status=NumberStatus.RELEASED,
    )
    agent = VoiceAgent(
        agent_id, tenant_id, "Sales", now, now, voice_id=voice.id, default_number_id=line.id
    )
    lead = Lead.new(LeadId(ids.new()), tenant_id, PhoneNumber.parse(lead_phone), now)
    call = VoiceCall(
        CallId(ids.new()),
        tenant_id,
        CallDirection.OUTBOUND,
        CallStatus.ENDED,
        lead.phone.e164,
        now,
        now,
        agent_id=agent.id,
        lead_id=lead.id,
        voice_id=voice.id,
        from_number_id=line.id,
    )
    lead.last_call_id = call.id
    async with uows(tenant_id=tenant_id) as tx:
        await tx.voices.add(voice)
        await tx.phone_numbers.add(line)  # routes to the agent added below: checked at commit
        await tx.phone_numbers.add(released)
        await tx.agents.add(agent)
        await tx.leads.add(lead)  # its last call is added below: checked at commit
        await tx.calls.add(call)
        await tx.commit()
    return Catalogue(tenant_id, voice, line, released, agent, lead, call)


async def two_tenants(deps: UseCaseDeps, engine: AsyncEngine) -> tuple[Catalogue, Catalogue]:
    """Tenants A and B with a catalogue each. A once held B's number and released it, B once
    held A's: each number has an active row in one tenant and a released one in the other."""
    world = World(deps)
    uows = PostgresUnitOfWorkFactory(engine)
    a = await world.tenant(await world.user("owner-a@example.com"), "A")
    b = await world.tenant(await world.user("owner-b@example.com"), "B")
    return (
        await seed_catalogue(
            uows, a.id, number=NUMBER_A, released_number=NUMBER_B, lead_phone=LEAD_PHONE
        ),
        await seed_catalogue(
            uows, b.id, number=NUMBER_B, released_number=NUMBER_A, lead_phone=LEAD_PHONE
        ),
    )


async def enter(
    conn: AsyncConnection,
    *,
    role: str | None = APP_ROLE,
    tenant: object = None,
    called: str | None = None,
) -> None:
    """Set this transaction's context, as the unit of work does. `role=None` stays the
    connecting role (the tables' owner or a superuser)."""
    await conn.execute(
        sa.text(
            f"SELECT set_config('{TENANT_SETTING}', :tenant, true),"
            f" set_config('{CALLED_NUMBER_SETTING}', :called, true)"
        ),
        {"tenant": str(tenant) if tenant else "", "called": called or ""},
    )
    if role is not None:
        await conn.execute(sa.text("SELECT set_config('role', :role, true)"), {"role": role})


@asynccontextmanager
async def session(
    engine: AsyncEngine,
    *,
    role: str | None = APP_ROLE,
    tenant: object = None,
    called: str | None = None,
) -> AsyncIterator[AsyncConnection]:
    """A connection in one transaction with the given context; rolled back unless committed."""
    async with engine.connect() as conn:
        await enter(conn, role=role, tenant=tenant, called=called)
        yield conn
