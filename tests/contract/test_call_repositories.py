"""The contract of calls, the calls in flight, their AI usage and the webhook inbox: the same
on the in-memory and the PostgreSQL adapters."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.ids import Uuid7Generator
from application.errors import AlreadyExists, ConcurrencyConflict
from application.pagination import PageRequest, Position
from application.ports.calls import (
    CallFilter,
    CallListItem,
    CallRoute,
    InboxEntry,
    InboxMessage,
    LiveCall,
    UsageQuery,
    UsageTotal,
)
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.agents import VoiceAgent
from domain.batches import Batch, CallingWindow
from domain.calls import (
    AiUsage,
    CallDirection,
    CallStatus,
    EndOfCallReport,
    UsageItem,
    UsageKind,
    VoiceCall,
    fail,
    record_provider_id,
    record_report,
)
from domain.ids import AgentId, BatchId, CallId, LeadId, PhoneNumberId, TenantId
from domain.leads import Lead
from domain.phones import NumberProvider, PhoneLine, PhoneNumber
from domain.tenancy import Tenant
from entrypoints.container import quick_reads

ids = Uuid7Generator()
T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
_phones = (PhoneNumber(f"+1212736{n:04d}") for n in itertools.count(5000))
_provider_ids = (f"vapi-{n}" for n in itertools.count())
_lines = (PhoneNumber(f"+1415736{n:04d}") for n in itertools.count(5000))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def a_tenant(name: str = "Acme") -> Tenant:
    return Tenant(TenantId(ids.new()), name, created_at=at(0), updated_at=at(0))


def an_agent(tenant: Tenant, name: str = "Sam") -> VoiceAgent:
    return VoiceAgent(AgentId(ids.new()), tenant.id, name, at(0), at(0))


def a_lead(tenant: Tenant) -> Lead:
    return Lead(LeadId(ids.new()), tenant.id, next(_phones), at(0), at(0))


def a_call(tenant: Tenant | TenantId, when: float = 0, **fields: Any) -> VoiceCall:
    tenant_id = tenant.id if isinstance(tenant, Tenant) else tenant
    created = fields.pop("created_at", at(when))
    return VoiceCall(
        CallId(ids.new()),
        tenant_id,
        fields.pop("direction", CallDirection.OUTBOUND),
        fields.pop("status", CallStatus.QUEUED),
        fields.pop("to_number", "+12127365000"),
        created,
        created,
        **fields,
    )


def two_batches(tenant: Tenant) -> tuple[list[Any], list[BatchId]]:
    """Two batches of the tenant (a call names its batch in its tenant): the rows to seed
    first, the agent and the line they call with included, and the batches' ids."""
    agent = an_agent(tenant, "Caller")
    line = PhoneLine(
        PhoneNumberId(ids.new()), tenant.id, next(_lines), NumberProvider.VAPI, at(0), at(0)
    )
    window = CallingWindow(frozenset({1, 2, 3, 4, 5}), time(9), time(17))
    batches = [
        Batch(BatchId(ids.new()), tenant.id, agent.id, line.id, name, window, at(0), at(0))
        for name in ("Spring", "Autumn")
    ]
    return [line, agent, *batches], [batch.id for batch in batches]


def usage(call: VoiceCall, cost: str, kind: UsageKind = UsageKind.LLM, **item: Any) -> AiUsage:
    return AiUsage(
        ids.new(),
        call.tenant_id,
        call.id,
        UsageItem(kind, Decimal(cost), item.pop("item_type", kind.value), **item),
        call.created_at,
    )


def a_message(tenant: Tenant | None, key: str | None = None, when: float = 0) -> InboxMessage:
    return InboxMessage(
        id=ids.new(),
        provider="vapi",
        dedupe_key=key or f"key-{ids.new()}",
        type="status-update",
        payload={"message": {"type": "status-update", "status": "ringing"}},
        received_at=at(when),
        tenant_id=tenant.id if tenant else None,
    )


async def given_tenants(uows: UnitOfWorkFactory, *tenants: Tenant) -> None:
    for tenant in tenants:
        async with uows(tenant_id=tenant.id) as tx:
            await tx.tenants.add(tenant)
            await tx.commit()


async def seed(uows: UnitOfWorkFactory, tenant: Tenant, *rows: Any) -> None:
    """Lines, agents, batches, leads, calls and usage rows of one tenant, in one
    transaction."""
    async with uows(tenant_id=tenant.id) as tx:
        for row in rows:
            if isinstance(row, PhoneLine):
                await tx.phone_numbers.add(row)
            elif isinstance(row, Batch):
                await tx.batches.add(row)
            elif isinstance(row, VoiceAgent):
                await tx.agents.add(row)
            elif isinstance(row, Lead):
                await tx.leads.add(row)
            elif isinstance(row, VoiceCall):
                await tx.calls.add(row)
            elif isinstance(row, AiUsage):
                await tx.ai_usage.add_many([row])
            else:
                await tx.live_calls.hold(row)
        await tx.commit()


def listed(*calls: VoiceCall) -> list[CallListItem]:
    """The calls as a list shows them."""
    return [CallListItem.of(call) for call in calls]


async def read_call(uows: UnitOfWorkFactory, tenant: Tenant, call_id: CallId) -> VoiceCall | None:
    async with uows(tenant_id=tenant.id) as tx:
        return await tx.calls.get(tenant.id, call_id)


async def add_and_commit(uows: UnitOfWorkFactory, call: VoiceCall) -> None:
    async with uows(tenant_id=call.tenant_id) as tx:
        await tx.calls.add(call)
        await tx.commit()


EXAMPLES = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # see `per_example`
)


# --- calls: round trip, versions, tenants -----------------------------------------------------


async def test_a_quick_read_gives_the_call_as_a_unit_of_work_reads_it(uows, acme, globex):
    """QuickReads (one round trip on PostgreSQL) against CallRepository.get: every field,
    the JSON columns, the exact cost and the times alike; another tenant's call is None."""
    batch_rows, batches = two_batches(acme)
    await seed(uows, acme, *batch_rows)
    call = a_call(
        acme,
        direction=CallDirection.INBOUND,
        caller_number="+14155550111",
        metadata={"campaign": "spring", "n": [1, 2]},
        vapi_data={"nested": {"list": [1, "two", None]}, "flag": True},
        batch_id=batches[0],
    )
    await add_and_commit(uows, call)
    async with uows(tenant_id=acme.id) as tx:
        reported = await tx.calls.get_for_update(acme.id, call.id)
        assert reported is not None
        record_provider_id(reported, "vapi-quick-read", at(1))
        report = EndOfCallReport(
            "customer-ended-call",
            started_at=at(2),
            ended_at=at(65),
            transcript="Hi there, ünïcode",
            messages=({"role": "bot", "message": "Hi there", "time": 1.5},),
            recording_url="https://example.com/r.wav",
            summary="Fine.",
            analysis={"structuredData": {"k": [1]}},
            cost=Decimal("0.08019999123"),
            cost_breakdown={"llm": 0.1, "total": 0.08019999123},
        )
        assert record_report(reported, report, at(66))
        await tx.calls.save(reported)
        await tx.commit()
    expected = await read_call(uows, acme, call.id)
    reads = quick_reads(uows)

    assert await reads.call(acme.id, call.id) == expected
    assert await reads.call(globex.id, call.id) is None
    assert await reads.call(acme.id, CallId(ids.new())) is None


async def test_a_call_round_trips_and_saves_every_field_version_checked(uows, acme, globex):
    batch_rows, batches = two_batches(acme)
    await seed(uows, acme, *batch_rows)
    call = a_call(
        acme,
        direction=CallDirection.INBOUND,
        caller_number="+14155550111",
        metadata={"campaign": "spring", "n": [1, 2]},
        vapi_data={"nested": {"list": [1, "two", None]}, "flag": True},
        idempotency_key="round-trip",
        batch_id=batches[0],
    )
    await add_and_commit(uows, call)

    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.calls.get(acme.id, call.id)
        locked = await tx.calls.get_for_update(acme.id, call.id)
        assert stored is not None
        assert locked == stored == call
        assert (stored.error, stored.version) == (None, 0)
        record_provider_id(stored, "vapi-round-trip", at(1))
        report = EndOfCallReport(
            "customer-ended-call",
            started_at=at(2),
            ended_at=at(65),
            transcript="Hi there",
            messages=({"role": "bot", "message": "Hi there", "time": 1.5},),
            recording_url="https://example.com/r.wav",
            summary="Fine.",
            analysis={"successEvaluation": "true", "structuredData": {"k": [1]}},
            cost=Decimal("0.4321"),
            cost_breakdown={"llm": 0.1, "total": 0.4321},
        )
        assert record_report(stored, report, at(66))
        stored.error = "a note about an error, ünïcode"
        await tx.calls.save(stored)
        await tx.commit()

    assert stored.version == 1
    saved = await read_call(uows, acme, call.id)
    assert saved == stored
    assert saved is not None
    assert (saved.error, saved.call_duration, saved.cost) == (stored.error, 63, Decimal("0.4321"))
    assert saved.caller_number == "+14155550111"
    assert saved.transcription == {
        "text": "Hi there",
        "messages": [{"role": "bot", "message": "Hi there", "time": 1.5}],
    }
    # A stale copy (version 0) cannot overwrite it.
    async with uows(tenant_id=acme.id) as tx:
        with pytest.raises(ConcurrencyConflict):
            await tx.calls.save(call)
    # Another tenant neither reads nor saves it, whatever id it names.
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.calls.get(globex.id, call.id) is None
        assert await tx.calls.get_for_update(globex.id, call.id) is None
        assert await tx.calls.by_idempotency_key(globex.id, "round-trip") is None
        with pytest.raises(ConcurrencyConflict):
            await tx.calls.save(attrs.evolve(saved, tenant_id=globex.id, summary="hijacked"))
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.calls.get(globex.id, call.id) is None
        assert await tx.calls.get_for_update(globex.id, call.id) is None
    assert await read_call(uows, acme, call.id) == saved


async def test_calls_are_read_for_update_and_saved_many_at_once(uows, acme, globex):
    calls = [a_call(acme) for _ in range(3)]
    theirs = a_call(globex)
    for call in calls:
        await add_and_commit(uows, call)
    await add_and_commit(uows, theirs)
    wanted = [calls[2].id, calls[0].id, theirs.id, calls[1].id]

    async with uows(tenant_id=acme.id) as tx:
        locked = await tx.calls.get_many_for_update(acme.id, wanted)
        # In id order, another tenant's absent, whatever the order asked.
        assert locked == sorted(calls, key=lambda c: c.id)
        assert await tx.calls.get_many_for_update(acme.id, []) == []
        for n, call in enumerate(locked):
            record_provider_id(call, f"vapi-many-{n}", at(n))
        await tx.calls.save_many(locked)
        await tx.commit()

    assert [c.version for c in locked] == [1, 1, 1]
    for call in locked:
        assert await read_call(uows, acme, call.id) == call
    # A stale copy among them refuses the lot.
    async with uows(tenant_id=acme.id) as tx:
        fresh = await tx.calls.get_many_for_update(acme.id, [c.id for c in calls])
        fresh[0].summary = "changed"
        with pytest.raises(ConcurrencyConflict):
            await tx.calls.save_many([fresh[0], calls[1]])
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.calls.get_many_for_update(globex.id, [c.id for c in calls]) == []
        with pytest.raises(ConcurrencyConflict):
            await tx.calls.save_many([attrs.evolve(locked[0], tenant_id=globex.id)])
    assert await read_call(uows, globex, theirs.id) == theirs


async def test_a_failed_call_keeps_its_error(uows, acme):
    call = a_call(acme)
    await add_and_commit(uows, call)
    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.calls.get_for_update(acme.id, call.id)
        assert stored is not None
        assert fail(stored, "call.start.error-vapi", "402: out of credits", at(3))
        await tx.calls.save(stored)
        await tx.commit()
    failed = await read_call(uows, acme, call.id)
    assert failed == stored
    assert failed is not None
    assert (failed.status, failed.error, failed.ended_at) == (
        CallStatus.FAILED,
        "402: out of credits",
        at(3),
    )


async def test_of_two_concurrent_saves_of_a_call_only_the_first_wins(uows, acme):
    call = a_call(acme)
    await add_and_commit(uows, call)
    async with uows(tenant_id=acme.id) as a:
        first = await a.calls.get(acme.id, call.id)
        assert first is not None
        first.status = CallStatus.RINGING
        await a.calls.save(first)
        await a.commit()
    async with uows(tenant_id=acme.id) as b:
        late = attrs.evolve(call, status=CallStatus.UNKNOWN, error="lost")
        with pytest.raises(ConcurrencyConflict):
            await b.calls.save(late)
    assert await read_call(uows, acme, call.id) == first


async def add_many_and_commit(uows: UnitOfWorkFactory, *calls: VoiceCall) -> None:
    async with uows(tenant_id=calls[0].tenant_id) as tx:
        await tx.calls.add_many(calls)
        await tx.calls.add_many([])
        await tx.commit()


async def test_calls_added_together_round_trip_each(uows, acme, globex):
    calls = [a_call(acme, n, metadata={"n": n}, vapi_data={"k": [n]}) for n in range(3)]
    await add_many_and_commit(uows, *calls)
    for call in calls:
        assert await read_call(uows, acme, call.id) == call
    # They keep to the tenant's rules as one by one: a key used is refused.
    await add_and_commit(uows, a_call(acme, idempotency_key="taken"))
    with pytest.raises(AlreadyExists) as raised:  # at add or at commit, either is the contract
        await add_many_and_commit(uows, a_call(acme), a_call(acme, idempotency_key="taken"))
    assert raised.value.field == "idempotency_key"
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.calls.get(globex.id, calls[0].id) is None


# --- idempotency keys -------------------------------------------------------------------------


async def test_an_idempotency_key_is_unique_per_tenant(uows, acme, globex):
    mine = a_call(acme, idempotency_key="order-42")
    await add_and_commit(uows, mine)

    with pytest.raises(AlreadyExists) as raised:  # at add or at commit, either is the contract
        await add_and_commit(uows, a_call(acme, 1, idempotency_key="order-42"))
    assert raised.value.field == "idempotency_key"

    theirs = a_call(globex, idempotency_key="order-42")
    await add_and_commit(uows, theirs)  # another tenant may use the same key
    keyless = [a_call(acme), a_call(acme)]  # and calls without a key are never a duplicate
    for call in keyless:
        await add_and_commit(uows, call)

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.calls.by_idempotency_key(acme.id, "order-42") == mine
        assert await tx.calls.by_idempotency_key(acme.id, "order-43") is None
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.calls.by_idempotency_key(globex.id, "order-42") == theirs
        found = await tx.calls.list(globex.id, CallFilter(), PageRequest())
    assert found == listed(theirs)


async def test_of_two_concurrent_calls_with_one_key_exactly_one_is_stored(uows, acme):
    racers = [a_call(acme, idempotency_key="race"), a_call(acme, idempotency_key="race")]
    outcomes = await asyncio.gather(
        *(add_and_commit(uows, call) for call in racers), return_exceptions=True
    )

    winners = [call for call, outcome in zip(racers, outcomes, strict=True) if outcome is None]
    losers = [outcome for outcome in outcomes if outcome is not None]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], AlreadyExists)
    assert losers[0].field == "idempotency_key"
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.calls.by_idempotency_key(acme.id, "race") == winners[0]
        assert await tx.calls.list(acme.id, CallFilter(), PageRequest()) == listed(*winners)


# --- listing ----------------------------------------------------------------------------------


NUMBERS = ["+14155550100", "+14155550111", "+442071838750"]
"""The numbers calls of the examples go to and come from."""


@st.composite
def call_specs(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "agent": draw(st.sampled_from([None, 0, 1])),
        "lead": draw(st.sampled_from([None, 0, 1])),
        "status": draw(st.sampled_from(list(CallStatus))),
        "batch": draw(st.sampled_from([None, 0, 1])),
        "direction": draw(st.sampled_from(list(CallDirection))),
        "when": draw(st.integers(0, 4)),
        "to": draw(st.sampled_from(NUMBERS)),
        "caller": draw(st.one_of(st.none(), st.sampled_from(NUMBERS))),
    }


@st.composite
def filter_specs(draw: st.DrawFn) -> dict[str, Any]:
    def maybe(values: Any) -> Any:
        return draw(st.one_of(st.none(), st.sampled_from(values)))

    return {
        "agent": maybe([0, 1]),
        "lead": maybe([0, 1]),
        "status": maybe(list(CallStatus)),
        "batch": maybe([0, 1]),
        "direction": maybe(list(CallDirection)),
        "created_from": maybe(range(6)),
        "created_before": maybe(range(6)),
        "number": maybe(NUMBERS),
    }


def matches(call: VoiceCall, where: CallFilter) -> bool:
    return (
        (where.agent_id is None or call.agent_id == where.agent_id)
        and (where.lead_id is None or call.lead_id == where.lead_id)
        and (where.status is None or call.status is where.status)
        and (where.batch_id is None or call.batch_id == where.batch_id)
        and (where.direction is None or call.direction is where.direction)
        and (where.created_from is None or call.created_at >= where.created_from)
        and (where.created_before is None or call.created_at < where.created_before)
        and (
            where.number is None
            or call.to_number == where.number.e164
            or call.caller_number == where.number.e164
        )
    )


async def every_page(
    uows: UnitOfWorkFactory, tenant: Tenant, where: CallFilter, limit: int
) -> list[CallListItem]:
    """Walk the pages as a client would, by the position of each page's last call; each page
    the same through QuickReads (one round trip on PostgreSQL)."""
    seen: list[CallListItem] = []
    page = PageRequest(limit=limit)
    reads = quick_reads(uows)
    while True:
        async with uows(tenant_id=tenant.id) as tx:
            rows = await tx.calls.list(tenant.id, where, page)
        assert await reads.calls(tenant.id, where, page) == rows
        assert len(rows) <= limit + 1
        seen += rows[:limit]
        if len(rows) <= limit:
            return seen
        page = PageRequest(limit=limit, after=rows[limit - 1].position())


@EXAMPLES
@given(
    specs=st.lists(call_specs(), max_size=8),
    spec=filter_specs(),
    limit=st.integers(1, 4),
)
async def test_list_filters_on_every_field_and_pages_newest_first(per_example, specs, spec, limit):
    uows = per_example()
    tenant, other = a_tenant(), a_tenant("Other")
    await given_tenants(uows, tenant, other)
    agents, leads = [an_agent(tenant), an_agent(tenant)], [a_lead(tenant), a_lead(tenant)]
    batch_rows, batches = two_batches(tenant)
    other_rows, other_batches = two_batches(other)
    calls = [
        a_call(
            tenant,
            s["when"],
            agent_id=None if s["agent"] is None else agents[s["agent"]].id,
            lead_id=None if s["lead"] is None else leads[s["lead"]].id,
            status=s["status"],
            batch_id=None if s["batch"] is None else batches[s["batch"]],
            direction=s["direction"],
            to_number=s["to"],
            caller_number=s["caller"],
        )
        for s in specs
    ]
    await seed(uows, tenant, *agents, *leads, *batch_rows, *calls)
    # The same calls in another tenant (its own batches, same statuses, times) never show.
    await seed(
        uows,
        other,
        *other_rows,
        *(
            attrs.evolve(
                c,
                id=CallId(ids.new()),
                tenant_id=other.id,
                agent_id=None,
                lead_id=None,
                batch_id=None if s["batch"] is None else other_batches[s["batch"]],
            )
            for c, s in zip(calls, specs, strict=True)
        ),
    )
    where = CallFilter(
        agent_id=None if spec["agent"] is None else agents[spec["agent"]].id,
        lead_id=None if spec["lead"] is None else leads[spec["lead"]].id,
        status=spec["status"],
        batch_id=None if spec["batch"] is None else batches[spec["batch"]],
        direction=spec["direction"],
        created_from=None if spec["created_from"] is None else at(spec["created_from"]),
        created_before=None if spec["created_before"] is None else at(spec["created_before"]),
        number=None if spec["number"] is None else PhoneNumber(spec["number"]),
    )

    listed = await every_page(uows, tenant, where, limit)

    expected = sorted(
        (c for c in calls if matches(c, where)), key=lambda c: (c.created_at, c.id), reverse=True
    )
    assert listed == [CallListItem.of(c) for c in expected]


async def test_date_bounds_are_from_inclusive_and_before_exclusive(uows, acme):
    calls = [a_call(acme, when) for when in (0, 1, 2, 3)]
    await seed(uows, acme, *calls)
    async with uows(tenant_id=acme.id) as tx:
        found = await tx.calls.list(
            acme.id, CallFilter(created_from=at(1), created_before=at(3)), PageRequest()
        )
        empty = await tx.calls.list(
            acme.id, CallFilter(created_from=at(2), created_before=at(2)), PageRequest()
        )
    assert found == listed(calls[2], calls[1])
    assert empty == []


async def test_a_list_shows_each_call_as_the_call_itself_has_it(uows, acme):
    agent, lead = an_agent(acme), a_lead(acme)
    batch_rows, batches = two_batches(acme)
    call = a_call(
        acme,
        agent_id=agent.id,
        lead_id=lead.id,
        batch_id=batches[1],
        metadata={"campaign": "spring", "notes": "x" * 5000},
    )
    await seed(uows, acme, agent, lead, *batch_rows, call)
    async with uows(tenant_id=acme.id) as tx:
        reported = await tx.calls.get_for_update(acme.id, call.id)
        assert reported is not None
        record_provider_id(reported, "vapi-listed", at(1))
        report = EndOfCallReport(
            "customer-ended-call",
            started_at=at(2),
            ended_at=at(95),
            transcript="Hello " * 500,
            messages=tuple({"role": "bot", "message": f"line {n}"} for n in range(50)),
            summary="Fine.",
            analysis={"successEvaluation": "true"},
            cost=Decimal("0.123456"),
            cost_breakdown={"llm": 0.1, "total": 0.123456},
        )
        assert record_report(reported, report, at(96))
        reported.error = "a note"
        await tx.calls.save(reported)
        await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        saved = await tx.calls.get(acme.id, call.id)
        found = await tx.calls.list(acme.id, CallFilter(), PageRequest())
        history = await tx.calls.of_lead(acme.id, lead.id, PageRequest())
    assert saved is not None
    assert found == history == listed(saved)
    item = found[0]
    assert (item.status, item.ended_reason, item.vapi_call_id, item.error) == (
        CallStatus.ENDED,
        "customer-ended-call",
        "vapi-listed",
        "a note",
    )
    assert (item.cost, item.call_duration, item.started_at, item.ended_at) == (
        Decimal("0.123456"),
        93,
        at(2),
        at(95),
    )
    assert (item.agent_id, item.lead_id, item.batch_id) == (agent.id, lead.id, batches[1])


async def test_a_list_shows_the_caller_of_inbound_calls(uows, acme):
    caller = "+14155550100"
    answered = a_call(acme, 2, direction=CallDirection.INBOUND, caller_number=caller)
    # The client's metadata names no caller, whatever it holds.
    placed = a_call(acme, 1, metadata={"caller_number": "+14155550111"})
    withheld = a_call(acme, 0, direction=CallDirection.INBOUND)
    await seed(uows, acme, answered, placed, withheld)

    async with uows(tenant_id=acme.id) as tx:
        found = await tx.calls.list(acme.id, CallFilter(), PageRequest())
    assert [item.caller_number for item in found] == [caller, None, None]
    assert found == listed(answered, placed, withheld)


async def test_a_number_lists_the_calls_to_it_and_from_it_once_each(uows, acme, globex):
    number, line, other = "+14155550123", "+14155550100", "+14155550199"
    to_it = [a_call(acme, when, to_number=number) for when in (0, 3, 6)]
    from_it = [
        a_call(acme, when, direction=CallDirection.INBOUND, to_number=line, caller_number=number)
        for when in (1, 4)
    ]
    # Both sides at once (a call from the number to itself) is listed once.
    both = a_call(acme, 5, direction=CallDirection.INBOUND, to_number=number, caller_number=number)
    unrelated = [
        a_call(acme, 2, to_number=other),
        a_call(acme, 7, direction=CallDirection.INBOUND, to_number=line, caller_number=other),
    ]
    await seed(uows, acme, *to_it, *from_it, both, *unrelated)
    # Another tenant's calls to and from the same number are never listed.
    await seed(
        uows,
        globex,
        a_call(globex, 8, to_number=number),
        a_call(globex, 9, direction=CallDirection.INBOUND, to_number=line, caller_number=number),
    )
    by_number = CallFilter(number=PhoneNumber(number))

    pages = await every_page(uows, acme, by_number, 2)
    async with uows(tenant_id=acme.id) as tx:
        inbound = await tx.calls.list(
            acme.id,
            CallFilter(number=PhoneNumber(number), direction=CallDirection.INBOUND),
            PageRequest(),
        )
        to_the_line = await tx.calls.list(
            acme.id, CallFilter(number=PhoneNumber(line)), PageRequest()
        )
        nobody = await tx.calls.list(
            acme.id, CallFilter(number=PhoneNumber("+14155550188")), PageRequest()
        )
    expected = sorted([*to_it, *from_it, both], key=lambda c: (c.created_at, c.id), reverse=True)
    assert pages == listed(*expected)
    assert inbound == listed(both, *reversed(from_it))
    assert to_the_line == listed(unrelated[1], *reversed(from_it))
    assert nobody == []


async def test_of_lead_lists_that_leads_calls_of_the_tenant_newest_first(uows, acme, globex):
    lead, other = a_lead(acme), a_lead(acme)
    calls = [a_call(acme, when % 3, lead_id=lead.id) for when in range(5)]
    await seed(uows, acme, lead, other, *calls, a_call(acme, 9, lead_id=other.id), a_call(acme))
    async with uows(tenant_id=acme.id) as tx:
        first = await tx.calls.of_lead(acme.id, lead.id, PageRequest(limit=2))
        rest = await tx.calls.of_lead(
            acme.id, lead.id, PageRequest(limit=10, after=first[1].position())
        )
        elsewhere = await tx.calls.of_lead(globex.id, lead.id, PageRequest())
    expected = sorted(calls, key=lambda c: (c.created_at, c.id), reverse=True)
    assert len(first) == 3  # limit + 1: there is more
    assert first[:2] + rest == listed(*expected)
    assert elsewhere == []
    # The same through QuickReads, which also tells a lead the tenant does not have.
    reads = quick_reads(uows)
    assert await reads.lead_calls(acme.id, lead.id, PageRequest(limit=2)) == first
    after = PageRequest(limit=10, after=first[1].position())
    assert await reads.lead_calls(acme.id, lead.id, after) == rest
    past_the_end = PageRequest(after=rest[-1].position())
    assert await reads.lead_calls(acme.id, lead.id, past_the_end) == []
    assert await reads.lead_calls(globex.id, lead.id, PageRequest()) is None
    assert await reads.lead_calls(acme.id, LeadId(ids.new()), PageRequest()) is None
    quiet = a_lead(acme)
    await seed(uows, acme, quiet)
    assert await reads.lead_calls(acme.id, quiet.id, PageRequest()) == []


# --- talk time ------------------------------------------------------------------------------


async def test_seconds_since_sums_the_tenants_talk_time_from_that_instant(uows, acme, globex):
    durations = [(0, 30), (10, None), (20, 45), (20, 5), (30, 0), (40, 100)]
    calls = [a_call(acme, when, call_duration=d) for when, d in durations]
    await seed(uows, acme, *calls)
    await seed(uows, globex, *(a_call(globex, when, call_duration=999) for when in (0, 20, 40)))

    async with uows(tenant_id=acme.id) as tx:
        got = {
            when: await tx.calls.seconds_since(acme.id, at(when)) for when in (-1, 0, 15, 20, 41)
        }
    async with uows(tenant_id=globex.id) as tx:
        theirs = await tx.calls.seconds_since(globex.id, at(20))

    expected = {
        since: sum(d or 0 for when, d in durations if when >= since) for since in (-1, 0, 15, 20)
    }
    assert got == {**expected, 41: 0}
    assert got[20] == 150  # the boundary counts: 45 + 5 + 0 + 100
    assert theirs == 999 * 2


async def test_the_average_talk_counts_only_calls_talked_on_since_that_instant(uows, acme, globex):
    durations = [(0, 30), (10, None), (20, 45), (20, 5), (30, 0), (40, 100)]
    await seed(uows, acme, *(a_call(acme, when, call_duration=d) for when, d in durations))
    await seed(uows, globex, *(a_call(globex, when, call_duration=999) for when in (0, 20)))

    async with uows(tenant_id=acme.id) as tx:
        got = {w: await tx.calls.average_talk_since(acme.id, at(w)) for w in (0, 15, 41)}

    talked = {since: [d for when, d in durations if when >= since and d] for since in (0, 15)}
    assert got == {**{s: sum(t) / len(t) for s, t in talked.items()}, 41: None}


# --- routing a provider's message -----------------------------------------------------------


async def test_route_finds_the_call_of_any_tenant_by_either_id_ours_first(uows, acme, globex):
    mine = a_call(acme, vapi_call_id=next(_provider_ids))
    theirs = a_call(globex, vapi_call_id=next(_provider_ids))
    unlinked = a_call(globex)
    await seed(uows, acme, mine)
    await seed(uows, globex, theirs, unlinked)

    async def route(call_id: CallId | None = None, provider: str | None = None) -> Any:
        named = CallRoute(call_id=call_id, provider_call_id=provider)
        async with uows(call_route=named) as tx:
            return await tx.calls.route(named)

    assert await route(theirs.id) == (globex.id, theirs.id)
    assert await route(unlinked.id) == (globex.id, unlinked.id)
    assert await route(provider=mine.vapi_call_id) == (acme.id, mine.id)
    assert await route(theirs.id, theirs.vapi_call_id) == (globex.id, theirs.id)
    # Our id wins over the provider's when they name different calls.
    assert await route(unlinked.id, mine.vapi_call_id) == (globex.id, unlinked.id)
    assert await route(mine.id, theirs.vapi_call_id) == (acme.id, mine.id)
    # An unknown id of ours falls back to the provider's.
    assert await route(CallId(ids.new()), theirs.vapi_call_id) == (globex.id, theirs.id)
    assert await route(CallId(ids.new()), "vapi-nobody") is None
    assert await route(CallId(ids.new())) is None
    assert await route(provider="vapi-nobody") is None
    assert await route() is None


async def test_a_provider_call_id_links_one_call_across_all_tenants(uows, acme, globex):
    shared = next(_provider_ids)
    await add_and_commit(uows, a_call(acme, vapi_call_id=shared))
    with pytest.raises(AlreadyExists) as raised:
        await add_and_commit(uows, a_call(globex, vapi_call_id=shared))
    assert raised.value.field == "vapi_call_id"


# --- the registry of calls in flight ----------------------------------------------------------


async def test_live_calls_count_on_the_line_per_tenant_and_globally(uows, acme, globex):
    mine = [a_call(acme, n) for n in range(3)]
    theirs = [a_call(globex, n) for n in range(2)]
    await seed(
        uows, acme, *mine, *(LiveCall(c.id, acme.id, at(100 + n)) for n, c in enumerate(mine))
    )
    await seed(uows, globex, *theirs)
    async with uows(tenant_id=globex.id) as tx:
        await tx.live_calls.hold(LiveCall(theirs[0].id, globex.id, at(50)))
        await tx.live_calls.hold(LiveCall(theirs[1].id, globex.id, at(60), on_line=False))
        await tx.commit()

    counts = {}
    for tenant in (acme, globex):
        async with uows(tenant_id=tenant.id) as tx:
            counts[tenant.name] = (
                await tx.live_calls.count(acme.id),
                await tx.live_calls.count(globex.id),
                await tx.live_calls.count(),
            )
    assert counts == {"Acme": (3, 1, 4), "Globex": (3, 1, 4)}  # seen alike from any tenant
    async with uows(tenant_id=acme.id) as tx:
        assert (await tx.live_calls.on_line(acme.id), await tx.live_calls.on_line(globex.id)) == (
            (4, 3),
            (4, 1),
        )
    for tenant, expected in ((acme, (4, 3)), (globex, (4, 1))):
        async with uows(tenant_id=tenant.id) as tx:
            assert await tx.live_calls.lock_and_count(tenant.id) == expected

    async with uows(tenant_id=acme.id) as tx:
        await tx.live_calls.hang_up(acme.id, mine[0].id, at(500))  # later: the earlier stays
        await tx.live_calls.hang_up(acme.id, mine[1].id, at(90))  # sooner: brought forward
        assert (await tx.live_calls.count(acme.id), await tx.live_calls.count()) == (1, 2)
        assert await tx.live_calls.on_line(acme.id) == (2, 1)
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        assert (await tx.live_calls.count(acme.id), await tx.live_calls.count()) == (1, 2)
        due = await tx.live_calls.due(at(1000), 10)
    assert due == [
        LiveCall(theirs[0].id, globex.id, at(50)),
        LiveCall(theirs[1].id, globex.id, at(60), on_line=False),
        LiveCall(mine[1].id, acme.id, at(90), on_line=False),
        LiveCall(mine[0].id, acme.id, at(100), on_line=False),
        LiveCall(mine[2].id, acme.id, at(102)),
    ]


async def test_lines_held_together_count_each_and_a_held_call_keeps_its_entry(uows, acme):
    calls = [a_call(acme, n) for n in range(3)]
    await seed(uows, acme, *calls, LiveCall(calls[0].id, acme.id, at(10)))
    async with uows(tenant_id=acme.id) as tx:
        await tx.live_calls.hold_many(
            [LiveCall(c.id, acme.id, at(100 + n), on_line=n != 2) for n, c in enumerate(calls)]
        )
        await tx.live_calls.hold_many([])
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.live_calls.count(acme.id) == 2
        due = await tx.live_calls.due(at(1000), 10)
    assert due == [
        LiveCall(calls[0].id, acme.id, at(10)),
        LiveCall(calls[1].id, acme.id, at(101)),
        LiveCall(calls[2].id, acme.id, at(102), on_line=False),
    ]


async def test_postpone_release_and_due_in_check_order_across_tenants(uows, acme, globex):
    mine = [a_call(acme, n) for n in range(4)]
    theirs = a_call(globex)
    checks = [at(30), at(10), at(20), at(10)]
    await seed(
        uows, acme, *mine, *(LiveCall(c.id, acme.id, t) for c, t in zip(mine, checks, strict=True))
    )
    await seed(uows, globex, theirs, LiveCall(theirs.id, globex.id, at(15)))

    async with uows(tenant_id=acme.id) as tx:
        await tx.live_calls.postpone(acme.id, mine[1].id, at(40))  # later
        await tx.live_calls.postpone(acme.id, mine[0].id, at(5))  # or sooner
        await tx.live_calls.release(acme.id, mine[2].id)
        await tx.live_calls.release(acme.id, mine[2].id)  # again: nothing happens
        await tx.live_calls.release(acme.id, CallId(ids.new()))  # never held: nothing either
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        await tx.live_calls.release(acme.id, mine[2].id)  # and in a later transaction
        await tx.commit()

    async with uows(tenant_id=globex.id) as tx:
        everything = await tx.live_calls.due(at(1000), 10)
        now = await tx.live_calls.due(at(15), 10)  # check_at <= at: the boundary is due
        two = await tx.live_calls.due(at(1000), 2)
        count = await tx.live_calls.count()
    entry = {
        "a0": LiveCall(mine[0].id, acme.id, at(5)),
        "a1": LiveCall(mine[1].id, acme.id, at(40)),
        "a3": LiveCall(mine[3].id, acme.id, at(10)),
        "b": LiveCall(theirs.id, globex.id, at(15)),
    }
    assert everything == [entry["a0"], entry["a3"], entry["b"], entry["a1"]]
    assert now == [entry["a0"], entry["a3"], entry["b"]]
    assert two == everything[:2]
    assert count == 4


async def test_in_flight_pages_every_tenants_entries_by_call_id_whenever_due(uows, acme, globex):
    mine = [a_call(acme, n) for n in range(3)]
    theirs = [a_call(globex, n) for n in range(2)]
    await seed(
        uows,
        acme,
        *mine,
        LiveCall(mine[0].id, acme.id, at(10_000)),  # due long after any other
        LiveCall(mine[1].id, acme.id, at(5), on_line=False),
        LiveCall(mine[2].id, acme.id, at(20)),
    )
    await seed(uows, globex, *theirs, *(LiveCall(c.id, globex.id, at(1)) for c in theirs))
    expected = sorted(
        [
            LiveCall(mine[0].id, acme.id, at(10_000)),
            LiveCall(mine[1].id, acme.id, at(5), on_line=False),
            LiveCall(mine[2].id, acme.id, at(20)),
            *(LiveCall(c.id, globex.id, at(1)) for c in theirs),
        ],
        key=lambda live: live.call_id,
    )

    async with uows() as tx:  # outside any tenant, as at a start-up
        everything = await tx.live_calls.in_flight(None, 10)
        pages = [await tx.live_calls.in_flight(None, 2)]
        while len(pages[-1]) == 2:
            pages.append(await tx.live_calls.in_flight(pages[-1][-1].call_id, 2))
    async with uows(tenant_id=acme.id) as tx:  # any tenant's context reads them all alike
        seen_from_acme = await tx.live_calls.in_flight(None, 10)

    assert everything == expected
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [live for page in pages for live in page] == expected
    assert seen_from_acme == expected


async def test_due_pages_on_after_an_entry_in_check_then_id_order(uows, acme, globex):
    """A sweep pages with the last entry it took: ties on check_at are broken by call id,
    so no entry is taken twice or skipped, and an entry left in place is paged past."""
    calls = [a_call(acme, n) for n in range(5)] + [a_call(globex, n) for n in range(2)]
    checks = [at(10), at(20), at(10), at(10), at(30), at(20), at(5000)]
    for tenant in (acme, globex):
        mine = [(c, t) for c, t in zip(calls, checks, strict=True) if c.tenant_id == tenant.id]
        await seed(
            uows, tenant, *(c for c, _ in mine), *(LiveCall(c.id, tenant.id, t) for c, t in mine)
        )
    due = sorted(
        (LiveCall(c.id, c.tenant_id, t) for c, t in zip(calls, checks, strict=True) if t <= at(30)),
        key=lambda live: (live.check_at, live.call_id),
    )

    pages: list[list[LiveCall]] = []
    after = None
    async with uows() as tx:
        while page := await tx.live_calls.due(at(30), 2, after):
            pages.append(page)
            after = page[-1]

    assert [len(page) for page in pages] == [2, 2, 2]
    assert [live for page in pages for live in page] == due
    assert pages[0][0].check_at == pages[0][1].check_at == at(10)  # a tie, split by id


async def test_a_tenant_cannot_release_postpone_or_hang_up_another_tenants_entry(
    uows, acme, globex
):
    mine = a_call(acme)
    held = LiveCall(mine.id, acme.id, at(100))
    await seed(uows, acme, mine, held)

    for context in (globex.id, acme.id):  # its own context or another's: the id decides
        async with uows(tenant_id=context) as tx:
            await tx.live_calls.postpone(globex.id, mine.id, at(1))
            await tx.live_calls.hang_up(globex.id, mine.id, at(1))
            await tx.live_calls.release(globex.id, mine.id)
            await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.live_calls.due(at(1000), 10) == [held]
        assert await tx.live_calls.count(acme.id) == 1


# --- AI usage ---------------------------------------------------------------------------------


async def test_usage_rows_round_trip_in_the_order_reported(uows, acme, globex):
    call, other = a_call(acme), a_call(acme)
    await seed(uows, acme, call, other)
    first = [
        usage(
            call,
            "0.012345",
            UsageKind.TRANSPORT,
            item_type="transport",
            provider="twilio",
            seconds=63,
        ),
        usage(call, "0.000001", UsageKind.STT, provider="deepgram", model="nova-2", seconds=60),
        usage(
            call,
            "0.25",
            UsageKind.LLM,
            provider="openai",
            model="gpt-4o",
            prompt_tokens=1200,
            completion_tokens=345,
        ),
    ]
    second = [
        usage(
            call, "0.1", UsageKind.TTS, provider="11labs", model="eleven_turbo_v2", characters=987
        ),
        usage(call, "0", UsageKind.PLATFORM, item_type="vapi"),
        usage(call, "123456.000001", UsageKind.OTHER, item_type="knowledge-base"),
    ]
    elsewhere = [usage(other, "1", UsageKind.ANALYSIS)]
    async with uows(tenant_id=acme.id) as tx:
        await tx.ai_usage.add_many(first)
        await tx.ai_usage.add_many([])
        await tx.ai_usage.add_many(elsewhere)
        await tx.ai_usage.add_many(second)
        await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.ai_usage.of_call(acme.id, call.id)
        stored_other = await tx.ai_usage.of_call(acme.id, other.id)
        from_other = await tx.ai_usage.of_call(globex.id, call.id)
    async with uows(tenant_id=globex.id) as tx:
        in_other = await tx.ai_usage.of_call(globex.id, call.id)
    assert stored == first + second
    assert all(isinstance(row.item.cost, Decimal) for row in stored)
    assert stored_other == elsewhere
    assert (from_other, in_other) == ([], [])


async def test_usage_rows_keep_every_count_and_every_digit(uows, acme):
    """Vapi prices to 8 decimals and more, and counts tokens of every sort: a row reads back
    as it was written, to the last digit of its cost and minutes."""
    call = a_call(acme)
    await seed(uows, acme, call)
    rows = [
        usage(
            call,
            "0.00562928123456",
            UsageKind.LLM,
            item_type="model",
            provider="openai",
            model="gpt-4o-mini",
            prompt_tokens=5210,
            completion_tokens=318,
            cached_prompt_tokens=1024,
            reasoning_tokens=64,
        ),
        usage(
            call,
            "0.00007275",
            UsageKind.ANALYSIS,
            item_type="voicemail-detection",
            prompt_tokens=120,
            completion_tokens=4,
            prompt_audio_tokens=640,
            completion_audio_tokens=2**62,
        ),
        usage(
            call,
            "0.0000000000000000001",
            UsageKind.TRANSPORT,
            item_type="transport",
            seconds=177,
            minutes=Decimal("2.95833333333333333"),
        ),
        usage(call, "-0.00000001", UsageKind.OTHER, item_type="unattributed"),
        usage(call, "999999.12345678901234567890", UsageKind.OTHER, item_type="surprise"),
    ]
    async with uows(tenant_id=acme.id) as tx:
        await tx.ai_usage.add_many(rows)
        await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.ai_usage.of_call(acme.id, call.id)
        [total] = await tx.ai_usage.totals(acme.id, UsageQuery(at(-10), at(10)))

    assert stored == rows
    assert [str(r.item.cost) for r in stored] == [str(r.item.cost) for r in rows]
    assert stored[2].item.minutes == Decimal("2.95833333333333333")
    assert total.cost == Decimal("999999.129158810246905679")


BASE = datetime(2026, 1, 31, 20, 0, tzinfo=UTC)  # hours from it cross a day and a month


def hour(n: int) -> datetime:
    return BASE + timedelta(hours=n)


def expected_totals(
    calls: list[VoiceCall], costs: dict[CallId, list[Decimal]], query: UsageQuery
) -> list[UsageTotal]:
    groups: dict[tuple[datetime, Any], list[VoiceCall]] = {}
    for call in calls:
        if not query.start <= call.created_at < query.end:
            continue
        when = call.created_at.astimezone(UTC)
        period = datetime(
            when.year, when.month, 1 if query.period == "month" else when.day, tzinfo=UTC
        )
        by = {"agent": call.agent_id, "batch": call.batch_id}.get(query.by or "")
        groups.setdefault((period, by), []).append(call)
    totals = [
        UsageTotal(
            period_start=period,
            calls=len(group),
            seconds=sum(c.call_duration or 0 for c in group),
            cost=sum((sum(costs[c.id], Decimal(0)) for c in group), Decimal(0)),
            agent_id=by if query.by == "agent" else None,
            batch_id=by if query.by == "batch" else None,
        )
        for (period, by), group in groups.items()
    ]
    return sorted(
        totals,
        key=lambda t: (
            t.period_start,
            (t.agent_id or t.batch_id) is None,
            t.agent_id or t.batch_id or UUID(int=0),
        ),
    )


@st.composite
def usage_specs(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "agent": draw(st.sampled_from([None, 0, 1])),
        "batch": draw(st.sampled_from([None, 0, 1])),
        "hour": draw(st.integers(0, 30)),
        "duration": draw(st.one_of(st.none(), st.integers(0, 3600))),
        "costs": draw(
            st.lists(st.decimals(min_value=0, max_value=50, places=6, allow_nan=False), max_size=3)
        ),
    }


@EXAMPLES
@given(
    specs=st.lists(usage_specs(), max_size=7),
    bounds=st.tuples(st.integers(0, 31), st.integers(0, 31)).map(sorted),
    period=st.sampled_from(["day", "month"]),
    by=st.sampled_from([None, "agent", "batch"]),
)
async def test_usage_totals_sum_calls_seconds_and_cost_by_period_and_group(
    per_example, specs, bounds, period, by
):
    uows = per_example()
    tenant, other = a_tenant(), a_tenant("Other")
    await given_tenants(uows, tenant, other)
    agents = [an_agent(tenant, "A"), an_agent(tenant, "B")]
    batch_rows, batches = two_batches(tenant)
    other_rows, other_batches = two_batches(other)
    calls = [
        a_call(
            tenant,
            created_at=hour(s["hour"]),
            agent_id=None if s["agent"] is None else agents[s["agent"]].id,
            batch_id=None if s["batch"] is None else batches[s["batch"]],
            call_duration=s["duration"],
        )
        for s in specs
    ]
    costs = {c.id: s["costs"] for c, s in zip(calls, specs, strict=True)}
    rows = [usage(c, str(cost)) for c in calls for cost in costs[c.id]]
    await seed(uows, tenant, *agents, *batch_rows, *calls, *rows)
    # Another tenant's calls and usage, in the same hours and its own batches, never count.
    copies = [
        attrs.evolve(
            c,
            id=CallId(ids.new()),
            tenant_id=other.id,
            agent_id=None,
            batch_id=None if s["batch"] is None else other_batches[s["batch"]],
        )
        for c, s in zip(calls, specs, strict=True)
    ]
    await seed(uows, other, *other_rows, *copies, *(usage(c, "7") for c in copies))
    query = UsageQuery(hour(bounds[0]), hour(bounds[1]), period=period, by=by)

    async with uows(tenant_id=tenant.id) as tx:
        totals = await tx.ai_usage.totals(tenant.id, query)

    assert totals == expected_totals(calls, costs, query)
    assert all(isinstance(t.cost, Decimal) for t in totals)


async def test_usage_totals_bounds_and_calls_without_usage(uows, acme):
    agent = an_agent(acme)
    before, first, unpriced, last, after = (
        a_call(acme, created_at=hour(n), agent_id=agent.id, call_duration=60)
        for n in (3, 4, 5, 6, 8)
    )
    await seed(
        uows,
        acme,
        agent,
        before,
        first,
        unpriced,
        last,
        after,
        usage(before, "9"),
        usage(first, "0.5"),
        usage(first, "0.25"),
        usage(last, "1"),
        usage(after, "9"),
    )
    async with uows(tenant_id=acme.id) as tx:
        totals = await tx.ai_usage.totals(acme.id, UsageQuery(hour(4), hour(8), "month", "agent"))
        nothing = await tx.ai_usage.totals(acme.id, UsageQuery(hour(9), hour(20)))
    assert totals == [
        UsageTotal(datetime(2026, 2, 1, tzinfo=UTC), 3, 180, Decimal("1.75"), agent.id)
    ]
    assert nothing == []


# --- the webhook inbox ------------------------------------------------------------------------


async def test_the_inbox_keeps_a_message_once_per_dedupe_key(uows, acme, globex):
    message = attrs.evolve(
        a_message(acme, "vapi:call-1:status-update:ringing"),
        provider_call_id="call-1",
        processed_at=at(1),
        error="a note",
    )
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.inbox.add(message) is True
        assert await tx.inbox.add(attrs.evolve(message, id=ids.new())) is False
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        later = attrs.evolve(message, id=ids.new(), received_at=at(5), payload={"other": 1})
        assert await tx.inbox.add(later) is False
        await tx.commit()
    # The key is global: no other tenant, nor a message of no tenant, can store it again.
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.inbox.add(attrs.evolve(message, id=ids.new(), tenant_id=globex.id)) is False
        await tx.commit()
    async with uows() as tx:
        assert await tx.inbox.add(attrs.evolve(message, id=ids.new(), tenant_id=None)) is False
        await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.inbox.list(acme.id, PageRequest()) == [message]
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.inbox.list(globex.id, PageRequest()) == []
    async with uows() as tx:
        assert await tx.inbox.list(None, PageRequest()) == []


async def test_a_message_is_stored_and_its_call_locked_in_one_step(uows, acme, globex):
    call, theirs = a_call(acme, 1), a_call(globex, 2)
    await seed(uows, acme, call)
    await seed(uows, globex, theirs)
    message = attrs.evolve(a_message(acme), provider_call_id="call-1")

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.store_and_lock_call(message, call.id) == (True, call)
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        repeat = attrs.evolve(message, id=ids.new())
        assert await tx.store_and_lock_call(repeat, call.id) == (False, None)
        other = a_message(acme)
        assert await tx.store_and_lock_call(other, CallId(ids.new())) == (True, None)
        # Another tenant's call is no call of this tenant's: the message is kept all the same.
        elsewhere = a_message(acme)
        assert await tx.store_and_lock_call(elsewhere, theirs.id) == (True, None)
        await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        kept = await tx.inbox.list(acme.id, PageRequest())
    assert sorted(m.id for m in kept) == sorted([message.id, other.id, elsewhere.id])


async def test_a_message_delivered_again_while_the_first_is_open_is_not_stored_twice(uows, acme):
    """The provider retries a webhook while the first delivery's transaction is still open:
    the retry learns the key is taken (PostgreSQL waits for the first to commit), and the
    first, which got there first, keeps its message and commits."""
    message = a_message(acme)

    async def deliver_again() -> bool:
        async with uows(tenant_id=acme.id) as tx:
            stored = await tx.inbox.add(attrs.evolve(message, id=ids.new()))
            await tx.commit()
            return stored

    async with uows(tenant_id=acme.id) as first:
        assert await first.inbox.add(message) is True
        again = asyncio.create_task(deliver_again())
        await asyncio.sleep(0)  # the retry starts while the first delivery is open
        await first.commit()
    assert await asyncio.wait_for(again, 10) is False
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.inbox.list(acme.id, PageRequest()) == [message]


async def test_the_inbox_lists_per_tenant_and_no_tenant_oldest_first(uows, acme, globex):
    mine = [a_message(acme, when=w) for w in (3, 1, 2)]
    theirs = [a_message(globex, when=0)]
    nobodys = [a_message(None, when=w) for w in (2, 1)]
    for tenant, messages in ((acme, mine), (globex, theirs)):
        async with uows(tenant_id=tenant.id) as tx:
            assert [await tx.inbox.add(m) for m in messages] == [True] * len(messages)
            await tx.commit()
    async with uows() as tx:
        assert [await tx.inbox.add(m) for m in nobodys] == [True, True]
        await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        first = await tx.inbox.list(acme.id, PageRequest(limit=1))
        rest = await tx.inbox.list(
            acme.id, PageRequest(after=Position(first[0].received_at, first[0].id))
        )
    async with uows(tenant_id=globex.id) as tx:
        listed_theirs = await tx.inbox.list(globex.id, PageRequest())
    async with uows() as tx:
        listed_nobodys = await tx.inbox.list(None, PageRequest())

    assert len(first) == 2
    assert first[:1] + rest == sorted(mine, key=lambda m: m.received_at)
    assert listed_theirs == theirs
    assert listed_nobodys == sorted(nobodys, key=lambda m: m.received_at)


def failed(message: InboxMessage, error: str = "RuntimeError: a bug") -> InboxMessage:
    return attrs.evolve(message, processed_at=None, error=error)


def entry(message: InboxMessage) -> InboxEntry:
    return InboxEntry.of(message)


async def test_recent_messages_are_newest_first_by_tenant_and_filtered(uows, acme, globex):
    applied = attrs.evolve(a_message(acme, when=4), processed_at=at(4))
    unapplied = a_message(acme, when=5)  # kept without error (no call of ours): not failed
    mine = [failed(a_message(acme, when=w)) for w in (1, 3, 2)]
    theirs = failed(a_message(globex, when=2))
    nobodys = [failed(a_message(None, when=w)) for w in (1, 6)]
    async with uows(tenant_id=acme.id) as tx:
        for m in [applied, unapplied, *mine]:
            assert await tx.inbox.add(m)
        await tx.commit()
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.inbox.add(theirs)
        await tx.commit()
    async with uows() as tx:
        for m in nobodys:
            assert await tx.inbox.add(m)
        await tx.commit()
    newest_failed = sorted(mine, key=lambda m: m.received_at, reverse=True)

    async with uows(tenant_id=acme.id) as tx:
        everything = await tx.inbox.recent(acme.id, PageRequest())
        first = await tx.inbox.recent(acme.id, PageRequest(limit=1), failed=True)
        rest = await tx.inbox.recent(
            acme.id,
            PageRequest(after=Position(first[0].received_at, first[0].id)),
            failed=True,
        )
        since = await tx.inbox.recent(acme.id, PageRequest(), failed=True, since=at(2))
    async with uows(tenant_id=globex.id) as tx:
        listed_theirs = await tx.inbox.recent(globex.id, PageRequest(), failed=True)
    async with uows() as tx:
        listed_nobodys = await tx.inbox.recent(None, PageRequest(), failed=True)

    assert everything == [entry(m) for m in [unapplied, applied, *newest_failed]]
    assert len(first) == 2, "one more than the limit: a next page exists"
    assert first[:1] + rest == [entry(m) for m in newest_failed]
    assert all(m.failed for m in rest)
    assert since == [entry(m) for m in newest_failed[:2]]
    assert listed_theirs == [entry(theirs)]
    assert listed_nobodys == [entry(m) for m in reversed(nobodys)]


async def test_a_message_is_read_saved_and_removed_only_in_its_own_tenant(uows, acme, globex):
    mine, nobodys = failed(a_message(acme)), failed(a_message(None))
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.inbox.add(mine)
        await tx.commit()
    async with uows() as tx:
        assert await tx.inbox.add(nobodys)
        await tx.commit()

    async with uows(tenant_id=globex.id) as tx:
        assert await tx.inbox.get(globex.id, mine.id) is None
        assert await tx.inbox.get_for_update(globex.id, mine.id) is None
        # Named with another tenant: nothing is written.
        await tx.inbox.save(attrs.evolve(mine, tenant_id=globex.id, error=None))
        await tx.inbox.remove(attrs.evolve(mine, tenant_id=globex.id))
        await tx.commit()
    async with uows() as tx:
        assert await tx.inbox.get(None, mine.id) is None
        assert await tx.inbox.get(None, nobodys.id) == nobodys
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.inbox.get(acme.id, nobodys.id) is None
        assert await tx.inbox.get(acme.id, mine.id) == mine
        locked = await tx.inbox.get_for_update(acme.id, mine.id)
        assert locked == mine
        # Only processed_at and error change, whatever else the message says.
        await tx.inbox.save(
            attrs.evolve(mine, processed_at=at(9), error=None, payload={}, type="other")
        )
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.inbox.get(acme.id, mine.id) == attrs.evolve(
            mine, processed_at=at(9), error=None
        )


async def test_a_message_of_no_tenant_moves_into_a_tenant_in_one_transaction(uows, acme):
    """Row-level security lets no single write move a row between tenants: it is removed
    outside every tenant, then kept again in the call's tenant, with its id and key."""
    nobodys = failed(a_message(None))
    async with uows() as tx:
        assert await tx.inbox.add(nobodys)
        await tx.commit()

    async with uows() as tx:
        locked = await tx.inbox.get_for_update(None, nobodys.id)
        assert locked == nobodys
        await tx.inbox.remove(locked)
        await tx.switch_tenant(acme.id)
        moved = attrs.evolve(locked, tenant_id=acme.id, processed_at=at(3), error=None)
        assert await tx.inbox.add(moved) is True
        await tx.commit()

    async with uows() as tx:
        assert await tx.inbox.get(None, nobodys.id) is None
        assert await tx.inbox.recent(None, PageRequest()) == []
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.inbox.get(acme.id, nobodys.id) == moved
    # Its key is still taken.
    async with uows() as tx:
        assert await tx.inbox.add(attrs.evolve(nobodys, id=ids.new())) is False


async def test_a_locked_message_is_read_after_the_holder_commits(uows, acme):
    """Two replays of one message: the second waits for the first's lock, then sees it
    processed."""
    message = failed(a_message(acme))
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.inbox.add(message)
        await tx.commit()

    async def second() -> InboxMessage | None:
        async with uows(tenant_id=acme.id) as tx:
            return await tx.inbox.get_for_update(acme.id, message.id)

    async with uows(tenant_id=acme.id) as first:
        locked = await first.inbox.get_for_update(acme.id, message.id)
        assert locked is not None
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.1)
        assert not waiting.done()
        await first.inbox.save(attrs.evolve(locked, processed_at=at(7), error=None))
        await first.commit()
    seen = await asyncio.wait_for(waiting, 10)
    assert seen is not None
    assert (seen.processed_at, seen.error) == (at(7), None)


# --- transactions -----------------------------------------------------------------------------


async def test_leaving_without_commit_leaves_nothing(uows, acme):
    kept = a_call(acme)
    await seed(uows, acme, kept, LiveCall(kept.id, acme.id, at(10)))
    call = a_call(acme, idempotency_key="rolled-back", vapi_call_id="vapi-rolled-back")
    message = a_message(acme, "rolled-back")
    async with uows(tenant_id=acme.id) as tx:
        await tx.calls.add(call)
        await tx.live_calls.hold(LiveCall(call.id, acme.id, at(1)))
        await tx.ai_usage.add_many([usage(call, "1"), usage(kept, "2")])
        assert await tx.inbox.add(message)
        await tx.live_calls.hang_up(acme.id, kept.id, at(2))

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.calls.get(acme.id, call.id) is None
        assert await tx.calls.by_idempotency_key(acme.id, "rolled-back") is None
        assert await tx.calls.list(acme.id, CallFilter(), PageRequest()) == listed(kept)
        assert await tx.live_calls.due(at(1000), 10) == [LiveCall(kept.id, acme.id, at(10))]
        assert await tx.live_calls.count() == 1
        assert await tx.ai_usage.of_call(acme.id, kept.id) == []
        assert await tx.ai_usage.totals(acme.id, UsageQuery(at(-10), at(10))) == [
            UsageTotal(datetime(2026, 3, 1, tzinfo=UTC), 1, 0, Decimal(0))
        ]
        assert await tx.inbox.list(acme.id, PageRequest()) == []
    async with uows() as tx:
        assert await tx.calls.route(CallRoute(call.id, "vapi-rolled-back")) is None
    # The keys were never taken.
    await add_and_commit(uows, attrs.evolve(call, id=CallId(ids.new())))
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.inbox.add(attrs.evolve(message, id=ids.new())) is True
        await tx.commit()


async def test_an_error_rolls_back_what_the_transaction_wrote(uows, acme):
    call = a_call(acme)
    await seed(uows, acme, call)

    async def write_then_fail() -> None:
        async with uows(tenant_id=acme.id) as tx:
            await tx.live_calls.hold(LiveCall(call.id, acme.id, at(1)))
            await tx.ai_usage.add_many([usage(call, "1")])
            await tx.inbox.add(a_message(acme))
            stored = await tx.calls.get_for_update(acme.id, call.id)
            assert stored is not None
            stored.status = CallStatus.ENDED
            await tx.calls.save(stored)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await write_then_fail()
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.calls.get(acme.id, call.id) == call
        assert await tx.live_calls.count() == 0
        assert await tx.ai_usage.of_call(acme.id, call.id) == []
        assert await tx.inbox.list(acme.id, PageRequest()) == []


def applied(message: InboxMessage) -> InboxMessage:
    return attrs.evolve(message, processed_at=message.received_at)


async def test_old_messages_leave_the_inbox_applied_ones_first_failed_ones_later(
    uows, acme, globex
):
    mine = {
        "applied, old": applied(a_message(acme, when=0)),
        "applied, recent": applied(a_message(acme, when=100)),
        "failed, old": failed(a_message(acme, when=0)),
        "failed, very old": failed(a_message(acme, when=-100)),
        "applied, older": applied(a_message(acme, when=-1)),
    }
    theirs = applied(a_message(globex, when=0))
    nobodys = [applied(a_message(None, when=0)), failed(a_message(None, when=-100))]
    for tenant, messages in ((acme, list(mine.values())), (globex, [theirs])):
        async with uows(tenant_id=tenant.id) as tx:
            for m in messages:
                await tx.inbox.add(m)
            await tx.commit()
    async with uows() as tx:
        for m in nobodys:
            await tx.inbox.add(m)
        await tx.commit()
    bounds = {"settled_before": at(50), "failed_before": at(-50)}

    async with uows(tenant_id=acme.id) as tx:
        first = await tx.inbox.purge(acme.id, **bounds, limit=2)
        second = await tx.inbox.purge(acme.id, **bounds, limit=2)
        await tx.commit()
    async with uows() as tx:
        of_no_tenant = await tx.inbox.purge(None, **bounds, limit=10)
        await tx.commit()

    assert (first, second, of_no_tenant) == (2, 1, 2)
    async with uows(tenant_id=acme.id) as tx:
        left = {m.id for m in await tx.inbox.list(acme.id, PageRequest())}
    assert left == {mine["applied, recent"].id, mine["failed, old"].id}
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.inbox.list(globex.id, PageRequest()) == [theirs]
    async with uows() as tx:
        assert await tx.inbox.list(None, PageRequest()) == []
