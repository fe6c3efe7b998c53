"""Voices, phone numbers and voice agents through the use cases, on the in-memory adapters:
who may do what, the links between them, the plan's limits, and the audit trail."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import uuid4

import attrs
import pytest

from adapters.memory.unit_of_work import InMemoryDatabase
from application.access import Principal
from application.agents import AgentService, CreateAgent, UpdateAgent
from application.catalogue import sync_catalogue
from application.context import UseCaseDeps
from application.errors import AlreadyExists, ConcurrencyConflict, NotFound, PermissionDenied
from application.pagination import PageRequest
from application.phone_numbers import PhoneNumberService, UpdateNumber
from application.plans import SetOverride, TenantFeatureService
from application.tenancy import AddMember, MembershipService
from application.voices import CreateVoice, UpdateVoice, VoiceService
from domain.agents import VoiceAgent
from domain.audit import Actor, ActorKind
from domain.calls import CallDirection, CallStatus, VoiceCall
from domain.errors import InvalidStateTransition, InvalidValue
from domain.ids import AgentId, CallId, PhoneNumberId, VoiceId
from domain.phones import NumberProvider, NumberStatus, PhoneLine, PhoneNumber
from domain.plans import EntitlementExceeded
from domain.tenancy import Role, Tenant, User
from domain.voices import Voice, VoiceProvider
from tests.fakes.telephony import FakeTelephony
from tests.support import PLATFORM, MutableClock, World, twilio_import
from tests.unit.helpers import AuditTap, snapshot

ALL = PageRequest(limit=200)
NUMBERS = [
    PhoneNumber.parse(raw)
    for raw in ("+1 212 736 5000", "+1 415 555 0123", "+44 20 7946 0958", "+49 30 123456")
]


@attrs.frozen
class Svc:
    voices: VoiceService
    numbers: PhoneNumberService
    agents: AgentService
    features: TenantFeatureService
    members: MembershipService


@pytest.fixture
def svc(deps: UseCaseDeps) -> Svc:
    return Svc(
        VoiceService(deps),
        PhoneNumberService(deps, FakeTelephony()),
        AgentService(deps),
        TenantFeatureService(deps),
        MembershipService(deps),
    )


def me(user: User) -> Principal:
    return Principal.user(user.id, is_platform_admin=user.is_platform_admin)


@attrs.frozen
class People:
    owner: User
    admin: User
    member: User
    viewer: User
    stranger: User


@pytest.fixture
async def acme(deps: UseCaseDeps, world: World, svc: Svc) -> Tenant:
    """A tenant on the default (free) plan, its members and a stranger."""
    await sync_catalogue(deps)
    owner = await world.user("owner@acme.example")
    tenant = await world.tenant(owner, "Acme")
    # Room for the four roles whatever the free plan allows.
    await svc.features.enable_feature(PLATFORM, tenant.id, "members.max")
    return tenant


@pytest.fixture
async def people(world: World, svc: Svc, acme: Tenant) -> People:
    async with world.deps.uows(tenant_id=acme.id) as tx:
        [owner_membership] = await tx.memberships.members(acme.id, ALL)
    users = {}
    for role in (Role.ADMIN, Role.MEMBER, Role.VIEWER):
        users[role] = await world.user(f"{role}@acme.example")
        await svc.members.add_member(PLATFORM, AddMember(acme.id, role, user_id=users[role].id))
    return People(
        owner_membership.user,
        users[Role.ADMIN],
        users[Role.MEMBER],
        users[Role.VIEWER],
        await world.user("stranger@elsewhere.example"),
    )


@pytest.fixture
async def globex(world: World) -> tuple[Tenant, Principal]:
    """Another tenant, with its owner."""
    owner = await world.user("owner@globex.example")
    return await world.tenant(owner, "Globex"), me(owner)


@pytest.fixture
def unchanged(memory_db: InMemoryDatabase) -> Any:
    """Asserts the block committed nothing (no audit row either)."""

    class Unchanged:
        def __enter__(self) -> None:
            self.before = snapshot(memory_db)

        def __exit__(self, *exc: object) -> None:
            assert snapshot(memory_db) == self.before

    return Unchanged()


async def limit(svc: Svc, tenant: Tenant, key: str, value: int) -> None:
    await svc.features.set_override(PLATFORM, SetOverride(tenant.id, key, value))


async def a_voice(svc: Svc, who: Principal, tenant: Tenant, name: str = "Ava") -> Voice:
    return await svc.voices.create_voice(
        who, CreateVoice(tenant.id, name, VoiceProvider.ELEVENLABS, f"el-{name}")
    )


async def a_number(
    svc: Svc, who: Principal, tenant: Tenant, number: PhoneNumber = NUMBERS[0], **fields: Any
) -> PhoneLine:
    return await svc.numbers.provision_number(who, twilio_import(tenant.id, number, **fields))


async def an_agent(
    svc: Svc, who: Principal, tenant: Tenant, name: str = "Sam", **fields: Any
) -> VoiceAgent:
    return await svc.agents.create_agent(who, CreateAgent(tenant.id, name, **fields))


def entries(tap: AuditTap) -> list[tuple[str, str, Any, dict[str, Any]]]:
    return [(e.action, e.entity, e.entity_id, e.changes) for e in tap.new()]


# --- voices -------------------------------------------------------------------------------


async def test_an_admin_creates_reads_lists_updates_and_deactivates_voices(
    svc: Svc, people: People, acme: Tenant, clock: MutableClock, audit_tap: AuditTap
) -> None:
    admin, viewer = me(people.admin), me(people.viewer)
    audit_tap.new()

    voice = await svc.voices.create_voice(
        admin,
        CreateVoice(
            acme.id,
            "Ava",
            VoiceProvider.CARTESIA,
            "cartesia-123",
            language="en-US",
            settings={"speed": 1.1, "style": {"warmth": 3}},
        ),
    )
    other = await a_voice(svc, admin, acme, "Ben")

    assert (voice.tenant_id, voice.name, voice.provider, voice.provider_voice_id) == (
        acme.id,
        "Ava",
        VoiceProvider.CARTESIA,
        "cartesia-123",
    )
    assert (voice.language, voice.settings, voice.is_active, voice.version) == (
        "en-US",
        {"speed": 1.1, "style": {"warmth": 3}},
        True,
        0,
    )
    assert voice.created_at == voice.updated_at == clock.now()
    assert await svc.voices.get_voice(viewer, acme.id, voice.id) == voice
    assert (await svc.voices.list_voices(viewer, acme.id, ALL)).items == [voice, other]
    assert entries(audit_tap) == [
        ("voice.created", "voice", voice.id, {"name": "Ava", "provider": "cartesia"}),
        ("voice.created", "voice", other.id, {"name": "Ben", "provider": "11labs"}),
    ]

    clock.advance(minutes=1)
    updated = await svc.voices.update_voice(
        admin,
        UpdateVoice(acme.id, voice.id, {"name": "Ava 2", "language": "en-GB"}, version=0),
    )

    assert (updated.name, updated.language, updated.version) == ("Ava 2", "en-GB", 1)
    assert updated.updated_at == clock.now()
    assert await svc.voices.get_voice(viewer, acme.id, voice.id) == updated
    assert entries(audit_tap) == [
        ("voice.updated", "voice", voice.id,
         {"name": {"from": "Ava", "to": "Ava 2"}, "language": {"from": "en-US", "to": "en-GB"}}),
    ]  # fmt: skip

    same = await svc.voices.update_voice(admin, UpdateVoice(acme.id, voice.id, {"name": "Ava 2"}))
    assert same.version == 1  # nothing changed: nothing saved, nothing audited
    assert audit_tap.new() == []

    deactivated = await svc.voices.deactivate_voice(admin, acme.id, voice.id)

    assert (deactivated.is_active, deactivated.version) == (False, 2)
    assert (await svc.voices.list_voices(viewer, acme.id, ALL, active=True)).items == [other]
    assert (await svc.voices.list_voices(viewer, acme.id, ALL, active=False)).items == [deactivated]
    assert entries(audit_tap) == [("voice.deactivated", "voice", voice.id, {})]
    with pytest.raises(InvalidStateTransition) as raised:
        await svc.voices.deactivate_voice(admin, acme.id, voice.id)
    assert raised.value.field == "is_active"

    back = await svc.voices.update_voice(admin, UpdateVoice(acme.id, voice.id, {"is_active": True}))
    assert back.is_active is True
    assert (await svc.voices.list_voices(viewer, acme.id, ALL, active=True)).items == [
        back,
        other,
    ]


async def test_a_stale_version_or_a_bad_value_changes_no_voice(
    svc: Svc, people: People, acme: Tenant, unchanged: Any
) -> None:
    voice = await a_voice(svc, me(people.admin), acme)
    await svc.voices.update_voice(me(people.admin), UpdateVoice(acme.id, voice.id, {"name": "B"}))

    with unchanged:
        with pytest.raises(ConcurrencyConflict):
            await svc.voices.update_voice(
                me(people.admin), UpdateVoice(acme.id, voice.id, {"name": "C"}, version=0)
            )
        with pytest.raises(InvalidValue) as raised:
            await svc.voices.update_voice(
                me(people.admin), UpdateVoice(acme.id, voice.id, {"name": "  "})
            )
        with pytest.raises(InvalidValue) as nul:
            await svc.voices.update_voice(
                me(people.admin), UpdateVoice(acme.id, voice.id, {"settings": {"k": "\x00"}})
            )
    assert (raised.value.field, nul.value.field) == ("name", "settings")


# --- phone numbers ------------------------------------------------------------------------


async def test_an_admin_registers_routes_lists_and_releases_numbers(
    svc: Svc, people: People, acme: Tenant, clock: MutableClock, audit_tap: AuditTap
) -> None:
    admin, viewer = me(people.admin), me(people.viewer)
    await limit(svc, acme, "phone_numbers.max", 2)
    agent = await an_agent(svc, admin, acme)
    audit_tap.new()

    line = await a_number(svc, admin, acme, NUMBERS[0], label="Front")
    second = await a_number(svc, admin, acme, NUMBERS[1])

    assert (line.tenant_id, line.number, line.provider, line.label) == (
        acme.id,
        NUMBERS[0],
        NumberProvider.TWILIO,
        "Front",
    )
    assert line.provider_number_id is not None
    assert line.provider_number_id != second.provider_number_id
    assert (line.status, line.inbound_agent_id) == (NumberStatus.ACTIVE, None)
    assert await svc.numbers.get_number(viewer, acme.id, line.id) == line
    assert (await svc.numbers.list_numbers(viewer, acme.id, ALL)).items == [line, second]
    assert entries(audit_tap) == [
        ("phone_number.provisioning", "phone_number", line.id,
         {"source": "twilio", "number": NUMBERS[0].e164}),
        ("phone_number.provisioned", "phone_number", line.id,
         {"number": NUMBERS[0].e164, "provider_number_id": line.provider_number_id}),
        ("phone_number.provisioning", "phone_number", second.id,
         {"source": "twilio", "number": NUMBERS[1].e164}),
        ("phone_number.provisioned", "phone_number", second.id,
         {"number": NUMBERS[1].e164, "provider_number_id": second.provider_number_id}),
    ]  # fmt: skip

    clock.advance(minutes=1)
    routed = await svc.numbers.update_number(
        admin,
        UpdateNumber(
            acme.id, line.id, {"inbound_agent_id": agent.id, "label": "Sales"}, line.version
        ),
    )

    assert (routed.inbound_agent_id, routed.label, routed.version) == (
        agent.id,
        "Sales",
        line.version + 1,
    )
    assert routed.updated_at == clock.now()
    assert entries(audit_tap) == [
        ("phone_number.updated", "phone_number", line.id,
         {"inbound_agent_id": {"from": None, "to": str(agent.id)},
          "label": {"from": "Front", "to": "Sales"}}),
    ]  # fmt: skip

    released = await svc.numbers.release_number(admin, acme.id, line.id)

    assert (released.status, released.inbound_agent_id) == (NumberStatus.RELEASED, None)
    assert (
        await svc.numbers.list_numbers(viewer, acme.id, ALL, status=NumberStatus.RELEASED)
    ).items == [released]
    assert (
        await svc.numbers.list_numbers(viewer, acme.id, ALL, status=NumberStatus.ACTIVE)
    ).items == [second]
    assert entries(audit_tap) == [
        ("phone_number.released", "phone_number", line.id,
         {"number": NUMBERS[0].e164, "released_at_provider": True})
    ]  # fmt: skip
    with pytest.raises(InvalidStateTransition):
        await svc.numbers.release_number(admin, acme.id, line.id)
    with pytest.raises(InvalidStateTransition) as raised:
        await svc.numbers.update_number(
            admin, UpdateNumber(acme.id, line.id, {"inbound_agent_id": agent.id})
        )
    assert raised.value.field == "inbound_agent_id"
    with pytest.raises(ConcurrencyConflict):
        await svc.numbers.update_number(
            admin, UpdateNumber(acme.id, second.id, {"label": "x"}, version=5)
        )


async def test_a_number_active_in_another_tenant_is_taken_until_it_is_released(
    svc: Svc, people: People, acme: Tenant, globex: tuple[Tenant, Principal], unchanged: Any
) -> None:
    other, other_owner = globex
    theirs = await a_number(svc, other_owner, other, NUMBERS[0])

    with unchanged, pytest.raises(AlreadyExists) as raised:
        await a_number(svc, me(people.admin), acme, NUMBERS[0])

    assert raised.value.field == "number"
    assert raised.value.existing_id is None  # which tenant holds it is not said
    await svc.numbers.release_number(other_owner, other.id, theirs.id)
    mine = await a_number(svc, me(people.admin), acme, NUMBERS[0])
    assert (mine.number, mine.tenant_id, mine.status) == (NUMBERS[0], acme.id, NumberStatus.ACTIVE)


async def test_phone_numbers_max_counts_active_numbers_and_a_release_frees_a_place(
    svc: Svc, people: People, acme: Tenant, unchanged: Any
) -> None:
    admin = me(people.admin)
    await limit(svc, acme, "phone_numbers.max", 2)
    first = await a_number(svc, admin, acme, NUMBERS[0])
    await a_number(svc, admin, acme, NUMBERS[1])

    with unchanged, pytest.raises(EntitlementExceeded) as raised:
        await a_number(svc, admin, acme, NUMBERS[2])

    assert (raised.value.feature, raised.value.limit, raised.value.used) == (
        "phone_numbers.max",
        2,
        2,
    )
    await svc.numbers.release_number(admin, acme.id, first.id)
    third = await a_number(svc, admin, acme, NUMBERS[2])
    assert third.is_active
    # Two active again (the released one stays listed): the limit holds.
    with pytest.raises(EntitlementExceeded):
        await a_number(svc, admin, acme, NUMBERS[3])
    listed = (await svc.numbers.list_numbers(admin, acme.id, ALL)).items
    assert sorted(line.is_active for line in listed) == [False, True, True]
    usage = await svc.features.check_feature(admin, acme.id, "phone_numbers.max")
    assert usage.used == 2


# --- agents -------------------------------------------------------------------------------


async def test_an_admin_creates_reads_and_updates_agents(
    svc: Svc, people: People, acme: Tenant, clock: MutableClock, audit_tap: AuditTap
) -> None:
    admin, viewer = me(people.admin), me(people.viewer)
    await limit(svc, acme, "voice_agents.max", 5)
    voice, other_voice = (
        await a_voice(svc, admin, acme, "Ava"),
        await a_voice(svc, admin, acme, "Ben"),
    )
    line = await a_number(svc, admin, acme)
    audit_tap.new()
    prompts = {
        "agent_instructions": "Be brief.",
        "system_instructions": "You sell plans.",
        "outbound_prompt": "Call to offer.",
        "inbound_prompt": "Answer questions.",
        "first_message": "Hello!",
        "language": "en",
        "provider_assistant_id": "asst_1",
        "config": {"temperature": 0.3, "tools": ["crm"]},
    }

    agent = await svc.agents.create_agent(
        admin,
        CreateAgent(acme.id, "Sam", voice_id=voice.id, default_number_id=line.id, **prompts),
    )

    assert (agent.tenant_id, agent.name, agent.voice_id, agent.default_number_id) == (
        acme.id,
        "Sam",
        voice.id,
        line.id,
    )
    assert agent.created_by == people.admin.id
    assert {name: getattr(agent, name) for name in prompts} == prompts
    assert (agent.is_active, agent.version, agent.created_at) == (True, 0, clock.now())
    assert await svc.agents.get_agent(viewer, acme.id, agent.id) == agent
    assert (await svc.agents.list_agents(viewer, acme.id, ALL)).items == [agent]
    assert entries(audit_tap) == [("agent.created", "agent", agent.id, {"name": "Sam"})]

    long_prompt = "p" * 500
    updated = await svc.agents.update_agent(
        admin,
        UpdateAgent(
            acme.id,
            agent.id,
            {"voice_id": other_voice.id, "default_number_id": None, "inbound_prompt": long_prompt},
            version=0,
        ),
    )

    assert (updated.voice_id, updated.default_number_id, updated.inbound_prompt) == (
        other_voice.id,
        None,
        long_prompt,
    )
    assert updated.version == 1
    assert await svc.agents.get_agent(viewer, acme.id, agent.id) == updated
    assert entries(audit_tap) == [
        ("agent.updated", "agent", agent.id,
         {"voice_id": {"from": str(voice.id), "to": str(other_voice.id)},
          "default_number_id": {"from": str(line.id), "to": None},
          "inbound_prompt": {"from": "Answer questions.", "to": "<500 characters>"}}),
    ]  # fmt: skip
    with pytest.raises(ConcurrencyConflict):
        await svc.agents.update_agent(
            admin, UpdateAgent(acme.id, agent.id, {"name": "Stale"}, version=0)
        )


async def test_an_agent_keeps_a_voice_deactivated_after_it_was_linked(
    svc: Svc, people: People, acme: Tenant
) -> None:
    admin = me(people.admin)
    voice = await a_voice(svc, admin, acme)
    agent = await an_agent(svc, admin, acme, voice_id=voice.id)
    await svc.voices.deactivate_voice(admin, acme.id, voice.id)

    renamed = await svc.agents.update_agent(
        admin, UpdateAgent(acme.id, agent.id, {"name": "Sam 2", "voice_id": voice.id})
    )

    assert (renamed.name, renamed.voice_id) == ("Sam 2", voice.id)


# --- roles --------------------------------------------------------------------------------


@attrs.frozen
class Catalogue:
    voice: Voice
    line: PhoneLine
    agent: VoiceAgent


@pytest.fixture
async def stocked(svc: Svc, people: People, acme: Tenant) -> Catalogue:
    await limit(svc, acme, "phone_numbers.max", 5)
    await limit(svc, acme, "voice_agents.max", 5)
    owner = me(people.owner)
    voice = await a_voice(svc, owner, acme)
    line = await a_number(svc, owner, acme)
    return Catalogue(voice, line, await an_agent(svc, owner, acme, voice_id=voice.id))


WRITES: dict[str, Callable[[Svc, Principal, Tenant, Catalogue], Awaitable[object]]] = {
    "create voice": lambda s, p, t, c: s.voices.create_voice(
        p, CreateVoice(t.id, "V", VoiceProvider.OPENAI, "alloy")
    ),
    "update voice": lambda s, p, t, c: s.voices.update_voice(
        p, UpdateVoice(t.id, c.voice.id, {"name": "V2"})
    ),
    "deactivate voice": lambda s, p, t, c: s.voices.deactivate_voice(p, t.id, c.voice.id),
    "provision number": lambda s, p, t, c: s.numbers.provision_number(
        p, twilio_import(t.id, NUMBERS[1])
    ),
    "update number": lambda s, p, t, c: s.numbers.update_number(
        p, UpdateNumber(t.id, c.line.id, {"label": "L"})
    ),
    "release number": lambda s, p, t, c: s.numbers.release_number(p, t.id, c.line.id),
    "create agent": lambda s, p, t, c: s.agents.create_agent(p, CreateAgent(t.id, "A")),
    "update agent": lambda s, p, t, c: s.agents.update_agent(
        p, UpdateAgent(t.id, c.agent.id, {"name": "A2"})
    ),
    "remove agent": lambda s, p, t, c: s.agents.remove_agent(p, t.id, c.agent.id),
}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("role", ["member", "viewer"])
async def test_members_and_viewers_may_not_change_the_catalogue(
    svc: Svc,
    people: People,
    acme: Tenant,
    stocked: Catalogue,
    unchanged: Any,
    write: str,
    role: str,
) -> None:
    with unchanged, pytest.raises(PermissionDenied):
        await WRITES[write](svc, me(getattr(people, role)), acme, stocked)


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("role", ["admin", "owner"])
async def test_admins_and_owners_may(
    svc: Svc,
    people: People,
    acme: Tenant,
    stocked: Catalogue,
    audit_tap: AuditTap,
    write: str,
    role: str,
) -> None:
    user = getattr(people, role)
    audit_tap.new()

    await WRITES[write](svc, me(user), acme, stocked)

    written = audit_tap.new()
    # A provisioning is two entries: the request, then the provider's answer.
    assert len(written) == (2 if write == "provision number" else 1)
    for entry in written:
        assert entry.actor == Actor(ActorKind.USER, user.id)
        assert entry.tenant_id == acme.id


@pytest.mark.parametrize("write", sorted(WRITES))
async def test_a_stranger_is_told_the_tenant_does_not_exist(
    svc: Svc, people: People, acme: Tenant, stocked: Catalogue, unchanged: Any, write: str
) -> None:
    with unchanged, pytest.raises(NotFound) as raised:
        await WRITES[write](svc, me(people.stranger), acme, stocked)
    assert raised.value.entity == "tenant"


@pytest.mark.parametrize("role", ["viewer", "member", "admin", "owner"])
async def test_every_member_reads_the_catalogue(
    svc: Svc, people: People, acme: Tenant, stocked: Catalogue, role: str
) -> None:
    who = me(getattr(people, role))
    assert await svc.voices.get_voice(who, acme.id, stocked.voice.id) == stocked.voice
    assert await svc.numbers.get_number(who, acme.id, stocked.line.id) == stocked.line
    assert await svc.agents.get_agent(who, acme.id, stocked.agent.id) == stocked.agent
    assert (await svc.voices.list_voices(who, acme.id, ALL)).items == [stocked.voice]
    assert (await svc.numbers.list_numbers(who, acme.id, ALL)).items == [stocked.line]
    assert (await svc.agents.list_agents(who, acme.id, ALL)).items == [stocked.agent]


async def test_reads_are_refused_to_strangers_and_another_tenants_ids_are_not_found(
    svc: Svc, people: People, acme: Tenant, stocked: Catalogue, globex: tuple[Tenant, Principal]
) -> None:
    other, other_owner = globex
    stranger = me(people.stranger)
    with pytest.raises(NotFound):
        await svc.voices.list_voices(stranger, acme.id, ALL)
    with pytest.raises(NotFound):
        await svc.numbers.get_number(stranger, acme.id, stocked.line.id)
    with pytest.raises(NotFound):
        await svc.agents.list_agents(stranger, acme.id, ALL)
    # Globex's owner asks for Acme's records through Globex: they do not exist there.
    with pytest.raises(NotFound) as voice:
        await svc.voices.get_voice(other_owner, other.id, stocked.voice.id)
    with pytest.raises(NotFound) as number:
        await svc.numbers.get_number(other_owner, other.id, stocked.line.id)
    with pytest.raises(NotFound) as agent:
        await svc.agents.get_agent(other_owner, other.id, stocked.agent.id)
    assert (voice.value.entity, number.value.entity, agent.value.entity) == (
        "voice",
        "phone number",
        "agent",
    )
    assert (await svc.agents.list_agents(other_owner, other.id, ALL)).items == []


# --- links --------------------------------------------------------------------------------


@attrs.frozen
class Foreign:
    """Records of another tenant, and unusable ones of Acme."""

    voice: VoiceId
    line: PhoneNumberId
    agent: AgentId
    inactive_voice: VoiceId
    released_line: PhoneNumberId
    inactive_agent: AgentId


@pytest.fixture
async def foreign(
    svc: Svc, people: People, acme: Tenant, globex: tuple[Tenant, Principal]
) -> Foreign:
    other, other_owner = globex
    await limit(svc, acme, "phone_numbers.max", 5)
    await limit(svc, acme, "voice_agents.max", 5)
    theirs = (
        await a_voice(svc, other_owner, other),
        await a_number(svc, other_owner, other, NUMBERS[3]),
        await an_agent(svc, other_owner, other),
    )
    admin = me(people.admin)
    voice = await a_voice(svc, admin, acme, "Old")
    await svc.voices.deactivate_voice(admin, acme.id, voice.id)
    line = await a_number(svc, admin, acme, NUMBERS[2])
    await svc.numbers.release_number(admin, acme.id, line.id)
    agent = await an_agent(svc, admin, acme, "Retired")
    await svc.agents.update_agent(admin, UpdateAgent(acme.id, agent.id, {"is_active": False}))
    return Foreign(theirs[0].id, theirs[1].id, theirs[2].id, voice.id, line.id, agent.id)


LINKS = [
    ("voice_id", "voice"),
    ("voice_id", "inactive_voice"),
    ("voice_id", None),
    ("default_number_id", "line"),
    ("default_number_id", "released_line"),
    ("default_number_id", None),
]


@pytest.mark.parametrize(("field", "which"), LINKS)
async def test_an_agent_links_only_the_tenants_own_usable_voice_and_number(
    svc: Svc, people: People, acme: Tenant, foreign: Foreign, unchanged: Any, field, which
) -> None:
    target = getattr(foreign, which) if which else uuid4()  # None: an id nobody has
    admin = me(people.admin)
    agent = await an_agent(svc, admin, acme, "Linked")

    with unchanged:
        with pytest.raises(InvalidValue) as on_create:
            await an_agent(svc, admin, acme, "Other", **{field: target})
        with pytest.raises(InvalidValue) as on_update:
            await svc.agents.update_agent(admin, UpdateAgent(acme.id, agent.id, {field: target}))

    assert (on_create.value.field, on_update.value.field) == (field, field)


@pytest.mark.parametrize("which", ["agent", "inactive_agent", None])
async def test_a_number_routes_only_to_the_tenants_own_active_agent(
    svc: Svc, people: People, acme: Tenant, foreign: Foreign, unchanged: Any, which
) -> None:
    target = getattr(foreign, which) if which else uuid4()
    admin = me(people.admin)
    line = await a_number(svc, admin, acme, NUMBERS[0])

    with unchanged:
        with pytest.raises(InvalidValue) as on_register:
            await a_number(svc, admin, acme, NUMBERS[1], inbound_agent_id=target)
        with pytest.raises(InvalidValue) as on_update:
            await svc.numbers.update_number(
                admin, UpdateNumber(acme.id, line.id, {"inbound_agent_id": target})
            )

    assert (on_register.value.field, on_update.value.field) == (
        "inbound_agent_id",
        "inbound_agent_id",
    )


async def test_a_number_registered_with_an_agent_routes_to_it(
    svc: Svc, people: People, acme: Tenant
) -> None:
    admin = me(people.admin)
    agent = await an_agent(svc, admin, acme)
    line = await a_number(svc, admin, acme, inbound_agent_id=agent.id)
    assert (await svc.numbers.get_number(admin, acme.id, line.id)).inbound_agent_id == agent.id


# --- the agent limit ----------------------------------------------------------------------


async def test_voice_agents_max_counts_active_agents_and_reactivating_needs_room(
    svc: Svc, people: People, acme: Tenant, unchanged: Any
) -> None:
    admin = me(people.admin)
    await limit(svc, acme, "voice_agents.max", 2)
    first = await an_agent(svc, admin, acme, "One")
    second = await an_agent(svc, admin, acme, "Two")

    with unchanged, pytest.raises(EntitlementExceeded) as raised:
        await an_agent(svc, admin, acme, "Three")
    assert (raised.value.feature, raised.value.limit, raised.value.used, raised.value.wanted) == (
        "voice_agents.max",
        2,
        2,
        1,
    )

    await svc.agents.update_agent(admin, UpdateAgent(acme.id, first.id, {"is_active": False}))
    third = await an_agent(svc, admin, acme, "Three")

    with unchanged, pytest.raises(EntitlementExceeded):
        await svc.agents.update_agent(admin, UpdateAgent(acme.id, first.id, {"is_active": True}))
    # Already active: "is_active": true asks for no more room.
    renamed = await svc.agents.update_agent(
        admin, UpdateAgent(acme.id, second.id, {"is_active": True, "name": "Two!"})
    )
    assert (renamed.name, renamed.is_active) == ("Two!", True)

    removal = await svc.agents.remove_agent(admin, acme.id, third.id)  # never called: deleted
    assert removal.deleted
    back = await svc.agents.update_agent(admin, UpdateAgent(acme.id, first.id, {"is_active": True}))
    assert back.is_active
    assert (await svc.features.check_feature(admin, acme.id, "voice_agents.max")).used == 2
    active = (await svc.agents.list_agents(admin, acme.id, ALL, active=True)).items
    assert [a.id for a in active] == [first.id, second.id]


# --- removing agents ----------------------------------------------------------------------


async def a_call_by(deps: UseCaseDeps, agent: VoiceAgent, clock: MutableClock) -> VoiceCall:
    call = VoiceCall(
        CallId(deps.ids.new()),
        agent.tenant_id,
        CallDirection.OUTBOUND,
        CallStatus.ENDED,
        "+12127365000",
        clock.now(),
        clock.now(),
        agent_id=agent.id,
    )
    async with deps.uows(tenant_id=agent.tenant_id) as tx:
        await tx.calls.add(call)
        await tx.commit()
    return call


async def test_an_agent_that_never_called_is_deleted_and_its_numbers_stop_routing_to_it(
    svc: Svc, people: People, acme: Tenant, audit_tap: AuditTap
) -> None:
    admin = me(people.admin)
    await limit(svc, acme, "voice_agents.max", 2)
    await limit(svc, acme, "phone_numbers.max", 2)
    agent = await an_agent(svc, admin, acme, "Gone")
    kept = await an_agent(svc, admin, acme, "Kept")
    routed = await a_number(svc, admin, acme, NUMBERS[0], inbound_agent_id=agent.id)
    elsewhere = await a_number(svc, admin, acme, NUMBERS[1], inbound_agent_id=kept.id)
    audit_tap.new()

    removal = await svc.agents.remove_agent(admin, acme.id, agent.id)

    assert (removal.deleted, removal.agent.id) == (True, agent.id)
    with pytest.raises(NotFound):
        await svc.agents.get_agent(admin, acme.id, agent.id)
    assert (await svc.numbers.get_number(admin, acme.id, routed.id)).inbound_agent_id is None
    assert (await svc.numbers.get_number(admin, acme.id, elsewhere.id)).inbound_agent_id == kept.id
    assert entries(audit_tap) == [("agent.deleted", "agent", agent.id, {"name": "Gone"})]
    with pytest.raises(NotFound):
        await svc.agents.remove_agent(admin, acme.id, agent.id)


async def test_an_agent_with_calls_is_deactivated_instead_and_keeps_its_calls(
    svc: Svc,
    deps: UseCaseDeps,
    people: People,
    acme: Tenant,
    clock: MutableClock,
    audit_tap: AuditTap,
) -> None:
    admin = me(people.admin)
    agent = await an_agent(svc, admin, acme, "Busy")
    line = await a_number(svc, admin, acme, inbound_agent_id=agent.id)
    call = await a_call_by(deps, agent, clock)
    clock.advance(seconds=30)
    audit_tap.new()

    removal = await svc.agents.remove_agent(admin, acme.id, agent.id)

    assert removal.deleted is False
    stored = await svc.agents.get_agent(admin, acme.id, agent.id)
    assert (stored.is_active, stored.updated_at, stored.version) == (False, clock.now(), 1)
    assert removal.agent == stored
    assert (await svc.numbers.get_number(admin, acme.id, line.id)).inbound_agent_id is None
    async with deps.uows(tenant_id=acme.id) as tx:
        kept = await tx.calls.get(acme.id, call.id)
    assert kept == call
    assert entries(audit_tap) == [("agent.deactivated", "agent", agent.id, {"name": "Busy"})]
    # The slot is free again: the free plan allows one active agent.
    assert (await an_agent(svc, admin, acme, "Next")).is_active


async def test_removing_an_agent_kept_for_its_calls_again_changes_nothing(
    svc: Svc,
    deps: UseCaseDeps,
    people: People,
    acme: Tenant,
    clock: MutableClock,
    unchanged: Any,
) -> None:
    admin = me(people.admin)
    agent = await an_agent(svc, admin, acme)
    await a_call_by(deps, agent, clock)
    kept = (await svc.agents.remove_agent(admin, acme.id, agent.id)).agent
    clock.advance(minutes=1)

    with unchanged:
        again = await svc.agents.remove_agent(admin, acme.id, agent.id)

    assert (again.deleted, again.agent) == (False, kept)


async def test_deactivating_an_agent_stops_its_numbers_routing_to_it(
    svc: Svc, people: People, acme: Tenant, clock: MutableClock
) -> None:
    admin = me(people.admin)
    agent = await an_agent(svc, admin, acme)
    line = await a_number(svc, admin, acme, inbound_agent_id=agent.id)
    clock.advance(minutes=1)

    await svc.agents.update_agent(admin, UpdateAgent(acme.id, agent.id, {"is_active": False}))

    after = await svc.numbers.get_number(admin, acme.id, line.id)
    assert after.inbound_agent_id is None
    assert after.version > line.version
    # The number can be updated again with the version it now has.
    relabelled = await svc.numbers.update_number(
        admin, UpdateNumber(acme.id, line.id, {"label": "Idle"}, version=after.version)
    )
    assert relabelled.label == "Idle"


async def test_refused_writes_leave_no_audit_entries(
    svc: Svc, people: People, acme: Tenant, audit_tap: AuditTap
) -> None:
    admin = me(people.admin)
    agent = await an_agent(svc, admin, acme)
    await a_number(svc, admin, acme)
    audit_tap.new()
    with pytest.raises(EntitlementExceeded):
        await an_agent(svc, admin, acme, "Over")
    with pytest.raises(EntitlementExceeded):
        await a_number(svc, admin, acme, NUMBERS[1])
    with pytest.raises(InvalidValue):
        await svc.agents.update_agent(
            admin, UpdateAgent(acme.id, agent.id, {"name": "Bad", "voice_id": VoiceId(uuid4())})
        )
    assert audit_tap.new() == []
    assert (await svc.agents.get_agent(admin, acme.id, agent.id)).name == agent.name
