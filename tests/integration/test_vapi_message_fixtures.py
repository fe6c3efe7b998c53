"""Our fixtures of Vapi's Server URL messages (tests/fakes/vapi_messages.py) and our replies
to them (adapters/vapi/answers.py), checked by Vapi's own models (the official SDK).

The SDK's models are lenient (see tests/fakes/vapi_oracle.py): they keep unknown keys, take
snake_case names and do not enforce enums. So each body is validated with the model of its
type (the `ServerMessage` union is not discriminated, and slow: we dispatch on `type`), then
checked for keys the schema does not document, and its enum values against the schema's.
"""

from __future__ import annotations

import copy
import typing
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from pydantic import BaseModel

from adapters.vapi.answers import reply_of
from adapters.vapi.messages import parse_message
from application.call_events import (
    NO_TOOLS,
    NOT_AVAILABLE,
    CallReported,
    InboundAnswer,
    InboundCallRequest,
    InboundRefusal,
    StatusChanged,
    ToolCall,
    ToolCallRequest,
    ToolResults,
)
from domain.agents import VoiceAgent
from domain.ids import AgentId, CallId, LeadId, TenantId, VoiceId
from domain.voices import Voice, VoiceProvider
from tests.fakes.vapi_messages import STATUSES, VapiCall, encoded
from tests.fakes.vapi_oracle import VapiOracle, too_long_texts, unknown_keys

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def oracle() -> VapiOracle:
    """The SDK's models, built once per process (as tests/integration/test_vapi_client.py
    makes its own: the SDK caches its validators per class, so a second oracle is cheap)."""
    oracle = VapiOracle()
    oracle.warm()
    return oracle


def literals(annotation: Any) -> frozenset[Any]:
    """The values of the Literal inside a generated enum type (`Union[Literal[…], Any]`)."""
    found: set[Any] = set()
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is typing.Literal:
            found |= set(typing.get_args(arg))
        else:
            found |= literals(arg)
    return frozenset(found)


def enum_values(model: type[BaseModel], field: str) -> frozenset[Any]:
    values = literals(model.model_fields[field].annotation)
    assert values, f"{model.__name__}.{field} is no enum in the SDK"
    return values


def message_model(oracle: VapiOracle, kind: str) -> type[BaseModel]:
    return {
        "status-update": oracle.sdk.ServerMessageStatusUpdate,
        "end-of-call-report": oracle.sdk.ServerMessageEndOfCallReport,
        "assistant-request": oracle.sdk.ServerMessageAssistantRequest,
        "tool-calls": oracle.sdk.ServerMessageToolCalls,
        "speech-update": oracle.sdk.ServerMessageSpeechUpdate,
    }[kind]


# What Vapi's API documents (see the project's Vapi reference: its OpenAPI document and the
# end-of-call report's page) and sends, but the SDK's 3.0.0 models predate: the report's
# measures of the call and its breakdown at the top level, and two breakdown parts.
NEWER_THAN_THE_SDK = frozenset(
    {
        "durationMs",
        "durationSeconds",
        "durationMinutes",
        "costBreakdown",
        "costBreakdown.voicemailDetectionCost",
        "costBreakdown.knowledgeBaseCost",
        "call.costBreakdown.voicemailDetectionCost",
        "call.costBreakdown.knowledgeBaseCost",
    }
)


def undocumented(model: BaseModel, raw: Any) -> list[str]:
    """The keys of `raw` Vapi documents nowhere (its newer keys allowed)."""
    return [key for key in unknown_keys(model, raw) if key not in NEWER_THAN_THE_SDK]


def check_message(oracle: VapiOracle, payload: Any) -> BaseModel:
    """The message as Vapi's model of its type reads it; AssertionError when Vapi's schema
    would not describe it (unknown keys, values outside its enums)."""
    assert isinstance(payload, dict)
    assert set(payload) == {"message"}, "Vapi wraps every message in {'message': …}"
    message = payload["message"]
    model_type = message_model(oracle, message["type"])
    model = model_type.model_validate(message)
    unknown = undocumented(model, message)
    if isinstance(message.get("costBreakdown"), dict):  # newer than the SDK, but a breakdown
        breakdown = oracle.sdk.CostBreakdown.model_validate(message["costBreakdown"])
        unknown += [
            f"costBreakdown.{key}"
            for key in unknown_keys(breakdown, message["costBreakdown"])
            if f"costBreakdown.{key}" not in NEWER_THAN_THE_SDK
        ]
    assert not unknown, f"keys Vapi does not document: {unknown}"
    sdk = oracle.sdk
    enums = [
        (message.get("status"), model_type, "status"),
        (message.get("endedReason"), model_type, "ended_reason"),
        (message.get("role"), model_type, "role"),
        (message.get("call", {}).get("status"), sdk.Call, "status"),
        (message.get("call", {}).get("type"), sdk.Call, "type"),
        (message.get("call", {}).get("endedReason"), sdk.Call, "ended_reason"),
    ]
    for value, owner, field in enums:
        if value is not None:
            assert value in enum_values(owner, field), f"{field}={value!r} is not Vapi's"
    for index, item in enumerate(getattr(model, "costs", None) or []):
        assert isinstance(item, BaseModel), f"costs.{index} is no cost type Vapi documents"
    return model


def fixtures() -> dict[str, dict[str, Any]]:
    ours = str(uuid4())
    call = VapiCall(
        name=ours,
        metadata={"tenant_id": str(uuid4()), "call_id": ours, "lead_id": str(uuid4())},
        customer_external_id=str(uuid4()),
    )
    return {
        **{f"status-update {s}": call.status_update(s) for s in STATUSES},
        "status-update ended busy": call.status_update("ended", ended_reason="customer-busy"),
        "end-of-call-report": call.end_of_call_report(),
        "end-of-call-report redelivered": call.end_of_call_report(signature="again"),
        "end-of-call-report without costs": VapiCall(costs=None).end_of_call_report(),
        "end-of-call-report never answered": VapiCall(
            answered=False, ended_reason="customer-did-not-answer"
        ).end_of_call_report(),
        "status-update ended never answered": VapiCall(
            answered=False, ended_reason="customer-did-not-answer"
        ).status_update("ended"),
        "end-of-call-report inbound": VapiCall(type="inboundPhoneCall").end_of_call_report(),
        "assistant-request twilio line": VapiCall().assistant_request(),
        "assistant-request vapi line": VapiCall().assistant_request(
            called=None, number_provider="vapi"
        ),
        "assistant-request withheld caller": VapiCall().assistant_request(caller=None),
        "tool-calls": call.tool_calls([("call_a", "lookup", {"order": 42}), ("call_b", "f", {})]),
        "speech-update": call.speech_update(),
        "speech-update assistant stopped": call.speech_update(status="stopped", role="assistant"),
    }


FIXTURES = fixtures()


@pytest.mark.parametrize("name", list(FIXTURES))
def test_each_fixture_is_a_message_vapi_documents(oracle: VapiOracle, name: str) -> None:
    check_message(oracle, FIXTURES[name])


def test_the_call_in_a_report_is_a_call_vapi_documents(oracle: VapiOracle) -> None:
    record = VapiCall(name=str(uuid4())).end_of_call_report()["message"]["call"]

    model = oracle.check_call(record)

    assert not undocumented(model, record)
    assert model.cost_breakdown is not None
    assert not [
        key
        for key in unknown_keys(model.cost_breakdown, record["costBreakdown"])
        if f"costBreakdown.{key}" not in NEWER_THAN_THE_SDK
    ]


@pytest.mark.parametrize(
    ("name", "event"),
    [
        ("status-update ringing", StatusChanged),
        ("end-of-call-report", CallReported),
        ("assistant-request twilio line", InboundCallRequest),
        ("tool-calls", ToolCallRequest),
        ("speech-update", type(None)),
    ],
)
def test_what_vapi_documents_is_what_we_read(oracle: VapiOracle, name: str, event: type) -> None:
    payload = FIXTURES[name]
    check_message(oracle, payload)

    message = parse_message(encoded(payload), AT)

    assert message.type == payload["message"]["type"]
    assert isinstance(message.event, event)


# The checks must catch what the lenient SDK lets through.


@pytest.mark.parametrize(
    ("change", "flagged"),
    [
        (lambda m: m["call"].update(metadata={"call_id": "x"}), "call.metadata"),
        (lambda m: m.update(ended_reason=m["endedReason"]), "ended_reason"),
        (lambda m: m["costs"][2].update(prompt_tokens=5), "costs.2.prompt_tokens"),
        (lambda m: m["artifact"]["recording"]["mono"].update(url="u"), "recording.mono.url"),
        (lambda m: m["call"]["costBreakdown"].update(totalCost=1), "costBreakdown.totalCost"),
    ],
    ids=["call metadata", "snake case", "cost item", "recording", "breakdown"],
)
def test_an_undocumented_key_anywhere_is_caught(oracle: VapiOracle, change: Any, flagged: str):
    payload = copy.deepcopy(FIXTURES["end-of-call-report"])
    change(payload["message"])
    oracle.sdk.ServerMessageEndOfCallReport.model_validate(payload["message"])  # lenient

    with pytest.raises(AssertionError, match=flagged.replace(".", r"\.")):
        check_message(oracle, payload)


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "answered"), ("endedReason", "customer-hung-up")],
)
def test_a_value_outside_vapis_enums_is_caught(oracle: VapiOracle, field: str, value: str):
    payload = copy.deepcopy(FIXTURES["status-update ended"])
    payload["message"][field] = value

    with pytest.raises(AssertionError, match="is not Vapi's"):
        check_message(oracle, payload)


# --- our replies ---------------------------------------------------------------------------


def an_answer(**agent_fields: Any) -> InboundAnswer:
    tenant = TenantId(uuid4())
    voice = Voice(
        VoiceId(uuid4()),
        tenant,
        "Burt",
        VoiceProvider.ELEVENLABS,
        "burt",
        AT,
        AT,
        settings={"stability": 0.4, "similarityBoost": 0.75},
    )
    fields: dict[str, Any] = {
        "voice_id": voice.id,
        "system_instructions": "You are the receptionist of Acme.",
        "inbound_prompt": "Answer questions about opening hours.",
        "first_message": "Thanks for calling Acme, how can I help?",
        "config": {"model": {"provider": "openai", "model": "gpt-4o", "temperature": 0.2}},
        **agent_fields,
    }
    agent = VoiceAgent(
        AgentId(uuid4()), tenant, "Acme front desk receptionist " * 3, AT, AT, **fields
    )
    return InboundAnswer(CallId(uuid4()), tenant, agent, voice, LeadId(uuid4()))


def check_reply(model_type: type[BaseModel], reply: dict[str, Any]) -> BaseModel:
    model = model_type.model_validate(reply)
    unknown = unknown_keys(model, reply)
    assert not unknown, f"keys Vapi does not document: {unknown}"
    return model


def test_an_inline_assistant_answer_is_one_vapi_takes(oracle: VapiOracle) -> None:
    reply = reply_of(an_answer())

    model = check_reply(oracle.sdk.ServerMessageResponseAssistantRequest, reply)

    assert model.assistant is not None
    assert model.assistant_overrides is not None
    assert not too_long_texts(reply), "Vapi limits an assistant's name to 40 characters"


def test_a_saved_assistant_answer_is_one_vapi_takes(oracle: VapiOracle) -> None:
    reply = reply_of(an_answer(provider_assistant_id="asst_6a1c"))

    model = check_reply(oracle.sdk.ServerMessageResponseAssistantRequest, reply)

    assert model.assistant_id == "asst_6a1c"
    assert model.assistant is None


@pytest.mark.parametrize(
    "answer",
    [InboundRefusal(NOT_AVAILABLE), an_answer(config={"model": "gpt-4o"})],
    ids=["refused", "a config Vapi cannot take"],
)
def test_a_refusal_is_an_error_vapi_speaks(oracle: VapiOracle, answer: Any) -> None:
    reply = reply_of(answer)

    model = check_reply(oracle.sdk.ServerMessageResponseAssistantRequest, reply)

    assert model.error == NOT_AVAILABLE
    assert (model.assistant, model.assistant_id) == (None, None)


def test_tool_results_are_ones_vapi_takes(oracle: VapiOracle) -> None:
    answer = ToolResults(
        ((ToolCall("call_a", "lookup"), NO_TOOLS), (ToolCall("call_b", "f"), NO_TOOLS))
    )

    model = check_reply(oracle.sdk.ServerMessageResponseToolCalls, reply_of(answer))

    assert model.results is not None
    assert [(r.tool_call_id, r.name, r.error) for r in model.results] == [
        ("call_a", "lookup", NO_TOOLS),
        ("call_b", "f", NO_TOOLS),
    ]
