"""The voice, phone number and voice agent contract, the same on every adapter."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from adapters.ids import Uuid7Generator
from adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.errors import AlreadyExists, ConcurrencyConflict
from application.pagination import PageRequest, Position
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.agents import VoiceAgent
from domain.ids import AgentId, LeadId, PhoneNumberId, TenantId, UserId, VoiceId
from domain.leads import Lead
from domain.phones import NumberProvider, NumberStatus, PhoneLine, PhoneNumber
from domain.tenancy import Tenant, User
from domain.values import Email
from domain.voices import Voice, VoiceProvider

ids = Uuid7Generator()
T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
_numbers = (PhoneNumber(f"+1212736{n:04d}") for n in itertools.count(1000))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def a_tenant(name: str = "Acme") -> Tenant:
    return Tenant(TenantId(ids.new()), name, created_at=at(0), updated_at=at(0))


def a_voice(tenant: Tenant, name: str = "Ava", when: float = 0, **fields: object) -> Voice:
    return Voice(
        VoiceId(ids.new()),
        tenant.id,
        name,
        VoiceProvider.ELEVENLABS,
        f"el-{name}",
        at(when),
        at(when),
        **fields,  # type: ignore[arg-type]
    )


def a_line(
    tenant: Tenant, number: PhoneNumber | None = None, when: float = 0, **fields: object
) -> PhoneLine:
    return PhoneLine(
        PhoneNumberId(ids.new()),
        tenant.id,
        number or next(_numbers),
        NumberProvider.VAPI,
        at(when),
        at(when),
        **fields,  # type: ignore[arg-type]
    )


def an_agent(tenant: Tenant, name: str = "Sam", when: float = 0, **fields: object) -> VoiceAgent:
    return VoiceAgent(AgentId(ids.new()), tenant.id, name, at(when), at(when), **fields)  # type: ignore[arg-type]


async def given_tenants(uows: UnitOfWorkFactory, *tenants: Tenant) -> None:
    for tenant in tenants:
        async with uows(tenant_id=tenant.id) as tx:
            await tx.tenants.add(tenant)
            await tx.commit()


async def given(
    uows: UnitOfWorkFactory, tenant: Tenant, *rows: Voice | PhoneLine | VoiceAgent
) -> None:
    async with uows(tenant_id=tenant.id) as tx:
        for row in rows:
            if isinstance(row, Voice):
                await tx.voices.add(row)
            elif isinstance(row, PhoneLine):
                await tx.phone_numbers.add(row)
            else:
                await tx.agents.add(row)
        await tx.commit()


async def release(
    uows: UnitOfWorkFactory, tenant: Tenant, line_id: PhoneNumberId, when: datetime
) -> None:
    async with uows(tenant_id=tenant.id) as tx:
        stored = await tx.phone_numbers.get(tenant.id, line_id)
        assert stored is not None
        stored.release(when)
        await tx.phone_numbers.save(stored)
        await tx.commit()


@pytest.fixture
async def acme(uows: UnitOfWorkFactory) -> Tenant:
    tenant = a_tenant("Acme")
    await given_tenants(uows, tenant)
    return tenant


@pytest.fixture
async def globex(uows: UnitOfWorkFactory) -> Tenant:
    tenant = a_tenant("Globex")
    await given_tenants(uows, tenant)
    return tenant


# --- voices -------------------------------------------------------------------------------


async def test_voice_round_trip_of_every_field(uows, acme, globex):
    voice = a_voice(
        acme,
        "Ava",
        language="pt-BR",
        settings={"speed": 1.25, "tags": ["warm", "calm"], "nested": {"on": True, "x": None}},
        is_active=False,
    )
    voice = attrs.evolve(voice, provider=VoiceProvider.RIME_AI, updated_at=at(30))
    await given(uows, acme, voice)

    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.voices.get(acme.id, voice.id)
        elsewhere = await tx.voices.get(globex.id, voice.id)
    async with uows(tenant_id=globex.id) as tx:
        from_other = await tx.voices.get(globex.id, voice.id)

    assert stored == voice
    assert stored is not None
    assert (stored.provider, stored.language, stored.is_active, stored.version) == (
        VoiceProvider.RIME_AI,
        "pt-BR",
        False,
        0,
    )
    assert stored.settings == {
        "speed": 1.25,
        "tags": ["warm", "calm"],
        "nested": {"on": True, "x": None},
    }
    assert (elsewhere, from_other) == (None, None)


async def test_voices_list_oldest_first_by_tenant_and_activity(uows, acme, globex):
    first, second, third = (a_voice(acme, n, when=w) for n, w in (("A", 1), ("B", 2), ("C", 2)))
    retired = a_voice(acme, "Old", when=3, is_active=False)
    await given(uows, acme, third, retired, first, second)
    await given(uows, globex, a_voice(globex, "Theirs"))

    async with uows(tenant_id=acme.id) as tx:
        every = await tx.voices.list(acme.id, PageRequest())
        active = await tx.voices.list(acme.id, PageRequest(), active=True)
        inactive = await tx.voices.list(acme.id, PageRequest(), active=False)
        page = await tx.voices.list(
            acme.id, PageRequest(limit=1, after=Position(first.created_at, first.id))
        )

    by_key = sorted([first, second, third], key=lambda v: (v.created_at, v.id))
    assert every == [*by_key, retired]
    assert active == by_key
    assert inactive == [retired]
    assert page == by_key[1:3]  # limit + 1 rows after the cursor


async def test_a_lost_voice_update_is_refused(uows, acme):
    voice = a_voice(acme)
    await given(uows, acme, voice)
    async with uows(tenant_id=acme.id) as a, uows(tenant_id=acme.id) as b:
        va, vb = await a.voices.get(acme.id, voice.id), await b.voices.get(acme.id, voice.id)
        assert va is not None
        assert vb is not None
        va.name = "A"
        await a.voices.save(va)
        await a.commit()
        vb.name = "B"
        with pytest.raises(ConcurrencyConflict):
            await b.voices.save(vb)
    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.voices.get(acme.id, voice.id)
    assert stored is not None
    assert (stored.name, stored.version) == ("A", 1)


async def test_saving_a_voice_keeps_every_field_and_bumps_the_version(uows, acme):
    voice = a_voice(acme)
    await given(uows, acme, voice)
    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.voices.get(acme.id, voice.id)
        assert stored is not None
        stored.name = "Ava 2"
        stored.provider = VoiceProvider.AZURE
        stored.provider_voice_id = "en-US-JennyNeural"
        stored.language = "en-US"
        stored.settings = {"pitch": -2}
        stored.deactivate(at(60))
        await tx.voices.save(stored)
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.voices.get(acme.id, voice.id) == stored
    assert stored.version == 1


# --- phone numbers ------------------------------------------------------------------------


async def test_phone_line_round_trip_of_every_field(uows, acme, globex):
    agent = an_agent(acme)
    line = a_line(
        acme,
        PhoneNumber.parse("+44 20 7946 0958"),
        provider_number_id="PN123",
        label="London desk",
        inbound_agent_id=agent.id,
    )
    line = attrs.evolve(line, provider=NumberProvider.TELNYX, updated_at=at(5))
    released = a_line(acme, when=1, status=NumberStatus.RELEASED)
    await given(uows, acme, agent, line, released)

    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.phone_numbers.get(acme.id, line.id)
        stored_released = await tx.phone_numbers.get(acme.id, released.id)
        elsewhere = await tx.phone_numbers.get(globex.id, line.id)
    async with uows(tenant_id=globex.id) as tx:
        from_other = await tx.phone_numbers.get(globex.id, line.id)

    assert stored == line
    assert stored is not None
    assert (stored.number, stored.provider, stored.provider_number_id, stored.label) == (
        PhoneNumber("+442079460958"),
        NumberProvider.TELNYX,
        "PN123",
        "London desk",
    )
    assert (stored.status, stored.inbound_agent_id, stored.updated_at) == (
        NumberStatus.ACTIVE,
        agent.id,
        at(5),
    )
    assert stored_released == released
    assert (elsewhere, from_other) == (None, None)


async def test_an_active_number_is_unique_across_tenants_until_released(uows, acme, globex):
    number = next(_numbers)
    mine = a_line(acme, number)
    await given(uows, acme, mine)

    for tenant in (globex, acme):
        async with uows(tenant_id=tenant.id) as tx:
            with pytest.raises(AlreadyExists) as raised:
                await tx.phone_numbers.add(a_line(tenant, number, when=1))
        assert raised.value.field == "number"
        assert raised.value.existing_id is None

    await release(uows, acme, mine.id, at(10))
    theirs = a_line(globex, number, when=2)
    await given(uows, globex, theirs)  # free again: another tenant registers it
    async with uows(called_number=number) as tx:
        assert await tx.phone_numbers.routing(number) == theirs
    await release(uows, globex, theirs.id, at(20))
    again = a_line(acme, number, when=3)
    await given(uows, acme, again)  # and the first tenant once more: history may repeat

    async with uows(tenant_id=acme.id) as tx:
        listed = await tx.phone_numbers.list(acme.id, PageRequest())
    assert [(line.id, line.status) for line in listed] == [
        (mine.id, NumberStatus.RELEASED),
        (again.id, NumberStatus.ACTIVE),
    ]


async def test_two_tenants_registering_one_number_at_once_cannot_both_win(uows, acme, globex):
    number = next(_numbers)

    async def register(tenant: Tenant) -> PhoneLine:
        line = a_line(tenant, number)
        async with uows(tenant_id=tenant.id) as tx:
            await tx.phone_numbers.add(line)
            await asyncio.sleep(0)  # let the other transaction write too
            await tx.commit()
        return line

    outcomes = await asyncio.gather(register(acme), register(globex), return_exceptions=True)

    [won] = [o for o in outcomes if isinstance(o, PhoneLine)]
    [lost] = [o for o in outcomes if not isinstance(o, PhoneLine)]
    assert isinstance(lost, AlreadyExists)
    assert lost.field == "number"
    async with uows(called_number=number) as tx:
        assert await tx.phone_numbers.routing(number) == won


async def test_numbers_list_by_status_and_count_those_held(uows, acme, globex):
    active = [a_line(acme, when=w) for w in (1, 2, 2)]
    released = a_line(acme, when=3, status=NumberStatus.RELEASED)
    bought = a_line(acme, when=4, status=NumberStatus.PROVISIONING)
    failed = attrs.evolve(a_line(acme, when=5, status=NumberStatus.FAILED), number=None)
    await given(uows, acme, *active, released, bought, failed)
    await given(uows, globex, a_line(globex))

    async with uows(tenant_id=acme.id) as tx:
        every = await tx.phone_numbers.list(acme.id, PageRequest())
        only_active = await tx.phone_numbers.list(
            acme.id, PageRequest(), status=NumberStatus.ACTIVE
        )
        only_released = await tx.phone_numbers.list(
            acme.id, PageRequest(), status=NumberStatus.RELEASED
        )
        count = await tx.phone_numbers.count_held(acme.id)
        first_page = await tx.phone_numbers.list(acme.id, PageRequest(limit=2))
    async with uows(tenant_id=globex.id) as tx:
        theirs = await tx.phone_numbers.count_held(globex.id)

    by_key = sorted(active, key=lambda n: (n.created_at, n.id))
    assert every == [*by_key, released, bought, failed]
    assert only_active == by_key
    assert only_released == [released]
    assert (count, theirs) == (4, 1)  # active and provisioning hold their place
    assert first_page == by_key  # limit + 1


async def test_saving_a_line_keeps_every_field_and_a_stale_save_is_refused(uows, acme):
    agent = an_agent(acme)
    line = a_line(acme)
    await given(uows, acme, agent, line)
    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.phone_numbers.get(acme.id, line.id)
        assert stored is not None
        stored.label = "Support"
        stored.provider_number_id = "PN9"
        stored.route_inbound_to(agent.id, at(30))
        await tx.phone_numbers.save(stored)
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.phone_numbers.get(acme.id, line.id) == stored
        with pytest.raises(ConcurrencyConflict):
            await tx.phone_numbers.save(line)  # version 0: stale
    assert stored.version == 1


async def test_routing_finds_the_active_line_whichever_tenant_owns_it(uows, acme, globex):
    agent = an_agent(globex)
    theirs = a_line(globex, inbound_agent_id=agent.id)
    mine = a_line(acme)
    released = a_line(acme, status=NumberStatus.RELEASED)
    await given(uows, globex, agent, theirs)
    await given(uows, acme, mine, released)

    async with uows(called_number=theirs.number) as tx:
        found_theirs = await tx.phone_numbers.routing(theirs.number)
    async with uows(called_number=mine.number) as tx:
        found_mine = await tx.phone_numbers.routing(mine.number)
    async with uows(called_number=released.number) as tx:
        found_released = await tx.phone_numbers.routing(released.number)
    unknown = next(_numbers)
    async with uows(called_number=unknown) as tx:
        found_unknown = await tx.phone_numbers.routing(unknown)

    assert (found_theirs, found_mine) == (theirs, mine)
    assert (found_released, found_unknown) == (None, None)


@pytest.mark.parametrize("entering", [True, False], ids=["as it opens", "when asked"])
async def test_entering_the_called_line_moves_into_its_tenant(uows, acme, globex, entering):
    agent = an_agent(globex)
    theirs = a_line(globex, inbound_agent_id=agent.id)
    released = a_line(acme, status=NumberStatus.RELEASED)
    await given(uows, globex, agent, theirs)
    await given(uows, acme, released)

    async with uows(called_number=theirs.number, entering=entering) as tx:
        found = await tx.enter_called_line(theirs.number)
        # In the line's tenant now: its rows are there to read, as switch_tenant would show.
        read_agent = await tx.agents.get(globex.id, agent.id)
    outcomes = []
    for number in (released.number, next(_numbers)):
        async with uows(called_number=number, entering=entering) as tx:
            outcomes.append(await tx.enter_called_line(number))

    assert (found, read_agent) == (theirs, agent)
    assert outcomes == [None, None]


@pytest.mark.parametrize("agent_has", ["a voice", "no voice"])
@pytest.mark.parametrize("caller", ["a lead", "a stranger", "withheld"])
@pytest.mark.parametrize("routes_to", ["an agent", "none"])
async def test_a_lines_parties_are_what_each_repository_reads(
    uows, acme, globex, agent_has, caller, routes_to
):
    voice, their_voice = a_voice(acme), a_voice(globex)
    agent = an_agent(acme, voice_id=voice.id if agent_has == "a voice" else None)
    their_agent = an_agent(globex, voice_id=their_voice.id)
    line = a_line(acme, inbound_agent_id=agent.id if routes_to == "an agent" else None)
    lead = Lead(LeadId(ids.new()), acme.id, next(_numbers), at(0), at(0), name="Ada")
    # Globex knows the same caller and has its own agent: none of it is Acme's line's.
    their_lead = Lead(LeadId(ids.new()), globex.id, lead.phone, at(0), at(0), name="Bob")
    await given(uows, acme, voice, agent, line)
    await given(uows, globex, their_voice, their_agent)
    for tenant, row in ((acme, lead), (globex, their_lead)):
        async with uows(tenant_id=tenant.id) as tx:
            await tx.leads.add(row)
            await tx.commit()
    calling = {"a lead": lead.phone, "a stranger": next(_numbers), "withheld": None}[caller]

    async with uows(tenant_id=acme.id) as tx:
        parties = await tx.line_parties(line, calling)
        one_by_one = (
            await tx.tenants.get(acme.id),
            await tx.agents.get(acme.id, agent.id) if routes_to == "an agent" else None,
            await tx.voices.get(acme.id, voice.id)
            if routes_to == "an agent" and agent_has == "a voice"
            else None,
            await tx.leads.by_phone(acme.id, calling) if calling else None,
        )

    assert (parties.tenant, parties.agent, parties.voice, parties.lead) == one_by_one
    assert parties.tenant == acme
    assert parties.agent == (agent if routes_to == "an agent" else None)
    assert parties.voice == (voice if routes_to == "an agent" and agent_has == "a voice" else None)
    assert parties.lead == (lead if caller == "a lead" else None)


async def test_stop_routing_to_clears_only_that_agents_numbers_in_that_tenant(uows, acme):
    gone, kept = an_agent(acme, "Gone"), an_agent(acme, "Kept")
    first = a_line(acme, inbound_agent_id=gone.id)
    second = a_line(acme, inbound_agent_id=gone.id)
    other = a_line(acme, inbound_agent_id=kept.id)
    idle = a_line(acme)
    await given(uows, acme, gone, kept, first, second, other, idle)

    async with uows(tenant_id=acme.id) as tx:
        await tx.phone_numbers.stop_routing_to(acme.id, gone.id)
        await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        after = {line.id: line for line in await tx.phone_numbers.list(acme.id, PageRequest())}
    assert [(after[n.id].inbound_agent_id, after[n.id].version) for n in (first, second)] == [
        (None, 1),
        (None, 1),
    ]
    assert after[other.id] == other
    assert after[idle.id] == idle
    # A holder of the old version learns that the line changed.
    async with uows(tenant_id=acme.id) as tx:
        with pytest.raises(ConcurrencyConflict):
            await tx.phone_numbers.save(first)


# --- agents -------------------------------------------------------------------------------


async def test_agent_round_trip_of_every_field(uows, acme, globex):
    creator = User(UserId(ids.new()), Email.parse("ada@example.com"), at(0), at(0))
    async with uows() as tx:
        await tx.users.add(creator)
        await tx.commit()
    voice, line = a_voice(acme), a_line(acme)
    agent = an_agent(
        acme,
        "Sam",
        voice_id=voice.id,
        default_number_id=line.id,
        created_by=creator.id,
        agent_instructions="Be brief.",
        system_instructions="x" * 50_000,
        outbound_prompt="Offer the plan.",
        inbound_prompt="Answer the question.",
        first_message="Hello, this is Sam.",
        language="en-GB",
        provider_assistant_id="asst_123",
        config={"temperature": 0.2, "tools": [{"name": "crm", "args": [1, 2]}]},
        is_active=False,
    )
    agent = attrs.evolve(agent, updated_at=at(9))
    await given(uows, acme, voice, line, agent)

    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.agents.get(acme.id, agent.id)
        elsewhere = await tx.agents.get(globex.id, agent.id)
    async with uows(tenant_id=globex.id) as tx:
        from_other = await tx.agents.get(globex.id, agent.id)

    assert stored == agent
    assert stored is not None
    assert (stored.voice_id, stored.default_number_id, stored.created_by) == (
        voice.id,
        line.id,
        creator.id,
    )
    assert len(stored.system_instructions or "") == 50_000
    assert stored.config == {"temperature": 0.2, "tools": [{"name": "crm", "args": [1, 2]}]}
    assert (elsewhere, from_other) == (None, None)


async def test_agents_list_count_and_remove(uows, acme, globex):
    one, two, three = (an_agent(acme, n, when=w) for n, w in (("One", 1), ("Two", 1), ("Three", 2)))
    retired = an_agent(acme, "Retired", when=3, is_active=False)
    await given(uows, acme, three, retired, one, two)
    await given(uows, globex, an_agent(globex))

    async with uows(tenant_id=acme.id) as tx:
        every = await tx.agents.list(acme.id, PageRequest())
        active = await tx.agents.list(acme.id, PageRequest(), active=True)
        inactive = await tx.agents.list(acme.id, PageRequest(), active=False)
        count = await tx.agents.count_active(acme.id)
        await tx.agents.remove(two)
        await tx.commit()
    async with uows(tenant_id=globex.id) as tx:
        theirs = await tx.agents.count_active(globex.id)

    by_key = sorted([one, two, three], key=lambda a: (a.created_at, a.id))
    assert every == [*by_key, retired]
    assert active == by_key
    assert inactive == [retired]
    assert (count, theirs) == (3, 1)
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.agents.get(acme.id, two.id) is None
        assert await tx.agents.count_active(acme.id) == 2
        assert [a.id for a in await tx.agents.list(acme.id, PageRequest())] == [
            a.id for a in [*by_key, retired] if a.id != two.id
        ]


async def test_saving_an_agent_keeps_every_field_and_a_lost_update_is_refused(uows, acme):
    voice = a_voice(acme)
    agent = an_agent(acme)
    await given(uows, acme, voice, agent)
    async with uows(tenant_id=acme.id) as a, uows(tenant_id=acme.id) as b:
        aa, ab = await a.agents.get(acme.id, agent.id), await b.agents.get(acme.id, agent.id)
        assert aa is not None
        assert ab is not None
        aa.voice_id = voice.id
        aa.first_message = "Hi!"
        aa.config = {"k": [1]}
        aa.deactivate(at(40))
        await a.agents.save(aa)
        await a.commit()
        ab.name = "Lost"
        with pytest.raises(ConcurrencyConflict):
            await b.agents.save(ab)
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.agents.get(acme.id, agent.id) == aa
    assert aa.version == 1


# --- transactions -------------------------------------------------------------------------


async def test_leaving_without_commit_leaves_nothing(uows, acme):
    voice, line, agent = a_voice(acme), a_line(acme), an_agent(acme)
    async with uows(tenant_id=acme.id) as tx:
        await tx.voices.add(voice)
        await tx.phone_numbers.add(line)
        await tx.agents.add(agent)

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.voices.get(acme.id, voice.id) is None
        assert await tx.phone_numbers.get(acme.id, line.id) is None
        assert await tx.agents.get(acme.id, agent.id) is None
        assert await tx.phone_numbers.count_held(acme.id) == 0
    async with uows(called_number=line.number) as tx:
        assert await tx.phone_numbers.routing(line.number) is None
    await given(uows, acme, a_line(acme, line.number))  # the number was never taken


async def test_an_error_rolls_back_what_the_transaction_wrote(uows, acme):
    voice = a_voice(acme)

    async def write_then_fail() -> None:
        async with uows(tenant_id=acme.id) as tx:
            await tx.voices.add(voice)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await write_then_fail()
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.voices.list(acme.id, PageRequest()) == []


# --- PostgreSQL: row-level security of inbound routing --------------------------------------


@pytest.fixture
def pg_uows(engine) -> UnitOfWorkFactory:
    return PostgresUnitOfWorkFactory(engine)


@pytest.mark.postgres
async def test_routing_sees_other_tenants_numbers_only_through_the_called_number(pg_uows):
    acme, globex = a_tenant("Acme"), a_tenant("Globex")
    await given_tenants(pg_uows, acme, globex)
    theirs, also_theirs, mine = a_line(globex), a_line(globex), a_line(acme)
    await given(pg_uows, globex, theirs, also_theirs)
    await given(pg_uows, acme, mine)

    async with pg_uows(tenant_id=acme.id) as tx:
        # The tenant's context alone shows its own numbers, not another tenant's.
        assert await tx.phone_numbers.routing(theirs.number) is None
        assert await tx.phone_numbers.routing(mine.number) == mine
    async with pg_uows() as tx:
        assert await tx.phone_numbers.routing(theirs.number) is None
    async with pg_uows(called_number=theirs.number) as tx:
        assert await tx.phone_numbers.routing(theirs.number) == theirs
        # ... and only that one number of theirs.
        assert await tx.phone_numbers.routing(also_theirs.number) is None
        assert await tx.phone_numbers.get(globex.id, also_theirs.id) is None
        assert await tx.phone_numbers.count_held(globex.id) == 1


@pytest.mark.postgres
async def test_the_called_number_context_shows_no_released_line(pg_uows):
    acme = a_tenant("Acme")
    await given_tenants(pg_uows, acme)
    line = a_line(acme, status=NumberStatus.RELEASED)
    await given(pg_uows, acme, line)

    async with pg_uows(called_number=line.number) as tx:
        assert await tx.phone_numbers.routing(line.number) is None
        assert await tx.phone_numbers.get(acme.id, line.id) is None


# --- regressions --------------------------------------------------------------------------


async def test_an_active_provider_number_id_is_unique_across_tenants_until_released(
    uows, acme, globex
):
    """One line at the provider is one line: two tenants calling out from it would share a
    caller id, and inbound calls to it could not be routed. Which tenant holds it is never
    said. (PostgreSQL refuses at the insert, the memory store at the commit.)"""
    mine = a_line(acme, provider_number_id="pn-shared")
    await given(uows, acme, mine)

    for tenant in (globex, acme):
        with pytest.raises(AlreadyExists) as raised:
            await given(uows, tenant, a_line(tenant, when=1, provider_number_id="pn-shared"))
        assert raised.value.field == "provider_number_id"
        assert raised.value.existing_id is None
        for secret in (str(acme.id), acme.name, str(mine.id), mine.number.e164):
            assert secret not in str(raised.value), secret
    # Lines without a provider id, or with another one, are no one's concern.
    others = [a_line(globex), a_line(globex), a_line(globex, provider_number_id="pn-2")]
    await given(uows, globex, *others)

    await release(uows, acme, mine.id, at(10))
    theirs = a_line(globex, when=2, provider_number_id="pn-shared")
    await given(uows, globex, theirs)  # free again: another tenant registers it

    async with uows(called_provider_number="pn-shared") as tx:
        assert await tx.phone_numbers.routing_by_provider_id("pn-shared") == theirs
    async with uows(tenant_id=acme.id) as tx:
        listed = await tx.phone_numbers.list(acme.id, PageRequest())
    assert [(line.id, line.status) for line in listed] == [(mine.id, NumberStatus.RELEASED)]


async def test_a_line_moved_onto_another_tenants_provider_number_id_is_refused(uows, acme, globex):
    await given(uows, acme, a_line(acme, provider_number_id="pn-taken"))
    theirs = a_line(globex, provider_number_id="pn-own")
    await given(uows, globex, theirs)

    async def move() -> None:
        async with uows(tenant_id=globex.id) as tx:
            line = await tx.phone_numbers.get(globex.id, theirs.id)
            assert line is not None
            line.provider_number_id = "pn-taken"
            await tx.phone_numbers.save(line)
            await tx.commit()

    with pytest.raises(AlreadyExists) as raised:
        await move()

    assert raised.value.field == "provider_number_id"
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.phone_numbers.get(globex.id, theirs.id) == theirs


# --- provisioning ---------------------------------------------------------------------------


async def test_a_number_being_provisioned_holds_its_number_against_every_tenant(uows, acme, globex):
    number = next(_numbers)
    await given(uows, acme, a_line(acme, number, status=NumberStatus.PROVISIONING))

    with pytest.raises(AlreadyExists) as raised:
        await given(uows, globex, a_line(globex, number))
    assert raised.value.field == "number"
    # A bought number not yet known holds nothing but its place.
    await given(
        uows, globex, attrs.evolve(a_line(globex), number=None, status=NumberStatus.PROVISIONING)
    )
    await given(
        uows, globex, attrs.evolve(a_line(globex), number=None, status=NumberStatus.PROVISIONING)
    )


async def test_a_key_finds_the_tenants_number_and_is_the_tenants_once(uows, acme, globex):
    mine = a_line(acme, idempotency_key="k-1")
    await given(uows, acme, mine)
    await given(uows, globex, a_line(globex, idempotency_key="k-1"))  # its own key space

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.phone_numbers.by_idempotency_key(acme.id, "k-1") == mine
        assert await tx.phone_numbers.by_idempotency_key(acme.id, "k-2") is None
    with pytest.raises(AlreadyExists) as raised:
        await given(uows, acme, a_line(acme, idempotency_key="k-1"))
    assert raised.value.field == "idempotency_key"


async def test_a_credential_is_the_first_claiming_tenants(uows, acme, globex):
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.phone_numbers.claim_credential(acme.id, "cred-1") is True
        assert await tx.phone_numbers.claim_credential(acme.id, "cred-1") is True
        await tx.commit()
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.phone_numbers.claim_credential(globex.id, "cred-1") is False
        assert await tx.phone_numbers.claim_credential(globex.id, "cred-2") is True
    # Without a commit, nothing was claimed.
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.phone_numbers.claim_credential(acme.id, "cred-2") is True


async def test_numbers_to_settle_are_listed_across_tenants_when_due_and_removed(uows, acme, globex):
    lines = [a_line(t, status=NumberStatus.PROVISIONING) for t in (acme, globex, acme)]
    for line, due in zip(lines, (3, 1, 9), strict=True):
        await given(uows, tenant_of(line, acme, globex), line)
        async with uows(tenant_id=line.tenant_id) as tx:
            await tx.phone_numbers.settle_later(line.tenant_id, line.id, at(due))
            await tx.commit()

    async with uows() as tx:
        due = await tx.phone_numbers.due_for_settling(at(5), 10)
        first = await tx.phone_numbers.due_for_settling(at(5), 1)
    assert list(due) == [(lines[1].tenant_id, lines[1].id), (lines[0].tenant_id, lines[0].id)]
    assert list(first) == [(lines[1].tenant_id, lines[1].id)]

    async with uows(tenant_id=acme.id) as tx:
        await tx.phone_numbers.settle_later(acme.id, lines[0].id, at(20))  # moved on
        await tx.phone_numbers.settled(acme.id, lines[2].id)
        await tx.commit()
    async with uows(tenant_id=globex.id) as tx:
        await tx.phone_numbers.remove(lines[1])  # its entry goes with it
        await tx.commit()
    async with uows() as tx:
        assert list(await tx.phone_numbers.due_for_settling(at(30), 10)) == [(acme.id, lines[0].id)]
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.phone_numbers.get(globex.id, lines[1].id) is None


def tenant_of(line: PhoneLine, *tenants: Tenant) -> Tenant:
    return next(t for t in tenants if t.id == line.tenant_id)
