"""Inbound calls: Vapi's assistant-request through ProviderEvents.receive on the in-memory
adapters, and our reply bodies (adapters/vapi/answers.py). A number in service whose tenant
may take calls is answered by its inbound agent, and the call is recorded once; anything
else is refused with a message fit for the caller."""

from __future__ import annotations

import copy
from typing import Any
from uuid import uuid4

import attrs
import pytest

from adapters.vapi.answers import reply_of
from adapters.vapi.messages import parse_message
from application.call_events import (
    NOT_AVAILABLE,
    NOT_IN_SERVICE,
    Acknowledged,
    Answer,
    InboundAnswer,
    InboundRefusal,
    ProviderEvents,
    ToolCall,
    ToolResults,
)
from application.call_tracking import CallPolicy
from application.catalogue import sync_catalogue
from application.phone_resolution import PhoneResolver
from application.plans import SetOverride, TenantFeatureService
from application.retention import Retention
from domain.agents import VoiceAgent
from domain.calls import CallDirection, CallStatus, VoiceCall
from domain.ids import AgentId, LeadId, PhoneNumberId, VoiceId
from domain.leads import Lead
from domain.phones import NumberProvider, PhoneLine, PhoneNumber
from domain.tenancy import Tenant
from domain.voices import Voice, VoiceProvider
from tests.fakes.vapi_messages import CALLER, LINE, PHONE_NUMBER_ID, VapiCall, encoded
from tests.support import PLATFORM
from tests.unit.helpers import Fresh, fresh

SYSTEM = "You are the receptionist of Acme."
INBOUND_PROMPT = "INBOUND ONLY: answer questions about opening hours."
OUTBOUND_PROMPT = "OUTBOUND ONLY: offer the spring discount."
FIRST_MESSAGE = "Thanks for calling Acme, how can I help?"


@attrs.frozen
class Desk:
    """One tenant's line, its inbound agent and voice, and a lead with the caller's number."""

    f: Fresh
    events: ProviderEvents
    tenant: Tenant
    line: PhoneLine
    agent: VoiceAgent
    voice: Voice
    lead: Lead

    async def ring(self, payload: dict[str, Any]) -> Answer:
        message = parse_message(encoded(payload), self.events.now())
        return await self.events.receive(message)

    def calls(self) -> list[VoiceCall]:
        return list(self.f.db.tables["calls"].values())

    def inbox(self) -> list[Any]:
        return list(self.f.db.tables["inbox"].values())


async def a_desk(
    f: Fresh | None = None,
    *,
    inbound: bool = True,
    line_number: str = LINE,
    provider_number_id: str = PHONE_NUMBER_ID,
    lead_phone: str = CALLER,
    concurrent: int | None = 5,
    policy: CallPolicy | None = None,
    **agent_fields: Any,
) -> Desk:
    """`inbound`: whether the tenant gets `calls.inbound` by an override (the free plan,
    every new tenant's, does not have it), with `concurrent` calls at once (the free plan's
    is 1); `policy`: the shared provider account's lines."""
    if f is None:
        f = fresh()
        await sync_catalogue(f.deps)
    now, ids = f.clock.now(), f.deps.ids
    owner = await f.world.user(f"owner-{uuid4().hex[:12]}@example.com")
    tenant = await f.world.tenant(owner, "Acme")
    voice = Voice(
        VoiceId(ids.new()),
        tenant.id,
        "Burt",
        VoiceProvider.ELEVENLABS,
        "burt",
        now,
        now,
        settings={"stability": 0.4},
    )
    fields: dict[str, Any] = {
        "voice_id": voice.id,
        "system_instructions": SYSTEM,
        "inbound_prompt": INBOUND_PROMPT,
        "outbound_prompt": OUTBOUND_PROMPT,
        "first_message": FIRST_MESSAGE,
        **agent_fields,
    }
    agent = VoiceAgent(AgentId(ids.new()), tenant.id, "Receptionist", now, now, **fields)
    line = PhoneLine(
        PhoneNumberId(ids.new()),
        tenant.id,
        PhoneNumber.parse(line_number),
        NumberProvider.VAPI,
        now,
        now,
        provider_number_id=provider_number_id,
        inbound_agent_id=agent.id,
    )
    lead = Lead.new(LeadId(ids.new()), tenant.id, PhoneNumber.parse(lead_phone), now, name="Ada")
    async with f.deps.uows(tenant_id=tenant.id) as tx:
        await tx.voices.add(voice)
        await tx.agents.add(agent)
        await tx.phone_numbers.add(line)
        await tx.leads.add(lead)
        await tx.commit()
    if inbound:
        features = TenantFeatureService(f.deps)
        await features.enable_feature(PLATFORM, tenant.id, "calls.inbound")
        await features.set_override(
            PLATFORM, SetOverride(tenant.id, "calls.concurrent.max", concurrent)
        )
    events = ProviderEvents(f.deps, PhoneResolver(f.deps), policy)
    return Desk(f, events, tenant, line, agent, voice, lead)


async def change(desk: Desk, table: str, key: Any, how: Any) -> None:
    """Change one committed row of the desk's tenant through a unit of work."""
    async with desk.f.deps.uows(tenant_id=desk.tenant.id) as tx:
        repository = getattr(tx, table)
        row = await (repository.get(key) if table == "tenants" else repository.get(*key))
        how(row)
        await repository.save(row)
        await tx.commit()
    desk.f.deps.entitlements.forget(desk.tenant.id)


# --- answered ------------------------------------------------------------------------------


async def test_a_call_to_a_number_in_service_is_answered_by_its_inbound_agent():
    desk = await a_desk()
    vapi = VapiCall()

    answer = await desk.ring(vapi.assistant_request(called=LINE, caller=CALLER))

    assert isinstance(answer, InboundAnswer)
    assert (answer.tenant_id, answer.agent, answer.voice, answer.lead_id) == (
        desk.tenant.id,
        desk.agent,
        desk.voice,
        desk.lead.id,
    )
    (call,) = desk.calls()
    assert call.id == answer.call_id
    assert call.tenant_id == desk.tenant.id
    assert call.direction is CallDirection.INBOUND
    assert call.status is CallStatus.QUEUED
    assert call.vapi_call_id == vapi.id
    assert call.agent_id == desk.agent.id
    assert call.voice_id == desk.voice.id
    assert call.from_number_id == desk.line.id
    assert call.lead_id == desk.lead.id
    assert (call.caller_number, call.metadata) == (CALLER, {})
    live = desk.f.db.tables["live_calls"][call.id]
    assert (live.tenant_id, live.on_line) == (desk.tenant.id, True)
    (kept,) = desk.inbox()
    assert (kept.type, kept.tenant_id, kept.provider_call_id) == (
        "assistant-request",
        desk.tenant.id,
        vapi.id,
    )


async def test_a_repeated_request_gets_the_same_call_and_records_no_second():
    desk = await a_desk()
    payload = VapiCall().assistant_request()

    first = await desk.ring(payload)
    again = await desk.ring(copy.deepcopy(payload))

    assert isinstance(first, InboundAnswer)
    assert again == first
    assert [c.id for c in desk.calls()] == [first.call_id]
    assert list(desk.f.db.tables["live_calls"]) == [first.call_id]
    assert len(desk.inbox()) == 1


async def test_a_request_repeated_after_the_agent_changed_voice_keeps_the_call_s_voice():
    desk = await a_desk()
    payload = VapiCall().assistant_request()
    first = await desk.ring(payload)
    now = desk.f.clock.now()
    other = Voice(
        VoiceId(desk.f.deps.ids.new()), desk.tenant.id, "Ada", VoiceProvider.VAPI, "ada", now, now
    )
    async with desk.f.deps.uows(tenant_id=desk.tenant.id) as tx:
        await tx.voices.add(other)
        await tx.commit()
    await change(
        desk, "agents", (desk.tenant.id, desk.agent.id), lambda a: setattr(a, "voice_id", other.id)
    )

    again = await desk.ring(copy.deepcopy(payload))
    fresh_call = await desk.ring(VapiCall().assistant_request())

    assert isinstance(first, InboundAnswer)
    assert isinstance(again, InboundAnswer)
    assert isinstance(fresh_call, InboundAnswer)
    assert (again.call_id, again.voice) == (first.call_id, desk.voice)
    assert fresh_call.voice == other


async def test_two_calls_to_the_line_are_two_calls():
    desk = await a_desk()

    first = await desk.ring(VapiCall().assistant_request())
    second = await desk.ring(VapiCall().assistant_request())

    assert isinstance(first, InboundAnswer)
    assert isinstance(second, InboundAnswer)
    assert first.call_id != second.call_id
    assert len(desk.calls()) == 2


@pytest.mark.parametrize("caller", ["+4930123456", None], ids=["a stranger", "a withheld number"])
async def test_a_caller_who_is_no_lead_is_answered_without_one(caller):
    desk = await a_desk()

    answer = await desk.ring(VapiCall().assistant_request(caller=caller))

    assert isinstance(answer, InboundAnswer)
    assert answer.lead_id is None
    (call,) = desk.calls()
    assert (call.lead_id, call.caller_number, call.metadata) == (None, caller, {})


async def test_a_caller_who_is_another_tenants_lead_is_not_linked():
    desk = await a_desk(lead_phone="+4930123456")
    # Another tenant on the same platform has the caller as a lead.
    await a_desk(desk.f, line_number="+12025550199", provider_number_id=str(uuid4()))

    answer = await desk.ring(VapiCall().assistant_request(called=LINE, caller=CALLER))

    assert isinstance(answer, InboundAnswer)
    assert answer.tenant_id == desk.tenant.id
    assert answer.lead_id is None


async def test_an_inactive_voice_is_not_given_to_the_assistant():
    desk = await a_desk()
    await change(
        desk, "voices", (desk.tenant.id, desk.voice.id), lambda v: v.deactivate(v.updated_at)
    )

    answer = await desk.ring(VapiCall().assistant_request())

    assert isinstance(answer, InboundAnswer)
    assert answer.voice is None
    assert "voice" not in reply_of(answer)["assistant"]


async def test_a_vapi_line_named_only_by_its_phone_number_id_is_answered():
    """Vapi's own numbers come without `phoneNumber.number`: `call.phoneNumberId` names the
    line."""
    desk = await a_desk()

    answer = await desk.ring(
        VapiCall(phone_number_id=PHONE_NUMBER_ID).assistant_request(
            called=None, number_provider="vapi"
        )
    )

    assert isinstance(answer, InboundAnswer)
    assert answer.tenant_id == desk.tenant.id


async def test_the_answered_call_then_follows_its_messages_to_the_end():
    desk = await a_desk()
    vapi = VapiCall()
    answer = await desk.ring(vapi.assistant_request())
    assert isinstance(answer, InboundAnswer)
    metadata = reply_of(answer)["assistantOverrides"]["metadata"]
    # Vapi's later messages carry the overrides we answered with; inbound calls have no name.
    vapi = attrs.evolve(vapi, type="inboundPhoneCall", metadata=metadata)

    for payload in vapi.stream():
        await desk.ring(payload)

    call = desk.f.db.tables["calls"][answer.call_id]
    assert call.status is CallStatus.ENDED
    assert call.ended_reason == vapi.ended_reason
    assert call.transcription is not None
    assert desk.f.db.tables["leads"][desk.lead.id].last_call_id == call.id
    usage = [u for u in desk.f.db.tables["ai_usage"].values() if u.call_id == call.id]
    assert len(usage) == len(vapi.costs or ())
    assert call.id not in desk.f.db.tables["live_calls"]


# --- refused -------------------------------------------------------------------------------


def assert_refused_quietly(desk: Desk, answer: Answer, message: str) -> None:
    assert answer == InboundRefusal(message)
    assert desk.calls() == []
    assert desk.f.db.tables["live_calls"] == {}
    (kept,) = desk.inbox()
    assert kept.type == "assistant-request"
    assert kept.error, "why it was refused is kept for us"
    assert kept.processed_at is None


async def test_a_number_nobody_has_is_not_in_service():
    desk = await a_desk()

    answer = await desk.ring(VapiCall().assistant_request(called="+12025550100"))

    assert_refused_quietly(desk, answer, NOT_IN_SERVICE)
    assert desk.inbox()[0].tenant_id is None


async def test_a_request_naming_no_line_is_not_in_service():
    desk = await a_desk()
    payload = VapiCall().assistant_request(called=None, number_provider="vapi")
    del payload["message"]["call"]["phoneNumberId"]

    answer = await desk.ring(payload)

    assert_refused_quietly(desk, answer, NOT_IN_SERVICE)


async def _suspended(desk: Desk) -> None:
    await change(desk, "tenants", desk.tenant.id, lambda t: t.suspend(t.updated_at))


async def _agent_inactive(desk: Desk) -> None:
    key = (desk.tenant.id, desk.agent.id)
    await change(desk, "agents", key, lambda a: a.deactivate(a.updated_at))


async def _no_inbound_agent(desk: Desk) -> None:
    key = (desk.tenant.id, desk.line.id)
    await change(desk, "phone_numbers", key, lambda n: n.route_inbound_to(None, n.updated_at))


async def _nothing(desk: Desk) -> None:
    return None


@pytest.mark.parametrize(
    ("inbound", "arrange"),
    [
        (True, _suspended),
        (True, _agent_inactive),
        (True, _no_inbound_agent),
        (False, _nothing),
    ],
    ids=["suspended tenant", "inactive agent", "no inbound agent", "free plan"],
)
async def test_a_line_that_may_not_take_the_call_refuses_it_politely(inbound, arrange):
    desk = await a_desk(inbound=inbound)
    await arrange(desk)

    answer = await desk.ring(VapiCall().assistant_request())

    assert_refused_quietly(desk, answer, NOT_AVAILABLE)
    assert desk.inbox()[0].tenant_id == desk.tenant.id


def test_the_caller_is_never_told_about_the_tenant():
    for said in (NOT_AVAILABLE, NOT_IN_SERVICE):
        words = said.lower()
        for secret in ("tenant", "suspend", "plan", "agent", "inbound", "feature", "account"):
            assert secret not in words


async def test_calls_inbound_taken_away_by_an_override_refuses():
    desk = await a_desk()
    await TenantFeatureService(desk.f.deps).disable_feature(
        PLATFORM, desk.tenant.id, "calls.inbound"
    )

    answer = await desk.ring(VapiCall().assistant_request())

    assert_refused_quietly(desk, answer, NOT_AVAILABLE)


# --- the plan's limits and the shared lines -------------------------------------------------


async def answer_to_the_end(desk: Desk, vapi: VapiCall) -> VoiceCall:
    """Ring with `vapi`, then send its messages to the end of the call (reported)."""
    answer = await desk.ring(vapi.assistant_request())
    assert isinstance(answer, InboundAnswer)
    metadata = reply_of(answer)["assistantOverrides"]["metadata"]
    for payload in attrs.evolve(vapi, type="inboundPhoneCall", metadata=metadata).stream():
        await desk.ring(payload)
    call = desk.f.db.tables["calls"][answer.call_id]
    assert call.reported
    return call


def assert_refused_for(desk: Desk, answer: Answer, vapi: VapiCall, *words: str) -> None:
    """Refused with the polite answer, and nothing of the call written: the request is kept,
    unprocessed, saying why."""
    assert answer == InboundRefusal(NOT_AVAILABLE)
    assert vapi.id not in {c.vapi_call_id for c in desk.calls()}
    (kept,) = [m for m in desk.inbox() if m.provider_call_id == vapi.id]
    assert (kept.type, kept.tenant_id, kept.processed_at) == (
        "assistant-request",
        desk.tenant.id,
        None,
    )
    for word in words:
        assert word in kept.error


async def test_an_inbound_call_beyond_calls_concurrent_max_is_refused_until_a_line_frees():
    desk = await a_desk(concurrent=1)
    first = VapiCall()
    answered = await desk.ring(first.assistant_request())
    assert isinstance(answered, InboundAnswer)
    second = VapiCall()

    refused = await desk.ring(second.assistant_request())

    assert_refused_for(desk, refused, second, "calls.concurrent.max", "allows 1; 1 in use")
    assert list(desk.f.db.tables["live_calls"]) == [answered.call_id]
    assert reply_of(refused) == {"error": NOT_AVAILABLE}
    # The first call's repeated request is no new call: it still gets its assistant.
    assert await desk.ring(first.assistant_request()) == answered
    for payload in attrs.evolve(
        first,
        type="inboundPhoneCall",
        metadata=reply_of(answered)["assistantOverrides"]["metadata"],
    ).stream():
        await desk.ring(payload)
    assert desk.f.db.tables["live_calls"] == {}
    third = await desk.ring(VapiCall().assistant_request())
    assert isinstance(third, InboundAnswer)


async def test_an_inbound_call_beyond_the_monthly_minutes_is_refused():
    desk = await a_desk()
    await TenantFeatureService(desk.f.deps).set_override(
        PLATFORM, SetOverride(desk.tenant.id, "calls.minutes.monthly", 3)
    )
    ended = await answer_to_the_end(desk, VapiCall())
    assert ended.call_duration is not None
    assert 120 < ended.call_duration <= 180  # three minutes started
    late = VapiCall()

    refused = await desk.ring(late.assistant_request())

    assert_refused_for(desk, refused, late, "calls.minutes.monthly", "allows 3; 3 in use")
    assert [c.id for c in desk.calls()] == [ended.id]


async def test_an_inbound_call_needs_a_free_line_of_the_shared_provider_account():
    """Inbound calls take a line of the provider's account like placed ones: past its lines
    Vapi could not take the call, so the caller hears the polite refusal instead."""
    policy = CallPolicy(provider_max_concurrent=1)
    desk = await a_desk(policy=policy)
    other = await a_desk(
        desk.f, line_number="+12025550199", provider_number_id=str(uuid4()), policy=policy
    )
    answered = await other.ring(VapiCall().assistant_request(called="+12025550199"))
    assert isinstance(answered, InboundAnswer)
    vapi = VapiCall()

    refused = await desk.ring(vapi.assistant_request())

    assert_refused_for(desk, refused, vapi, "all 1 concurrent calls")
    assert list(desk.f.db.tables["live_calls"]) == [answered.call_id]


async def test_an_inbound_call_past_the_tenants_share_of_the_lines_is_refused():
    policy = CallPolicy(provider_max_concurrent=4, tenant_max_concurrent=1)
    desk = await a_desk(policy=policy)
    other = await a_desk(
        desk.f, line_number="+12025550199", provider_number_id=str(uuid4()), policy=policy
    )
    first = await desk.ring(VapiCall().assistant_request())
    assert isinstance(first, InboundAnswer)
    vapi = VapiCall()

    refused = await desk.ring(vapi.assistant_request())
    elsewhere = await other.ring(VapiCall().assistant_request(called="+12025550199"))

    assert_refused_for(desk, refused, vapi, "holds 1 of the telephony provider's lines")
    assert isinstance(elsewhere, InboundAnswer)
    assert elsewhere.tenant_id == other.tenant.id


async def test_an_answered_inbound_call_is_in_use_of_the_tenants_concurrent_calls():
    """What every placement counts (single calls and batches alike)."""
    desk = await a_desk(concurrent=1)
    answered = await desk.ring(VapiCall().assistant_request())
    assert isinstance(answered, InboundAnswer)

    found = await TenantFeatureService(desk.f.deps).check_feature(
        PLATFORM, desk.tenant.id, "calls.concurrent.max"
    )

    assert (found.entitlement.limit, found.used) == (1, 1)


# --- reply bodies --------------------------------------------------------------------------


async def test_an_agent_without_a_saved_assistant_answers_with_an_inline_one():
    desk = await a_desk()
    answer = await desk.ring(VapiCall().assistant_request())
    assert isinstance(answer, InboundAnswer)

    reply = reply_of(answer)

    assert set(reply) == {"assistant", "assistantOverrides"}
    assistant = reply["assistant"]
    (system,) = assistant["model"]["messages"]
    assert system["role"] == "system"
    assert SYSTEM in system["content"]
    assert INBOUND_PROMPT in system["content"]
    assert OUTBOUND_PROMPT not in system["content"]
    assert assistant["firstMessage"] == FIRST_MESSAGE
    assert assistant["voice"] == {"stability": 0.4, "provider": "11labs", "voiceId": "burt"}
    assert reply["assistantOverrides"] == {
        "metadata": {
            "tenant_id": str(desk.tenant.id),
            "call_id": str(answer.call_id),
            "agent_id": str(desk.agent.id),
            "lead_id": str(desk.lead.id),
        },
        # The free plan keeps no recordings: Vapi is told not to make one.
        "artifactPlan": {"recordingEnabled": False},
    }


async def test_an_agent_with_a_saved_assistant_answers_with_its_id():
    desk = await a_desk(provider_assistant_id="asst_6a1c")
    await TenantFeatureService(desk.f.deps).enable_feature(PLATFORM, desk.tenant.id, "recordings")
    answer = await desk.ring(VapiCall().assistant_request(caller="+4930123456"))
    assert isinstance(answer, InboundAnswer)

    reply = reply_of(answer)

    assert reply == {
        "assistantId": "asst_6a1c",
        "assistantOverrides": {
            "metadata": {
                "tenant_id": str(desk.tenant.id),
                "call_id": str(answer.call_id),
                "agent_id": str(desk.agent.id),
            }
        },
    }


@pytest.mark.parametrize("recordings", [True, False])
async def test_an_inbound_call_is_recorded_only_on_a_plan_with_recordings(recordings):
    desk = await a_desk(provider_assistant_id="asst_6a1c")
    features = TenantFeatureService(desk.f.deps)
    switch = features.enable_feature if recordings else features.disable_feature
    await switch(PLATFORM, desk.tenant.id, "recordings")

    answer = await desk.ring(VapiCall().assistant_request())
    assert isinstance(answer, InboundAnswer)

    overrides = reply_of(answer)["assistantOverrides"]
    assert ("artifactPlan" not in overrides) is recordings
    if not recordings:
        assert overrides["artifactPlan"] == {"recordingEnabled": False}
    assert desk.f.db.tables["calls"][answer.call_id].recording_enabled is recordings


async def test_an_inbound_call_of_a_tenant_storing_no_transcripts_keeps_none_at_vapi_either():
    desk = await a_desk(provider_assistant_id="asst_6a1c")
    await Retention(desk.f.deps).change(PLATFORM, desk.tenant.id, {"store_transcripts": False})

    answer = await desk.ring(VapiCall().assistant_request())
    assert isinstance(answer, InboundAnswer)

    overrides = reply_of(answer)["assistantOverrides"]
    assert overrides["compliancePlan"] == {"hipaaEnabled": True}
    assert desk.f.db.tables["calls"][answer.call_id].content_stored is False


async def test_an_agent_whose_model_config_vapi_cannot_take_is_not_available():
    desk = await a_desk(config={"model": "gpt-4o"})
    answer = await desk.ring(VapiCall().assistant_request())
    assert isinstance(answer, InboundAnswer)

    assert reply_of(answer) == {"error": NOT_AVAILABLE}


def test_a_refusal_is_the_error_vapi_speaks_to_the_caller():
    assert reply_of(InboundRefusal(NOT_IN_SERVICE)) == {"error": NOT_IN_SERVICE}


def test_tool_results_are_one_error_per_tool_call():
    results = ToolResults(((ToolCall("a", "f"), "no"), (ToolCall("b", "g"), "not here")))

    assert reply_of(results) == {
        "results": [
            {"toolCallId": "a", "name": "f", "error": "no"},
            {"toolCallId": "b", "name": "g", "error": "not here"},
        ]
    }


@pytest.mark.parametrize("stored", [True, False])
def test_other_messages_are_acknowledged_saying_whether_they_were_new(stored):
    assert reply_of(Acknowledged(stored=stored)) == {"received": True, "duplicate": not stored}


# --- regressions ---------------------------------------------------------------------------


def _without_call_id(payload: dict[str, Any]) -> None:
    del payload["message"]["call"]["id"]


def _empty_call_id(payload: dict[str, Any]) -> None:
    payload["message"]["call"]["id"] = ""


def _overlong_call_id(payload: dict[str, Any]) -> None:
    payload["message"]["call"]["id"] = "c" * 256  # more than vapi_call_id holds


@pytest.mark.parametrize(
    "strip", [_without_call_id, _empty_call_id, _overlong_call_id], ids=["none", "empty", "long"]
)
async def test_a_request_without_a_call_id_is_refused_kept_and_records_no_call(strip):
    """Without Vapi's call id a repeated request could not be told from a new call, and no
    later message could reach the call: each repeat would record another inbound call."""
    desk = await a_desk()
    payload = VapiCall().assistant_request()
    strip(payload)

    answers = [await desk.ring(copy.deepcopy(payload)) for _ in range(3)]

    assert answers == [InboundRefusal(NOT_AVAILABLE)] * 3
    assert desk.calls() == []
    assert desk.f.db.tables["live_calls"] == {}
    (kept,) = desk.inbox()
    assert (kept.type, kept.tenant_id, kept.provider_call_id) == ("assistant-request", None, None)
    assert kept.payload == payload
    assert kept.error, "why it was refused is kept for us"
    assert kept.processed_at is None
    # The line itself is fine: the same request with its id is answered.
    answered = await desk.ring(VapiCall().assistant_request())
    assert isinstance(answered, InboundAnswer)
    assert len(desk.calls()) == 1
