"""Placing calls through the use cases, on the in-memory adapters and a scripted provider:
the record is committed before the provider is asked, the plan's limits and the shared
account's hold, bad input writes nothing, every provider outcome is recorded, and
Idempotency-Key makes retries safe. Also the usage report's sums."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.memory.unit_of_work import InMemoryDatabase
from application.access import Principal
from application.agents import AgentService, CreateAgent, UpdateAgent
from application.call_events import CallReported, ProviderEvents, ProviderMessage, StatusChanged
from application.call_tracking import CallPolicy
from application.calls import FIND_SLACK, CallService, PlaceCall
from application.catalogue import sync_catalogue
from application.context import UseCaseDeps
from application.errors import (
    IdempotencyKeyReused,
    NotFound,
    PermissionDenied,
    ProviderBusy,
    ProviderOutcomeUnknown,
    ProviderRejected,
    ProviderUnreachable,
)
from application.leads import CreateLead, LeadService
from application.pagination import PageRequest
from application.phone_numbers import PhoneNumberService
from application.phone_resolution import PhoneResolver
from application.plans import SetOverride, TenantFeatureService
from application.ports.calls import CallFilter, CallListItem, CallRoute, UsageQuery
from application.ports.reads import QuickReads
from application.ports.telephony import ProviderCall, ProviderLine
from application.tenancy import AddMember, MembershipService
from application.voices import CreateVoice, VoiceService
from domain.agents import VoiceAgent
from domain.calls import (
    CallNotLive,
    CallStatus,
    EndOfCallReport,
    UsageItem,
    UsageKind,
    VoiceCall,
)
from domain.errors import InvalidValue
from domain.ids import AgentId, CallId, LeadId, TenantId
from domain.leads import Lead
from domain.phones import NumberProvider, PhoneLine, PhoneNumber
from domain.plans import EntitlementExceeded, FeatureDisabled
from domain.tenancy import Role, Tenant
from domain.voices import Voice, VoiceProvider
from tests.fakes.telephony import FakeTelephony
from tests.support import PLATFORM, MutableClock, World, twilio_import
from tests.unit.helpers import AuditTap, fresh, run, snapshot

ALL = PageRequest(limit=200)
ACME_LINE = PhoneNumber.parse("+1 212 736 5000")
GLOBEX_LINE = PhoneNumber.parse("+1 212 736 5001")
CUSTOMER = PhoneNumber.parse("+1 415 555 0123")
STRANGER = PhoneNumber.parse("+44 20 7946 0958")


# --- arranging ----------------------------------------------------------------------------


@attrs.frozen
class Desk:
    """One tenant ready to call: its owner, a voice, a number, an agent using both, a lead,
    and the services over the shared database and provider."""

    deps: UseCaseDeps
    db: InMemoryDatabase
    fake: FakeTelephony
    policy: CallPolicy
    tenant: Tenant
    owner: Principal
    voice: Voice
    line: PhoneLine
    agent: VoiceAgent
    lead: Lead
    calls: CallService
    events: ProviderEvents

    @property
    def features(self) -> TenantFeatureService:
        return TenantFeatureService(self.deps)

    async def limit(self, key: str, value: Any) -> None:
        await self.features.set_override(PLATFORM, SetOverride(self.tenant.id, key, value))

    async def place(self, **fields: Any) -> VoiceCall:
        fields.setdefault("agent_id", self.agent.id)
        if "to" not in fields:
            fields.setdefault("lead_id", self.lead.id)
        return await self.calls.place_call(self.owner, PlaceCall(self.tenant.id, **fields))

    async def a_lead(self, phone: PhoneNumber, **fields: Any) -> Lead:
        return await LeadService(self.deps).create_lead(
            self.owner, CreateLead(self.tenant.id, phone, **fields)
        )

    async def an_agent(self, name: str, **fields: Any) -> VoiceAgent:
        return await AgentService(self.deps).create_agent(
            self.owner, CreateAgent(self.tenant.id, name, **fields)
        )

    async def stored(self, call: VoiceCall) -> VoiceCall:
        return await self.calls.get_call(self.owner, self.tenant.id, call.id)

    async def say(self, call: VoiceCall, event: Any, key: str, **fields: Any) -> None:
        """Deliver one provider message about `call` through the webhook path."""
        answer = await self.events.receive(
            ProviderMessage(
                type="status-update" if isinstance(event, StatusChanged) else "end-of-call-report",
                dedupe_key=f"{key}:{call.id}",
                payload={"key": key},
                at=self.deps.clock.now(),
                route=CallRoute(call_id=call.id, provider_call_id=call.vapi_call_id),
                event=event,
                **fields,
            )
        )
        assert answer.applied  # type: ignore[union-attr]

    async def end(self, call: VoiceCall) -> None:
        await self.say(call, StatusChanged("ended", "customer-ended-call"), "ended")

    async def report(
        self, call: VoiceCall, seconds: int, usage: tuple[UsageItem, ...] = ()
    ) -> None:
        now = self.deps.clock.now()
        report = EndOfCallReport(
            ended_reason="customer-ended-call",
            started_at=now,
            ended_at=now + timedelta(seconds=seconds),
            transcript="AI: Hello\nUser: Bye",
            cost=sum((u.cost for u in usage), Decimal(0)),
            usage=usage,
        )
        await self.say(call, CallReported(report), "report", call_data={"id": call.vapi_call_id})

    async def live_count(self, tenant: Tenant | None = None) -> int:
        async with self.deps.uows(tenant_id=tenant.id if tenant else None) as tx:
            return await tx.live_calls.count(tenant.id if tenant else None)


async def open_desk(
    deps: UseCaseDeps,
    db: InMemoryDatabase,
    fake: FakeTelephony,
    policy: CallPolicy,
    name: str = "Acme",
    line_number: PhoneNumber = ACME_LINE,
) -> Desk:
    """A tenant on the default plan with calls allowed; the catalogue must be installed."""
    world = World(deps)
    owner_user = await world.user(f"owner@{name.lower()}.example")
    tenant = await world.tenant(owner_user, name)
    owner = Principal.user(owner_user.id)
    voice = await VoiceService(deps).create_voice(
        owner, CreateVoice(tenant.id, "Ava", VoiceProvider.ELEVENLABS, "el-ava")
    )
    fake.provision_next(ProviderLine("pn-" + name, line_number, NumberProvider.TWILIO))
    line = await PhoneNumberService(deps, fake).provision_number(
        owner, twilio_import(tenant.id, line_number)
    )
    agent = await AgentService(deps).create_agent(
        owner,
        CreateAgent(
            tenant.id, "Sam", voice_id=voice.id, default_number_id=line.id, first_message="Hi"
        ),
    )
    lead = await LeadService(deps).create_lead(
        owner, CreateLead(tenant.id, CUSTOMER, name="Ada Lovelace")
    )
    calls = CallService(deps, fake, policy)
    events = ProviderEvents(deps, PhoneResolver(deps), policy)
    return Desk(deps, db, fake, policy, tenant, owner, voice, line, agent, lead, calls, events)


@pytest.fixture
def fake(memory_db: InMemoryDatabase) -> FakeTelephony:
    return FakeTelephony(memory_db)


@pytest.fixture
def policy() -> CallPolicy:
    return CallPolicy()


@pytest.fixture
async def acme(
    deps: UseCaseDeps, memory_db: InMemoryDatabase, fake: FakeTelephony, policy: CallPolicy
) -> Desk:
    await sync_catalogue(deps)
    return await open_desk(deps, memory_db, fake, policy)


@pytest.fixture
async def globex(acme: Desk) -> Desk:
    return await open_desk(acme.deps, acme.db, acme.fake, acme.policy, "Globex", GLOBEX_LINE)


@pytest.fixture
def unchanged(memory_db: InMemoryDatabase, fake: FakeTelephony) -> Any:
    """Asserts the block committed nothing and asked the provider nothing."""

    class Unchanged:
        def __enter__(self) -> None:
            self.before = snapshot(memory_db)
            self.placed = len(fake.placed)

        def __exit__(self, *exc: object) -> None:
            assert snapshot(memory_db) == self.before
            assert len(fake.placed) == self.placed

    return Unchanged()


# --- placing ------------------------------------------------------------------------------


async def test_the_call_is_committed_queued_before_the_provider_is_asked_then_recorded(
    acme: Desk, fake: FakeTelephony, clock: MutableClock, memory_db: InMemoryDatabase
) -> None:
    tap = AuditTap(memory_db)
    fake.answer_next(lambda out: attrs.evolve(fake.queued(out), status="ringing"))

    call = await acme.place(variables={"plan": "gold"}, metadata={"campaign": "spring"})

    [seen] = fake.observed
    committed = seen.tables["calls"][call.id]
    assert (committed.status, committed.vapi_call_id) == (CallStatus.QUEUED, None)
    assert (committed.agent_id, committed.lead_id, committed.voice_id) == (
        acme.agent.id,
        acme.lead.id,
        acme.voice.id,
    )
    assert (committed.from_number_id, committed.to_number) == (acme.line.id, CUSTOMER.e164)
    assert committed.metadata == {"campaign": "spring"}
    live = seen.tables["live_calls"][call.id]
    assert (live.tenant_id, live.on_line) == (acme.tenant.id, True)
    assert live.check_at == clock.now() + acme.policy.reconcile_after
    assert [(e.action, e.entity_id) for e in seen.tables["audit"].values()].count(
        ("call.placed", call.id)
    ) == 1

    [out] = fake.placed
    assert (out.call_id, out.tenant_id, out.lead_id) == (call.id, acme.tenant.id, acme.lead.id)
    assert (out.agent, out.from_number, out.voice) == (acme.agent, acme.line, acme.voice)
    assert (out.to, out.customer_name, out.variables) == (
        CUSTOMER,
        "Ada Lovelace",
        {"plan": "gold"},
    )

    provider_id = next(iter(fake.calls))
    assert (call.vapi_call_id, call.status) == (provider_id, CallStatus.RINGING)
    assert call.error is None
    assert await acme.stored(call) == call
    assert await acme.live_count(acme.tenant) == 1  # on the line until it ends
    [entry] = tap.new()
    assert (entry.action, entry.entity, entry.entity_id, entry.tenant_id) == (
        "call.placed",
        "call",
        call.id,
        acme.tenant.id,
    )
    assert entry.changes == {"agent_id": str(acme.agent.id), "to_number": CUSTOMER.e164}
    assert entry.actor == acme.owner.actor


async def test_without_calls_outbound_nothing_is_written(acme: Desk, unchanged: Any) -> None:
    await acme.features.disable_feature(PLATFORM, acme.tenant.id, "calls.outbound")

    with unchanged, pytest.raises(FeatureDisabled) as raised:
        await acme.place()

    assert raised.value.feature == "calls.outbound"


async def test_calls_concurrent_max_refuses_a_second_call_until_the_first_ends(
    acme: Desk, unchanged: Any
) -> None:
    await acme.limit("calls.concurrent.max", 1)
    first = await acme.place()

    with unchanged, pytest.raises(EntitlementExceeded) as raised:
        await acme.place()

    assert (raised.value.feature, raised.value.limit, raised.value.used) == (
        "calls.concurrent.max",
        1,
        1,
    )
    await acme.end(await acme.stored(first))
    assert (await acme.stored(first)).status is CallStatus.ENDED
    assert await acme.live_count(acme.tenant) == 0
    second = await acme.place()
    assert second.status is CallStatus.QUEUED
    assert second.id != first.id


async def test_concurrent_placements_at_one_concurrent_call_let_exactly_one_through(
    acme: Desk, fake: FakeTelephony, memory_db: InMemoryDatabase
) -> None:
    await acme.limit("calls.concurrent.max", 1)

    results = await asyncio.gather(*(acme.place() for _ in range(6)), return_exceptions=True)

    placed = [r for r in results if isinstance(r, VoiceCall)]
    refused = [r for r in results if isinstance(r, EntitlementExceeded)]
    assert (len(placed), len(refused)) == (1, 5), results
    assert len(fake.placed) == 1
    assert list(memory_db.tables["calls"]) == [placed[0].id]


async def test_monthly_minutes_run_out_and_come_back_with_the_next_month(
    acme: Desk, clock: MutableClock, unchanged: Any
) -> None:
    await acme.limit("calls.minutes.monthly", 3)
    for seconds in (100, 80):  # 180 s: the three minutes
        call = await acme.place()
        await acme.report(call, seconds)
        clock.advance(minutes=5)

    with unchanged, pytest.raises(EntitlementExceeded) as raised:
        await acme.place()

    assert (raised.value.feature, raised.value.limit, raised.value.used) == (
        "calls.minutes.monthly",
        3,
        3,
    )
    clock.current = datetime(2026, 2, 1, 0, 0, tzinfo=UTC)  # last month's minutes don't count
    assert (await acme.place()).status is CallStatus.QUEUED


async def test_a_started_minute_counts_whole(acme: Desk, unchanged: Any) -> None:
    await acme.limit("calls.minutes.monthly", 2)
    await acme.report(await acme.place(), 60)
    await acme.report(await acme.place(), 0)  # a call nobody answered uses no minute
    await acme.report(await acme.place(), 1)  # 61 s in all: two minutes started

    with unchanged, pytest.raises(EntitlementExceeded) as raised:
        await acme.place()

    assert raised.value.used == 2


async def test_the_provider_account_cap_counts_every_tenants_calls(
    acme: Desk, globex: Desk, memory_db: InMemoryDatabase, unchanged: Any
) -> None:
    calls = CallService(
        acme.deps, acme.fake, CallPolicy(provider_max_concurrent=2, tenant_max_concurrent=2)
    )
    acme, globex = (attrs.evolve(d, calls=calls) for d in (acme, globex))
    for desk in (acme, globex):
        await desk.limit("calls.concurrent.max", 5)
    ours = await acme.place()
    await globex.place()

    with unchanged:
        for desk in (acme, globex):
            with pytest.raises(ProviderBusy) as raised:
                await desk.place()
            assert raised.value.limit == 2

    await acme.end(await acme.stored(ours))
    assert (await globex.place()).status is CallStatus.QUEUED
    assert await acme.live_count() == 2


# --- what cannot be called ----------------------------------------------------------------


async def _dnc_lead(acme: Desk, globex: Desk) -> tuple[dict[str, Any], str]:
    lead = await acme.a_lead(STRANGER, do_not_call=True)
    return {"lead_id": lead.id}, "lead_id"


async def _dnc_lead_by_number(acme: Desk, globex: Desk) -> tuple[dict[str, Any], str]:
    await acme.a_lead(STRANGER, do_not_call=True)
    return {"to": STRANGER}, "lead_id"


async def _inactive_agent(acme: Desk, globex: Desk) -> tuple[dict[str, Any], str]:
    await AgentService(acme.deps).update_agent(
        acme.owner, UpdateAgent(acme.tenant.id, acme.agent.id, {"is_active": False})
    )
    return {}, "agent_id"


async def _unknown_agent(acme: Desk, globex: Desk) -> tuple[dict[str, Any], str]:
    return {"agent_id": globex.agent.id}, "agent_id"


async def _released_number(acme: Desk, globex: Desk) -> tuple[dict[str, Any], str]:
    await PhoneNumberService(acme.deps, FakeTelephony()).release_number(
        acme.owner, acme.tenant.id, acme.line.id
    )
    return {}, "from_number_id"


async def _another_tenants_number(acme: Desk, globex: Desk) -> tuple[dict[str, Any], str]:
    return {"from_number_id": globex.line.id}, "from_number_id"


async def _agent_without_number(acme: Desk, globex: Desk) -> tuple[dict[str, Any], str]:
    await acme.limit("voice_agents.max", 2)
    agent = await acme.an_agent("Numberless")
    return {"agent_id": agent.id}, "from_number_id"


async def _another_tenants_lead(acme: Desk, globex: Desk) -> tuple[dict[str, Any], str]:
    return {"lead_id": globex.lead.id}, "lead_id"


async def _to_differs_from_the_lead(acme: Desk, globex: Desk) -> tuple[dict[str, Any], str]:
    return {"lead_id": acme.lead.id, "to": STRANGER}, "to"


async def _nobody(acme: Desk, globex: Desk) -> tuple[dict[str, Any], str]:
    return {"lead_id": None}, "lead_id"


@pytest.mark.parametrize(
    "arrange",
    [
        _dnc_lead,
        _dnc_lead_by_number,
        _inactive_agent,
        _unknown_agent,
        _released_number,
        _another_tenants_number,
        _agent_without_number,
        _another_tenants_lead,
        _to_differs_from_the_lead,
        _nobody,
    ],
)
async def test_what_cannot_be_called_is_refused_with_its_field_and_nothing_is_written(
    acme: Desk, globex: Desk, unchanged: Any, arrange: Any
) -> None:
    fields, field = await arrange(acme, globex)

    with unchanged, pytest.raises(InvalidValue) as raised:
        await acme.place(**fields)

    assert raised.value.field == field


async def test_a_number_without_a_lead_links_the_lead_with_that_phone(acme: Desk) -> None:
    call = await acme.place(to=CUSTOMER)

    assert (call.lead_id, call.to_number) == (acme.lead.id, CUSTOMER.e164)
    [out] = acme.fake.placed
    assert (out.to, out.lead_id, out.customer_name) == (CUSTOMER, acme.lead.id, "Ada Lovelace")


async def test_a_number_nobody_has_as_lead_is_called_without_a_lead(acme: Desk) -> None:
    await acme.limit("calls.concurrent.max", 2)

    call = await acme.place(to=STRANGER)

    assert (call.lead_id, call.to_number) == (None, STRANGER.e164)
    [out] = acme.fake.placed
    assert (out.to, out.lead_id, out.customer_name) == (STRANGER, None, None)


async def test_an_inactive_voice_is_not_sent_to_the_provider(acme: Desk) -> None:
    await VoiceService(acme.deps).deactivate_voice(acme.owner, acme.tenant.id, acme.voice.id)

    await acme.place()

    [out] = acme.fake.placed
    assert out.voice is None
    assert out.agent.voice_id == acme.voice.id


# --- what the provider answers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ProviderRejected("phoneNumberId is not a phone number", status=400), "provider-rejected"),
        (ProviderUnreachable("connection refused"), "provider-unreachable"),
    ],
)
async def test_a_provider_that_took_no_call_leaves_it_failed_and_released(
    acme: Desk, fake: FakeTelephony, clock: MutableClock, error: Exception, code: str
) -> None:
    await acme.limit("calls.concurrent.max", 1)
    fake.answer_next(error)

    call = await acme.place()

    assert (call.status, call.ended_reason, call.error) == (CallStatus.FAILED, code, str(error))
    assert (call.vapi_call_id, call.ended_at) == (None, clock.now())
    assert await acme.stored(call) == call
    assert acme.db.tables["live_calls"] == {}
    assert await acme.live_count(acme.tenant) == 0
    assert (len(fake.placed), fake.finds) == (1, [])  # never asked twice
    assert (await acme.place()).status is CallStatus.QUEUED  # its place is free again


async def test_an_unanswered_create_that_the_provider_made_is_found_and_recorded(
    acme: Desk, fake: FakeTelephony, clock: MutableClock
) -> None:
    fake.answer_next(ProviderOutcomeUnknown("timed out after 10 s"))
    fake.find_next(ProviderCall("vapi-found", "ringing", data={"id": "vapi-found"}))

    call = await acme.place()

    assert (call.vapi_call_id, call.status, call.error) == ("vapi-found", CallStatus.RINGING, None)
    assert call.vapi_data == {"id": "vapi-found"}
    [find] = fake.finds
    assert (find.call_id, find.from_number) == (call.id, acme.line)
    assert find.created_after == call.created_at - FIND_SLACK
    assert len(fake.placed) == 1
    live = acme.db.tables["live_calls"][call.id]
    assert (live.on_line, live.check_at) == (True, clock.now() + acme.policy.reconcile_after)
    assert await acme.stored(call) == call


@pytest.mark.parametrize("search", [None, ProviderUnreachable("connection reset")])
async def test_an_unanswered_create_nobody_can_find_leaves_the_call_unknown_and_due(
    acme: Desk, fake: FakeTelephony, clock: MutableClock, search: Exception | None
) -> None:
    fake.answer_next(ProviderOutcomeUnknown("timed out after 10 s"))
    fake.find_next(search)

    call = await acme.place()

    assert (call.status, call.error, call.vapi_call_id) == (
        CallStatus.UNKNOWN,
        "timed out after 10 s",
        None,
    )
    assert await acme.stored(call) == call
    live = acme.db.tables["live_calls"][call.id]
    assert live.check_at == clock.now()  # the reconciler looks at once
    assert live.on_line  # it may be ringing: it still counts
    assert (len(fake.placed), len(fake.finds)) == (1, 1)


# --- Idempotency-Key ----------------------------------------------------------------------


async def test_a_repeat_with_the_same_key_returns_the_first_call(
    acme: Desk, fake: FakeTelephony, memory_db: InMemoryDatabase, unchanged: Any
) -> None:
    first = await acme.place(idempotency_key="k-1")

    with unchanged:
        again = await acme.place(idempotency_key="k-1")
        same_number = await acme.place(idempotency_key="k-1", to=CUSTOMER)

    assert again == first == await acme.stored(first)
    assert same_number.id == first.id
    assert first.idempotency_key == "k-1"
    assert len(fake.placed) == 1


async def test_the_same_key_for_another_request_is_refused(acme: Desk, unchanged: Any) -> None:
    await acme.limit("calls.concurrent.max", 5)
    other = await acme.a_lead(STRANGER)
    await acme.place(idempotency_key="k-1")

    with unchanged:
        with pytest.raises(IdempotencyKeyReused):
            await acme.place(idempotency_key="k-1", lead_id=other.id)
        with pytest.raises(IdempotencyKeyReused):
            await acme.place(idempotency_key="k-1", to=STRANGER)


async def test_two_concurrent_requests_with_one_key_make_one_call(
    acme: Desk, fake: FakeTelephony, memory_db: InMemoryDatabase
) -> None:
    await acme.limit("calls.concurrent.max", 5)

    results = await asyncio.gather(*(acme.place(idempotency_key="k-1") for _ in range(3)))

    assert len({c.id for c in results}) == 1
    assert len(fake.placed) == 1
    assert list(memory_db.tables["calls"]) == [results[0].id]


async def test_a_key_belongs_to_its_tenant(acme: Desk, globex: Desk) -> None:
    ours = await acme.place(idempotency_key="shared")

    theirs = await globex.place(idempotency_key="shared")

    assert theirs.id != ours.id
    assert (theirs.tenant_id, theirs.idempotency_key) == (globex.tenant.id, "shared")
    assert [c.tenant_id for c in acme.fake.placed] == [acme.tenant.id, globex.tenant.id]


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
async def test_a_blank_or_long_key_is_refused(acme: Desk, unchanged: Any, key: str) -> None:
    with unchanged, pytest.raises(InvalidValue) as raised:
        await acme.place(idempotency_key=key)
    assert raised.value.field == "Idempotency-Key"


# --- who may call -------------------------------------------------------------------------


async def test_a_viewer_may_not_place_calls_and_another_tenant_cannot_see_this_one(
    acme: Desk, globex: Desk, unchanged: Any
) -> None:
    viewer = await World(acme.deps).user("viewer@acme.example")
    await MembershipService(acme.deps).add_member(
        PLATFORM, AddMember(acme.tenant.id, Role.VIEWER, user_id=viewer.id)
    )
    as_viewer = Principal.user(viewer.id)
    cmd = PlaceCall(acme.tenant.id, acme.agent.id, lead_id=acme.lead.id)

    with unchanged:
        with pytest.raises(PermissionDenied):
            await acme.calls.place_call(as_viewer, cmd)
        with pytest.raises(NotFound):
            await acme.calls.place_call(globex.owner, cmd)
        with pytest.raises(NotFound):
            await acme.calls.place_call(
                globex.owner, attrs.evolve(cmd, agent_id=globex.agent.id, lead_id=globex.lead.id)
            )


async def test_only_owners_and_admins_read_the_providers_record_of_a_call(
    acme: Desk, globex: Desk, fake: FakeTelephony
) -> None:
    # A call the provider never took has no record of the provider's.
    fake.answer_next(ProviderRejected("assistant.model must be an object"))
    refused = await acme.place()
    assert await acme.calls.provider_record(acme.owner, acme.tenant.id, refused.id) is None
    fake.answer_next(ProviderOutcomeUnknown("timed out after 10 s"))
    fake.find_next(ProviderCall("vapi-found", "ringing", data={"id": "vapi-found"}))
    call = await acme.place()
    await acme.limit("members.max", 10)
    people = World(acme.deps)
    allowed = {Role.OWNER: True, Role.ADMIN: True, Role.MEMBER: False, Role.VIEWER: False}
    for role, may in allowed.items():
        person = await people.user(f"record-{role.value}@acme.example")
        await MembershipService(acme.deps).add_member(
            PLATFORM, AddMember(acme.tenant.id, role, user_id=person.id)
        )
        reading = acme.calls.provider_record(Principal.user(person.id), acme.tenant.id, call.id)
        if may:
            assert await reading == {"id": "vapi-found"}, role
        else:
            with pytest.raises(PermissionDenied):
                await reading
    # Another tenant's owner learns nothing of it, under either tenant.
    for tenant in (acme.tenant, globex.tenant):
        with pytest.raises(NotFound):
            await globex.calls.provider_record(globex.owner, tenant.id, call.id)


# --- reading -----------------------------------------------------------------------------


@attrs.define
class CountingReads:
    """QuickReads that remembers what it was asked."""

    reads: QuickReads
    asked: list[tuple[TenantId, Any]] = attrs.Factory(list)

    async def call(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        self.asked.append((tenant_id, call_id))
        return await self.reads.call(tenant_id, call_id)

    async def calls(
        self, tenant_id: TenantId, where: CallFilter, page: PageRequest
    ) -> list[CallListItem]:
        self.asked.append((tenant_id, where))
        return await self.reads.calls(tenant_id, where, page)

    async def lead_calls(
        self, tenant_id: TenantId, lead_id: LeadId, page: PageRequest
    ) -> list[CallListItem] | None:
        self.asked.append((tenant_id, lead_id))
        return await self.reads.lead_calls(tenant_id, lead_id, page)


async def test_a_caller_the_process_knows_reads_a_call_in_one_quick_read(
    acme: Desk, globex: Desk
) -> None:
    """The first read authorizes in a unit of work (and the process remembers the caller);
    the next needs no transaction of its own. A stranger is always authorized afresh."""
    placed = await acme.place()
    theirs = await globex.place()
    reads = CountingReads(acme.deps.reads)
    calls = CallService(attrs.evolve(acme.deps, reads=reads), acme.fake, acme.policy)
    acme.deps.access.forget_all()

    first = await calls.get_call(acme.owner, acme.tenant.id, placed.id)
    assert reads.asked == []
    again = await calls.get_call(acme.owner, acme.tenant.id, placed.id)

    assert again == first
    assert reads.asked == [(acme.tenant.id, placed.id)]
    with pytest.raises(NotFound, match="call"):
        await calls.get_call(acme.owner, acme.tenant.id, theirs.id)
    with pytest.raises(NotFound, match="tenant"):
        await calls.get_call(globex.owner, acme.tenant.id, placed.id)
    assert reads.asked == [(acme.tenant.id, placed.id), (acme.tenant.id, theirs.id)]


async def test_a_caller_the_process_knows_lists_calls_and_a_leads_calls_in_quick_reads(
    acme: Desk, globex: Desk
) -> None:
    await acme.limit("calls.concurrent.max", 3)
    placed = [await acme.place() for _ in range(3)]
    await globex.place()
    reads = CountingReads(acme.deps.reads)
    deps = attrs.evolve(acme.deps, reads=reads)
    calls, leads = CallService(deps, acme.fake, acme.policy), LeadService(deps)
    acme.deps.access.forget_all()
    everything, page = CallFilter(), PageRequest(limit=2)

    first = await calls.list_calls(acme.owner, acme.tenant.id, everything, page)
    assert reads.asked == []
    history = await leads.call_history(acme.owner, acme.tenant.id, acme.lead.id, page)
    again = await calls.list_calls(acme.owner, acme.tenant.id, everything, page)

    newest = sorted(placed, key=lambda c: (c.created_at, c.id), reverse=True)[:2]
    assert [c.id for c in first.items] == [c.id for c in newest]
    assert history == again == first  # every call is the desk's lead's
    assert first.next_cursor is not None
    assert reads.asked == [(acme.tenant.id, acme.lead.id), (acme.tenant.id, everything)]
    with pytest.raises(NotFound, match="lead"):
        await leads.call_history(acme.owner, acme.tenant.id, globex.lead.id, page)
    with pytest.raises(NotFound, match="tenant"):
        await calls.list_calls(globex.owner, acme.tenant.id, everything, page)
    with pytest.raises(NotFound, match="tenant"):
        await leads.call_history(globex.owner, acme.tenant.id, acme.lead.id, page)
    assert len(reads.asked) == 3


# --- usage report -------------------------------------------------------------------------

T0 = datetime(2026, 1, 30, 22, 0, tzinfo=UTC)
KINDS = list(UsageKind)

a_usage_item = st.builds(
    lambda kind, cents: UsageItem(kind, Decimal(cents) / 100, kind.value),
    st.sampled_from(KINDS),
    st.integers(0, 500),
)
a_call_plan = st.tuples(
    st.integers(0, 72),  # hours after T0 (crosses days and a month)
    st.integers(0, 1),  # which agent
    st.one_of(st.none(), st.integers(0, 900)),  # talk seconds; None: never reported
    st.lists(a_usage_item, max_size=3),
)


@settings(max_examples=15, deadline=None)
@given(
    plans=st.lists(a_call_plan, min_size=1, max_size=6),
    period=st.sampled_from(["day", "month"]),
    by=st.sampled_from([None, "agent"]),
    window=st.tuples(st.integers(0, 30), st.integers(31, 80)),
)
def test_the_usage_report_sums_the_calls_and_their_usage(
    plans: list[tuple[int, int, int | None, list[UsageItem]]],
    period: str,
    by: str | None,
    window: tuple[int, int],
) -> None:
    run(_usage_report(plans, period, by, window))


async def _usage_report(
    plans: list[tuple[int, int, int | None, list[UsageItem]]],
    period: str,
    by: str | None,
    window: tuple[int, int],
) -> None:
    env = fresh()
    env.clock.current = T0
    await sync_catalogue(env.deps)
    fake = FakeTelephony()
    # A call never reported stays on the line: up to all six of them at once.
    policy = CallPolicy(tenant_max_concurrent=10)
    acme = await open_desk(env.deps, env.db, fake, policy)
    globex = await open_desk(env.deps, env.db, fake, policy, "Globex", GLOBEX_LINE)
    for key in ("calls.concurrent.max", "calls.minutes.monthly", "voice_agents.max"):
        await acme.features.enable_feature(PLATFORM, acme.tenant.id, key)
    agents = [acme.agent, await acme.an_agent("Kim", default_number_id=acme.line.id)]
    # Another tenant's call, in the window, must not count.
    other = await globex.place()
    await globex.report(other, 100, (UsageItem(UsageKind.LLM, Decimal(7), "model"),))

    made: list[tuple[datetime, AgentId, int, Decimal]] = []
    for hours, agent, seconds, usage in sorted(plans, key=lambda p: p[0]):
        env.clock.current = T0 + timedelta(hours=hours)
        call = await acme.place(agent_id=agents[agent].id)
        if seconds is not None:
            await acme.report(call, seconds, tuple(usage))
        spent = sum((u.cost for u in usage), Decimal(0)) if seconds is not None else Decimal(0)
        made.append((call.created_at, agents[agent].id, seconds or 0, spent))

    start, end = T0 + timedelta(hours=window[0]), T0 + timedelta(hours=window[1])
    totals = await acme.calls.usage_report(
        acme.owner, acme.tenant.id, UsageQuery(start, end, period, by)
    )

    expected: dict[tuple[datetime, AgentId | None], list[Any]] = defaultdict(
        lambda: [0, 0, Decimal(0)]
    )
    for created, agent_id, seconds, spent in made:
        if start <= created < end:
            day = created.replace(hour=0, minute=0, second=0, microsecond=0)
            bucket = day.replace(day=1) if period == "month" else day
            sums = expected[(bucket, agent_id if by == "agent" else None)]
            sums[0] += 1
            sums[1] += seconds
            sums[2] += spent
    got = {(t.period_start, t.agent_id): [t.calls, t.seconds, t.cost] for t in totals}
    assert got == dict(expected)
    assert [(t.period_start, str(t.agent_id)) for t in totals] == sorted(
        (t.period_start, str(t.agent_id)) for t in totals
    )
    # The report's costs are the usage rows stored for the calls.
    assert sum((t.cost for t in totals), Decimal(0)) == sum(
        (
            u.item.cost
            for u in env.db.tables["ai_usage"].values()
            if u.tenant_id == acme.tenant.id
            and start <= env.db.tables["calls"][u.call_id].created_at < end
        ),
        Decimal(0),
    )


async def test_a_usage_report_needs_a_window_and_a_reader(acme: Desk, globex: Desk) -> None:
    now = acme.deps.clock.now()
    with pytest.raises(InvalidValue) as raised:
        await acme.calls.usage_report(acme.owner, acme.tenant.id, UsageQuery(now, now))
    assert raised.value.field == "to"
    with pytest.raises(NotFound):
        await acme.calls.usage_report(
            globex.owner, acme.tenant.id, UsageQuery(now, now + timedelta(days=1))
        )


# --- regressions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variables",
    [{"name": "Ada\x00"}, {"na\x00me": "Ada"}, {"plan": "gold", "\x00": "\x00"}],
    ids=["in a value", "in a key", "alone"],
)
async def test_a_nul_character_in_the_variables_is_refused_and_nothing_is_written(
    acme: Desk, unchanged: Any, variables: dict[str, str]
) -> None:
    """Vapi echoes the variables in every message, and PostgreSQL cannot keep a NUL in
    JSON: a call carrying one would be placed, then lose every message about it."""
    with unchanged, pytest.raises(InvalidValue) as raised:
        await acme.place(variables=variables)

    assert raised.value.field == "variables"
    assert (await acme.place(variables={"name": "Ada"})).status is CallStatus.QUEUED


# --- hanging up ---------------------------------------------------------------------------

CONTROL_URL = "https://phone-call-websocket.example/vapi-call-1/control"


def with_monitor(out: Any, fake: FakeTelephony, status: str = "in-progress") -> ProviderCall:
    """The provider's answer to a create, as Vapi gives it: with the call's control URL."""
    queued = fake.queued(out)
    data = {**queued.data, "status": status, "monitor": {"controlUrl": CONTROL_URL}}
    return attrs.evolve(queued, status=status, data=data)


async def test_a_live_call_is_hung_up_through_the_provider_once_audited_and_left_to_it(
    acme: Desk, fake: FakeTelephony, memory_db: InMemoryDatabase
) -> None:
    fake.answer_next(lambda out: with_monitor(out, fake))
    call = await acme.place()
    tap = AuditTap(memory_db)

    answered = await acme.calls.end_call(acme.owner, acme.tenant.id, call.id)

    [asked] = fake.ends
    assert asked.provider_call_id == call.vapi_call_id
    assert asked.record["monitor"] == {"controlUrl": CONTROL_URL}
    # Not ended here: the provider says when it is, as for any end.
    assert answered == await acme.stored(call) == call
    assert answered.status is CallStatus.IN_PROGRESS
    [entry] = tap.new()
    assert (entry.action, entry.entity, entry.entity_id, entry.tenant_id) == (
        "call.end_requested",
        "call",
        call.id,
        acme.tenant.id,
    )
    assert entry.actor == acme.owner.actor
    assert entry.changes == {"status": "in-progress", "vapi_call_id": call.vapi_call_id}


async def test_asking_again_while_it_hangs_up_asks_again_and_once_ended_is_refused(
    acme: Desk, fake: FakeTelephony, unchanged: Any
) -> None:
    fake.answer_next(lambda out: with_monitor(out, fake, "ringing"))
    call = await acme.place()

    for _ in range(2):
        again = await acme.calls.end_call(acme.owner, acme.tenant.id, call.id)
        assert again.status is CallStatus.RINGING
    assert [e.provider_call_id for e in fake.ends] == [call.vapi_call_id] * 2

    await acme.say(call, StatusChanged("ended", "manually-canceled"), "ended")
    with unchanged, pytest.raises(CallNotLive) as refused:
        await acme.calls.end_call(acme.owner, acme.tenant.id, call.id)
    assert refused.value.status is CallStatus.ENDED
    assert len(fake.ends) == 2
    assert (await acme.stored(call)).ended_reason == "manually-canceled"


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (ProviderRejected("phoneNumberId is not a phone number"), CallStatus.FAILED),
        (ProviderOutcomeUnknown("timed out after 10 s"), CallStatus.UNKNOWN),
    ],
    ids=["failed", "unknown"],
)
async def test_a_call_the_provider_does_not_have_cannot_be_ended_and_nothing_is_written(
    acme: Desk, fake: FakeTelephony, unchanged: Any, answer: Exception, status: CallStatus
) -> None:
    fake.answer_next(answer)
    call = await acme.place()
    assert call.status is status

    with unchanged, pytest.raises(CallNotLive) as refused:
        await acme.calls.end_call(acme.owner, acme.tenant.id, call.id)

    assert refused.value.code == "call-not-live"
    assert str(call.id) in refused.value.message
    assert fake.ends == []


async def test_a_call_still_queued_without_the_providers_id_cannot_be_ended(
    acme: Desk, fake: FakeTelephony, unchanged: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.gate = asyncio.Event()  # the provider has not answered the create yet
    asked = asyncio.Event()
    place_call = fake.place_call

    async def told(out: Any) -> ProviderCall:
        asked.set()
        return await place_call(out)

    monkeypatch.setattr(fake, "place_call", told)
    placing = asyncio.ensure_future(acme.place())
    await asked.wait()
    [call] = [c for c in acme.db.tables["calls"].values() if c.status is CallStatus.QUEUED]

    with unchanged, pytest.raises(CallNotLive, match="not placed it yet"):
        await acme.calls.end_call(acme.owner, acme.tenant.id, call.id)

    fake.gate.set()
    assert (await placing).vapi_call_id is not None
    assert fake.ends == []


@pytest.mark.parametrize(
    "error",
    [
        ProviderRejected("Vapi answered 400: call is not active", status=400),
        ProviderUnreachable("Vapi's call control cannot be reached"),
    ],
)
async def test_a_provider_failure_is_raised_and_leaves_only_the_audit_of_the_attempt(
    acme: Desk, fake: FakeTelephony, memory_db: InMemoryDatabase, error: Exception
) -> None:
    fake.answer_next(lambda out: with_monitor(out, fake))
    call = await acme.place()
    before = snapshot(memory_db)
    fake.end_next(error)

    with pytest.raises(type(error)) as raised:
        await acme.calls.end_call(acme.owner, acme.tenant.id, call.id)

    assert raised.value is error
    after = snapshot(memory_db)
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }
    added = [e for key, e in after["audit"].items() if key not in before["audit"]]
    assert [e.action for e in added] == ["call.end_requested"]
    assert await acme.stored(call) == call


async def test_members_may_end_calls_viewers_may_not_and_other_tenants_cannot_see_them(
    acme: Desk, globex: Desk, fake: FakeTelephony, unchanged: Any
) -> None:
    fake.answer_next(lambda out: with_monitor(out, fake))
    call = await acme.place()
    await acme.limit("members.max", 10)
    people = World(acme.deps)
    roles = {}
    for role in (Role.MEMBER, Role.VIEWER):
        person = await people.user(f"end-{role.value}@acme.example")
        await MembershipService(acme.deps).add_member(
            PLATFORM, AddMember(acme.tenant.id, role, user_id=person.id)
        )
        roles[role] = Principal.user(person.id)

    with unchanged:
        with pytest.raises(PermissionDenied) as denied:
            await acme.calls.end_call(roles[Role.VIEWER], acme.tenant.id, call.id)
        for tenant in (acme.tenant, globex.tenant):
            with pytest.raises(NotFound):
                await globex.calls.end_call(globex.owner, tenant.id, call.id)
    assert denied.value.permission == "calls.end"
    assert fake.ends == []

    await acme.calls.end_call(roles[Role.MEMBER], acme.tenant.id, call.id)
    assert [e.provider_call_id for e in fake.ends] == [call.vapi_call_id]
