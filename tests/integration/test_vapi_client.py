"""`VapiTelephonyProvider` against a fake Vapi on loopback, checked by Vapi's own models.

Every `POST /call` body the client sends is validated, when the fake closes, with the official
SDK's `CreateOutboundCallDto` and with the rules the SDK does not enforce (documented keys
only, texts of at most 40 characters) — see `tests/fakes/vapi_oracle.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import unused_port
from uuid6 import uuid7

from adapters.vapi.client import (
    LIST_LIMIT,
    VapiTelephonyProvider,
    create_call_body,
    provider_call,
)
from adapters.vapi.languages import TRANSCRIBER_LANGUAGES, VOICE_LANGUAGES
from application.errors import (
    ProviderError,
    ProviderOutcomeUnknown,
    ProviderRejected,
    ProviderUnreachable,
)
from application.ports.telephony import OutboundCall, ProviderCall
from domain.agents import VoiceAgent
from domain.ids import AgentId, CallId, LeadId, PhoneNumberId, TenantId, VoiceId
from domain.phones import NumberProvider, PhoneLine, PhoneNumber
from domain.voices import Voice, VoiceProvider
from tests.fakes.vapi import (
    CREATE_CALL_FIELDS,
    CUSTOMER_FIELDS,
    FakeVapi,
    Op,
    create_problems,
    parse_iso,
)
from tests.fakes.vapi_oracle import VapiOracle
from tests.support import MutableClock

API_KEY = "vapi-private-key-for-tests"
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TENANT = TenantId(uuid7())
FROM_NUMBER_ID = "0b3a5a1e-5d0c-4a4e-9a57-6f1f2f6d9e01"
OTHER_NUMBER_ID = "7c2f9d64-1b0e-4c39-8e52-93e0b8d1a4c2"


# --- builders -------------------------------------------------------------------------------


def an_agent(**fields: Any) -> VoiceAgent:
    values: dict[str, Any] = {
        "id": AgentId(uuid7()),
        "tenant_id": TENANT,
        "name": "Sales caller",
        "created_at": START,
        "updated_at": START,
        "system_instructions": "You are a polite assistant of Acme.",
        "agent_instructions": "Offer the spring discount.",
        "outbound_prompt": "You are calling {{name}} back about their request.",
        "inbound_prompt": "INBOUND ONLY: answer questions about opening hours.",
        "first_message": "Hello, this is Acme calling.",
    }
    values.update(fields)
    return VoiceAgent(**values)


def a_line(provider_number_id: str | None = FROM_NUMBER_ID, **fields: Any) -> PhoneLine:
    values: dict[str, Any] = {
        "id": PhoneNumberId(uuid7()),
        "tenant_id": TENANT,
        "number": PhoneNumber.parse("+12025550143"),
        "provider": NumberProvider.VAPI,
        "created_at": START,
        "updated_at": START,
        "provider_number_id": provider_number_id,
    }
    values.update(fields)
    return PhoneLine(**values)


def a_voice(
    provider: VoiceProvider = VoiceProvider.ELEVENLABS, provider_voice_id: str = "burt"
) -> Voice:
    return Voice(
        id=VoiceId(uuid7()),
        tenant_id=TENANT,
        name="Burt",
        provider=provider,
        provider_voice_id=provider_voice_id,
        created_at=START,
        updated_at=START,
    )


def a_call(**fields: Any) -> OutboundCall:
    values: dict[str, Any] = {
        "call_id": CallId(uuid7()),
        "tenant_id": TENANT,
        "agent": an_agent(),
        "from_number": a_line(),
        "to": PhoneNumber.parse("+14155550123"),
        "lead_id": LeadId(uuid7()),
        "voice": a_voice(),
        "customer_name": "Ada Lovelace",
        "variables": {"name": "Ada", "product": "solar panels"},
    }
    values.update(fields)
    return OutboundCall(**values)


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def oracle() -> VapiOracle:
    """The SDK's models, validators built once per session (the first validation is slow)."""
    oracle = VapiOracle()
    oracle.warm()
    return oracle


@pytest.fixture
def vapi_clock() -> MutableClock:
    """The fake Vapi's clock (its `createdAt`), moved by hand."""
    return MutableClock(START)


@pytest.fixture
async def fake(vapi_clock: MutableClock, oracle: VapiOracle) -> AsyncIterator[FakeVapi]:
    """A fake Vapi org on loopback; at the end, every create body it saw must be one Vapi
    accepts."""
    async with FakeVapi(API_KEY, now=vapi_clock.now) as served:
        yield served
    for body in served.create_bodies:
        oracle.check_create_body(body)


MakeClient = Callable[..., VapiTelephonyProvider]


@pytest.fixture
async def make_client(fake: FakeVapi) -> AsyncIterator[MakeClient]:
    """Clients on the fake (or elsewhere: `base_url=`), all closed at the end."""
    made: list[VapiTelephonyProvider] = []

    def make(**options: Any) -> VapiTelephonyProvider:
        options.setdefault("base_url", fake.base_url)
        client = VapiTelephonyProvider(options.pop("api_key", API_KEY), **options)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
def client(make_client: MakeClient) -> VapiTelephonyProvider:
    return make_client(timeout_seconds=10.0)


@pytest.fixture
def created_after(vapi_clock: MutableClock) -> datetime:
    """An instant before the test's calls are created: the fake's clock moves past it."""
    before = vapi_clock.now()
    vapi_clock.advance(seconds=5)
    return before


async def place(client: VapiTelephonyProvider, fake: FakeVapi, call: OutboundCall) -> Any:
    """Place the call and return the one body the fake received."""
    await client.place_call(call)
    assert len(fake.create_bodies) == 1
    return fake.create_bodies[0]


# --- what POST /call carries ---------------------------------------------------------------


async def test_an_agent_with_a_saved_assistant_is_called_by_its_assistant_id(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    call = a_call(agent=an_agent(provider_assistant_id="asst_6a1c"))

    body = await place(client, fake, call)

    assert body["assistantId"] == "asst_6a1c"
    assert "assistant" not in body


async def test_an_agent_without_one_is_sent_as_an_inline_assistant(
    client: VapiTelephonyProvider, fake: FakeVapi, oracle: VapiOracle
) -> None:
    agent = an_agent()
    call = a_call(agent=agent, voice=a_voice(VoiceProvider.ELEVENLABS, "21m00Tcm4TlvDq8ikWAM"))

    body = await place(client, fake, call)

    assert "assistantId" not in body
    assistant = body["assistant"]
    assert assistant["firstMessage"] == agent.first_message
    assert assistant["voice"] == {"provider": "11labs", "voiceId": "21m00Tcm4TlvDq8ikWAM"}
    assert assistant["model"]["provider"]
    assert assistant["model"]["model"]
    [message] = assistant["model"]["messages"]
    assert message["role"] == "system"
    prompt = message["content"]
    parts = [agent.system_instructions, agent.agent_instructions, agent.outbound_prompt]
    positions = [prompt.index(part) for part in parts if part]
    assert positions == sorted(positions), "system, agent instructions, then outbound prompt"
    assert agent.inbound_prompt
    assert agent.inbound_prompt not in prompt
    model = oracle.check_create_body(body)
    assert model.assistant is not None
    assert model.assistant.voice is not None
    assert type(model.assistant.voice).__name__ == "CreateAssistantDtoVoice_11Labs"


async def test_an_inline_assistant_leaves_out_what_the_agent_does_not_have(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    agent = an_agent(
        system_instructions=None,
        agent_instructions=None,
        outbound_prompt=None,
        first_message=None,
    )

    body = await place(client, fake, a_call(agent=agent, voice=None))

    assistant = body["assistant"]
    assert "voice" not in assistant
    assert "firstMessage" not in assistant
    assert "messages" not in assistant["model"]


async def test_the_call_carries_our_ids_where_vapi_sends_them_back(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    call = a_call()

    body = await place(client, fake, call)

    assert body["name"] == str(call.call_id)
    assert body["phoneNumberId"] == FROM_NUMBER_ID
    assert body["customer"] == {
        "number": "+14155550123",
        "name": "Ada Lovelace",
        "externalId": str(call.lead_id),
    }
    assert body["assistantOverrides"]["metadata"] == {
        "tenant_id": str(call.tenant_id),
        "call_id": str(call.call_id),
        "agent_id": str(call.agent.id),
        "lead_id": str(call.lead_id),
    }
    assert body["assistantOverrides"]["variableValues"] == {
        "name": "Ada",
        "product": "solar panels",
    }
    assert "metadata" not in body, "Vapi has no top-level metadata on create"


async def test_a_call_without_lead_name_or_variables_sends_none_of_them(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    call = a_call(lead_id=None, customer_name=None, variables={})

    body = await place(client, fake, call)

    assert body["customer"] == {"number": "+14155550123"}
    assert body["assistantOverrides"] == {
        "metadata": {
            "tenant_id": str(call.tenant_id),
            "call_id": str(call.call_id),
            "agent_id": str(call.agent.id),
        }
    }


async def test_long_names_are_cut_to_the_40_characters_vapi_allows(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    long_name = "Maximiliana Wilhelmina Theodora Konstantinopoulou-Smith"
    call = a_call(customer_name=long_name, agent=an_agent(name="A" * 255))

    body = await place(client, fake, call)

    assert len(long_name) > 40
    assert body["customer"]["name"] == long_name[:40]
    assert len(body["assistant"]["name"]) <= 40
    assert len(body["name"]) <= 40
    assert len(body["customer"]["externalId"]) <= 40


async def test_a_number_without_a_vapi_id_is_refused_before_anything_is_sent(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    call = a_call(from_number=a_line(provider_number_id=None))

    with pytest.raises(ProviderRejected):
        await client.place_call(call)

    assert fake.requests == []


async def test_the_client_authenticates_with_the_private_key(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    await client.place_call(a_call())

    [request] = fake.requests
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"


async def test_a_wrong_key_is_a_rejection(make_client: MakeClient, fake: FakeVapi) -> None:
    client = make_client(api_key="not-the-key")

    with pytest.raises(ProviderRejected) as raised:
        await client.place_call(a_call())

    assert raised.value.status == 401
    assert fake.calls == {}


async def test_placing_returns_the_call_vapi_created(
    client: VapiTelephonyProvider, fake: FakeVapi, oracle: VapiOracle, vapi_clock: MutableClock
) -> None:
    call = a_call()

    placed = await client.place_call(call)

    [stored] = fake.calls.values()
    assert placed.provider_call_id == stored["id"]
    assert placed.status == "queued"
    assert placed.name == str(call.call_id)
    assert placed.created_at == vapi_clock.now()
    assert placed.data["id"] == stored["id"]
    assert placed.data["customer"] == stored["customer"]
    assert "subscriptionLimits" in placed.data, "the create answer is kept as it came"
    oracle.check_call(placed.data)


# --- the bodies against Vapi's published models ---------------------------------------------


def test_the_fake_knows_the_properties_vapi_documents(oracle: VapiOracle) -> None:
    assert oracle.create_call_fields == CREATE_CALL_FIELDS
    assert oracle.customer_fields == CUSTOMER_FIELDS
    assert "metadata" not in CREATE_CALL_FIELDS


# Voice providers whose Vapi voice needs more than {provider, voiceId}, with what it needs
# (the tenant can keep it in the voice's `settings`). The client sends only the two.
# `neuphonic` also needs a `language`, which the SDK types as an object of unstated shape.
NEEDS_MORE_THAN_A_VOICE_ID = {
    VoiceProvider.CUSTOM_VOICE,
    VoiceProvider.NEUPHONIC,
    VoiceProvider.SESAME,
}
VOICE_SETTINGS: dict[VoiceProvider, dict[str, Any]] = {
    VoiceProvider.CUSTOM_VOICE: {"server": {"url": "https://tts.example.test/voice"}},
    VoiceProvider.SESAME: {"model": "csm-1b"},
}
BODY_VARIANTS = {
    "full": {},
    "saved assistant": {"agent": an_agent(provider_assistant_id="asst_1")},
    "bare": {"lead_id": None, "voice": None, "customer_name": None, "variables": {}},
    "no prompts": {
        "agent": an_agent(system_instructions=None, agent_instructions=None, outbound_prompt=None)
    },
    "long texts": {"customer_name": "Ü" * 80, "agent": an_agent(name="Agent " * 40)},
    "model config": {"agent": an_agent(config={"model": {"model": "gpt-4o", "temperature": 0.3}})},
    "not recorded": {"record": False},
    "not recorded, saved assistant": {
        "record": False,
        "agent": an_agent(provider_assistant_id="asst_1"),
    },
    "in Spanish": {"agent": an_agent(language="es-ES")},
    "own transcriber": {
        "agent": an_agent(language="pt-BR", config={"transcriber": {"provider": "azure"}})
    },
}


@pytest.mark.parametrize("fields", BODY_VARIANTS.values(), ids=BODY_VARIANTS.keys())
def test_every_kind_of_create_body_is_one_vapi_accepts(
    oracle: VapiOracle, fields: dict[str, Any]
) -> None:
    body = create_call_body(a_call(**fields))

    oracle.check_create_body(body)
    assert create_problems(body) == []


@pytest.mark.parametrize(
    "provider", sorted(set(VoiceProvider) - NEEDS_MORE_THAN_A_VOICE_ID), ids=str
)
def test_an_inline_voice_of_every_provider_is_one_vapi_accepts(
    oracle: VapiOracle, provider: VoiceProvider
) -> None:
    body = create_call_body(a_call(voice=a_voice(provider, "some-voice")))

    model = oracle.check_create_body(body)
    assert model.assistant is not None
    assert model.assistant.voice is not None
    assert model.assistant.voice.provider == provider.value


def test_a_call_that_may_not_be_recorded_tells_vapi_so_whatever_its_assistant() -> None:
    for agent in (an_agent(), an_agent(provider_assistant_id="asst_1")):
        off = create_call_body(a_call(agent=agent, record=False))
        on = create_call_body(a_call(agent=agent))

        assert off["assistantOverrides"]["artifactPlan"] == {"recordingEnabled": False}
        assert "artifactPlan" not in on["assistantOverrides"]  # Vapi records by default


def test_a_call_of_a_tenant_storing_no_transcripts_asks_vapi_to_keep_nothing(
    oracle: VapiOracle,
) -> None:
    for agent in (an_agent(), an_agent(provider_assistant_id="asst_1")):
        private = create_call_body(a_call(agent=agent, private=True))
        kept = create_call_body(a_call(agent=agent))

        model = oracle.check_create_body(private)
        assert model.assistant_overrides is not None
        assert model.assistant_overrides.compliance_plan is not None
        assert model.assistant_overrides.compliance_plan.hipaa_enabled is True
        assert "compliancePlan" not in kept["assistantOverrides"]


@pytest.mark.parametrize(
    ("agent_language", "voice_language", "transcriber", "spoken"),
    [
        # Deepgram (when the agent names no transcriber) takes Spanish as `es`.
        ("es-ES", None, {"provider": "deepgram", "model": "nova-2", "language": "es"}, "es"),
        # The voice's own language goes to the voice, the agent's to the transcriber.
        (
            "es-419",
            "es-MX",
            {"provider": "deepgram", "model": "nova-2", "language": "es-419"},
            "es",
        ),
        # An agent with no language speaks its voice's.
        (None, "fr-FR", {"provider": "deepgram", "model": "nova-2", "language": "fr"}, "fr"),
    ],
)
def test_the_language_goes_to_the_transcriber_and_the_voice_as_their_providers_name_it(
    oracle: VapiOracle,
    agent_language: str | None,
    voice_language: str | None,
    transcriber: dict[str, Any],
    spoken: str,
) -> None:
    voice = a_voice(VoiceProvider.ELEVENLABS, "burt")
    voice.language = voice_language

    body = create_call_body(a_call(agent=an_agent(language=agent_language), voice=voice))

    oracle.check_create_body(body)
    assert body["assistant"]["transcriber"] == transcriber
    assert body["assistant"]["voice"]["language"] == spoken


def test_an_agent_without_a_language_leaves_the_transcriber_to_vapi() -> None:
    body = create_call_body(a_call(agent=an_agent(language=None)))

    assert "transcriber" not in body["assistant"]
    assert "language" not in body["assistant"]["voice"]


# Transcribers whose Vapi object needs more than its provider (the tenant's config holds it).
TRANSCRIBER_SETTINGS: dict[str, dict[str, Any]] = {
    "openai": {"model": "gpt-4o-transcribe"},
    "speechmatics": {"customVocabulary": []},
}


@pytest.mark.parametrize("provider", sorted(TRANSCRIBER_LANGUAGES), ids=str)
def test_every_transcriber_is_sent_the_language_in_its_own_terms(
    oracle: VapiOracle, provider: str
) -> None:
    configured = {"provider": provider, **TRANSCRIBER_SETTINGS.get(provider, {})}
    agent = an_agent(language="es-ES", config={"transcriber": configured})

    body = create_call_body(a_call(agent=agent))

    model = oracle.check_create_body(body)
    assert model.assistant is not None
    assert body["assistant"]["transcriber"]["language"] in TRANSCRIBER_LANGUAGES[provider]


@pytest.mark.parametrize(
    "provider",
    sorted(p for p in VoiceProvider if p.value in VOICE_LANGUAGES and p not in VOICE_SETTINGS),
    ids=str,
)
def test_every_voice_that_takes_a_language_is_sent_it_in_its_own_terms(
    oracle: VapiOracle, provider: VoiceProvider
) -> None:
    voice = a_voice(provider, "some-voice")
    voice.language = "es-ES"

    body = create_call_body(a_call(agent=an_agent(language=None), voice=voice))

    oracle.check_create_body(body)
    assert body["assistant"]["voice"]["language"] in VOICE_LANGUAGES[provider.value]


def test_a_language_the_transcriber_does_not_take_is_refused_before_sending() -> None:
    agent = an_agent(language="cy-GB", config={"transcriber": {"provider": "xai"}})

    with pytest.raises(ProviderRejected, match="cy-GB"):
        create_call_body(a_call(agent=agent))


@pytest.mark.parametrize("provider", sorted(VOICE_SETTINGS), ids=str)
def test_voices_that_need_settings_are_sent_with_them(
    oracle: VapiOracle, provider: VoiceProvider
) -> None:
    voice = a_voice(provider, "some-voice")
    voice.settings = VOICE_SETTINGS[provider]

    oracle.check_create_body(create_call_body(a_call(voice=voice)))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"name": "x", "metadata": {}}, "metadata"),
        ({"name": "x", "phone_number_id": "pn"}, "phone_number_id"),
        ({"customer": {"number": "+14155550123", "external_id": "1"}}, "customer.external_id"),
        ({"name": "x" * 41}, "name has 41 characters"),
        ({"customer": {"number": "+1", "name": "x" * 41}}, "customer.name has 41"),
    ],
)
def test_the_oracle_refuses_what_the_lenient_sdk_lets_through(
    oracle: VapiOracle, body: dict[str, Any], problem: str
) -> None:
    oracle.sdk.CreateOutboundCallDto.model_validate(body)  # the SDK alone accepts it

    with pytest.raises(AssertionError, match=problem):
        oracle.check_create_body(body)


async def test_the_fake_refuses_what_vapi_refuses(vapi_clock: MutableClock) -> None:
    async with (
        FakeVapi(API_KEY, now=vapi_clock.now) as raw,
        ClientSession(headers={"Authorization": f"Bearer {API_KEY}"}) as http,
    ):
        body = {
            "name": "x" * 41,
            "metadata": {"call_id": "1"},
            "customer": {"number": "+14155550123", "nickname": "Ada"},
        }
        async with http.post(f"{raw.base_url}/call", json=body) as response:
            status, answer = response.status, await response.json()

    assert status == 400
    assert answer == {
        "message": [
            "property metadata should not exist",
            "customer.property nickname should not exist",
            "name must be shorter than or equal to 40 characters",
        ],
        "error": "Bad Request",
        "statusCode": 400,
    }
    assert raw.calls == {}
    assert raw.create_bodies == [body]


async def test_the_fakes_calls_are_calls_vapi_describes(
    client: VapiTelephonyProvider, fake: FakeVapi, oracle: VapiOracle
) -> None:
    placed = await client.place_call(a_call())
    fake.update_call(
        placed.provider_call_id,
        status="ended",
        endedReason="customer-ended-call",
        startedAt=START,
        endedAt=START + timedelta(minutes=2),
    )

    for data in fake.calls.values():
        oracle.check_call(data)
    oracle.check_call(placed.data)


# --- failures of a create --------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 422])
async def test_a_refusal_with_a_message_list_is_a_rejection(
    client: VapiTelephonyProvider, fake: FakeVapi, status: int
) -> None:
    fake.fail_next(
        status,
        ["customer.number must be a valid phone number", "phoneNumberId must be a UUID"],
    )

    with pytest.raises(ProviderRejected) as raised:
        await client.place_call(a_call())

    assert raised.value.status == status
    assert "customer.number must be a valid phone number" in raised.value.message
    assert "phoneNumberId must be a UUID" in raised.value.message
    assert len(fake.create_requests) == 1
    assert fake.calls == {}


async def test_a_refusal_with_one_message_keeps_it(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    fake.fail_next(402, "Wallet Balance Is Too Low")

    with pytest.raises(ProviderRejected) as raised:
        await client.place_call(a_call())

    assert raised.value.status == 402
    assert "Wallet Balance Is Too Low" in raised.value.message
    assert len(fake.create_requests) == 1


async def test_rate_limiting_is_a_rejection_and_is_not_retried(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    fake.fail_next(429, "Rate limit exceeded")

    with pytest.raises(ProviderRejected) as raised:
        await client.place_call(a_call())

    assert raised.value.status == 429
    assert len(fake.create_requests) == 1


@pytest.mark.parametrize("status", [500, 503])
async def test_a_server_error_leaves_the_outcome_unknown(
    client: VapiTelephonyProvider, fake: FakeVapi, status: int
) -> None:
    fake.fail_next(status, created=True)

    with pytest.raises(ProviderOutcomeUnknown):
        await client.place_call(a_call())

    assert len(fake.create_requests) == 1


async def test_a_timeout_leaves_the_outcome_unknown_and_the_call_is_found_afterwards(
    make_client: MakeClient,
    client: VapiTelephonyProvider,
    fake: FakeVapi,
    created_after: datetime,
) -> None:
    impatient = make_client(timeout_seconds=0.5)
    call = a_call()
    fake.hang_next(created=True)

    with pytest.raises(ProviderOutcomeUnknown):
        await impatient.place_call(call)

    assert len(fake.create_requests) == 1
    [created] = fake.calls_named(str(call.call_id))
    found = await client.find_call(call.call_id, call.from_number, created_after)
    assert found is not None
    assert found.provider_call_id == created["id"]
    assert found.name == str(call.call_id)
    assert len(fake.create_requests) == 1


async def test_a_dropped_connection_leaves_the_outcome_unknown(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    fake.drop_next(created=True)

    with pytest.raises(ProviderOutcomeUnknown):
        await client.place_call(a_call())

    assert len(fake.create_requests) == 1


async def test_a_refused_connection_means_vapi_was_not_reached(make_client: MakeClient) -> None:
    client = make_client(base_url=f"http://127.0.0.1:{unused_port()}")

    with pytest.raises(ProviderUnreachable):
        await client.place_call(a_call())


async def test_a_create_answer_that_is_not_a_call_leaves_the_outcome_unknown(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    fake.answer_next(201, ["not", "a", "call"], created=True)

    with pytest.raises(ProviderOutcomeUnknown):
        await client.place_call(a_call())

    assert len(fake.create_requests) == 1


async def test_a_created_answer_without_an_id_leaves_the_outcome_unknown(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    fake.answer_next(201, {"status": "queued", "name": "x"}, created=True)

    with pytest.raises(ProviderOutcomeUnknown):
        await client.place_call(a_call())


# --- reading calls ---------------------------------------------------------------------------


async def test_get_call_reads_the_call(client: VapiTelephonyProvider, fake: FakeVapi) -> None:
    placed = await client.place_call(a_call())
    fake.update_call(
        placed.provider_call_id,
        status="ended",
        endedReason="customer-did-not-answer",
        startedAt=START,
        endedAt=START + timedelta(seconds=30),
    )

    got = await client.get_call(placed.provider_call_id)

    assert got is not None
    assert got.provider_call_id == placed.provider_call_id
    assert got.status == "ended"
    assert got.ended_reason == "customer-did-not-answer"
    assert got.started_at == START
    assert got.ended_at == START + timedelta(seconds=30)
    assert got.data == fake.calls[placed.provider_call_id]


async def test_get_call_of_an_unknown_id_is_none(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    assert await client.get_call("5f0e7c1a-0000-4000-8000-000000000000") is None
    assert len(fake.requests) == 1


@pytest.mark.parametrize("status", [401, 500, 503])
async def test_get_call_failing_is_a_provider_error(
    client: VapiTelephonyProvider, fake: FakeVapi, status: int
) -> None:
    call = fake.add_call(name="x")
    fake.fail_next(status, op=Op.GET)

    with pytest.raises(ProviderError):
        await client.get_call(call["id"])


async def test_get_call_timing_out_is_a_provider_error(
    make_client: MakeClient, fake: FakeVapi
) -> None:
    call = fake.add_call(name="x")
    fake.hang_next(op=Op.GET)

    with pytest.raises(ProviderError):
        await make_client(timeout_seconds=0.5).get_call(call["id"])


async def test_find_call_asks_for_the_numbers_calls_since_the_instant(
    client: VapiTelephonyProvider, fake: FakeVapi, created_after: datetime
) -> None:
    call = a_call()

    assert await client.find_call(call.call_id, call.from_number, created_after) is None

    [request] = fake.requests
    assert (request.method, request.path) == ("GET", "/call")
    assert request.query["phoneNumberId"] == FROM_NUMBER_ID
    assert parse_iso(request.query["createdAtGt"]) == created_after
    assert int(request.query["limit"]) == LIST_LIMIT


async def test_find_call_is_none_when_no_call_has_our_name(
    client: VapiTelephonyProvider, fake: FakeVapi, created_after: datetime
) -> None:
    call = a_call()
    fake.add_call(name=str(uuid7()), phoneNumberId=FROM_NUMBER_ID)
    fake.add_call(phoneNumberId=FROM_NUMBER_ID)  # a call placed without a name

    assert await client.find_call(call.call_id, call.from_number, created_after) is None


async def test_find_call_ignores_calls_of_other_numbers_and_earlier_ones(
    client: VapiTelephonyProvider,
    fake: FakeVapi,
    created_after: datetime,
) -> None:
    call = a_call()
    name = str(call.call_id)
    fake.add_call(name=name, phoneNumberId=OTHER_NUMBER_ID)
    fake.add_call(
        name=name, phoneNumberId=FROM_NUMBER_ID, createdAt=created_after - timedelta(seconds=1)
    )

    assert await client.find_call(call.call_id, call.from_number, created_after) is None

    ours = fake.add_call(name=name, phoneNumberId=FROM_NUMBER_ID)
    found = await client.find_call(call.call_id, call.from_number, created_after)
    assert found is not None
    assert found.provider_call_id == ours["id"]


async def test_find_call_reads_vapis_bare_list(
    client: VapiTelephonyProvider, fake: FakeVapi, created_after: datetime
) -> None:
    call = a_call()
    for _ in range(3):
        fake.add_call(name=str(uuid7()), phoneNumberId=FROM_NUMBER_ID)
    ours = fake.add_call(name=str(call.call_id), phoneNumberId=FROM_NUMBER_ID)
    async with (
        ClientSession(headers={"Authorization": f"Bearer {API_KEY}"}) as http,
        http.get(f"{fake.base_url}/call", params={"phoneNumberId": FROM_NUMBER_ID}) as raw,
    ):
        listed = await raw.json()
    assert isinstance(listed, list)
    assert len(listed) == 4

    found = await client.find_call(call.call_id, call.from_number, created_after)

    assert isinstance(found, ProviderCall)
    assert found.provider_call_id == ours["id"]
    assert found.data == ours


async def test_find_call_looks_past_a_full_page(
    client: VapiTelephonyProvider, fake: FakeVapi, created_after: datetime
) -> None:
    """GET /call has no cursor: a full page without our call proves nothing, so the client
    pages back by creation time instead of answering "no call" (which could dial twice)."""
    call = a_call()
    ours = fake.add_call(
        name=str(call.call_id), phoneNumberId=FROM_NUMBER_ID, createdAt=created_after
    )
    ours["createdAt"] = (created_after + timedelta(milliseconds=1)).isoformat()
    for n in range(LIST_LIMIT + 5):
        fake.add_call(
            name=str(uuid7()),
            phoneNumberId=FROM_NUMBER_ID,
            createdAt=created_after + timedelta(seconds=1, milliseconds=n),
        )

    found = await client.find_call(call.call_id, call.from_number, created_after)

    assert found is not None
    assert found.provider_call_id == ours["id"]


def test_an_agent_model_that_is_not_an_object_is_refused_before_sending() -> None:
    with pytest.raises(ProviderRejected, match=r"config\.model"):
        create_call_body(a_call(agent=an_agent(config={"model": "gpt-4o"})))


async def test_find_call_failing_is_a_provider_error(
    client: VapiTelephonyProvider, fake: FakeVapi, created_after: datetime
) -> None:
    call = a_call()
    fake.fail_next(500, op=Op.LIST)

    with pytest.raises(ProviderError):
        await client.find_call(call.call_id, call.from_number, created_after)


# --- provider_call ---------------------------------------------------------------------------

ENDED_CALL: dict[str, Any] = {
    "id": "2a1f7e4c-3b6d-4e8f-9a0b-1c2d3e4f5a6b",
    "orgId": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
    "type": "outboundPhoneCall",
    "status": "ended",
    "endedReason": "customer-ended-call",
    "name": "01950f3c-7e2a-7b4c-8d9e-0f1a2b3c4d5e",
    "phoneNumberId": FROM_NUMBER_ID,
    "assistantId": "asst_6a1c",
    "customer": {"number": "+14155550123", "externalId": "01950f3c-0000-7000-8000-000000000001"},
    "assistantOverrides": {"metadata": {"call_id": "01950f3c-7e2a-7b4c-8d9e-0f1a2b3c4d5e"}},
    "createdAt": "2026-03-02T09:30:00.000Z",
    "updatedAt": "2026-03-02T09:33:05.120Z",
    "startedAt": "2026-03-02T09:30:04.250Z",
    "endedAt": "2026-03-02T09:33:01.500Z",
    "cost": 0.1234,
    "costBreakdown": {"transport": 0.02, "stt": 0.01, "llm": 0.03, "tts": 0.04, "total": 0.1234},
    "artifact": {"transcript": "AI: Hello\nUser: Bye\n"},
    "analysis": {"summary": "The customer hung up."},
}


def test_provider_call_reads_a_call_vapi_describes(oracle: VapiOracle) -> None:
    oracle.check_call(ENDED_CALL)

    read = provider_call(ENDED_CALL)

    assert read.provider_call_id == ENDED_CALL["id"]
    assert read.status == "ended"
    assert read.ended_reason == "customer-ended-call"
    assert read.name == ENDED_CALL["name"]
    assert read.created_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert read.started_at == datetime(2026, 3, 2, 9, 30, 4, 250_000, tzinfo=UTC)
    assert read.ended_at == datetime(2026, 3, 2, 9, 33, 1, 500_000, tzinfo=UTC)
    assert read.data == ENDED_CALL


@pytest.mark.parametrize(
    "data",
    [
        {key: value for key, value in ENDED_CALL.items() if key != "id"},
        {**ENDED_CALL, "id": None},
        {**ENDED_CALL, "createdAt": "yesterday"},
    ],
    ids=["no id", "null id", "bad date"],
)
def test_provider_call_refuses_what_is_not_a_call(data: dict[str, Any]) -> None:
    with pytest.raises(ProviderError):
        provider_call(data)


# --- hanging up (Live Call Control) ------------------------------------------------------------


async def test_end_call_posts_end_call_to_the_calls_control_url_and_nothing_else(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    placed = await client.place_call(a_call())
    assert placed.data["monitor"]["controlUrl"] == fake.control_url(placed.provider_call_id)

    await client.end_call(placed.provider_call_id, placed.data)

    [sent] = fake.control_requests
    assert sent.path == f"/{placed.provider_call_id}/control"
    assert sent.body == {"type": "end-call"}
    # The control URL is the call's own capability: our API key never goes there.
    assert "Authorization" in fake.create_requests[0].headers
    assert "Authorization" not in sent.headers
    # The record was enough: the call was not read again.
    assert [r.method for r in fake.requests] == ["POST", "POST"]
    ended = fake.calls[placed.provider_call_id]
    assert (ended["status"], ended["endedReason"]) == ("ended", "manually-canceled")


async def test_end_call_reads_the_control_url_from_vapi_when_the_record_has_none(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    placed = await client.place_call(a_call())
    without_monitor = {k: v for k, v in placed.data.items() if k != "monitor"}

    await client.end_call(placed.provider_call_id, without_monitor)

    read, sent = fake.requests[1:]
    assert (read.method, read.path) == ("GET", f"/call/{placed.provider_call_id}")
    assert (sent.path, sent.body) == (f"/{placed.provider_call_id}/control", {"type": "end-call"})
    assert fake.calls[placed.provider_call_id]["status"] == "ended"


async def test_end_call_of_a_call_vapi_gives_no_way_to_reach_is_refused(
    client: VapiTelephonyProvider, fake: FakeVapi
) -> None:
    call = fake.add_call(name="x", status="in-progress", monitor={})

    with pytest.raises(ProviderRejected, match="no control URL"):
        await client.end_call(call["id"], {})
    with pytest.raises(ProviderRejected) as unknown:
        await client.end_call("5f0e7c1a-0000-4000-8000-000000000000", {})

    assert unknown.value.status == 404
    assert fake.control_requests == []


@pytest.mark.parametrize(
    ("status", "error"), [(400, ProviderRejected), (404, ProviderRejected), (500, ProviderError)]
)
async def test_end_call_refused_by_the_control_url_is_a_provider_error_with_vapis_words(
    client: VapiTelephonyProvider, fake: FakeVapi, status: int, error: type[ProviderError]
) -> None:
    placed = await client.place_call(a_call())
    fake.fail_next(status, "the call is not active", op=Op.CONTROL)

    with pytest.raises(error, match="the call is not active") as raised:
        await client.end_call(placed.provider_call_id, placed.data)

    assert raised.value.message.startswith(f"Vapi answered {status}")
    assert fake.calls[placed.provider_call_id]["status"] == "queued"


async def test_end_call_without_an_answer_is_a_provider_error_within_the_timeout(
    make_client: MakeClient, fake: FakeVapi
) -> None:
    client = make_client(timeout_seconds=0.5)
    placed = await client.place_call(a_call())
    fake.hang_next(op=Op.CONTROL)

    with pytest.raises(ProviderError, match="no answer") as raised:
        await client.end_call(placed.provider_call_id, placed.data)

    assert not isinstance(raised.value, ProviderUnreachable)


async def test_end_call_to_a_control_url_nobody_listens_on_is_unreachable(
    client: VapiTelephonyProvider,
) -> None:
    gone = {"monitor": {"controlUrl": f"http://127.0.0.1:{unused_port()}/x/control"}}

    with pytest.raises(ProviderUnreachable):
        await client.end_call("x", gone)
