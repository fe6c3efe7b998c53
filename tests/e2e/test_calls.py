"""Calls end to end: placed over HTTP through the real container on PostgreSQL, carried out by
the sandbox provider or by a fake Vapi on loopback, read back with their transcript, cost and
AI usage; the plan's limits, idempotency, the reconciler and the list's filters.

The fixtures and builders here are shared with test_vapi_webhooks.py.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from dependency_injector import providers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.sandbox import SandboxScript, SandboxTelephonyProvider
from adapters.vapi.client import VapiTelephonyProvider
from application.call_tracking import CallPolicy
from application.catalogue import sync_catalogue
from entrypoints.container import Container, connect_sandbox
from entrypoints.http.app import create_app
from entrypoints.http.webhooks import WebhookVerifier
from tests.e2e.helpers import (
    Builder,
    OffsetClock,
    Person,
    Reply,
    all_items,
    assert_problem,
    audit_log,
    expect,
    random_id,
    send,
    the_entry,
)
from tests.fakes.vapi import DEFAULT_API_KEY, FakeVapi, Op
from tests.fakes.vapi_messages import VapiCall
from tests.fakes.vapi_oracle import VapiOracle
from tests.support import Api, twilio_body

pytestmark = pytest.mark.postgres

WEBHOOK = "/v1/webhooks/vapi"
SECRET = "e2e-webhook-secret"
BEARER = {"Authorization": f"Bearer {SECRET}"}
# Seconds: a hung create is given up on quickly, yet every answer the fake does give arrives
# in time on a loaded machine (at 0.3 s the reconciler's reads timed out in a CI run).
VAPI_TIMEOUT = 1.0
STATUSES = ("queued", "ringing", "in-progress", "forwarding", "ended", "failed", "unknown")
AGENT = {
    "name": "Sales",
    "system_instructions": "You are the polite assistant of Acme.",
    "outbound_prompt": "OUTBOUND: call {{name}} back about their quote.",
    "inbound_prompt": "INBOUND: answer questions about opening hours.",
    "first_message": "Hello, this is Acme.",
}

# --- one ended call as Vapi reports it (tests/fakes/vapi_messages.py builds the rest) ------

COSTS: list[dict[str, Any]] = [
    {"type": "transport", "provider": "twilio", "minutes": 1.5, "cost": 0.015},
    {
        "type": "transcriber",
        "transcriber": {"provider": "deepgram", "model": "nova-2"},
        "minutes": 1.5,
        "cost": 0.0153,
    },
    {
        "type": "model",
        "model": {"provider": "openai", "model": "gpt-4o-mini"},
        "promptTokens": 1200,
        "completionTokens": 150,
        "cost": 0.00027,
    },
    {"type": "voice", "voice": {"provider": "11labs", "voiceId": "ava"}, "characters": 420,
     "cost": 0.0126},
    {"type": "vapi", "subType": "normal", "minutes": 1.5, "cost": 0.075},
    {
        "type": "analysis",
        "analysisType": "summary",
        "model": {"provider": "openai", "model": "gpt-4o"},
        "promptTokens": 300,
        "completionTokens": 40,
        "cost": 0.0011,
    },
]  # fmt: skip
COST = Decimal("0.11927")  # the sum of COSTS: Vapi's `cost`, to the last digit it sends
# What each of COSTS must become as a usage row (the reference's `costs[]` -> ai_usage): the
# provider from the item's own nested object, Vapi's platform fee as provider "vapi".
USAGE_FIELDS = (
    "item_type",
    "kind",
    "provider",
    "model",
    "prompt_tokens",
    "completion_tokens",
    "characters",
    "seconds",
)
EXPECTED_USAGE = [
    ("transport", "transport", "twilio", None, None, None, None, 90),
    ("transcriber", "stt", "deepgram", "nova-2", None, None, None, 90),
    ("model", "llm", "openai", "gpt-4o-mini", 1200, 150, None, None),
    ("voice", "tts", "11labs", "ava", None, None, 420, None),
    ("vapi", "platform", "vapi", "normal", None, None, None, 90),
    ("analysis", "analysis", "openai", "gpt-4o", 300, 40, None, None),
]  # fmt: skip
# Vapi's cost types and the usage kinds they are reported as.
KIND_OF_COST = {
    "transport": "transport",
    "transcriber": "stt",
    "model": "llm",
    "voice": "tts",
    "vapi": "platform",
    "analysis": "analysis",
}
# What changes on Vapi's record of a call when it ends.
ENDED_FIELDS = (
    "status", "endedReason", "startedAt", "endedAt", "updatedAt", "cost", "costs",
    "costBreakdown", "artifact", "analysis",
)  # fmt: skip


def vapi_call(desk: Desk, call: dict[str, Any], **fields: Any) -> VapiCall:
    """One of our calls placed through the fake as Vapi holds it: its record, its messages."""
    return VapiCall(
        id=call["vapi_call_id"],
        name=call["id"],
        metadata={"tenant_id": desk.tenant_id, "call_id": call["id"]},
        phone_number_id=desk.line_id,
        customer_number=call["to_number"],
        customer_external_id=call["lead_id"],
        **fields,
    )


def end_on_vapi(vapi: FakeVapi, desk: Desk, call: dict[str, Any], **fields: Any) -> VapiCall:
    """Vapi ends the call (its record says so); no message reaches us."""
    ended = vapi_call(desk, call, **fields)
    record = ended.record("ended")
    vapi.update_call(call["vapi_call_id"], **{k: record[k] for k in ENDED_FIELDS if k in record})
    return ended


def duration(call: VapiCall) -> int:
    return round((call.ended_at - call.started_at).total_seconds())


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


# --- what a call shows of Vapi's report, in our terms -----------------------------------------

ROLES = {"bot": "assistant", "user": "user", "system": "system"}
# What only the call itself shows; its list items leave these out.
DETAIL_ONLY = {
    "version", "transcript", "recording", "summary", "analysis", "cost_breakdown", "metadata",
    "structured_outputs", "transfers", "log_url", "content_purged_at",
    "purged_content", "content_stored",
}  # fmt: skip
USD = re.compile(r"-?[0-9]+\.[0-9]{6,}")


def snake(key: str) -> str:
    return re.sub(r"[A-Z]", lambda hump: "_" + hump[0].lower(), key)


def assert_usd(value: Any) -> None:
    """An amount as every resource gives it: a decimal string with six places or more."""
    assert isinstance(value, str), value
    assert USD.fullmatch(value), value


def said(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Vapi's `artifact.messages` as the call's transcript shows them."""
    return [
        {
            "role": ROLES[m["role"]],
            "text": m["message"],
            "start_seconds": m["secondsFromStart"],
            "end_seconds": m["secondsFromStart"] + (m["endTime"] - m["time"]) / 1000
            if "endTime" in m
            else None,
        }
        for m in messages
    ]


def assert_said(shown: dict[str, Any], text: str, messages: list[dict[str, Any]]) -> None:
    assert shown["text"] == text
    expected = said(messages)
    assert [(m["role"], m["text"]) for m in shown["messages"]] == [
        (m["role"], m["text"]) for m in expected
    ]
    for mine, theirs in zip(shown["messages"], expected, strict=True):
        for key in ("start_seconds", "end_seconds"):
            assert mine[key] == (None if theirs[key] is None else pytest.approx(theirs[key]))


def assert_breakdown(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Vapi's costBreakdown in our terms: its names in snake_case, each amount the decimal
    Vapi wrote (as a string, six places or more), each count as Vapi counted."""
    assert set(ours) == {snake(key) for key in theirs}
    for key, value in theirs.items():
        mine = ours[snake(key)]
        if isinstance(value, dict):
            assert_breakdown(mine, value)
        elif key.endswith(("Tokens", "Characters")):
            assert mine == value, key
        else:
            assert_usd(mine)
            assert dec(mine) == dec(value), key


def camel_case_keys(value: Any, path: str = "") -> list[str]:
    """Every key with a capital letter, at any depth, but inside the tenant's own data."""
    if isinstance(value, list):
        return [k for i, item in enumerate(value) for k in camel_case_keys(item, f"{path}{i}.")]
    if not isinstance(value, dict):
        return []
    found = []
    for key, item in value.items():
        where = f"{path}{key}"
        if where in ("metadata", "analysis.structured_data"):
            continue
        if key != key.lower():
            found.append(where)
        found += camel_case_keys(item, where + ".")
    return found


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(name="oracle", scope="session")
def oracle_fixture() -> VapiOracle:
    """Vapi's own models (slow to build: once per session)."""
    made = VapiOracle()
    made.warm()
    return made


@pytest.fixture(name="call_policy")
def call_policy_fixture() -> CallPolicy:
    """Overridden by parametrizing `call_policy` (e.g. to make calls due at once)."""
    return CallPolicy()


@pytest.fixture
def sandbox_script() -> SandboxScript:
    # Just over half a second of talk: a call of one second, in no more test time than that.
    return SandboxScript(ring_seconds=0, talk_seconds=0.6)


@pytest.fixture
def telephony_provider(sandbox_script: SandboxScript) -> providers.Provider[Any]:
    """The provider the container places calls with: the sandbox unless overridden."""
    return providers.Singleton(SandboxTelephonyProvider, sandbox_script)


@pytest.fixture(name="vapi")
async def vapi_fixture(oracle: VapiOracle) -> AsyncIterator[FakeVapi]:
    """A fake Vapi org; at the end, every create body it saw must be one Vapi accepts."""
    async with FakeVapi() as fake:
        yield fake
    for body in fake.create_bodies:
        oracle.check_create_body(body)


@pytest.fixture(name="vapi_telephony")
def vapi_telephony_fixture(vapi: FakeVapi) -> providers.Provider[Any]:
    return providers.Singleton(
        VapiTelephonyProvider,
        DEFAULT_API_KEY,
        base_url=vapi.base_url,
        timeout_seconds=VAPI_TIMEOUT,
        connect_timeout_seconds=VAPI_TIMEOUT,
    )


@pytest.fixture(name="api")
async def api_fixture(
    pg_container: Container,
    aiohttp_client: Any,
    telephony_provider: providers.Provider[Any],
    call_policy: CallPolicy,
) -> AsyncIterator[Api]:
    """The app with a webhook secret (bearer) and the test's telephony and call policy (the
    overrides are reset by the container fixture)."""
    pg_container.telephony.override(telephony_provider)
    pg_container.call_policy.override(providers.Object(call_policy))
    connect_sandbox(pg_container)
    app = create_app(
        pg_container.use_cases(),
        max_body_bytes=64 * 1024,
        webhook_verifier=WebhookVerifier(mode="bearer", secret=SECRET),
    )
    client = await aiohttp_client(app)
    try:
        yield Api(client, None)
    finally:
        await pg_container.telephony().close()


@pytest.fixture(name="catalogue")
async def catalogue_fixture(pg_container: Container) -> None:
    """The default features and plans (new tenants get the free plan)."""
    assert await sync_catalogue(pg_container.deps()) > 0


# --- arranging ------------------------------------------------------------------------------

_SERIAL = itertools.count(1000)


@dataclass(frozen=True)
class Desk:
    """A tenant ready to call: its owner, a voice, a number, an agent using both, a lead."""

    tenant_id: str
    owner: Person
    voice_id: str
    number_id: str
    number: str
    line_id: str
    """The number's provider_number_id (Vapi's phoneNumberId)."""
    agent_id: str
    lead_id: str
    lead_phone: str

    @property
    def path(self) -> str:
        return f"/v1/tenants/{self.tenant_id}"

    @property
    def api(self) -> Api:
        return self.owner.api

    def call(self, call_id: str) -> str:
        return f"{self.path}/calls/{call_id}"


def new_phone() -> str:
    return f"+1415555{next(_SERIAL):04d}"


async def arrange(build: Builder, name: str = "Acme", *, inbound: bool = False) -> Desk:
    owner = await build.person()
    tenant_id = await build.tenant(owner, name)
    api, base, n = owner.api, f"/v1/tenants/{tenant_id}", next(_SERIAL)
    voice = {"name": "Ava", "provider": "11labs", "provider_voice_id": "ava"}
    voice_id = expect(await api.post(f"{base}/voices", voice), 201)["id"]
    line = twilio_body(f"+1212555{n:04d}")
    number = expect(await api.post(f"{base}/phone-numbers", line), 201)
    agent = {**AGENT, "voice_id": voice_id, "default_number_id": number["id"]}
    agent_id = expect(await api.post(f"{base}/agents", agent), 201)["id"]
    if inbound:
        routed = {"inbound_agent_id": agent_id}
        expect(await api.patch(f"{base}/phone-numbers/{number['id']}", routed), 200)
    lead = {"phone": new_phone(), "name": "Ada Lovelace"}
    lead_id = expect(await api.post(f"{base}/leads", lead), 201)["id"]
    return Desk(
        tenant_id,
        owner,
        voice_id,
        number["id"],
        number["number"],
        number["provider_number_id"],
        agent_id,
        lead_id,
        lead["phone"],
    )


async def place(desk: Desk, *, key: str | None = None, **fields: Any) -> Reply:
    """POST a call (the desk's agent and lead unless `fields` say otherwise)."""
    body = {"agent_id": desk.agent_id, "lead_id": desk.lead_id, **fields}
    body = {k: v for k, v in body.items() if v is not None}
    headers = {"Idempotency-Key": key} if key is not None else None
    return await send(desk.api, "POST", f"{desk.path}/calls", json_body=body, headers=headers)


def placed(reply: Reply) -> dict[str, Any]:
    """The call a POST placed: 201, the call, and where to read it again."""
    assert reply.status == 201, reply.body
    call: dict[str, Any] = reply.body
    assert call["object"] == "call"
    assert reply.headers["Location"] == f"/v1/tenants/{call['tenant_id']}/calls/{call['id']}"
    return call


async def get_call(desk: Desk, call_id: str) -> dict[str, Any]:
    call: dict[str, Any] = expect(await desk.api.get(desk.call(call_id)), 200)
    assert call["object"] == "call"
    return call


async def set_feature(admin: Api, tenant_id: str, key: str, value: Any) -> None:
    reply = await send(
        admin, "PUT", f"/v1/tenants/{tenant_id}/features/{key}", json_body={"value": value}
    )
    assert reply.status == 200, reply.body


async def used(desk: Desk, key: str) -> int:
    feature = expect(await desk.api.get(f"{desk.path}/features/{key}"), 200)
    return int(feature["used"])


async def deliver(
    api: Api, message: dict[str, Any], headers: dict[str, str] | None = None
) -> Reply:
    """A Server URL message, as Vapi posts it (with the bearer secret unless told)."""
    return await send(
        api.as_(None),
        "POST",
        WEBHOOK,
        json_body=message,
        headers=BEARER if headers is None else headers,
    )


# --- the whole walk, on the sandbox ---------------------------------------------------------


def _links_in(value: Any) -> list[str]:
    """Every recording link anywhere in `value` (a resource or a provider's record)."""
    if isinstance(value, dict):
        return [link for v in value.values() for link in _links_in(v)]
    if isinstance(value, list):
        return [link for v in value for link in _links_in(v)]
    return [value] if isinstance(value, str) and value.endswith(".wav") else []


async def test_a_call_of_a_plan_without_recordings_is_not_recorded_nor_kept_with_a_link(
    build, catalogue, pg_container
):
    desk = await arrange(build)  # the default plan: no recordings

    call = placed(await place(desk))
    telephony = pg_container.telephony()
    await telephony.idle()

    record = (await telephony.get_call(call["vapi_call_id"])).data
    # The provider was told not to record (and the sandbox, like Vapi, then made none).
    assert record["assistantOverrides"]["artifactPlan"] == {"recordingEnabled": False}
    ended = await get_call(desk, call["id"])
    assert ended["status"] == "ended"
    assert ended["transcript"]["text"]
    assert ended["recording"] is None
    provider = expect(await desk.api.get(desk.call(call["id"]) + "/provider-record"), 200)
    transcript = expect(await desk.api.get(desk.call(call["id"]) + "/transcript"), 200)
    assert _links_in([ended, provider, transcript]) == []


async def test_a_sandbox_call_ends_with_its_transcript_cost_usage_and_a_contacted_lead(
    build, admin, catalogue, pg_container, all_rows
):
    desk = await arrange(build)
    await set_feature(admin, desk.tenant_id, "recordings", True)

    reply = await place(desk, variables={"name": "Ada"})

    call = placed(reply)
    assert call["status"] in STATUSES[:5]
    assert (call["direction"], call["agent_id"], call["lead_id"]) == (
        "outbound",
        desk.agent_id,
        desk.lead_id,
    )
    assert (call["from_number_id"], call["voice_id"], call["to_number"]) == (
        desk.number_id,
        desk.voice_id,
        desk.lead_phone,
    )
    telephony = pg_container.telephony()
    await telephony.idle()
    # What the provider reported: its own record of the call.
    record = (await telephony.get_call(call["vapi_call_id"])).data
    assert record["name"] == call["id"]

    ended = await get_call(desk, call["id"])
    started_at = datetime.fromisoformat(record["startedAt"].replace("Z", "+00:00"))
    ended_at = datetime.fromisoformat(record["endedAt"].replace("Z", "+00:00"))
    assert (ended["status"], ended["ended_reason"], ended["error"]) == (
        "ended",
        record["endedReason"],
        None,
    )
    assert ended["vapi_call_id"] == record["id"]
    assert datetime.fromisoformat(ended["started_at"]) == started_at
    assert datetime.fromisoformat(ended["ended_at"]) == ended_at
    assert ended["call_duration"] == round((ended_at - started_at).total_seconds()) >= 1
    artifact = record["artifact"]
    assert artifact["transcript"]
    assert_said(ended["transcript"], artifact["transcript"], artifact["messages"])
    mono = artifact["recording"]["mono"]
    assert ended["recording"] == {
        "url": mono["combinedUrl"],
        "stereo_url": artifact["recording"]["stereoUrl"],
        "assistant_url": mono["assistantUrl"],
        "customer_url": mono["customerUrl"],
    }
    assert ended["summary"] == record["analysis"]["summary"]
    assert ended["analysis"] == {snake(k): v for k, v in record["analysis"].items()}
    assert_breakdown(ended["cost_breakdown"], record["costBreakdown"])
    assert_usd(ended["cost"])
    assert ended["metadata"] == {}
    # Vapi's own record is not part of the call: it has an address of its own.
    assert "vapi_data" not in ended
    provider = expect(await desk.api.get(desk.call(call["id"]) + "/provider-record"), 200)
    assert provider == {"object": "call_provider_record", "call_id": call["id"], "record": record}

    transcript = expect(await desk.api.get(desk.call(call["id"]) + "/transcript"), 200)
    assert transcript == {
        "object": "call_transcript",
        "call_id": call["id"],
        "status": "ended",
        "available": True,
        **ended["transcript"],
        "recording": ended["recording"],
        "summary": ended["summary"],
    }

    usage = expect(await desk.api.get(desk.call(call["id"]) + "/usage"), 200)
    assert (usage["object"], usage["call_id"]) == ("call_usage", call["id"])
    items = usage["items"]
    assert {i["object"] for i in items} == {"ai_usage"}
    for amount in [usage["total_cost"], *(i["cost"] for i in items)]:
        assert_usd(amount)
    # One row per cost item the provider reported, of the kind and price it reported.
    assert sorted((i["item_type"], i["kind"], dec(i["cost"])) for i in items) == sorted(
        (c["type"], KIND_OF_COST[c["type"]], dec(c["cost"])) for c in record["costs"]
    )
    total = sum((dec(i["cost"]) for i in items), Decimal(0))
    assert dec(usage["total_cost"]) == total > 0
    cost = expect(await desk.api.get(desk.call(call["id"]) + "/cost"), 200)
    assert (cost["object"], cost["call_id"]) == ("call_cost", call["id"])
    assert dec(cost["usage_cost"]) == total
    assert (cost["currency"], cost["call_duration"]) == ("USD", ended["call_duration"])
    assert (cost["cost"], cost["cost_breakdown"]) == (ended["cost"], ended["cost_breakdown"])
    assert_usd(cost["usage_cost"])
    # The provider's total is what its items add up to, to the last digit (8 decimals).
    assert dec(cost["cost"]) == total

    report = expect(await desk.api.get(f"{desk.path}/usage"), 200)
    assert report["object"] == "usage_report"
    assert (report["calls"], report["seconds"]) == (1, ended["call_duration"])
    assert dec(report["cost"]) == total
    for amount in [report["cost"], *(r["cost"] for r in report["rows"])]:
        assert_usd(amount)
    assert dec(report["minutes"]) == (Decimal(ended["call_duration"]) / 60).quantize(
        Decimal("0.01")
    )
    created = datetime.fromisoformat(ended["created_at"])
    [row] = report["rows"]
    assert datetime.fromisoformat(row["period_start"]) == created.replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    assert (row["calls"], row["seconds"], dec(row["cost"])) == (1, ended["call_duration"], total)
    by_agent = expect(
        await desk.api.get(f"{desk.path}/usage", params={"by": "agent", "period": "month"}), 200
    )
    [agent_row] = by_agent["rows"]
    assert agent_row["agent_id"] == desk.agent_id
    assert datetime.fromisoformat(agent_row["period_start"]) == created.replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    assert (agent_row["calls"], dec(agent_row["cost"])) == (1, total)

    lead = expect(await desk.api.get(f"{desk.path}/leads/{desk.lead_id}"), 200)
    assert lead["last_call_id"] == call["id"]
    assert datetime.fromisoformat(lead["last_contacted_at"]) == ended_at
    assert lead["status"] == "contacted"
    history = await all_items(desk.api, f"{desk.path}/leads/{desk.lead_id}/calls")
    assert [c["id"] for c in history] == [call["id"]]
    # The call as lists show it: all of it but what only the call itself carries.
    assert history[0] == {k: v for k, v in ended.items() if k not in DETAIL_ONLY}
    # Off the line, and its minutes count against the month's.
    assert await used(desk, "calls.concurrent.max") == 0
    assert await used(desk, "calls.minutes.monthly") == -(-ended["call_duration"] // 60)
    entry = the_entry(await audit_log(desk.api, desk.tenant_id), "call.placed")
    assert (entry["actor_id"], entry["entity_id"]) == (desk.owner.id, call["id"])
    # The sandbox's messages went through the webhook inbox, each kept once for the tenant.
    events = [e for e in (await all_rows())["webhook_events"] if e["vapi_call_id"] == record["id"]]
    assert sorted(e["type"] for e in events) == sorted(
        ["status-update"] * 3 + ["end-of-call-report"]
    )
    assert {e["tenant_id"] for e in events} == {desk.tenant_id}


# --- through (a fake) Vapi ------------------------------------------------------------------


class TestThroughVapi:
    @pytest.fixture
    def telephony_provider(self, vapi_telephony: providers.Provider[Any]) -> Any:
        return vapi_telephony

    async def test_the_create_body_is_one_vapi_accepts_and_carries_our_ids(
        self, build, vapi, oracle
    ):
        desk = await arrange(build)

        call = placed(await place(desk, variables={"name": "Ada"}, metadata={"crm": "42"}))
        other = placed(await place(desk, lead_id=None, to=new_phone()))

        with_lead, without_lead = vapi.create_bodies
        for body in (with_lead, without_lead):
            oracle.check_create_body(body)
        assert with_lead["name"] == call["id"]
        assert with_lead["phoneNumberId"] == desk.line_id
        assert with_lead["customer"] == {
            "number": desk.lead_phone,
            "name": "Ada Lovelace",
            "externalId": desk.lead_id,
        }
        overrides = with_lead["assistantOverrides"]
        assert overrides["metadata"] == {
            "tenant_id": desk.tenant_id,
            "call_id": call["id"],
            "agent_id": desk.agent_id,
            "lead_id": desk.lead_id,
        }
        assert overrides["variableValues"] == {"name": "Ada"}
        assistant = with_lead["assistant"]
        assert assistant["firstMessage"] == AGENT["first_message"]
        assert (assistant["voice"]["provider"], assistant["voice"]["voiceId"]) == ("11labs", "ava")
        prompt = assistant["model"]["messages"][0]["content"]
        assert AGENT["outbound_prompt"] in prompt
        assert AGENT["inbound_prompt"] not in prompt
        # Without a lead: the number alone, and no lead id anywhere.
        assert without_lead["name"] == other["id"]
        assert without_lead["customer"] == {"number": other["to_number"]}
        assert "lead_id" not in without_lead["assistantOverrides"]["metadata"]
        # Each call is recorded with the id Vapi gave it.
        for ours in (call, other):
            [theirs] = vapi.calls_named(ours["id"])
            assert (ours["status"], ours["vapi_call_id"]) == ("queued", theirs["id"])
            assert await get_call(desk, ours["id"]) == ours
        assert (call["metadata"], other["metadata"]) == ({"crm": "42"}, {})
        assert call["transcript"] is call["recording"] is call["cost_breakdown"] is None

    async def test_an_unknown_outcome_is_looked_up_never_retried_and_never_lost(
        self, build, vapi, pg_container, server_clock
    ):
        desk = await arrange(build)
        cases = [
            ("500, nothing created", lambda: vapi.fail_next(500), "unknown"),
            ("500 after creating", lambda: vapi.fail_next(500, created=True), "queued"),
            ("timeout, nothing created", lambda: vapi.hang_next(created=False), "unknown"),
            ("timeout after creating", lambda: vapi.hang_next(created=True), "queued"),
            ("dropped after creating", lambda: vapi.drop_next(created=True), "queued"),
        ]
        outcomes = {}
        for case, script, expected in cases:
            script()
            creates = len(vapi.create_requests)

            call = placed(await place(desk, lead_id=None, to=new_phone()))

            assert len(vapi.create_requests) == creates + 1, f"{case}: sent more than once"
            found = vapi.calls_named(call["id"])
            assert call["status"] == expected, (case, call)
            if expected == "unknown":
                assert found == [], case
                assert call["vapi_call_id"] is None, case
                assert "may exist" in call["error"], (case, call["error"])
            else:
                assert call["vapi_call_id"] == found[0]["id"], case
                assert call["error"] is None, case
            outcomes[call["id"]] = expected
        listed = await all_items(desk.api, f"{desk.path}/calls")
        assert {c["id"]: c["status"] for c in listed} == outcomes

        # The reconciler finds out: Vapi still has no such call once reconcile_after has
        # passed (its list may lag before), so it will never be placed.
        server_clock.advance(seconds=CallPolicy().reconcile_after.total_seconds() + 1)
        swept = await pg_container.reconciler().sweep()

        assert swept.settled == 2
        for call_id, expected in outcomes.items():
            after = await get_call(desk, call_id)
            if expected == "unknown":
                assert (after["status"], after["ended_reason"]) == (
                    "failed",
                    "provider-has-no-record",
                )
            else:
                assert after["status"] == "queued"
        assert len(vapi.create_requests) == len(cases)

    async def test_an_unknown_call_that_vapi_did_create_is_found_by_the_reconciler(
        self, build, vapi, pg_container
    ):
        desk = await arrange(build)
        vapi.fail_next(500, created=True)
        vapi.fail_next(503, op=Op.LIST)  # and the look-up right after fails too

        call = placed(await place(desk))

        assert (call["status"], call["vapi_call_id"]) == ("unknown", None)
        [theirs] = vapi.calls_named(call["id"])

        swept = await pg_container.reconciler().sweep()

        assert swept.checked == 1
        after = await get_call(desk, call["id"])
        assert (after["status"], after["vapi_call_id"]) == ("queued", theirs["id"])
        assert len(vapi.create_requests) == 1

    async def test_a_refusal_fails_the_call_with_vapis_message_and_frees_its_line(
        self, build, vapi, catalogue
    ):
        desk = await arrange(build)
        vapi.fail_next(400, ["assistant.voice.voiceId must be a string", "customer.number bad"])

        call = placed(await place(desk))

        assert call["status"] == "failed"
        assert call["ended_reason"] == "provider-rejected"
        assert "assistant.voice.voiceId must be a string" in call["error"]
        assert "customer.number bad" in call["error"]
        assert call["vapi_call_id"] is None
        assert call["ended_at"] is not None
        assert await get_call(desk, call["id"]) == call
        # Vapi never had it: there is no record of the provider's to show.
        provider = expect(await desk.api.get(desk.call(call["id"]) + "/provider-record"), 200)
        assert (provider["call_id"], provider["record"]) == (call["id"], None)
        # It holds no line: the next call gets through on a one-call plan.
        assert await used(desk, "calls.concurrent.max") == 0
        assert placed(await place(desk))["status"] == "queued"
        assert len(vapi.create_requests) == 2

    @pytest.mark.parametrize(
        "call_policy", [CallPolicy(reconcile_after=timedelta(0))], ids=["due-at-once"]
    )
    async def test_the_reconciler_completes_a_call_whose_report_never_came(
        self, build, vapi, pg_container, call_policy
    ):
        desk = await arrange(build)
        call = placed(await place(desk))
        theirs = end_on_vapi(vapi, desk, call, costs=tuple(COSTS))
        reconciler = pg_container.reconciler()

        swept = await reconciler.sweep()

        assert (swept.checked, swept.settled) == (1, 1)
        assert [r.path for r in vapi.requests if r.method == "GET"] == [
            f"/call/{call['vapi_call_id']}"
        ]
        ended = await get_call(desk, call["id"])
        assert (ended["status"], ended["ended_reason"]) == ("ended", "customer-ended-call")
        assert ended["call_duration"] == duration(theirs)
        assert datetime.fromisoformat(ended["started_at"]) == theirs.started_at
        assert datetime.fromisoformat(ended["ended_at"]) == theirs.ended_at
        assert_said(ended["transcript"], theirs.transcript, theirs.artifact_messages())
        artifact = theirs.artifact("sig-1")
        assert ended["recording"] == {
            "url": artifact["recording"]["mono"]["combinedUrl"],
            "stereo_url": artifact["recording"]["stereoUrl"],
            "assistant_url": artifact["recording"]["mono"]["assistantUrl"],
            "customer_url": artifact["recording"]["mono"]["customerUrl"],
        }
        assert (ended["structured_outputs"], ended["transfers"], ended["log_url"]) == (
            artifact["structuredOutputs"],
            artifact["transfers"],
            artifact["logUrl"],
        )
        assert ended["summary"] == theirs.summary
        assert ended["analysis"] == {
            "summary": theirs.summary,
            "structured_data": theirs.structured_data,
            "success_evaluation": theirs.success_evaluation,
        }
        assert_breakdown(ended["cost_breakdown"], theirs.breakdown)
        usage = expect(await desk.api.get(desk.call(call["id"]) + "/usage"), 200)
        rows = sorted(tuple(i[f] for f in USAGE_FIELDS) for i in usage["items"])
        assert rows == sorted(EXPECTED_USAGE)
        costs = {i["item_type"]: dec(i["cost"]) for i in usage["items"]}
        assert costs == {c["type"]: dec(c["cost"]) for c in COSTS}
        assert dec(usage["total_cost"]) == COST
        lead = expect(await desk.api.get(f"{desk.path}/leads/{desk.lead_id}"), 200)
        assert lead["last_call_id"] == call["id"]
        # Settled: nothing left to check.
        assert (await reconciler.sweep()).checked == 0
        # The call's cost is Vapi's, to the last digit it sent, as its usage rows are.
        cost = expect(await desk.api.get(desk.call(call["id"]) + "/cost"), 200)
        assert dec(cost["usage_cost"]) == COST
        assert dec(cost["cost"]) == COST
        assert dec(ended["cost"]) == COST

    @pytest.mark.parametrize(
        "call_policy", [CallPolicy(reconcile_after=timedelta(0))], ids=["due-at-once"]
    )
    async def test_a_call_speaks_snake_case_and_gives_every_amount_as_a_decimal_string(
        self, build, vapi, pg_container, call_policy
    ):
        """Vapi's camelCase stays at the provider-record address: the call, its parts and
        the list are in our terms throughout, but for the tenant's own data (its metadata,
        the structured data it had the agent extract), which keeps the tenant's names."""
        desk = await arrange(build)
        metadata = {"crmId": "42", "source": {"campaignName": "spring"}}
        call = placed(await place(desk, metadata=metadata))
        extracted = {"callBack": True, "bestTime": {"dayOfWeek": "thursday"}}
        theirs = end_on_vapi(vapi, desk, call, costs=tuple(COSTS), structured_data=extracted)
        assert (await pg_container.reconciler().sweep()).settled == 1

        ended = await get_call(desk, call["id"])

        assert ended["status"] == "ended"
        assert camel_case_keys(ended) == []
        assert (ended["metadata"], ended["analysis"]["structured_data"]) == (metadata, extracted)
        assert_usd(ended["cost"])
        assert dec(ended["cost"]) == COST
        assert_breakdown(ended["cost_breakdown"], theirs.breakdown)
        path = desk.call(call["id"])
        parts = ("/transcript", "/cost", "/usage")
        shown = [expect(await desk.api.get(path + part), 200) for part in parts]
        shown.append(expect(await desk.api.get(f"{desk.path}/usage"), 200))
        shown += await all_items(desk.api, f"{desk.path}/calls")
        for part in shown:
            assert camel_case_keys(part) == [], part
        # Vapi's record keeps its own names, where only owners and admins read it.
        record = expect(await desk.api.get(path + "/provider-record"), 200)["record"]
        assert {"costBreakdown", "endedAt", "artifact"} <= set(record)
        assert "costBreakdown" in camel_case_keys(record)


# --- limits ---------------------------------------------------------------------------------


class TestLimits:
    @pytest.fixture
    def telephony_provider(self, vapi_telephony: providers.Provider[Any]) -> Any:
        return vapi_telephony

    async def test_the_plan_gates_outbound_calls_and_how_many_are_on_the_line(
        self, build, admin, catalogue, vapi, all_rows
    ):
        desk = await arrange(build)
        await set_feature(admin, desk.tenant_id, "calls.outbound", False)
        before = await all_rows()

        off = await place(desk)

        problem = assert_problem(off, 403, code="feature-disabled")
        assert problem["feature"] == "calls.outbound"
        expect(await admin.delete(f"{desk.path}/features/calls.outbound"), 200)
        first = placed(await place(desk))
        assert first["status"] == "queued"
        before = await all_rows()

        second = await place(desk, lead_id=None, to=new_phone())

        problem = assert_problem(second, 403, code="entitlement-exceeded")
        assert (problem["feature"], problem["limit"], problem["used"]) == (
            "calls.concurrent.max",
            1,
            1,
        )
        assert await all_rows() == before
        assert len(vapi.create_requests) == 1

    @pytest.mark.parametrize(
        "call_policy", [CallPolicy(reconcile_after=timedelta(0))], ids=["due-at-once"]
    )
    async def test_minutes_used_up_this_month_refuse_the_next_call(
        self, build, admin, catalogue, vapi, pg_container, all_rows, call_policy
    ):
        desk = await arrange(build)
        call = placed(await place(desk))
        minutes = -(-duration(end_on_vapi(vapi, desk, call)) // 60)  # started minutes count
        assert minutes > 1
        assert (await pg_container.reconciler().sweep()).settled == 1
        assert await used(desk, "calls.minutes.monthly") == minutes
        await set_feature(admin, desk.tenant_id, "calls.minutes.monthly", minutes)
        before = await all_rows()

        refused = await place(desk)

        problem = assert_problem(refused, 403, code="entitlement-exceeded")
        assert (problem["feature"], problem["limit"], problem["used"]) == (
            "calls.minutes.monthly",
            minutes,
            minutes,
        )
        assert await all_rows() == before
        await set_feature(admin, desk.tenant_id, "calls.minutes.monthly", minutes + 1)
        assert placed(await place(desk))["status"] == "queued"

    async def test_a_call_nobody_may_place_is_refused_before_anything_is_written(
        self, build, vapi, all_rows
    ):
        desk = await arrange(build)
        dnc = {"phone": new_phone(), "do_not_call": True}
        dnc_id = expect(await desk.api.post(f"{desk.path}/leads", dnc), 201)["id"]
        idle = {**AGENT, "name": "Idle", "default_number_id": desk.number_id}
        idle_id = expect(await desk.api.post(f"{desk.path}/agents", idle), 201)["id"]
        expect(await desk.api.patch(f"{desk.path}/agents/{idle_id}", {"is_active": False}), 200)
        before = await all_rows()
        cases = [
            ({"lead_id": dnc_id}, "lead_id"),
            ({"lead_id": None, "to": dnc["phone"]}, "lead_id"),  # the same person by number
            ({"lead_id": random_id()}, "lead_id"),
            ({"lead_id": None}, "lead_id"),  # nobody to call
            ({"to": new_phone()}, "to"),  # not the lead's number
            ({"agent_id": idle_id}, "agent_id"),
            ({"agent_id": random_id()}, "agent_id"),
            ({"from_number_id": random_id()}, "from_number_id"),
        ]
        for fields, field in cases:
            problem = assert_problem(await place(desk, **fields), 422)
            assert problem["field"] == field, (fields, problem)
        assert await all_rows() == before
        assert vapi.create_bodies == []

    async def test_an_idempotency_key_returns_the_first_call_and_dials_once(
        self, build, catalogue, vapi, all_rows
    ):
        desk = await arrange(build)
        first = placed(await place(desk, key="attempt-1"))

        # A retry on a one-call plan: the same call, not a second one (nor a refusal).
        again = placed(await place(desk, key="attempt-1"))

        assert again["id"] == first["id"]
        assert len(vapi.create_requests) == 1
        assert [c["id"] for c in await all_items(desk.api, f"{desk.path}/calls")] == [first["id"]]
        before = await all_rows()
        for key in ("", " ", "k" * 256):
            problem = assert_problem(await place(desk, key=key), 422)
            assert problem["field"] == "Idempotency-Key"
        assert await all_rows() == before

        # The same key for another call: refused, not answered with the first call.
        other = await place(desk, key="attempt-1", lead_id=None, to=new_phone())

        problem = assert_problem(other, 422, code="idempotency-key-reused")
        assert problem["field"] == "Idempotency-Key"
        assert await all_rows() == before
        assert len(vapi.create_requests) == 1

    async def test_simultaneous_requests_with_one_key_place_one_call(self, build, vapi):
        desk = await arrange(build)

        replies = await asyncio.gather(*(place(desk, key="twin") for _ in range(3)))

        assert len({placed(reply)["id"] for reply in replies}) == 1
        assert len(vapi.create_requests) == 1
        assert len(await all_items(desk.api, f"{desk.path}/calls")) == 1

    @pytest.mark.parametrize(
        "call_policy", [CallPolicy(provider_max_concurrent=1)], ids=["one-line-account"]
    )
    async def test_a_full_provider_account_answers_503_and_writes_nothing(
        self, build, vapi, all_rows, call_policy
    ):
        first = await arrange(build, "First")
        second = await arrange(build, "Second")
        placed(await place(first))
        before = await all_rows()

        busy = await place(second)

        assert_problem(busy, 503, code="provider-busy")
        assert await all_rows() == before
        assert len(vapi.create_requests) == 1


# --- the list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    desk: Desk
    agents: tuple[str, str]
    leads: tuple[str, str]
    calls: list[dict[str, Any]]
    """Oldest first; each created an hour after the one before."""
    bounds: list[datetime]
    """bounds[k] falls between call k-1 and call k."""


@pytest.fixture
async def listed(build, vapi, server_clock: OffsetClock) -> Listed:
    """Five calls of two agents and two leads, in every direction and several statuses."""
    desk = await arrange(build)
    base = desk.path
    second = {
        **AGENT,
        "name": "Support",
        "voice_id": desk.voice_id,
        "default_number_id": desk.number_id,
    }
    agent_2 = expect(await desk.api.post(f"{base}/agents", second), 201)["id"]
    routed = {"inbound_agent_id": agent_2}
    expect(await desk.api.patch(f"{base}/phone-numbers/{desk.number_id}", routed), 200)
    lead_2 = expect(await desk.api.post(f"{base}/leads", {"phone": new_phone()}), 201)["id"]
    start = server_clock.now()
    calls: list[dict[str, Any]] = []

    async def outbound(agent: str, lead: str | None, **fields: Any) -> dict[str, Any]:
        return placed(await place(desk, agent_id=agent, lead_id=lead, **fields))

    calls.append(await outbound(desk.agent_id, desk.lead_id))
    server_clock.advance(hours=1)
    vapi.fail_next(400, "assistant.model must be an object")
    calls.append(await outbound(agent_2, lead_2))
    server_clock.advance(hours=1)
    vapi.fail_next(500)
    calls.append(await outbound(desk.agent_id, None, to=new_phone()))
    server_clock.advance(hours=1)
    ringing = VapiCall(phone_number_id=desk.line_id)
    answer = await deliver(
        desk.api, ringing.assistant_request(called=desk.number, caller=desk.lead_phone)
    )
    assert "assistant" in answer.body, answer.body
    [inbound] = await all_items(desk.api, f"{base}/calls", params={"direction": "inbound"})
    calls.append(inbound)
    server_clock.advance(hours=1)
    fifth = await outbound(agent_2, desk.lead_id)
    talking = vapi_call(desk, fifth).status_update("in-progress", at=datetime.now(UTC))
    ack = await deliver(desk.api, talking)
    assert ack.status == 200, ack.body
    calls.append(await get_call(desk, fifth["id"]))

    assert [c["status"] for c in calls] == ["queued", "failed", "unknown", "queued", "in-progress"]
    assert [c["direction"] for c in calls] == ["outbound"] * 3 + ["inbound", "outbound"]
    assert [(c["agent_id"], c["lead_id"]) for c in calls] == [
        (desk.agent_id, desk.lead_id),
        (agent_2, lead_2),
        (desk.agent_id, None),
        (agent_2, desk.lead_id),
        (agent_2, desk.lead_id),
    ]
    bounds = [start + timedelta(hours=k, minutes=-30) for k in range(len(calls) + 1)]
    return Listed(desk, (desk.agent_id, agent_2), (desk.lead_id, lead_2), calls, bounds)


def _z(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


call_filters = st.fixed_dictionaries(
    {},
    optional={
        "agent": st.sampled_from([0, 1, None]),  # None: an agent of nobody's
        "lead": st.sampled_from([0, 1, None]),
        "status": st.sampled_from(STATUSES),
        "direction": st.sampled_from(["outbound", "inbound"]),
        "from": st.integers(0, 5),
        "to": st.integers(0, 5),
        # The first lead's number (called twice, calling once), the second's, the line
        # (called by the inbound call), a number nobody called.
        "number": st.sampled_from(["lead", "lead_2", "line", None]),
    },
)


class TestList:
    @pytest.fixture
    def telephony_provider(self, vapi_telephony: providers.Provider[Any]) -> Any:
        return vapi_telephony

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],  # `listed` is read only
    )
    @given(where=call_filters, limit=st.integers(1, 3))
    async def test_calls_are_listed_newest_first_filtered_and_paged_without_gaps(
        self, listed: Listed, where: dict[str, Any], limit: int
    ):
        params: dict[str, str] = {}
        if "agent" in where:
            params["agent_id"] = (
                random_id() if where["agent"] is None else listed.agents[where["agent"]]
            )
        if "lead" in where:
            params["lead_id"] = (
                random_id() if where["lead"] is None else listed.leads[where["lead"]]
            )
        for name in ("status", "direction"):
            if name in where:
                params[name] = where[name]
        for name in ("from", "to"):
            if name in where:
                params[name] = _z(listed.bounds[where[name]])
        if "number" in where:
            params["number"] = {
                "lead": listed.desk.lead_phone,
                "lead_2": listed.calls[1]["to_number"],
                "line": listed.desk.number,
                None: "+14155550999",
            }[where["number"]]

        items = await all_items(
            listed.desk.api, f"{listed.desk.path}/calls", limit=limit, params=params
        )

        expected = [
            c["id"]
            for k, c in reversed(list(enumerate(listed.calls)))
            if c["agent_id"] == params.get("agent_id", c["agent_id"])
            and c["lead_id"] == params.get("lead_id", c["lead_id"])
            and c["status"] == params.get("status", c["status"])
            and c["direction"] == params.get("direction", c["direction"])
            and k >= where.get("from", 0)
            and k < where.get("to", len(listed.calls))
            and params.get("number", c["to_number"]) in (c["to_number"], c["caller_number"])
        ]
        assert [c["id"] for c in items] == expected

    async def test_calls_to_or_from_a_number_are_the_tenants_own_only(self, build, vapi):
        a, b = await arrange(build, "A", inbound=True), await arrange(build, "B", inbound=True)
        number = new_phone()

        async def calls_with(desk: Desk) -> list[str]:
            to_it = placed(await place(desk, lead_id=None, to=number))
            ringing = VapiCall(phone_number_id=desk.line_id)
            answer = await deliver(
                desk.api, ringing.assistant_request(called=desk.number, caller=number)
            )
            assert "assistant" in answer.body, answer.body
            from_it = answer.body["assistantOverrides"]["metadata"]["call_id"]
            placed(await place(desk))  # to its lead: another number
            return [from_it, to_it["id"]]

        expected = {desk.tenant_id: await calls_with(desk) for desk in (a, b)}

        for desk in (a, b):
            found = await all_items(desk.api, f"{desk.path}/calls", params={"number": number})
            assert [c["id"] for c in found] == expected[desk.tenant_id]
            inbound, outbound = found
            assert (inbound["direction"], inbound["caller_number"], inbound["to_number"]) == (
                "inbound",
                number,
                desk.number,
            )
            assert (outbound["direction"], outbound["caller_number"], outbound["to_number"]) == (
                "outbound",
                None,
                number,
            )
            called = await get_call(desk, inbound["id"])
            assert (called["caller_number"], called["metadata"]) == (number, {})
            # An unencoded + reads as a space in a query string: the number all the same.
            raw = await send(desk.api, "GET", f"{desk.path}/calls?number={number}")
            assert raw.status == 200, raw.body
            assert [c["id"] for c in raw.body["items"]] == expected[desk.tenant_id]
            # The line: the inbound call only; the other tenant's line: nothing of this one.
            line = await all_items(desk.api, f"{desk.path}/calls", params={"number": desk.number})
            assert [c["id"] for c in line] == expected[desk.tenant_id][:1]
        for desk, other in ((a, b), (b, a)):
            elsewhere = {"number": other.number}
            assert await all_items(desk.api, f"{desk.path}/calls", params=elsewhere) == []


async def test_bad_list_and_usage_filters_are_422_naming_the_parameter(build, all_rows):
    desk = await arrange(build)
    before = await all_rows()
    now = datetime.now(UTC)
    cases = [
        ("/calls", {"status": "hung-up"}, "status"),
        ("/calls", {"direction": "sideways"}, "direction"),
        ("/calls", {"agent_id": "not-a-uuid"}, "agent_id"),
        ("/calls", {"lead_id": "42"}, "lead_id"),
        ("/calls", {"batch_id": "batch"}, "batch_id"),
        ("/calls", {"from": "yesterday"}, "from"),
        ("/calls", {"to": "31/12/2026"}, "to"),
        ("/calls", {"number": "12"}, "number"),
        ("/calls", {"number": "4155550123"}, "number"),  # not international: whose?
        ("/calls", {"number": "call me"}, "number"),
        ("/calls", {"number": "+1" + "5" * 80}, "number"),
        ("/calls", {"limit": "0"}, "limit"),
        ("/calls", {"cursor": "not-a-cursor"}, "cursor"),
        ("/usage", {"period": "week"}, "period"),
        ("/usage", {"by": "lead"}, "by"),
        ("/usage", {"from": "soon"}, "from"),
        ("/usage", {"from": _z(now), "to": _z(now)}, "to"),
        ("/usage", {"from": _z(now - timedelta(days=400)), "to": _z(now)}, "from"),
    ]
    for path, params, field in cases:
        reply = await send(desk.api, "GET", desk.path + path, params=params)
        problem = assert_problem(reply, 422)
        assert problem["field"] == field, (path, params, problem)
        assert [e["field"] for e in problem["errors"]] == [f"query.{field}"], problem
    assert await all_rows() == before


async def test_the_usage_report_defaults_to_the_month_before_the_apps_clock(
    build, pg_container, server_clock
):
    """The report's default window ends at the app's now, as everything else's time does."""
    desk = await arrange(build)
    server_clock.advance(days=3)
    call = placed(await place(desk))

    report = expect(await desk.api.get(f"{desk.path}/usage"), 200)

    assert datetime.fromisoformat(report["end"]) >= datetime.fromisoformat(call["created_at"])
    assert report["calls"] == 1


# --- regressions ----------------------------------------------------------------------------


async def test_a_nul_character_in_the_variables_is_422_and_writes_nothing(build, all_rows):
    """PostgreSQL cannot keep a NUL in JSON, and Vapi echoes the variables in every message
    about the call: refused before anything is written or dialled."""
    desk = await arrange(build)
    before = await all_rows()

    for variables in ({"v": "\u0000"}, {"\u0000": "v"}, {"name": "Ada\u0000Lovelace"}):
        problem = assert_problem(await place(desk, variables=variables), 422)
        assert problem["field"] == "variables", (variables, problem)

    assert await all_rows() == before
    assert await all_items(desk.api, f"{desk.path}/calls") == []


async def test_times_near_the_ends_of_the_calendar_are_422_naming_the_parameter(build, all_rows):
    """A window computed from them would overflow (a 500) or query nothing real."""
    desk = await arrange(build)
    before = await all_rows()
    cases = [
        ("/usage", {"to": "0001-01-01T00:00:00Z"}, "to"),
        ("/usage", {"to": "0001-01-01"}, "to"),
        ("/usage", {"from": "9999-12-31T23:59:59Z"}, "from"),
        ("/usage", {"from": "9999-12-30T00:00:00Z", "to": "9999-12-31T00:00:00Z"}, "from"),
        ("/usage", {"from": "0001-01-01T00:00:00Z", "to": "0001-01-02T00:00:00Z"}, "from"),
        ("/calls", {"from": "0001-01-01T00:00:00Z"}, "from"),
        ("/calls", {"to": "9999-12-31T23:59:59Z"}, "to"),
    ]
    for path, params, field in cases:
        reply = await send(desk.api, "GET", desk.path + path, params=params)
        problem = assert_problem(reply, 422)
        assert problem["field"] == field, (path, params, problem)
    assert await all_rows() == before
