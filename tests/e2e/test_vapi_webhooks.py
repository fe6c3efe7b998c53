"""Vapi's Server URL end to end: `POST /v1/webhooks/vapi` through the real container on
PostgreSQL, with messages built in Vapi's wire format (tests/fakes/vapi_messages.py) about
calls placed through a fake Vapi (tests/fakes/vapi.py)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from dependency_injector import providers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.call_events import NO_TOOLS, NOT_AVAILABLE, NOT_IN_SERVICE
from entrypoints.http.app import create_app
from entrypoints.http.webhooks import WebhookVerifier
from tests.e2e.helpers import (
    Reply,
    all_items,
    assert_problem,
    comparable,
    expect,
    random_id,
    send,
)
from tests.e2e.test_calls import (
    AGENT,
    BEARER,
    SECRET,
    WEBHOOK,
    Desk,
    api_fixture,  # noqa: F401 (the fixtures of the calls' tests, shared)
    arrange,
    call_policy_fixture,  # noqa: F401
    catalogue_fixture,  # noqa: F401
    dec,
    deliver,
    get_call,
    new_phone,
    oracle_fixture,  # noqa: F401
    place,
    placed,
    set_feature,
    used,
    vapi_call,
    vapi_fixture,  # noqa: F401
    vapi_telephony_fixture,  # noqa: F401
)
from tests.fakes.vapi_messages import T0, VapiCall
from tests.fakes.vapi_oracle import VapiOracle, unknown_keys
from tests.support import Api

pytestmark = pytest.mark.postgres

# Later than any call placed here: every message is news to the call it is about.
LATER = T0.replace(year=T0.year + 5)


@pytest.fixture
def telephony_provider(vapi_telephony: providers.Provider[Any]) -> Any:
    """Calls are placed through the fake Vapi; what happens next comes by webhook."""
    return vapi_telephony


def webhook_rows(rows: dict[str, Any], vapi_id: str | None = None) -> list[dict[str, Any]]:
    return [e for e in rows["webhook_events"] if vapi_id is None or e["vapi_call_id"] == vapi_id]


def acknowledged(reply: Reply, *, duplicate: bool = False) -> None:
    assert reply.status == 200, reply.body
    assert reply.body == {"received": True, "duplicate": duplicate}


# --- authentication -------------------------------------------------------------------------


def signed(raw: bytes, stamp: str, secret: str = SECRET) -> dict[str, str]:
    signature = hmac.new(secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256)
    return {"x-timestamp": stamp, "x-signature": signature.hexdigest()}


async def test_only_the_configured_credential_gets_a_message_in(
    api, pg_container, aiohttp_client, all_rows
):
    async def app_with(verifier: WebhookVerifier) -> Api:
        made = create_app(pg_container.use_cases(), webhook_verifier=verifier)
        return Api(await aiohttp_client(made), None)

    bearer = api
    legacy = await app_with(WebhookVerifier(mode="x-vapi-secret", secret=SECRET))
    signing = await app_with(WebhookVerifier(mode="hmac", secret=SECRET))
    unconfigured = await app_with(WebhookVerifier())
    raw = json.dumps(VapiCall().speech_update()).encode()
    other_raw = json.dumps(VapiCall().speech_update()).encode()
    now = int(time.time())
    json_type = {"Content-Type": "application/json"}
    refused: list[tuple[str, Api, dict[str, str]]] = [
        ("bearer: none", bearer, {}),
        ("bearer: wrong token", bearer, {"Authorization": f"Bearer {SECRET}x"}),
        ("bearer: token without scheme", bearer, {"Authorization": "Bearer"}),
        ("bearer: basic scheme", bearer, {"Authorization": f"Basic {SECRET}"}),
        ("bearer: legacy header", bearer, {"X-Vapi-Secret": SECRET}),
        ("legacy: none", legacy, {}),
        ("legacy: wrong secret", legacy, {"X-Vapi-Secret": SECRET[:-1]}),
        ("legacy: bearer header", legacy, BEARER),
        ("hmac: none", signing, {}),
        ("hmac: bearer header", signing, BEARER),
        ("hmac: wrong key", signing, signed(raw, str(now), "not-the-secret")),
        ("hmac: another body's signature", signing, signed(other_raw, str(now))),
        ("hmac: stale", signing, signed(raw, str(now - 600))),
        ("hmac: stale, in ms", signing, signed(raw, str((now - 600) * 1000))),
        ("hmac: from the future", signing, signed(raw, str(now + 600))),
        ("hmac: timestamp moved", signing, {**signed(raw, str(now)), "x-timestamp": str(now - 1)}),
        ("no secret configured", unconfigured, BEARER),
    ]
    before = await all_rows()

    for case, app, headers in refused:
        reply = await send(app, "POST", WEBHOOK, data=raw, headers={**headers, **json_type})
        assert reply.status == 401, case
        assert_problem(reply, 401, code="unauthenticated")

    assert await all_rows() == before
    accepted: list[tuple[str, Api, Any]] = [
        ("bearer", bearer, lambda raw: BEARER),
        ("bearer, any case", bearer, lambda raw: {"Authorization": f"bEARER {SECRET}"}),
        ("legacy", legacy, lambda raw: {"X-Vapi-Secret": SECRET}),
        ("hmac, seconds", signing, lambda raw: signed(raw, str(int(time.time())))),
        ("hmac, ms", signing, lambda raw: signed(raw, str(int(time.time() * 1000)))),
    ]
    for case, app, headers in accepted:
        message = json.dumps(VapiCall().speech_update()).encode()
        reply = await send(
            app, "POST", WEBHOOK, data=message, headers={**headers(message), **json_type}
        )
        assert reply.status == 200, (case, reply.body)
        assert reply.body == {"received": True, "duplicate": False}, case
    assert len(webhook_rows(await all_rows())) == len(accepted)


# --- what is stored, what is answered -------------------------------------------------------


async def test_messages_about_no_call_or_of_no_use_are_stored_and_acknowledged(
    build, vapi, all_rows, oracle: VapiOracle
):
    desk = await arrange(build)
    call = placed(await place(desk))
    ours = vapi_call(desk, call)
    stranger = VapiCall(name=random_id())

    acknowledged(await deliver(desk.api, stranger.status_update("ringing")))
    acknowledged(await deliver(desk.api, ours.speech_update(at=LATER)))
    future = {"message": {"type": "a-type-of-tomorrow", "call": ours.record("in-progress")}}
    acknowledged(await deliver(desk.api, future))
    acknowledged(await deliver(desk.api, stranger.status_update("ringing")), duplicate=True)

    rows = await all_rows()
    [about_nobody] = webhook_rows(rows, stranger.id)
    assert (about_nobody["type"], about_nobody["tenant_id"]) == ("status-update", None)
    assert about_nobody["payload"] == stranger.status_update("ringing")
    assert sorted((e["type"], e["tenant_id"]) for e in webhook_rows(rows, ours.id)) == [
        ("a-type-of-tomorrow", desk.tenant_id),
        ("speech-update", desk.tenant_id),
    ]
    # None of them moved the call.
    assert await get_call(desk, call["id"]) == call

    tools = ours.tool_calls([("tc-1", "lookup", {"order": 42}), ("tc-2", "book", {})])
    answer = await deliver(desk.api, tools)
    as_objects = ours.tool_calls([("tc-3", "lookup", {})], arguments_as_object=True, at=LATER)
    answer_2 = await deliver(desk.api, as_objects)
    # The shape of Vapi's docs' examples: `name` and `arguments` on the item, no `function`.
    flat = ours.tool_calls(
        [("tc-4", "transfer", {"to": "sales"})], flat=True, at=LATER + timedelta(seconds=1)
    )
    answer_3 = await deliver(desk.api, flat)

    assert answer.status == answer_2.status == answer_3.status == 200
    assert answer.body == {
        "results": [
            {"toolCallId": "tc-1", "name": "lookup", "error": NO_TOOLS},
            {"toolCallId": "tc-2", "name": "book", "error": NO_TOOLS},
        ]
    }
    assert answer_2.body == {
        "results": [{"toolCallId": "tc-3", "name": "lookup", "error": NO_TOOLS}]
    }
    assert answer_3.body == {
        "results": [{"toolCallId": "tc-4", "name": "transfer", "error": NO_TOOLS}]
    }
    model = oracle.sdk.ServerMessageResponseToolCalls.model_validate(answer.body)
    assert unknown_keys(model, answer.body) == []
    assert len(webhook_rows(await all_rows(), ours.id)) == 5


async def test_a_body_that_is_no_vapi_message_is_400_and_stored_nowhere(api, all_rows):
    before = await all_rows()
    for raw in (b"{not json", b"", b"[]", b'{"message": {}}', b'{"message": {"type": ""}}'):
        reply = await send(
            api, "POST", WEBHOOK, data=raw, headers={**BEARER, "Content-Type": "application/json"}
        )
        assert_problem(reply, 400)
    assert await all_rows() == before


# --- the largest messages -------------------------------------------------------------------

LONG_CALL_TURNS = 2_600  # 5,201 messages: 5.4 MB


async def test_a_long_calls_report_of_megabytes_is_stored_and_applied(build, vapi, all_rows):
    desk = await arrange(build)
    call = placed(await place(desk))
    vapi_side = vapi_call(desk, call, created_at=LATER, turns=LONG_CALL_TURNS)
    report = vapi_side.end_of_call_report()
    raw = json.dumps(report).encode()
    assert len(raw) > 5_000_000  # what a long call's report weighs

    headers = {**BEARER, "Content-Type": "application/json"}
    acknowledged(
        await send(desk.api.as_(None), "POST", WEBHOOK, data=io.BytesIO(raw), headers=headers)
    )

    transcript = expect(await desk.api.get(desk.call(call["id"]) + "/transcript"), 200)
    assert transcript["text"] == vapi_side.spoken
    assert len(transcript["messages"]) == 1 + 2 * LONG_CALL_TURNS
    cost = expect(await desk.api.get(desk.call(call["id"]) + "/cost"), 200)
    assert dec(cost["cost"]) == dec(vapi_side.cost)
    assert (await get_call(desk, call["id"]))["status"] == "ended"
    [stored] = webhook_rows(await all_rows(), vapi_side.id)
    assert stored["payload"] == report


async def test_a_message_above_the_upload_limit_is_refused_even_when_chunked(
    pg_container, aiohttp_client, all_rows
):
    app = create_app(
        pg_container.use_cases(),
        max_body_bytes=64 * 1024,
        upload_max_bytes=1024 * 1024,
        webhook_verifier=WebhookVerifier(mode="bearer", secret=SECRET),
    )
    api = Api(await aiohttp_client(app), None)
    report = VapiCall(turns=600).end_of_call_report()
    raw = json.dumps(report).encode()
    assert len(raw) > 1024 * 1024
    before = await all_rows()

    async def chunks():  # no Content-Length: only reading can tell the size
        for start in range(0, len(raw), 64 * 1024):
            yield raw[start : start + 64 * 1024]

    headers = {**BEARER, "Content-Type": "application/json"}
    for data in (io.BytesIO(raw), chunks()):
        assert_problem(await send(api, "POST", WEBHOOK, data=data, headers=headers), 413)
    assert await all_rows() == before


async def test_a_stranger_is_refused_before_the_body_they_announce_is_read(api):
    """With a bearer secret the headers decide: a stranger announcing megabytes is answered
    401 at once, without the server waiting for (or holding) a byte of their body."""
    reader, writer = await asyncio.open_connection(api.client.host, api.client.port)
    try:
        writer.write(
            f"POST {WEBHOOK} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            "Authorization: Bearer not-the-secret\r\nContent-Length: 5000000\r\n\r\n{".encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    finally:
        writer.close()
    assert status_line.split()[1] == b"401"


@pytest.mark.parametrize(
    "credential",
    [
        "",
        "Authorization: Bearer not-the-secret\r\n",
        "x-signature: " + "0" * 64 + "\r\n",
        "x-timestamp: {now}\r\n",
        "x-timestamp: {stale}\r\nx-signature: " + "0" * 64 + "\r\n",
    ],
    ids=["no headers", "a bearer token", "no timestamp", "no signature", "stale timestamp"],
)
async def test_with_hmac_a_stranger_is_refused_before_the_body_they_announce_is_read(
    pg_container, aiohttp_client, credential
):
    """With HMAC the body is signed, but a request whose headers cannot carry a valid
    signature now is answered 401 at once: the server neither waits for nor buffers the
    megabytes it announces."""
    app = create_app(
        pg_container.use_cases(), webhook_verifier=WebhookVerifier(mode="hmac", secret=SECRET)
    )
    client = await aiohttp_client(app)
    now = int(time.time())
    announced = credential.format(now=now, stale=now - 600)
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        writer.write(
            f"POST {WEBHOOK} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            f"{announced}Content-Length: 5000000\r\n\r\n{{".encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    finally:
        writer.close()
    assert status_line.split()[1] == b"401"


# --- any order, any repeats: one outcome ----------------------------------------------------


@dataclass(frozen=True)
class Stream:
    desk: Desk
    reference: dict[str, Any]
    """The call after the messages came once each, in order (normalised)."""


def _messages(call: VapiCall) -> list[dict[str, Any]]:
    """A call's messages: queued to the report, one Vapi does not act on, a second ended
    status with another reason, and the report redelivered with fresh presigned URLs."""
    return [
        *call.stream(),
        call.speech_update(),
        call.status_update("ended", ended_reason="silence-timed-out"),
        call.end_of_call_report(signature="sig-2"),
    ]


async def _after(stream_desk: Desk, call: dict[str, Any]) -> dict[str, Any]:
    """What the API shows of the call, ids and per-delivery URL signatures made generic."""
    desk = stream_desk
    path = desk.call(call["id"])
    shown = {
        "call": await get_call(desk, call["id"]),
        "transcript": expect(await desk.api.get(path + "/transcript"), 200),
        "cost": expect(await desk.api.get(path + "/cost"), 200),
        "usage": expect(await desk.api.get(path + "/usage"), 200),
        "provider_record": expect(await desk.api.get(path + "/provider-record"), 200),
    }
    shown["call"].pop("created_at")
    shown["call"].pop("version")  # how many writes it took may differ
    for item in shown["usage"]["items"]:
        item.pop("id")
    shown["usage"]["items"].sort(key=lambda i: i["item_type"])
    generic = comparable(shown, call=call["id"], vapi=call["vapi_call_id"])
    return json.loads(json.dumps(generic).replace("sig-2", "sig-1"))


def _vapi_side(desk: Desk, call: dict[str, Any]) -> VapiCall:
    return vapi_call(desk, call, created_at=LATER)


@pytest.fixture
async def stream(build, vapi) -> Stream:
    desk = await arrange(build)
    call = placed(await place(desk))
    for message in _messages(_vapi_side(desk, call)):
        assert (await deliver(desk.api, message)).status == 200
    reference = await _after(desk, call)
    assert reference["call"]["status"] == "ended"
    assert reference["call"]["ended_reason"] == "customer-ended-call"
    assert reference["call"]["transcript"]["text"]
    assert reference["provider_record"]["record"]["status"] == "ended"
    assert len(reference["usage"]["items"]) == len(_vapi_side(desk, call).costs or ())
    return Stream(desk, reference)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # each example places a call
)
@given(data=st.data())
async def test_any_order_and_any_repeats_of_the_messages_give_the_ordered_outcome(
    stream: Stream, all_rows, data
):
    desk = stream.desk
    call = placed(await place(desk))
    messages = _messages(_vapi_side(desk, call))
    repeats = data.draw(st.lists(st.integers(0, len(messages) - 1), max_size=len(messages)))
    order = data.draw(st.permutations([*range(len(messages)), *repeats]))

    duplicates = []
    for index in order:
        reply = await deliver(desk.api, messages[index])
        assert reply.status == 200, reply.body
        duplicates.append(reply.body["duplicate"])

    assert await _after(desk, call) == stream.reference
    # Each message kept once; both deliveries of the report count as one.
    firsts, kept = set(), []
    for index in order:
        key = "report" if messages[index]["message"]["type"] == "end-of-call-report" else index
        kept.append(key in firsts)
        firsts.add(key)
    assert duplicates == kept
    assert len(webhook_rows(await all_rows(), call["vapi_call_id"])) == len(messages) - 1


# --- inbound calls --------------------------------------------------------------------------


async def test_an_inbound_call_is_answered_by_the_numbers_agent_when_the_plan_allows(
    build, admin, catalogue, vapi, all_rows, oracle: VapiOracle
):
    desk = await arrange(build, inbound=True)
    other = await arrange(build, "Other")
    ringing = VapiCall(phone_number_id=desk.line_id)
    request = ringing.assistant_request(called=desk.number, caller=desk.lead_phone)

    refused = await deliver(desk.api, request)

    assert refused.body == {"error": NOT_AVAILABLE}  # calls.inbound is not in the free plan
    assert await all_items(desk.api, f"{desk.path}/calls") == []
    await set_feature(admin, desk.tenant_id, "calls.inbound", True)
    ringing = VapiCall(phone_number_id=desk.line_id)
    request = ringing.assistant_request(called=desk.number, caller=desk.lead_phone)

    answer = await deliver(desk.api, request)

    assert answer.status == 200, answer.body
    model = oracle.sdk.ServerMessageResponseAssistantRequest.model_validate(answer.body)
    assert unknown_keys(model, answer.body) == []
    assistant = answer.body["assistant"]
    assert assistant["firstMessage"] == AGENT["first_message"]
    assert (assistant["voice"]["provider"], assistant["voice"]["voiceId"]) == ("11labs", "ava")
    prompt = assistant["model"]["messages"][0]["content"]
    assert AGENT["inbound_prompt"] in prompt
    assert AGENT["outbound_prompt"] not in prompt
    metadata = answer.body["assistantOverrides"]["metadata"]
    assert {k: v for k, v in metadata.items() if k != "call_id"} == {
        "tenant_id": desk.tenant_id,
        "agent_id": desk.agent_id,
        "lead_id": desk.lead_id,
    }
    [call] = await all_items(desk.api, f"{desk.path}/calls")
    assert call["id"] == metadata["call_id"]
    assert (call["direction"], call["status"], call["vapi_call_id"]) == (
        "inbound",
        "queued",
        ringing.id,
    )
    assert (call["agent_id"], call["lead_id"], call["caller_number"]) == (
        desk.agent_id,
        desk.lead_id,
        desk.lead_phone,
    )
    assert (call["to_number"], call["from_number_id"]) == (desk.number, desk.number_id)
    # Asked again (a retry): the same call.
    again = await deliver(desk.api, request)
    assert again.body["assistantOverrides"]["metadata"]["call_id"] == call["id"]
    assert [c["id"] for c in await all_items(desk.api, f"{desk.path}/calls")] == [call["id"]]
    # Then it goes on like any call: found by Vapi's id alone.
    for message in ringing.stream()[2:]:
        assert (await deliver(desk.api, message)).status == 200
    ended = await get_call(desk, call["id"])
    assert (ended["status"], ended["ended_reason"]) == ("ended", ringing.ended_reason)
    lead = expect(await desk.api.get(f"{desk.path}/leads/{desk.lead_id}"), 200)
    assert lead["last_call_id"] == call["id"]
    # Another tenant sees nothing of it.
    assert await all_items(other.api, f"{other.path}/calls") == []
    for path in (desk.call(call["id"]), other.call(call["id"])):
        assert_problem(await send(other.api, "GET", path), 404)


async def test_an_inbound_call_nobody_may_answer_gets_an_error_to_speak(
    build, admin, vapi, all_rows
):
    desk = await arrange(build, inbound=True)
    unknown = VapiCall().assistant_request(called=new_phone(), caller=desk.lead_phone)

    answer = await deliver(desk.api, unknown)

    assert (answer.status, answer.body) == (200, {"error": NOT_IN_SERVICE})
    [kept] = webhook_rows(await all_rows())
    assert (kept["type"], kept["tenant_id"]) == ("assistant-request", None)
    no_agent = {"inbound_agent_id": None}
    expect(await desk.api.patch(f"{desk.path}/phone-numbers/{desk.number_id}", no_agent), 200)
    request = VapiCall().assistant_request(called=desk.number, caller=desk.lead_phone)

    unrouted = await deliver(desk.api, request)

    assert (unrouted.status, unrouted.body) == (200, {"error": NOT_AVAILABLE})
    routed = {"inbound_agent_id": desk.agent_id}
    expect(await desk.api.patch(f"{desk.path}/phone-numbers/{desk.number_id}", routed), 200)
    expect(await admin.post(f"{desk.path}/suspend"), 200)
    request = VapiCall().assistant_request(called=desk.number, caller=desk.lead_phone)

    suspended = await deliver(desk.api, request)

    assert (suspended.status, suspended.body) == (200, {"error": NOT_AVAILABLE})
    expect(await admin.post(f"{desk.path}/reactivate"), 200)
    assert await all_items(desk.api, f"{desk.path}/calls") == []


async def test_inbound_calls_beyond_the_plans_limits_are_refused_with_words_to_speak(
    build, admin, catalogue, vapi, all_rows
):
    """The free plan's one call at once, then its minutes: a call past either is answered
    with the polite error Vapi speaks, and leaves only the kept request, saying why."""
    desk = await arrange(build, inbound=True)
    await set_feature(admin, desk.tenant_id, "calls.inbound", True)
    calls = f"{desk.path}/calls"

    def ring() -> tuple[VapiCall, dict[str, Any]]:
        ringing = VapiCall(phone_number_id=desk.line_id)
        return ringing, ringing.assistant_request(called=desk.number, caller=desk.lead_phone)

    async def refused_for(ringing: VapiCall, request: dict[str, Any], why: str) -> None:
        before = [c["id"] for c in await all_items(desk.api, calls)]
        answer = await deliver(desk.api, request)
        assert (answer.status, answer.body) == (200, {"error": NOT_AVAILABLE})
        assert [c["id"] for c in await all_items(desk.api, calls)] == before
        [kept] = webhook_rows(await all_rows(), ringing.id)
        assert (kept["type"], kept["tenant_id"], kept["processed_at"]) == (
            "assistant-request",
            desk.tenant_id,
            None,
        )
        assert why in kept["error"], kept["error"]

    first, request = ring()
    answered = await deliver(desk.api, request)
    assert "assistant" in answered.body, answered.body
    [call] = await all_items(desk.api, calls)
    assert await used(desk, "calls.concurrent.max") == 1

    await refused_for(*ring(), "calls.concurrent.max allows 1; 1 in use")
    # Nor may the tenant place one while the inbound call holds its line.
    assert_problem(await place(desk), 403, code="entitlement-exceeded")
    # A retry of the answered call's request is still answered, with the same call.
    again = await deliver(desk.api, request)
    assert again.body["assistantOverrides"]["metadata"]["call_id"] == call["id"]

    for message in first.stream()[2:]:  # it ends after about three minutes of talk
        assert (await deliver(desk.api, message)).status == 200
    assert (await get_call(desk, call["id"]))["status"] == "ended"
    assert await used(desk, "calls.concurrent.max") == 0
    assert await used(desk, "calls.minutes.monthly") == 3
    await set_feature(admin, desk.tenant_id, "calls.minutes.monthly", 3)

    await refused_for(*ring(), "calls.minutes.monthly allows 3; 3 in use")
    await set_feature(admin, desk.tenant_id, "calls.minutes.monthly", 4)
    _, request = ring()
    assert "assistant" in (await deliver(desk.api, request)).body


async def test_an_inbound_call_to_a_line_vapi_names_only_by_its_id_is_answered(build, vapi):
    """A Vapi-provisioned number has no `number` in the message: `call.phoneNumberId`, our
    number's provider_number_id, is what names the line (the Vapi reference)."""
    desk = await arrange(build, inbound=True)
    request = VapiCall(phone_number_id=desk.line_id).assistant_request(
        called=None, caller=desk.lead_phone, number_provider="vapi"
    )

    answer = await deliver(desk.api, request)

    assert answer.status == 200
    assert "assistant" in answer.body, answer.body
    [call] = await all_items(desk.api, f"{desk.path}/calls")
    assert (call["direction"], call["from_number_id"]) == ("inbound", desk.number_id)


# --- isolation ------------------------------------------------------------------------------


async def test_another_tenant_reads_nothing_of_a_calls_transcript_cost_or_usage(build, vapi):
    a = await arrange(build, "A")
    b = await arrange(build, "B")
    call = placed(await place(a))
    for message in vapi_call(a, call, created_at=LATER).stream():
        assert (await deliver(a.api, message)).status == 200
    a_usage = expect(await a.api.get(f"{a.path}/usage"), 200)
    assert a_usage["calls"] == 1
    assert dec(a_usage["cost"]) > 0
    unknown_call, unknown_tenant = random_id(), random_id()

    for suffix in ("", "/transcript", "/cost", "/usage", "/provider-record"):
        # Under A's tenant: as under a tenant that does not exist.
        foreign = await send(b.api, "GET", a.call(call["id"]) + suffix)
        missing = await send(
            b.api, "GET", f"/v1/tenants/{unknown_tenant}/calls/{call['id']}{suffix}"
        )
        assert foreign.status == missing.status == 404, suffix
        assert comparable(foreign.body, t=a.tenant_id) == comparable(missing.body, t=unknown_tenant)
        # Under B's own tenant: as a call that does not exist.
        foreign = await send(b.api, "GET", b.call(call["id"]) + suffix)
        missing = await send(b.api, "GET", b.call(unknown_call) + suffix)
        assert foreign.status == missing.status == 404, suffix
        assert comparable(foreign.body, c=call["id"]) == comparable(missing.body, c=unknown_call)
    for path in ("/calls", "/usage"):
        assert (await send(b.api, "GET", a.path + path)).status == 404
    b_usage = expect(await b.api.get(f"{b.path}/usage"), 200)
    assert (b_usage["calls"], b_usage["seconds"], b_usage["rows"]) == (0, 0, [])
    assert dec(b_usage["cost"]) == 0
    assert await all_items(b.api, f"{b.path}/calls") == []


# --- costs to the last digit ----------------------------------------------------------------

# A call's breakdown as Vapi sends one without `costs[]`: 8-decimal parts, voicemail
# detection, a knowledge base and a summary beside the five usual parts (those five alone
# once made the call's usage 0.065900 of its 0.080200), and a total they fall short of.
EXACT_BREAKDOWN = {
    "transport": 0.00825,
    "stt": 0.0099,
    "llm": 0.00562928,
    "tts": 0.00837072,
    "vapi": 0.03375,
    "chat": 0,
    "voicemailDetectionCost": 0.0081,
    "knowledgeBaseCost": 7.275e-05,
    "total": 0.08020000000001,
    "llmPromptTokens": 5210,
    "llmCompletionTokens": 318,
    "llmCachedPromptTokens": 1024,
    "ttsCharacters": 1423,
    "analysisCostBreakdown": {"summary": 0.0029, "summaryPromptTokens": 812},
}


def _dec_text(value: str) -> str:
    """An amount as shown, without the trailing zeros that pad it to six places."""
    return value.rstrip("0")


async def test_the_usage_report_agrees_with_the_calls_cost_to_the_last_digit(build, vapi):
    desk = await arrange(build)
    call = placed(await place(desk))
    vapi_side = vapi_call(
        desk,
        call,
        created_at=LATER,
        costs=None,
        answered=False,
        ended_reason="customer-did-not-answer",
    )
    report = vapi_side.end_of_call_report()
    message = report["message"]
    message["costBreakdown"] = message["call"]["costBreakdown"] = EXACT_BREAKDOWN
    message["cost"] = message["call"]["cost"] = 0.08020000000001
    for sent in [*vapi_side.stream()[:-1], report]:
        assert (await deliver(desk.api, sent)).status == 200

    ended = await get_call(desk, call["id"])
    usage = expect(await desk.api.get(desk.call(call["id"]) + "/usage"), 200)
    cost = expect(await desk.api.get(desk.call(call["id"]) + "/cost"), 200)
    totals = expect(await desk.api.get(f"{desk.path}/usage"), 200)
    by_agent = expect(
        await desk.api.get(f"{desk.path}/usage", params={"by": "agent", "period": "month"}), 200
    )

    # Every digit Vapi sent, in every place that shows the call's cost.
    assert ended["cost"] == cost["cost"] == "0.08020000000001"
    shown = {i["item_type"]: i["cost"] for i in usage["items"]}
    assert shown == {
        "transport": "0.008250",
        "stt": "0.009900",
        "llm": "0.00562928",
        "tts": "0.00837072",
        "vapi": "0.033750",
        "voicemailDetectionCost": "0.008100",
        "knowledgeBaseCost": "0.00007275",
        "analysis": "0.002900",
        # What the parts leave of the cost: the report adds up to the call's cost.
        "unattributed": "0.00322725000001",
    }
    assert ended["cost_breakdown"]["knowledge_base_cost"] == "0.00007275"
    for total in (
        usage["total_cost"],
        cost["usage_cost"],
        totals["cost"],
        totals["rows"][0]["cost"],
        by_agent["rows"][0]["cost"],
    ):
        assert _dec_text(total) == _dec_text(ended["cost"]), total
    llm = next(i for i in usage["items"] if i["item_type"] == "llm")
    assert (llm["prompt_tokens"], llm["cached_prompt_tokens"]) == (5210, 1024)
    # Nobody answered: no start time, and the duration Vapi measured.
    assert ended["started_at"] is None
    assert ended["call_duration"] == round(vapi_side.duration_ms / 1000) == 32
    assert totals["seconds"] == 32


async def test_a_calls_usage_shows_every_count_vapi_sends(build, vapi):
    desk = await arrange(build)
    call = placed(await place(desk))
    for message in vapi_call(desk, call, created_at=LATER).stream():
        assert (await deliver(desk.api, message)).status == 200

    usage = expect(await desk.api.get(desk.call(call["id"]) + "/usage"), 200)

    by_type = {i["item_type"]: i for i in usage["items"]}
    assert set(by_type) == {
        "transport", "transcriber", "model", "voice", "vapi", "analysis",
        "voicemail-detection", "knowledge-base",
    }  # fmt: skip
    model = by_type["model"]
    assert (model["cached_prompt_tokens"], model["reasoning_tokens"]) == (1024, 64)
    detection = by_type["voicemail-detection"]
    assert (detection["prompt_tokens"], detection["completion_tokens"]) == (120, 4)
    assert (detection["prompt_audio_tokens"], detection["completion_audio_tokens"]) == (640, 0)
    assert (by_type["transport"]["minutes"], by_type["transport"]["seconds"]) == (
        "2.95833333",
        177,
    )
    assert by_type["voice"]["minutes"] is None
    assert by_type["knowledge-base"]["cost"] == "0.00007275"
    ended = await get_call(desk, call["id"])
    assert _dec_text(usage["total_cost"]) == _dec_text(ended["cost"])
