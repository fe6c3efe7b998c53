"""Bad requests get a precise problem+json answer, and never change anything."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from entrypoints.http.app import ENDPOINTS
from tests.e2e.helpers import (
    PROBLEM_JSON,
    Builder,
    Person,
    all_items,
    assert_problem,
    expect,
    fill,
    random_id,
    send,
)
from tests.support import Api, twilio_body

pytestmark = pytest.mark.postgres

LIMIT = 64 * 1024  # the `api` fixture's max_body_bytes


@dataclass(frozen=True)
class Site:
    tenant_id: str
    owner: Person
    key_id: str
    lead_id: str
    agent_id: str
    plan_id: str
    batch_id: str
    endpoint_id: str

    def values(self) -> dict[str, str]:
        return {
            "tenant_id": self.tenant_id,
            "user_id": self.owner.id,
            "key_id": self.key_id,
            "token_id": self.owner.token_id,
            "lead_id": self.lead_id,
            "agent_id": self.agent_id,
            "plan_id": self.plan_id,
            "batch_id": self.batch_id,
            "endpoint_id": self.endpoint_id,
        }


@pytest.fixture
async def site(build: Builder) -> Site:
    owner = await build.person("owner@example.com")
    tenant_id = await build.tenant(owner, "Acme")
    key = await build.key(tenant_id, "member", by=owner.api)
    base = f"/v1/tenants/{tenant_id}"
    lead = expect(await owner.api.post(f"{base}/leads", {"phone": "+14155550123"}), 201)
    agent = expect(await owner.api.post(f"{base}/agents", {"name": "Ava"}), 201)
    plan = expect(await build.admin.post("/v1/plans", {"name": "Site"}), 201)
    number = expect(await owner.api.post(f"{base}/phone-numbers", twilio_body("+14155550100")), 201)
    window = {"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "17:00"}
    batch = {
        "name": "Site",
        "agent_id": agent["id"],
        "from_number_id": number["id"],
        "leads": {"ids": [lead["id"]]},
        "calling_window": window,
    }
    made = expect(await owner.api.post(f"{base}/batches", batch), 201)
    for key_name, kind, value in (
        ("webhooks", "boolean", True),
        ("webhooks.endpoints.max", "limit", 1),
    ):
        feature = {"feature_key": key_name, "name": key_name, "feature_type": kind}
        expect(await build.admin.post("/v1/features", feature), 201)
        path = f"{base}/features/{key_name}"
        assert (await send(build.admin, "PUT", path, json_body={"value": value})).status == 200
    hook = {"url": "https://crm.example.com/hooks", "event_types": ["call.ended"]}
    endpoint = expect(await owner.api.post(f"{base}/webhook-endpoints", hook), 201)
    return Site(
        tenant_id, owner, key.id, lead["id"], agent["id"], plan["id"], made["id"], endpoint["id"]
    )


async def visible_state(admin: Api, site: Site) -> dict[str, Any]:
    """What the API shows of everything a bad write could have touched."""
    t = site.tenant_id
    return {
        "tenants": await all_items(admin, "/v1/tenants"),
        "users": await all_items(admin, "/v1/users"),
        "members": await all_items(admin, f"/v1/tenants/{t}/members"),
        "keys": await all_items(admin, f"/v1/tenants/{t}/api-keys"),
        "tokens": await all_items(admin, f"/v1/users/{site.owner.id}/tokens"),
        "audit": await all_items(admin, f"/v1/tenants/{t}/audit-log"),
    }


TENANTS = "/v1/tenants"
TENANT = "/v1/tenants/{tenant_id}"
MEMBERS = TENANT + "/members"
MEMBER = MEMBERS + "/{user_id}"
KEYS = TENANT + "/api-keys"
USERS = "/v1/users"
USER = "/v1/users/{user_id}"
VOICES = TENANT + "/voices"
NUMBERS = TENANT + "/phone-numbers"
AGENTS = TENANT + "/agents"
AGENT = AGENTS + "/{agent_id}"
LEADS = TENANT + "/leads"
LEAD = LEADS + "/{lead_id}"

# (id, method, path, JSON body, field the 422 must name)
INVALID_BODIES: list[tuple[str, str, str, Any, str | None]] = [
    ("tenant name wrong type", "POST", TENANTS, {"name": 5}, "name"),
    ("tenant unknown field", "POST", TENANTS, {"name": "Acme 2", "owner": "me"}, "owner"),
    ("tenant name missing", "POST", TENANTS, {}, "name"),
    ("tenant name blank", "POST", TENANTS, {"name": "   "}, "name"),
    ("tenant name too long", "POST", TENANTS, {"name": "x" * 256}, "name"),
    ("tenant name with NUL", "POST", TENANTS, {"name": "Ac\u0000me"}, "name"),
    ("body not an object", "POST", TENANTS, ["Acme"], None),
    ("body null", "POST", TENANTS, None, None),
    ("rename wrong type", "PATCH", TENANT, {"name": 1}, "name"),
    ("rename blank", "PATCH", TENANT, {"name": " "}, "name"),
    ("rename negative version", "PATCH", TENANT, {"name": "B", "version": -1}, "version"),
    ("rename version as text", "PATCH", TENANT, {"name": "B", "version": "0"}, "version"),
    ("user invalid email", "POST", USERS, {"email": "not-an-email"}, "email"),
    ("user email wrong type", "POST", USERS, {"email": ["a@example.com"]}, "email"),
    ("user unknown field", "POST", USERS, {"email": "x@example.com", "role": "god"}, "role"),
    (
        "user first name too long",
        "POST",
        USERS,
        {"email": "x@example.com", "first_name": "x" * 101},
        "first_name",
    ),
    ("user patch invalid email", "PATCH", USER, {"email": "nope@"}, "email"),
    ("member unknown role", "POST", MEMBERS, {"user_id": "{user_id}", "role": "king"}, "role"),
    ("member without user", "POST", MEMBERS, {"role": "member"}, "user_id"),
    ("member by email", "POST", MEMBERS, {"email": "x@example.com"}, "user_id"),
    ("invitation invalid email", "POST", TENANT + "/invitations", {"email": "nope"}, "email"),
    (
        "invitation unknown role",
        "POST",
        TENANT + "/invitations",
        {"email": "x@example.com", "role": "king"},
        "role",
    ),
    ("invitation without email", "POST", TENANT + "/invitations", {"role": "admin"}, "email"),
    ("accept without token", "POST", "/v1/invitations/accept", {"password": "x" * 12}, "token"),
    (
        "accept short password",
        "POST",
        "/v1/invitations/accept",
        {"token": "vin_x", "password": 7},
        "password",
    ),
    ("lookup empty token", "POST", "/v1/invitations/lookup", {"token": ""}, "token"),
    ("decline without token", "POST", "/v1/invitations/decline", {}, "token"),
    ("member bad user id", "POST", MEMBERS, {"user_id": "nope"}, "user_id"),
    ("role missing", "PATCH", MEMBER, {}, "role"),
    ("role unknown", "PATCH", MEMBER, {"role": "emperor"}, "role"),
    ("transfer without user", "POST", TENANT + "/transfer-ownership", {}, "user_id"),
    ("key name blank", "POST", KEYS, {"name": "  "}, "name"),
    ("key bad expiry", "POST", KEYS, {"name": "k", "expires_at": "soon"}, "expires_at"),
    (
        "key past expiry",
        "POST",
        KEYS,
        {"name": "k", "expires_at": "2001-01-01T00:00:00Z"},
        "expires_at",
    ),
    (
        "key expiry without zone",
        "POST",
        KEYS,
        {"name": "k", "expires_at": "2099-01-01T00:00:00"},
        "expires_at",
    ),
    (
        "token expiry without zone",
        "POST",
        USER + "/tokens",
        {"name": "t", "expires_at": "2099-01-01T00:00:00"},
        "expires_at",
    ),
    ("token name missing", "POST", USER + "/tokens", {}, "name"),
    (
        "sign-in without password",
        "POST",
        "/v1/auth/sign-in",
        {"email": "a@example.com"},
        "password",
    ),
    ("sign-in bad email", "POST", "/v1/auth/sign-in", {"email": "nope", "password": "x"}, "email"),
    ("reset bad email", "POST", "/v1/auth/password-resets", {"email": "a@"}, "email"),
    (
        "reset confirm without token",
        "POST",
        "/v1/auth/password-resets/confirm",
        {"new_password": "long enough"},
        "token",
    ),
    ("new password too short", "PUT", "/v1/me/password", {"new_password": "short"}, "new_password"),
    (
        "voice unknown provider",
        "POST",
        VOICES,
        {"name": "Ava", "provider": "nope", "provider_voice_id": "v"},
        "provider",
    ),
    (
        "voice without provider id",
        "POST",
        VOICES,
        {"name": "Ava", "provider": "openai"},
        "provider_voice_id",
    ),
    (
        "voice blank name",
        "POST",
        VOICES,
        {"name": " ", "provider": "openai", "provider_voice_id": "v"},
        "name",
    ),
    ("number not a number", "POST", NUMBERS, twilio_body("call me"), "number"),
    ("number without a country", "POST", NUMBERS, twilio_body("(415) 555-0123"), "number"),
    (
        "number unknown country",
        "POST",
        NUMBERS,
        twilio_body("4155550123", country="ZZ"),
        "country",
    ),
    ("number without a source", "POST", NUMBERS, {"number": "+14155550123"}, "source"),
    ("number unknown source", "POST", NUMBERS, {"source": "typed"}, "source"),
    (
        "number import without the number",
        "POST",
        NUMBERS,
        {"source": "vonage", "credential_id": "c"},
        "number",
    ),
    (
        "number import without proof",
        "POST",
        NUMBERS,
        {"source": "twilio", "number": "+14155550123"},
        "twilio_account_sid",
    ),
    (
        "number typed provider id",
        "POST",
        NUMBERS,
        twilio_body("+14155550123", provider_number_id="pn-x"),
        "provider_number_id",
    ),
    ("number bad area code", "POST", NUMBERS, {"source": "vapi", "area_code": "12"}, "area_code"),
    (
        "number bad agent id",
        "POST",
        NUMBERS,
        twilio_body("+14155550123", inbound_agent_id="x"),
        "inbound_agent_id",
    ),
    ("agent name missing", "POST", AGENTS, {"voice_id": None}, "name"),
    ("agent config not an object", "POST", AGENTS, {"name": "A", "config": []}, "config"),
    ("agent unknown voice", "POST", AGENTS, {"name": "A", "voice_id": "{key_id}"}, "voice_id"),
    ("agent patch null name", "PATCH", AGENT, {"name": None}, "name"),
    ("lead bad phone", "POST", LEADS, {"phone": "12"}, "phone"),
    ("lead bad email", "POST", LEADS, {"phone": "+14155550100", "email": "nope"}, "email"),
    (
        "lead bad time zone",
        "POST",
        LEADS,
        {"phone": "+14155550100", "timezone": "Mars/Base"},
        "timezone",
    ),
    ("lead unknown status", "POST", LEADS, {"phone": "+14155550100", "status": "hot"}, "status"),
    ("lead patch bad time zone", "PATCH", LEAD, {"timezone": "Europe/Nowhere"}, "timezone"),
    ("lead patch null phone", "PATCH", LEAD, {"phone": None}, "phone"),
    ("contacted bad call id", "POST", LEAD + "/contacted", {"call_id": "x"}, "call_id"),
    ("contacted unknown call", "POST", LEAD + "/contacted", {"call_id": "{key_id}"}, "call_id"),
    (
        "lead metadata nested too deep",
        "POST",
        LEADS,
        {
            "phone": "+14155550100",
            "metadata": {"a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},
        },
        "metadata",
    ),
    (
        "voice settings nested too deep",
        "POST",
        VOICES,
        {
            "name": "V",
            "provider": "vapi",
            "provider_voice_id": "v",
            "settings": {"a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},
        },
        "settings",
    ),
]


async def test_an_invalid_body_is_422_naming_the_field_and_writes_nothing(site, admin, all_rows):
    """Every case in turn, on one site (none writes anything, so none can disturb the next)."""
    before = await all_rows()
    for name, method, path, payload, field in INVALID_BODIES:
        reply = await send(
            admin,
            method,
            fill(path, **site.values()),
            data=json.dumps(fill(payload, **site.values())),
            headers={"Content-Type": "application/json"},
        )

        problem = assert_problem(reply, 422)
        assert problem.get("field") == field, name
        assert await all_rows() == before, name


FREE_FORM = {
    LEADS: '{"phone": "+14155550100", "metadata": {"a": %s}}',
    VOICES: '{"name": "V", "provider": "vapi", "provider_voice_id": "v", "settings": {"a": %s}}',
    AGENTS: '{"name": "A", "config": {"a": %s}}',
}


@pytest.mark.parametrize("depth", [2_000, 15_000])
@pytest.mark.parametrize("path", FREE_FORM)
async def test_json_nested_past_the_parsers_depth_is_400(site, admin, all_rows, path, depth):
    before = await all_rows()
    raw = FREE_FORM[path] % ("[" * depth + "]" * depth)

    reply = await send(
        admin,
        "POST",
        fill(path, **site.values()),
        data=raw,
        headers={"Content-Type": "application/json"},
    )

    assert_problem(reply, 400, code="bad-request")
    assert await all_rows() == before


MALFORMED = [
    pytest.param(b'{"name": ', id="truncated"),
    pytest.param(b'{"name": "Acme"} x', id="trailing garbage"),
    # Of the wrong type before the garbage: the typed decoder stops at the type, first.
    pytest.param(b"2\xff0\xffS\xff\x13", id="a number then garbage"),
    pytest.param(b'["Acme"] }', id="an array then garbage"),
    pytest.param(b"{'name': 'Acme'}", id="single quotes"),
    pytest.param(b"", id="empty"),
    pytest.param(b'{"name": "\xff\xfe"}', id="invalid utf-8"),
]


@pytest.mark.parametrize("raw", MALFORMED)
async def test_malformed_json_is_400_and_writes_nothing(admin, all_rows, raw):
    before = await all_rows()

    reply = await send(
        admin, "POST", TENANTS, data=raw, headers={"Content-Type": "application/json"}
    )

    problem = assert_problem(reply, 400, code="bad-request")
    assert "field" not in problem
    assert await all_rows() == before


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", None],
)
async def test_a_body_that_is_not_json_is_415_and_writes_nothing(
    site, admin, all_rows, content_type
):
    before = await all_rows()
    headers = {"Content-Type": content_type} if content_type else {}

    reply = await send(
        admin,
        "POST",
        fill(MEMBERS, **site.values()),
        data=json.dumps({"email": "new@example.com"}).encode(),
        headers=headers,
    )

    problem = assert_problem(reply, 415, code="unsupported-media-type")
    assert "application/json" in problem["detail"]
    assert await all_rows() == before


async def test_json_with_a_charset_and_merge_patch_json_are_accepted(site, admin):
    tenant = fill(TENANT, **site.values())
    reply = await send(
        admin,
        "PATCH",
        tenant,
        data=b'{"name": "Renamed"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert reply.status == 200, reply.body
    reply = await send(
        admin,
        "PATCH",
        tenant,
        data=b'{"name": "Renamed again"}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert reply.status == 200, reply.body
    assert expect(await admin.get(tenant), 200)["name"] == "Renamed again"


def _tenant_body(size: int) -> bytes:
    """A JSON body of exactly `size` bytes."""
    empty = json.dumps({"name": ""}).encode()
    return json.dumps({"name": "x" * (size - len(empty))}).encode()


async def test_a_body_over_the_limit_is_413_and_writes_nothing(site, admin):
    before = await visible_state(admin, site)

    reply = await send(
        admin,
        "POST",
        TENANTS,
        data=_tenant_body(LIMIT + 1),
        headers={"Content-Type": "application/json"},
    )

    problem = assert_problem(reply, 413, code="body-too-large")
    assert str(LIMIT) in problem["detail"]
    assert await visible_state(admin, site) == before


async def test_a_body_at_the_limit_is_read_and_validated(admin):
    reply = await send(
        admin,
        "POST",
        TENANTS,
        data=_tenant_body(LIMIT),
        headers={"Content-Type": "application/json"},
    )
    # Read in full, then refused by the name's maximum length: not by the body limit.
    assert_problem(reply, 422)
    assert reply.body["field"] == "name"


async def test_an_oversized_body_is_413_before_authentication(api):
    reply = await send(
        api,
        "POST",
        TENANTS,
        data=_tenant_body(LIMIT + 1),
        headers={"Content-Type": "application/json"},
    )
    assert_problem(reply, 413)


async def test_a_chunked_body_over_the_limit_is_413_and_writes_nothing(site, admin):
    before = await visible_state(admin, site)
    body = _tenant_body(LIMIT + 4096)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    reply = await send(
        admin, "POST", TENANTS, data=chunks(), headers={"Content-Type": "application/json"}
    )

    assert_problem(reply, 413, code="body-too-large")
    assert await visible_state(admin, site) == before


LIST_ROUTES = [
    e.path for e in ENDPOINTS if e.method == "GET" and any(q.name == "limit" for q in e.query)
]


@pytest.mark.parametrize(
    "limit",
    [
        "0",
        "201",
        "-1",
        "abc",
        "1.5",
        "",
        " 5",
        "\u00b2",  # SUPERSCRIPT TWO: str.isdigit() says yes, int() says no
        "9" * 5000,  # more digits than int() converts
    ],
    ids=[
        "zero",
        "over-max",
        "negative",
        "word",
        "decimal",
        "empty",
        "space",
        "superscript",
        "huge",
    ],
)
async def test_an_invalid_limit_is_422_naming_limit(site, admin, limit):
    path = fill(MEMBERS, **site.values())
    reply = await send(admin, "GET", path, params={"limit": limit})

    problem = assert_problem(reply, 422)
    assert problem["field"] == "limit"


async def test_every_list_checks_its_limit_and_cursor(site, admin):
    assert len(LIST_ROUTES) >= 8
    for template in LIST_ROUTES:
        path = fill(template, **site.values())
        for limit in ("1", "200"):
            reply = await send(admin, "GET", path, params={"limit": limit})
            assert reply.status == 200, (path, limit, reply.body)
        reply = await send(admin, "GET", path, params={"limit": "0"})
        assert assert_problem(reply, 422)["field"] == "limit", path
        reply = await send(admin, "GET", path, params={"cursor": "garbage"})
        assert_problem(reply, 422, code="invalid-cursor")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


GARBAGE_CURSORS = [
    pytest.param("garbage", id="word"),
    pytest.param("%%%***", id="symbols"),
    pytest.param("\u00e9t\u00e9", id="non-ascii"),
    pytest.param(_b64(b"[1, 2]"), id="wrong types"),
    pytest.param(_b64(b'{"created_at": 1}'), id="object"),
    pytest.param(_b64(b'["2026-01-01T00:00:00", "%s"]' % random_id().encode()), id="naive time"),
    pytest.param(_b64(b'["2026-01-01T00:00:00+00:00", "no-uuid"]'), id="bad id"),
    pytest.param(_b64(b'["2026-01-01T00:00:00+00:00"]'), id="short"),
    pytest.param(_b64(b"\xff\xfe\x00"), id="binary"),
    pytest.param(_b64(b"[" * 3000), id="deeply nested"),
]


@pytest.mark.parametrize("cursor", GARBAGE_CURSORS)
async def test_a_garbage_cursor_is_422(site, admin, cursor):
    path = fill(MEMBERS, **site.values())
    reply = await send(admin, "GET", path, params={"cursor": cursor})
    assert_problem(reply, 422, code="invalid-cursor")


NON_UUID_IDS = [
    ("GET", "/v1/tenants/not-a-uuid", None),
    ("PATCH", "/v1/tenants/123", {"name": "Renamed"}),
    ("POST", "/v1/tenants/x/suspend", None),
    ("GET", "/v1/tenants/{tenant_id}/members/123", None),
    ("PATCH", "/v1/tenants/{tenant_id}/members/abc", {"role": "viewer"}),
    ("DELETE", "/v1/tenants/{tenant_id}/members/abc", None),
    ("GET", "/v1/tenants/{tenant_id}/api-keys/xyz", None),
    ("DELETE", "/v1/tenants/{tenant_id}/api-keys/xyz", None),
    ("GET", "/v1/users/abc", None),
    ("DELETE", "/v1/users/abc", None),
    ("GET", "/v1/users/abc/tenants", None),
    ("GET", "/v1/users/{user_id}/tokens/zzz", None),
    ("DELETE", "/v1/users/{user_id}/tokens/zzz", None),
    ("GET", "/v1/tenants/{tenant_id}/voices/abc", None),
    ("PATCH", "/v1/tenants/{tenant_id}/voices/abc", {"name": "x"}),
    ("DELETE", "/v1/tenants/{tenant_id}/phone-numbers/123", None),
    ("PATCH", "/v1/tenants/{tenant_id}/agents/abc", {"name": "x"}),
    ("DELETE", "/v1/tenants/{tenant_id}/agents/abc", None),
    ("GET", "/v1/tenants/{tenant_id}/leads/abc", None),
    ("DELETE", "/v1/tenants/{tenant_id}/leads/abc", None),
    ("POST", "/v1/tenants/{tenant_id}/leads/abc/contacted", {}),
    ("GET", "/v1/tenants/{tenant_id}/leads/abc/calls", None),
    ("POST", "/v1/tenants/{tenant_id}/calls/abc/end", None),
    ("GET", "/v1/tenants/{tenant_id}/invitations/abc", None),
    ("DELETE", "/v1/tenants/{tenant_id}/invitations/abc", None),
    ("POST", "/v1/tenants/{tenant_id}/invitations/abc/resend", None),
]


async def test_a_path_id_that_is_not_a_uuid_is_404_and_writes_nothing(site, admin, all_rows):
    before = await all_rows()
    for method, path, payload in NON_UUID_IDS:
        reply = await send(admin, method, fill(path, **site.values()), json_body=payload)

        assert_problem(reply, 404, code="not-found")
        assert await all_rows() == before, (method, path)


@pytest.mark.parametrize("path", ["/v1/nope", "/v1/tenants/{tenant_id}/nope", "/", "/v2/tenants"])
async def test_an_unknown_route_is_404_problem_json_with_or_without_a_token(site, api, admin, path):
    path = fill(path, **site.values())
    for client in (api, admin):
        reply = await send(client, "GET", path)
        problem = assert_problem(reply, 404, code="not-found")
        assert problem["instance"] == path


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/v1/tenants", {"GET", "POST"}),
        ("PUT", "/v1/tenants/{tenant_id}", {"GET", "PATCH"}),
        ("GET", "/v1/tenants/{tenant_id}/suspend", {"POST"}),
        ("POST", "/healthz", {"GET"}),
    ],
)
async def test_a_wrong_method_is_405_problem_json_with_allow(
    site, admin, all_rows, method, path, allowed
):
    before = await all_rows()

    reply = await send(admin, method, fill(path, **site.values()), json_body={"name": "x"})

    assert_problem(reply, 405, code="method-not-allowed")
    assert set(reply.headers["Allow"].split(",")) - {"HEAD"} == allowed
    assert reply.content_type == PROBLEM_JSON
    assert await all_rows() == before


@pytest.mark.parametrize("email", ["", "nope", "a@", "@example.com"])
async def test_an_invalid_email_lookup_is_422_naming_email(admin, email):
    reply = await send(admin, "GET", USERS, params={"email": email})
    assert_problem(reply, 422)
    assert reply.body["field"] == "email"
