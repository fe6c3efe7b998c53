"""The sandbox provider (adapters/sandbox.py): a placed call is played out as Vapi would,
each step delivered as the Server URL message Vapi sends, its record answered by get_call
and find_call; and its call ids are never those of an earlier run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import attrs
import pytest

from adapters.sandbox import (
    ENDED_BY_REQUEST,
    SandboxOutcome,
    SandboxScript,
    SandboxTelephonyProvider,
)
from adapters.vapi.messages import read_message
from application.call_events import CallReported, ProviderMessage, StatusChanged
from application.errors import ProviderRejected
from application.ports.telephony import OutboundCall
from domain.agents import VoiceAgent
from domain.ids import AgentId, CallId, PhoneNumberId, TenantId
from domain.phones import NumberProvider, PhoneLine, PhoneNumber

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TENANT = TenantId(uuid4())
FIRST_MESSAGE = "Hello, this is Acme calling about your quote."
LINE = PhoneLine(
    PhoneNumberId(uuid4()),
    TENANT,
    PhoneNumber.parse("+12025550143"),
    NumberProvider.VAPI,
    T0,
    T0,
    provider_number_id="pn-sandbox-line",
)
AGENT = VoiceAgent(AgentId(uuid4()), TENANT, "Sam", T0, T0, first_message=FIRST_MESSAGE)
# Vapi's breakdown keys that are prices (the others count tokens and characters).
PRICED = ("transport", "stt", "llm", "tts", "vapi")


def an_outbound_call() -> OutboundCall:
    return OutboundCall(
        call_id=CallId(uuid4()),
        tenant_id=TENANT,
        agent=AGENT,
        from_number=LINE,
        to=PhoneNumber.parse("+14155550123"),
        customer_name="Ada Lovelace",
        variables={"name": "Ada"},
    )


class Sandbox:
    """A sandbox provider whose delivered messages are kept, as the webhook received them."""

    def __init__(self, script: SandboxScript) -> None:
        self.provider = SandboxTelephonyProvider(script)
        self.bodies: list[dict[str, Any]] = []
        self.provider.connect(self._deliver)

    async def _deliver(self, body: dict[str, Any]) -> None:
        self.bodies.append(body)

    def messages(self, provider_call_id: str) -> list[ProviderMessage]:
        read = [read_message(body, T0) for body in self.bodies]
        return [m for m in read if m.route.provider_call_id == provider_call_id]


@pytest.fixture
async def sandboxes() -> AsyncIterator[list[Sandbox]]:
    """Make sandboxes by appending to the list; every one is closed at the end."""
    made: list[Sandbox] = []
    yield made
    for sandbox in made:
        await sandbox.provider.close()


def quick(outcome: SandboxOutcome = SandboxOutcome.COMPLETED, seed: int = 0) -> SandboxScript:
    return SandboxScript(ring_seconds=0, talk_seconds=0, outcome=outcome, seed=seed)


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


# --- call ids ------------------------------------------------------------------------------


async def test_two_sandboxes_with_the_same_seed_never_give_the_same_call_id(sandboxes):
    """A restart of `serve` is a new sandbox with the same script, and the ids of the calls
    it placed before are kept in voice_calls.vapi_call_id, which is unique."""
    script = SandboxScript(seed=7)  # the calls ring for seconds: closed before they end
    sandboxes.extend([Sandbox(script), Sandbox(script)])

    ids = [
        (await sandbox.provider.place_call(an_outbound_call())).provider_call_id
        for sandbox in sandboxes
        for _ in range(3)
    ]

    assert len(set(ids)) == len(ids), ids


async def test_the_same_seed_still_plays_the_same_random_outcomes(sandboxes):
    script = quick(SandboxOutcome.RANDOM, seed=11)
    sandboxes.extend([Sandbox(script), Sandbox(script)])
    reasons: list[list[str]] = []

    for sandbox in sandboxes:
        placed = [await sandbox.provider.place_call(an_outbound_call()) for _ in range(12)]
        await sandbox.provider.idle()
        ended = []
        for call in placed:
            report = sandbox.messages(call.provider_call_id)[-1].event
            assert isinstance(report, CallReported)
            ended.append(report.report.ended_reason)
        reasons.append(ended)

    assert reasons[0] == reasons[1]
    assert len(set(reasons[0])) > 1, "a random script gives more than one outcome"


# --- a call played out ---------------------------------------------------------------------


async def test_a_placed_call_is_reported_like_vapi_reports_it(sandboxes):
    sandbox = Sandbox(quick())
    sandboxes.append(sandbox)
    call = an_outbound_call()

    placed = await sandbox.provider.place_call(call)
    await sandbox.provider.idle()

    assert (placed.status, placed.name) == ("queued", str(call.call_id))
    messages = sandbox.messages(placed.provider_call_id)
    assert len(messages) == len(sandbox.bodies), "every message names the call"
    assert [m.type for m in messages] == ["status-update"] * 3 + ["end-of-call-report"]
    assert {m.route.call_id for m in messages} == {call.call_id}
    assert [m.event for m in messages[:3]] == [
        StatusChanged("ringing", None),
        StatusChanged("in-progress", None),
        StatusChanged("ended", "customer-ended-call"),
    ]
    event = messages[-1].event
    assert isinstance(event, CallReported)
    report = event.report
    assert report.ended_reason == "customer-ended-call"
    assert report.transcript
    assert FIRST_MESSAGE in report.transcript
    assert [m["role"] for m in report.messages][:2] == ["bot", "user"]
    assert report.started_at is not None
    assert report.ended_at is not None
    assert report.started_at <= report.ended_at < report.started_at + timedelta(seconds=5)
    # Costs: one usage item per cost item, and the items make up the call's cost, as do the
    # breakdown's priced parts (talk 0: only tokens and characters are paid, each priced to
    # the millionth, so the sums are exact).
    assert report.cost is not None
    assert report.cost > 0
    costs = messages[-1].payload["message"]["costs"]
    assert [u.item_type for u in report.usage] == [c["type"] for c in costs]
    assert sum((u.cost for u in report.usage), Decimal(0)) == report.cost
    breakdown = report.cost_breakdown
    assert breakdown is not None
    assert sum((dec(breakdown[k]) for k in PRICED), Decimal(0)) == dec(breakdown["total"])
    assert dec(breakdown["total"]) == report.cost

    # The provider's record says the same, found by its id and by ours.
    record = messages[-1].call_data
    got = await sandbox.provider.get_call(placed.provider_call_id)
    found = await sandbox.provider.find_call(call.call_id, LINE, T0)
    for answer in (got, found):
        assert answer is not None
        assert (answer.provider_call_id, answer.status) == (placed.provider_call_id, "ended")
        assert answer.data == record
        # Only the report measures the call (`durationMs`); the record has its times.
        assert answer.report == attrs.evolve(report, duration=None)
    assert report.duration == round((report.ended_at - report.started_at).total_seconds())
    assert await sandbox.provider.get_call(str(uuid4())) is None
    assert await sandbox.provider.find_call(CallId(uuid4()), LINE, T0) is None


async def test_a_busy_line_ends_without_an_answer_nor_a_transcript(sandboxes):
    sandbox = Sandbox(quick(SandboxOutcome.BUSY))
    sandboxes.append(sandbox)

    placed = await sandbox.provider.place_call(an_outbound_call())
    await sandbox.provider.idle()

    messages = sandbox.messages(placed.provider_call_id)
    assert [m.event for m in messages[:-1]] == [
        StatusChanged("ringing", None),
        StatusChanged("ended", "customer-busy"),
    ]
    event = messages[-1].event
    assert isinstance(event, CallReported)
    assert event.report.ended_reason == "customer-busy"
    assert (event.report.transcript, event.report.messages) == (None, ())
    # Nobody answered: no start time, yet Vapi's measure of the call (from its creation).
    sent = messages[-1].payload["message"]
    assert "startedAt" not in sent
    assert "startedAt" not in sent["call"]
    assert event.report.started_at is None
    assert sent["durationMs"] >= 0
    assert event.report.duration == round(sent["durationMs"] / 1000)
    artifact = messages[-1].payload["message"]["artifact"]
    assert (artifact["transcript"], artifact["messages"]) == ("", [])
    got = await sandbox.provider.get_call(placed.provider_call_id)
    assert got is not None
    assert (got.status, got.ended_reason) == ("ended", "customer-busy")


async def test_a_script_may_report_the_breakdown_alone_with_costs_of_8_decimals(sandboxes):
    sandbox = Sandbox(SandboxScript(ring_seconds=0, talk_seconds=0.2, breakdown_only=True, seed=3))
    sandboxes.append(sandbox)

    placed = await sandbox.provider.place_call(an_outbound_call())
    await sandbox.provider.idle()

    last = sandbox.messages(placed.provider_call_id)[-1]
    sent = last.payload["message"]
    assert "costs" not in sent
    assert "costs" not in sent["call"]
    assert isinstance(last.event, CallReported)
    report = last.event.report
    breakdown = sent["costBreakdown"]
    assert [u.item_type for u in report.usage] == list(PRICED)
    assert max(-dec(breakdown[k]).as_tuple().exponent for k in PRICED) > 6
    assert sum((u.cost for u in report.usage), Decimal(0)) == report.cost == dec(sent["cost"])


# --- hanging up ----------------------------------------------------------------------------


class Watched(Sandbox):
    """A sandbox that tells when a call of its is answered (its `in-progress` message)."""

    def __init__(self, script: SandboxScript) -> None:
        super().__init__(script)
        self.answered = asyncio.Event()

    async def _deliver(self, body: dict[str, Any]) -> None:
        await super()._deliver(body)
        if body["message"].get("status") == "in-progress":
            self.answered.set()


async def test_a_call_hung_up_while_talking_ends_at_once_as_vapi_reports_it(sandboxes):
    sandbox = Watched(SandboxScript(ring_seconds=0, talk_seconds=600))
    sandboxes.append(sandbox)
    placed = await sandbox.provider.place_call(an_outbound_call())
    assert placed.data["monitor"]["controlUrl"].endswith(f"/{placed.provider_call_id}/control")
    await asyncio.wait_for(sandbox.answered.wait(), timeout=5)

    await sandbox.provider.end_call(placed.provider_call_id, placed.data)
    await asyncio.wait_for(sandbox.provider.idle(), timeout=5)  # not the 600 s of the script

    messages = sandbox.messages(placed.provider_call_id)
    assert [m.event for m in messages[:-1]] == [
        StatusChanged("ringing", None),
        StatusChanged("in-progress", None),
        StatusChanged("ended", ENDED_BY_REQUEST),
    ]
    assert ENDED_BY_REQUEST == "manually-canceled"
    event = messages[-1].event
    assert isinstance(event, CallReported)
    report = event.report
    assert report.ended_reason == ENDED_BY_REQUEST
    assert report.started_at is not None
    assert report.ended_at is not None
    assert report.ended_at - report.started_at < timedelta(seconds=5)
    got = await sandbox.provider.get_call(placed.provider_call_id)
    assert got is not None
    assert (got.status, got.ended_reason) == ("ended", ENDED_BY_REQUEST)


async def test_a_call_hung_up_while_ringing_ends_unanswered(sandboxes):
    sandbox = Sandbox(SandboxScript(ring_seconds=600, talk_seconds=600))
    sandboxes.append(sandbox)
    placed = await sandbox.provider.place_call(an_outbound_call())

    await sandbox.provider.end_call(placed.provider_call_id, {})
    await asyncio.wait_for(sandbox.provider.idle(), timeout=5)

    messages = sandbox.messages(placed.provider_call_id)
    assert [m.event for m in messages[:-1]] == [StatusChanged("ended", ENDED_BY_REQUEST)]
    event = messages[-1].event
    assert isinstance(event, CallReported)
    assert (event.report.ended_reason, event.report.transcript) == (ENDED_BY_REQUEST, None)
    assert event.report.started_at is None


async def test_hanging_up_an_ended_call_changes_nothing_and_an_unknown_one_is_refused(
    sandboxes,
):
    sandbox = Sandbox(quick())
    sandboxes.append(sandbox)
    placed = await sandbox.provider.place_call(an_outbound_call())
    await sandbox.provider.idle()
    delivered = list(sandbox.bodies)

    await sandbox.provider.end_call(placed.provider_call_id, placed.data)
    await sandbox.provider.idle()

    assert sandbox.bodies == delivered
    got = await sandbox.provider.get_call(placed.provider_call_id)
    assert got is not None
    assert got.ended_reason == "customer-ended-call"
    with pytest.raises(ProviderRejected) as refused:
        await sandbox.provider.end_call(f"sandbox-00000001-{uuid4()}", {})
    assert refused.value.status == 404
