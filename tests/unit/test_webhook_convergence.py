"""Vapi's messages about a placed call, through the webhook path below HTTP (parse_message,
then ProviderEvents.receive) on the in-memory adapters: in any order and with any number of
redeliveries they end in the same call, one set of usage rows, one contact of the lead, one
inbox row per message, and a released registry. Messages about no call of ours, of types we
do not handle, and tool calls are kept and answered; a message about one tenant's call
touches nothing of another's."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from adapters.memory.calls import InMemoryWebhookInbox
from adapters.vapi.answers import reply_of
from adapters.vapi.messages import parse_message
from application.access import Principal
from application.call_events import (
    NO_TOOLS,
    Acknowledged,
    Answer,
    ProviderEvents,
    ToolCall,
    ToolResults,
)
from application.calls import CallService, PlaceCall
from application.catalogue import sync_catalogue
from application.errors import ServiceUnavailable
from application.phone_resolution import PhoneResolver
from application.plans import SetOverride, TenantFeatureService
from application.ports.telephony import OutboundCall, ProviderCall
from domain.agents import VoiceAgent
from domain.calls import CallStatus, VoiceCall
from domain.ids import AgentId, LeadId, PhoneNumberId
from domain.leads import Lead, LeadStatus
from domain.phones import NumberProvider, PhoneLine, PhoneNumber
from domain.tenancy import Tenant
from tests.fakes.busy_rows import hold_calls
from tests.fakes.vapi import iso
from tests.fakes.vapi_messages import ORG_ID, STATUSES, VapiCall, encoded
from tests.support import PLATFORM
from tests.unit.helpers import Fresh, fresh

# --- arranging -----------------------------------------------------------------------------


class QueuedProvider:
    """A TelephonyProvider that takes every call (Vapi's create answer: a queued call)."""

    def __init__(self, clock: Any) -> None:
        self._clock = clock

    async def place_call(self, call: OutboundCall) -> ProviderCall:
        provider_id = str(uuid4())
        created = iso(self._clock.now())
        data = {
            "id": provider_id,
            "orgId": ORG_ID,
            "status": "queued",
            "name": str(call.call_id),
            "createdAt": created,
            "updatedAt": created,
        }
        return ProviderCall(provider_id, "queued", name=str(call.call_id), data=data)

    async def get_call(self, provider_call_id: str) -> None:
        return None

    async def find_call(self, *_: Any) -> None:
        return None


@attrs.frozen
class Placed:
    """One tenant's call, placed through CallService and taken by the provider."""

    f: Fresh
    events: ProviderEvents
    tenant: Tenant
    lead: Lead
    call: VoiceCall
    vapi: VapiCall
    """The same call as Vapi holds it (it builds Vapi's messages about it)."""

    async def deliver(self, payload: dict[str, Any]) -> Answer:
        message = parse_message(encoded(payload), self.events.now())
        return await self.events.receive(message)

    def stored_call(self) -> VoiceCall:
        return self.f.db.tables["calls"][self.call.id]

    def stored_lead(self) -> Lead:
        return self.f.db.tables["leads"][self.lead.id]


async def a_world() -> Fresh:
    world = fresh()
    await sync_catalogue(world.deps)
    return world


async def place(f: Fresh, name: str = "Acme", line_number: str = "+12025550143") -> Placed:
    now = f.clock.now()
    ids = f.deps.ids
    owner = await f.world.user(f"owner-{uuid4().hex[:12]}@example.com")
    tenant = await f.world.tenant(owner, name)
    # Recorded calls: the recording is part of what must converge.
    await TenantFeatureService(f.deps).set_override(
        PLATFORM, SetOverride(tenant.id, "recordings", True)
    )
    line = PhoneLine(
        PhoneNumberId(ids.new()),
        tenant.id,
        PhoneNumber.parse(line_number),
        NumberProvider.VAPI,
        now,
        now,
        provider_number_id=str(uuid4()),
    )
    agent = VoiceAgent(
        AgentId(ids.new()),
        tenant.id,
        f"{name} caller",
        now,
        now,
        default_number_id=line.id,
        outbound_prompt="You are calling about the spring offer.",
        first_message="Hello, this is Acme calling.",
    )
    lead = Lead.new(
        LeadId(ids.new()), tenant.id, PhoneNumber.parse("+14155550123"), now, name="Ada"
    )
    async with f.deps.uows(tenant_id=tenant.id) as tx:
        await tx.phone_numbers.add(line)
        await tx.agents.add(agent)
        await tx.leads.add(lead)
        await tx.commit()
    calls = CallService(f.deps, QueuedProvider(f.clock))
    call = await calls.place_call(
        Principal.user(owner.id), PlaceCall(tenant.id, agent.id, lead_id=lead.id)
    )
    assert call.vapi_call_id is not None
    assert call.status is CallStatus.QUEUED
    vapi = VapiCall(
        id=call.vapi_call_id,
        name=str(call.id),
        metadata={"tenant_id": str(tenant.id), "call_id": str(call.id), "lead_id": str(lead.id)},
        phone_number_id=str(line.provider_number_id),
        customer_number=lead.phone.e164,
        customer_external_id=str(lead.id),
        created_at=now,
    )
    events = ProviderEvents(f.deps, PhoneResolver(f.deps))
    return Placed(f, events, tenant, f.db.tables["leads"][lead.id], call, vapi)


def without_presigning(value: Any) -> Any:
    """`value` with the query of every presigned URL dropped: a report's URLs are signed
    anew at each delivery without a change of content."""
    if isinstance(value, dict):
        return {k: without_presigning(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_presigning(v) for v in value]
    if isinstance(value, str) and "X-Amz-Signature=" in value:
        return value.split("?", 1)[0]
    return value


def final_state(call: VoiceCall) -> dict[str, Any]:
    return {
        "status": call.status,
        "ended_reason": call.ended_reason,
        "transcription": call.transcription,
        "recording": without_presigning(call.recording_url),
        "summary": call.summary,
        "analysis": call.analysis,
        "cost": call.cost,
        "cost_breakdown": call.cost_breakdown,
        "duration": call.call_duration,
        "started_at": call.started_at,
        "ended_at": call.ended_at,
        "vapi_data": without_presigning(call.vapi_data),
    }


def expected_state(vapi: VapiCall) -> dict[str, Any]:
    """What the call must end as, from what Vapi said (not from the code under test)."""
    report = vapi.end_of_call_report()["message"]
    return {
        "status": CallStatus.ENDED,
        "ended_reason": vapi.ended_reason,
        "transcription": {"text": vapi.transcript, "messages": vapi.artifact_messages()},
        "recording": without_presigning(report["artifact"]["recording"]["mono"]["combinedUrl"]),
        "summary": vapi.summary,
        "analysis": vapi.analysis(),
        "cost": Decimal(repr(vapi.cost)),
        "cost_breakdown": vapi.breakdown,
        "duration": round((vapi.ended_at - vapi.started_at).total_seconds()),
        "started_at": vapi.started_at,
        "ended_at": vapi.ended_at,
        "vapi_data": without_presigning(report["call"]),
    }


def usage_of(placed: Placed) -> Counter[tuple[str, Decimal]]:
    rows = [u for u in placed.f.db.tables["ai_usage"].values() if u.call_id == placed.call.id]
    assert all(u.tenant_id == placed.tenant.id for u in rows)
    return Counter((u.item.item_type, u.item.cost) for u in rows)


def expected_usage(vapi: VapiCall) -> Counter[tuple[str, Decimal]]:
    return Counter((c["type"], Decimal(repr(c["cost"]))) for c in vapi.costs or ())


def inbox_of(placed: Placed, provider_call_id: str | None = None) -> list[Any]:
    wanted = provider_call_id or placed.vapi.id
    return [m for m in placed.f.db.tables["inbox"].values() if m.provider_call_id == wanted]


def assert_converged(placed: Placed, lead_version_before: int, distinct: int) -> None:
    assert final_state(placed.stored_call()) == expected_state(placed.vapi)
    assert usage_of(placed) == expected_usage(placed.vapi)
    lead = placed.stored_lead()
    assert lead.last_call_id == placed.call.id
    assert lead.last_contacted_at == placed.vapi.ended_at
    assert lead.status is LeadStatus.CONTACTED
    assert lead.version == lead_version_before + 1, "the lead was marked contacted once"
    inbox = inbox_of(placed)
    assert len(inbox) == distinct
    assert {m.tenant_id for m in inbox} == {placed.tenant.id}
    assert all(m.error is None and m.processed_at is not None for m in inbox)
    assert placed.call.id not in placed.f.db.tables["live_calls"]


# --- convergence ---------------------------------------------------------------------------


async def test_the_ordered_stream_ends_the_call_with_its_report():
    placed = await place(await a_world())
    assert placed.call.id in placed.f.db.tables["live_calls"]
    lead_version = placed.stored_lead().version

    answers = [await placed.deliver(payload) for payload in placed.vapi.stream()]

    # The call was queued already: that update is kept, and changes nothing.
    assert answers == [
        Acknowledged(stored=True, applied=False),
        *[Acknowledged(stored=True, applied=True)] * len(STATUSES),
    ]

    assert_converged(placed, lead_version, distinct=len(STATUSES) + 1)


async def test_an_ended_call_stops_counting_but_stays_watched_until_its_report():
    placed = await place(await a_world())
    for status in STATUSES:
        await placed.deliver(placed.vapi.status_update(status))

    live = placed.f.db.tables["live_calls"][placed.call.id]
    assert not live.on_line
    assert placed.stored_call().status is CallStatus.ENDED
    assert usage_of(placed) == Counter()

    await placed.deliver(placed.vapi.end_of_call_report())

    assert placed.call.id not in placed.f.db.tables["live_calls"]


LOGICAL = [*STATUSES, "report"]


@st.composite
def deliveries(draw: st.DrawFn) -> list[tuple[str, int]]:
    """Each message of the stream delivered 1 to 3 times, all in any order. A copy is
    (message, n): the n-th delivery of a report carries freshly presigned URLs and a later
    timestamp."""
    copies = [(m, n) for m in LOGICAL for n in range(draw(st.integers(1, 3)))]
    return draw(st.permutations(copies))


def payload_of(vapi: VapiCall, message: str, n: int) -> dict[str, Any]:
    if message == "report":
        return vapi.end_of_call_report(
            signature=f"delivery-{n}", at=vapi.reported_at + timedelta(seconds=n)
        )
    return vapi.status_update(message)


@settings(max_examples=50, deadline=None)
@given(order=deliveries())
async def test_any_order_with_any_redeliveries_converges_to_the_same_call(order):
    placed = await place(await a_world())
    lead_version = placed.stored_lead().version

    answers = [await placed.deliver(payload_of(placed.vapi, m, n)) for m, n in order]

    assert_converged(placed, lead_version, distinct=len(LOGICAL))
    stored = [a for a in answers if isinstance(a, Acknowledged) and a.stored]
    assert len(stored) == len(LOGICAL), "each message stored once, its repeats acknowledged"
    assert all(isinstance(a, Acknowledged) for a in answers)
    kept_url = placed.stored_call().recording_url
    delivered = {
        payload_of(placed.vapi, m, n)["message"]["artifact"]["recording"]["mono"]["combinedUrl"]
        for m, n in order
        if m == "report"
    }
    assert kept_url in delivered


@settings(max_examples=20, deadline=None)
@given(
    order=st.permutations(LOGICAL),
    status_reason=st.sampled_from(["customer-ended-call", "customer-busy", "voicemail"]),
)
async def test_the_reports_ended_reason_wins_over_the_status_updates_in_any_order(
    order, status_reason
):
    placed = await place(await a_world())

    for message in order:
        if message == "ended":
            await placed.deliver(placed.vapi.status_update("ended", ended_reason=status_reason))
        else:
            await placed.deliver(payload_of(placed.vapi, message, 0))

    assert placed.stored_call().ended_reason == placed.vapi.ended_reason


async def test_a_late_status_never_takes_an_ended_call_back():
    placed = await place(await a_world())
    await placed.deliver(placed.vapi.end_of_call_report())
    before = copy.deepcopy(placed.stored_call())

    for status in ("ringing", "in-progress", "queued"):
        answer = await placed.deliver(placed.vapi.status_update(status))
        assert answer == Acknowledged(stored=True, applied=False)

    assert placed.stored_call() == before


async def test_a_report_without_costs_writes_usage_from_the_breakdown_once():
    world = await a_world()
    placed = await place(world)
    vapi = attrs.evolve(placed.vapi, costs=None)

    for payload in [*vapi.stream(), vapi.end_of_call_report(signature="again")]:
        await placed.deliver(payload)

    rows = [u for u in world.db.tables["ai_usage"].values() if u.call_id == placed.call.id]
    kinds = Counter(u.item.kind.value for u in rows)
    # Voicemail detection and the summary are analyses; the knowledge base is another cost.
    assert kinds == Counter(
        ["transport", "stt", "llm", "tts", "platform", "analysis", "analysis", "other"]
    )
    assert sum(u.item.cost for u in rows) == Decimal(repr(vapi.cost))


# --- what is not about a call of ours ------------------------------------------------------


async def test_a_message_about_no_call_of_ours_is_kept_outside_any_tenant_and_acknowledged():
    placed = await place(await a_world())
    stranger = VapiCall(name=str(uuid4()))
    before = copy.deepcopy(placed.f.db.tables)

    first = await placed.deliver(stranger.status_update("ringing"))
    again = await placed.deliver(stranger.status_update("ringing"))
    report = await placed.deliver(stranger.end_of_call_report())

    assert (first, again, report) == (
        Acknowledged(stored=True),
        Acknowledged(stored=False),
        Acknowledged(stored=True),
    )
    kept = inbox_of(placed, stranger.id)
    assert sorted(m.type for m in kept) == ["end-of-call-report", "status-update"]
    assert {m.tenant_id for m in kept} == {None}
    assert kept[0].payload in (stranger.status_update("ringing"), stranger.end_of_call_report())
    tables = placed.f.db.tables
    for name in ("calls", "leads", "ai_usage", "live_calls"):
        assert tables[name] == before[name], name


async def test_a_message_naming_no_call_at_all_is_kept_and_acknowledged():
    placed = await place(await a_world())
    payload = {"message": {"type": "hang", "timestamp": 1772443867250}}

    assert await placed.deliver(payload) == Acknowledged(stored=True)
    assert await placed.deliver(copy.deepcopy(payload)) == Acknowledged(stored=False)

    kept = [m for m in placed.f.db.tables["inbox"].values() if m.type == "hang"]
    assert [(m.tenant_id, m.payload) for m in kept] == [(None, payload)]


async def test_a_type_we_do_not_handle_is_kept_with_the_calls_tenant_and_changes_nothing():
    placed = await place(await a_world())
    before = copy.deepcopy(placed.stored_call())

    answer = await placed.deliver(placed.vapi.speech_update())

    assert answer == Acknowledged(stored=True, applied=False)
    assert placed.stored_call() == before
    (kept,) = inbox_of(placed)
    assert (kept.type, kept.tenant_id) == ("speech-update", placed.tenant.id)
    assert kept.payload == placed.vapi.speech_update()


async def test_tool_calls_get_one_error_result_per_tool_call_every_time():
    placed = await place(await a_world())
    payload = placed.vapi.tool_calls(
        [("call_a", "lookup_order", {"order": 42}), ("call_b", "book_visit", {"day": "mon"})]
    )

    answers = [await placed.deliver(payload), await placed.deliver(copy.deepcopy(payload))]

    for answer in answers:
        assert answer == ToolResults(
            (
                (ToolCall("call_a", "lookup_order"), NO_TOOLS),
                (ToolCall("call_b", "book_visit"), NO_TOOLS),
            )
        )
        assert reply_of(answer) == {
            "results": [
                {"toolCallId": "call_a", "name": "lookup_order", "error": NO_TOOLS},
                {"toolCallId": "call_b", "name": "book_visit", "error": NO_TOOLS},
            ]
        }
    assert [m.type for m in inbox_of(placed)] == ["tool-calls"]


async def test_tool_calls_about_no_call_of_ours_are_answered_too():
    placed = await place(await a_world())
    stranger = VapiCall()

    answer = await placed.deliver(stranger.tool_calls([("call_z", "anything", {})]))

    assert answer == ToolResults(((ToolCall("call_z", "anything"), NO_TOOLS),))
    assert [m.tenant_id for m in inbox_of(placed, stranger.id)] == [None]


# --- tenants apart -------------------------------------------------------------------------


def rows_of(tables: dict[str, dict[Any, Any]], tenant: Tenant) -> dict[str, Any]:
    """Every committed row of the tenant, table by table (its own row too)."""
    rows: dict[str, Any] = {
        name: sorted(
            (
                copy.deepcopy(row)
                for row in table.values()
                if getattr(row, "tenant_id", 0) == tenant.id
            ),
            key=lambda row: str(getattr(row, "id", getattr(row, "call_id", ""))),
        )
        for name, table in tables.items()
    }
    rows["tenant"] = copy.deepcopy(tables["tenants"][tenant.id])
    return rows


@settings(max_examples=15, deadline=None)
@given(
    order=st.permutations(LOGICAL),
    spoof=st.booleans(),
)
async def test_messages_about_one_tenants_call_never_touch_another_tenants_data(order, spoof):
    world = await a_world()
    acme = await place(world, "Acme", "+12025550143")
    globex = await place(world, "Globex", "+12025550144")
    # Globex's call is under way; Acme's messages must leave all of Globex as it is.
    for status in ("queued", "ringing"):
        await globex.deliver(globex.vapi.status_update(status))
    vapi = acme.vapi
    if spoof:
        # What rides along in the message (metadata, customer) names Globex's tenant and
        # lead: only the call the message routes to counts.
        vapi = attrs.evolve(
            vapi,
            metadata={**vapi.metadata, "tenant_id": str(globex.tenant.id)},
            customer_external_id=str(globex.lead.id),
        )
    globex_before = rows_of(world.db.tables, globex.tenant)
    lead_version = acme.stored_lead().version

    for message in order:
        await acme.deliver(payload_of(vapi, message, 0))

    assert rows_of(world.db.tables, globex.tenant) == globex_before
    assert final_state(acme.stored_call())["status"] is CallStatus.ENDED
    assert acme.stored_lead().version == lead_version + 1
    assert usage_of(acme) == expected_usage(vapi)


async def test_each_tenants_call_takes_only_its_own_messages():
    world = await a_world()
    acme = await place(world, "Acme", "+12025550143")
    globex = await place(world, "Globex", "+12025550144")

    await acme.deliver(acme.vapi.end_of_call_report())
    await globex.deliver(globex.vapi.status_update("in-progress"))

    assert acme.stored_call().status is CallStatus.ENDED
    assert globex.stored_call().status is CallStatus.IN_PROGRESS
    assert globex.stored_call().transcription is None
    assert usage_of(globex) == Counter()
    assert globex.stored_lead().last_call_id is None
    assert {m.tenant_id for m in inbox_of(acme)} == {acme.tenant.id}
    assert {m.tenant_id for m in inbox_of(globex)} == {globex.tenant.id}


# --- regressions ---------------------------------------------------------------------------


async def test_a_message_that_fails_to_apply_is_kept_with_its_error_and_acknowledged(
    monkeypatch,
):
    """Vapi does not send a message again: one that hits a bug must still be kept, with
    why, to be replayed once the bug is fixed — never lost in a 500."""
    placed = await place(await a_world())
    before = copy.deepcopy(placed.f.db.tables)

    async def broken(*_: Any, **__: Any) -> bool:
        raise RuntimeError("a bug in applying news")

    monkeypatch.setattr("application.call_events.apply_news", broken)
    payload = placed.vapi.status_update("ringing")

    with capture_logs() as logs:
        answer = await placed.deliver(payload)
        again = await placed.deliver(copy.deepcopy(payload))

    assert (answer, again) == (Acknowledged(stored=True), Acknowledged(stored=False))
    [logged] = [e for e in logs if e["event"] == "webhook_not_applied"]
    assert (logged["log_level"], logged["type"]) == ("error", "status-update")
    assert logged.get("exc_info"), "the traceback is logged"
    (kept,) = inbox_of(placed)
    assert (kept.type, kept.tenant_id, kept.payload) == (
        "status-update",
        placed.tenant.id,
        payload,
    )
    assert kept.error == "RuntimeError: a bug in applying news"
    assert kept.processed_at is None, "not applied: to be replayed"
    tables = placed.f.db.tables
    for name in ("calls", "leads", "ai_usage", "live_calls"):
        assert tables[name] == before[name], name
    # Other messages about the call are still taken once the bug is gone.
    monkeypatch.undo()
    assert await placed.deliver(placed.vapi.status_update("in-progress")) == Acknowledged(
        stored=True, applied=True
    )
    assert placed.stored_call().status is CallStatus.IN_PROGRESS


async def test_a_report_about_a_busy_call_is_kept_with_why_and_acknowledged(monkeypatch):
    """Vapi sends the report once: when other work holds the call's rows past the lock
    bound, it is kept (in a transaction of its own) with why, not answered 503 and lost;
    the reconciler brings the call's final state from the provider later."""
    placed = await place(await a_world())
    before = copy.deepcopy(placed.f.db.tables)
    held = {placed.call.id}
    hold_calls(monkeypatch, held)
    payload = placed.vapi.end_of_call_report()

    with capture_logs() as logs:
        answer = await placed.deliver(payload)
        again = await placed.deliver(copy.deepcopy(payload))

    assert (answer, again) == (Acknowledged(stored=True), Acknowledged(stored=False))
    [logged] = [e for e in logs if e["event"] == "webhook_not_applied_busy"]
    assert logged["log_level"] == "warning"
    (kept,) = inbox_of(placed)
    assert (kept.type, kept.tenant_id, kept.payload) == (
        "end-of-call-report",
        placed.tenant.id,
        payload,
    )
    assert kept.error is not None
    assert "lock timeout" in kept.error
    assert kept.processed_at is None, "not applied: the reconciler settles the call"
    tables = placed.f.db.tables
    for name in ("calls", "leads", "ai_usage", "live_calls"):
        assert tables[name] == before[name], name
    # Once the rows are free, the call's next news is applied as usual.
    held.clear()
    assert await placed.deliver(placed.vapi.status_update("in-progress")) == Acknowledged(
        stored=True, applied=True
    )


async def test_a_busy_call_whose_message_cannot_even_be_kept_is_a_503(monkeypatch):
    """Acknowledging a message nothing kept would lose it: the provider is told to retry."""
    placed = await place(await a_world())
    hold_calls(monkeypatch, {placed.call.id})
    adding = InMemoryWebhookInbox.add
    calls = 0

    async def unreachable_after_the_first(self: Any, message: Any) -> bool:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise ServiceUnavailable("the database is unreachable; nothing was changed")
        return await adding(self, message)

    monkeypatch.setattr(InMemoryWebhookInbox, "add", unreachable_after_the_first)

    with pytest.raises(ServiceUnavailable, match="unreachable"):
        await placed.deliver(placed.vapi.end_of_call_report())

    assert inbox_of(placed) == []
