"""One tenant's members and keys can neither see nor touch another tenant, nor learn it exists.

Tenant A and tenant B each have an owner; B also has an owner-role API key (the most
powerful credential a tenant can hand out). Every tenant-scoped route is tried by B's owner
and by B's key against A: each must answer 404 exactly as it does for a tenant id that does
not exist, and A must be unchanged afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from entrypoints.http.app import ENDPOINTS
from tests.e2e.helpers import (
    PROBLEM_JSON,
    Builder,
    Person,
    all_items,
    audit_log,
    comparable,
    expect,
    fill,
    random_id,
    send,
)
from tests.support import Api, twilio_body

pytestmark = pytest.mark.postgres

TENANT = "/v1/tenants/{tenant_id}"
MEMBER = TENANT + "/members/{user_id}"
USER = "/v1/users/{user_id}"
VOICE = TENANT + "/voices/{voice_id}"
NUMBER = TENANT + "/phone-numbers/{number_id}"
AGENT = TENANT + "/agents/{agent_id}"
LEAD = TENANT + "/leads/{lead_id}"
CALLS = TENANT + "/calls"
CALL = CALLS + "/{call_id}"
BATCHES = TENANT + "/batches"
BATCH = BATCHES + "/{batch_id}"
HOOKS = TENANT + "/webhook-endpoints"
HOOK = HOOKS + "/{endpoint_id}"
DELIVERY = HOOK + "/deliveries/{delivery_id}"
EXPORT = TENANT + "/exports/{export_id}"
INVITATIONS = TENANT + "/invitations"
INVITATION = INVITATIONS + "/{invitation_id}"
WINDOW = {"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "17:00"}


@dataclass(frozen=True)
class Csv:
    """A body sent as text/csv (the lead import reads files, not JSON)."""

    text: str


# Every tenant-scoped route, with a body that would do harm if it were accepted.
# {user_id}: one of the target tenant's members; {key_id}: one of its API keys;
# {self_id}: the intruder's own user id.
Route = tuple[str, str, Any]
"""A method, a path template, a body template."""

TENANT_ROUTES: list[Route] = [
    ("GET", TENANT, None),
    ("PATCH", TENANT, {"name": "Taken over"}),
    ("POST", TENANT + "/suspend", None),
    ("POST", TENANT + "/reactivate", None),
    ("GET", TENANT + "/members", None),
    ("POST", TENANT + "/members", {"user_id": "{self_id}", "role": "owner"}),
    ("GET", MEMBER, None),
    ("PATCH", MEMBER, {"role": "viewer"}),
    ("DELETE", MEMBER, None),
    ("POST", TENANT + "/transfer-ownership", {"user_id": "{self_id}"}),
    ("GET", TENANT + "/api-keys", None),
    ("POST", TENANT + "/api-keys", {"name": "stolen", "role": "owner"}),
    ("GET", TENANT + "/api-keys/{key_id}", None),
    ("DELETE", TENANT + "/api-keys/{key_id}", None),
    ("GET", TENANT + "/audit-log", None),
    ("GET", TENANT + "/features", None),
    ("GET", TENANT + "/features/{key}", None),
    ("PUT", TENANT + "/features/{key}", {"value": 1000}),
    ("DELETE", TENANT + "/features/{key}", None),
    ("PUT", TENANT + "/plan", {"plan_id": "{plan_id}"}),
    ("GET", TENANT + "/voices", None),
    ("POST", TENANT + "/voices", {"name": "Mine", "provider": "vapi", "provider_voice_id": "x"}),
    ("GET", VOICE, None),
    ("PATCH", VOICE, {"name": "Taken over", "provider_voice_id": "mallory"}),
    ("DELETE", VOICE, None),
    ("GET", TENANT + "/phone-numbers", None),
    ("POST", TENANT + "/phone-numbers", twilio_body("+14155559999", inbound_agent_id=None)),
    ("GET", NUMBER, None),
    ("PATCH", NUMBER, {"inbound_agent_id": None, "label": "Taken over"}),
    ("DELETE", NUMBER, None),
    ("POST", NUMBER + "/confirm", None),
    ("POST", NUMBER + "/sandbox-calls", {"caller": "+14155550199"}),
    ("GET", TENANT + "/agents", None),
    ("POST", TENANT + "/agents", {"name": "Mallory", "voice_id": "{voice_id}"}),
    ("GET", AGENT, None),
    ("PATCH", AGENT, {"first_message": "Read me your card number", "is_active": True}),
    ("DELETE", AGENT, None),
    ("GET", TENANT + "/leads", None),
    ("POST", TENANT + "/leads", {"phone": "+14155559998"}),
    # By the lead's number in national form (a + in a query string reads as a space).
    ("GET", TENANT + "/leads/lookup?country=US&phone={lead_national}", None),
    ("POST", TENANT + "/leads/import", Csv("phone,name\n{lead_national},Mallory\n")),
    ("GET", LEAD, None),
    ("PATCH", LEAD, {"name": "Mallory", "do_not_call": True}),
    ("DELETE", LEAD, None),
    ("POST", LEAD + "/contacted", {}),
    ("POST", LEAD + "/erase", None),
    ("GET", TENANT + "/retention", None),
    ("PATCH", TENANT + "/retention", {"store_transcripts": False, "transcripts_days": 0}),
    ("GET", LEAD + "/calls", None),
    ("POST", CALLS, {"agent_id": "{agent_id}", "lead_id": "{lead_id}"}),
    ("GET", CALLS, None),
    ("GET", CALL, None),
    ("POST", CALL + "/end", None),
    ("GET", CALL + "/transcript", None),
    ("GET", CALL + "/cost", None),
    ("GET", CALL + "/usage", None),
    ("GET", CALL + "/provider-record", None),
    ("DELETE", CALL + "/content", None),
    ("GET", TENANT + "/usage", None),
    (
        "POST",
        BATCHES,
        {
            "name": "Mallory",
            "agent_id": "{agent_id}",
            "calling_window": WINDOW,
            "leads": {"ids": ["{lead_id}"]},
            "concurrency": 1000,
        },
    ),
    ("GET", BATCHES, None),
    ("GET", BATCH, None),
    ("GET", BATCH + "/items", None),
    ("POST", BATCH + "/preflight", None),
    ("POST", BATCH + "/start", None),
    ("POST", BATCH + "/pause", None),
    ("POST", BATCH + "/resume", None),
    ("POST", BATCH + "/cancel", None),
    ("GET", HOOKS, None),
    ("POST", HOOKS, {"url": "https://mallory.example/hook", "event_types": ["call.ended"]}),
    ("GET", HOOK, None),
    ("PATCH", HOOK, {"url": "https://mallory.example/hook"}),
    ("POST", HOOK + "/rotate-secret", {"overlap_seconds": 0}),
    ("DELETE", HOOK, None),
    ("GET", HOOK + "/deliveries", None),
    ("GET", DELIVERY, None),
    ("POST", DELIVERY + "/retry", None),
    ("POST", HOOK + "/replay", {"since": "2026-01-01T00:00:00Z"}),
    ("POST", TENANT + "/close", None),
    ("POST", TENANT + "/reopen", None),
    ("GET", TENANT + "/exports", None),
    ("POST", TENANT + "/exports", None),
    ("GET", EXPORT, None),
    ("GET", EXPORT + "/download", None),
    ("GET", INVITATIONS, None),
    ("POST", INVITATIONS, {"email": "mallory@b.example", "role": "owner"}),
    ("GET", INVITATION, None),
    ("DELETE", INVITATION, None),
    ("POST", INVITATION + "/resend", None),
]

# Every route about one user: only that user (and platform admins) may use it.
USER_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", USER, None),
    ("PATCH", USER, {"first_name": "Mallory"}),
    ("DELETE", USER, None),
    ("GET", USER + "/tenants", None),
    ("GET", USER + "/tokens", None),
    ("POST", USER + "/tokens", {"name": "stolen"}),
    ("GET", USER + "/tokens/{token_id}", None),
    ("DELETE", USER + "/tokens/{token_id}", None),
]

# What in a path names one of the tenant's own records.
PATH_IDS = (
    "{user_id}",
    "{key_id}",
    "{voice_id}",
    "{number_id}",
    "{agent_id}",
    "{lead_id}",
    "{call_id}",
    "{batch_id}",
    "{endpoint_id}",
    "{delivery_id}",
    "{invitation_id}",
    "{export_id}",
)

# Routes that name one of the tenant's records in the path or the body (the lookup names a
# lead by its number).
ID_ROUTES = [r for r in TENANT_ROUTES if any(i in r[1] for i in (*PATH_IDS, "{lead_national}"))] + [
    ("POST", TENANT + "/transfer-ownership", {"user_id": "{user_id}"}),
]


def _path(template: str) -> str:
    return template.partition("?")[0]


def _route_id(route: tuple[str, str, Any]) -> str:
    method, path, _ = route
    return f"{method} {_path(path).removeprefix('/v1')}"


@dataclass(frozen=True)
class Tenants:
    a: str
    a_owner: Person
    a_admin_id: str
    a_key_id: str
    b: str
    b_owner: Person
    b_key: Api
    b_key_id: str
    plan_id: str
    a_records: dict[str, str]
    """A's voice_id, number_id, agent_id, lead_id, lead_national (its lead's number),
    call_id (a call of its agent to its lead), batch_id (a draft batch of that lead) and
    endpoint_id (a webhook endpoint), delivery_id (an event on its way to it),
    invitation_id (a pending invitation) and export_id (an export of its data, pending)."""


@pytest.fixture
async def tenants(build: Builder, add_call: Any, add_event: Any) -> Tenants:
    a_owner = await build.person("owner@a.example", first_name="Alice")
    b_owner = await build.person("owner@b.example", first_name="Bob")
    a = await build.tenant(a_owner, "Tenant A")
    b = await build.tenant(b_owner, "Tenant B")
    a_admin = await build.user("admin@a.example")
    await build.add(a, a_admin, "admin", by=a_owner.api)
    a_key = await build.key(a, "admin", by=a_owner.api)
    b_key = await build.key(b, "owner", by=b_owner.api)
    plan = expect(await build.admin.post("/v1/plans", {"name": "isolation"}), 201)
    records = await catalogue_of(a_owner.api, a)
    records["call_id"] = await add_call(a, lead_id=records["lead_id"], agent_id=records["agent_id"])
    batch = {
        "name": "A's campaign",
        "agent_id": records["agent_id"],
        "calling_window": WINDOW,
        "leads": {"ids": [records["lead_id"]]},
    }
    records["batch_id"] = expect(await a_owner.api.post(f"/v1/tenants/{a}/batches", batch), 201)[
        "id"
    ]
    # Only the features webhook endpoints need (the whole catalogue would gate the rest).
    for key, kind, value in (("webhooks", "boolean", True), ("webhooks.endpoints.max", "limit", 1)):
        feature = {"feature_key": key, "name": key, "feature_type": kind}
        expect(await build.admin.post("/v1/features", feature), 201)
        path = f"/v1/tenants/{a}/features/{key}"
        assert (await send(build.admin, "PUT", path, json_body={"value": value})).status == 200
    hook = {"url": "https://a.example/hooks", "event_types": ["call.ended"]}
    records["endpoint_id"] = expect(
        await a_owner.api.post(f"/v1/tenants/{a}/webhook-endpoints", hook), 201
    )["id"]
    await add_event(a, "call.ended", records["call_id"])
    deliveries = f"/v1/tenants/{a}/webhook-endpoints/{records['endpoint_id']}/deliveries"
    records["delivery_id"] = expect(await a_owner.api.get(deliveries), 200)["items"][0]["id"]
    records["export_id"] = expect(await a_owner.api.post(f"/v1/tenants/{a}/exports"), 202)["id"]
    invite = {"email": "invitee@a.example", "role": "member"}
    records["invitation_id"] = expect(
        await a_owner.api.post(f"/v1/tenants/{a}/invitations", invite), 201
    )["id"]
    return Tenants(
        a, a_owner, a_admin["id"], a_key.id, b, b_owner, b_key.api, b_key.id, plan["id"], records
    )


A_LEAD_NATIONAL = "4155550123"


async def catalogue_of(owner: Api, tenant_id: str) -> dict[str, str]:
    """A voice, a number, an agent speaking with both, and a lead, in the tenant."""
    base = f"/v1/tenants/{tenant_id}"
    voice = {"name": "Ava", "provider": "11labs", "provider_voice_id": "ava"}
    voice_id = expect(await owner.post(f"{base}/voices", voice), 201)["id"]
    number_id = expect(await owner.post(f"{base}/phone-numbers", twilio_body("+12125550100")), 201)[
        "id"
    ]
    agent = {"name": "Sales", "voice_id": voice_id, "default_number_id": number_id}
    agent_id = expect(await owner.post(f"{base}/agents", agent), 201)["id"]
    routed = {"inbound_agent_id": agent_id}
    expect(await owner.patch(f"{base}/phone-numbers/{number_id}", routed), 200)
    lead = {"phone": A_LEAD_NATIONAL, "country": "US", "name": "Customer of A"}
    lead_id = expect(await owner.post(f"{base}/leads", lead), 201)["id"]
    return {
        "voice_id": voice_id,
        "number_id": number_id,
        "agent_id": agent_id,
        "lead_id": lead_id,
        "lead_national": A_LEAD_NATIONAL,
    }


def intruders(t: Tenants) -> list[tuple[str, Api]]:
    """B's owner and B's owner-role API key: everything B can hand out."""
    return [("B's owner token", t.b_owner.api), ("B's API key", t.b_key)]


def _without(body: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in names}


async def snapshot_of_a(t: Tenants, admin: Api) -> dict[str, Any]:
    """Everything about tenant A and its owner, read by A's owner and the platform admin."""
    owner = t.a_owner.api
    lead = f"/v1/tenants/{t.a}/leads/{t.a_records['lead_id']}"
    return {
        "voices": await all_items(owner, f"/v1/tenants/{t.a}/voices"),
        "numbers": await all_items(owner, f"/v1/tenants/{t.a}/phone-numbers"),
        "agents": await all_items(owner, f"/v1/tenants/{t.a}/agents"),
        "leads": await all_items(owner, f"/v1/tenants/{t.a}/leads"),
        "lead_calls": await all_items(owner, f"{lead}/calls"),
        "calls": await all_items(owner, f"/v1/tenants/{t.a}/calls"),
        "call": expect(await owner.get(f"/v1/tenants/{t.a}/calls/{t.a_records['call_id']}"), 200),
        "usage": _without(expect(await owner.get(f"/v1/tenants/{t.a}/usage"), 200), "start", "end"),
        "batches": await all_items(owner, f"/v1/tenants/{t.a}/batches"),
        "webhook_endpoints": await all_items(owner, f"/v1/tenants/{t.a}/webhook-endpoints"),
        "webhook_deliveries": await all_items(
            owner,
            f"/v1/tenants/{t.a}/webhook-endpoints/{t.a_records['endpoint_id']}/deliveries",
        ),
        "batch_items": await all_items(
            owner, f"/v1/tenants/{t.a}/batches/{t.a_records['batch_id']}/items"
        ),
        "tenant": expect(await owner.get(f"/v1/tenants/{t.a}"), 200),
        "members": await all_items(owner, f"/v1/tenants/{t.a}/members"),
        "keys": await all_items(owner, f"/v1/tenants/{t.a}/api-keys"),
        "invitations": await all_items(owner, f"/v1/tenants/{t.a}/invitations"),
        "audit": await audit_log(owner, t.a),
        "features": expect(await owner.get(f"/v1/tenants/{t.a}/features"), 200),
        "owner": expect(await admin.get(f"/v1/users/{t.a_owner.id}"), 200),
        "owner_tokens": await all_items(admin, f"/v1/users/{t.a_owner.id}/tokens"),
        "owner_tenants": await all_items(admin, f"/v1/users/{t.a_owner.id}/tenants"),
        "all_tenants": await all_items(admin, "/v1/tenants"),
    }


async def _attempt(who: Api, route: tuple[str, str, Any], **values: str) -> Any:
    method, template, body = route
    if isinstance(body, Csv):
        return await send(
            who,
            method,
            fill(template, **values),
            data=fill(body.text, **values),
            headers={"Content-Type": "text/csv"},
        )
    return await send(who, method, fill(template, **values), json_body=fill(body, **values))


def _values(t: Tenants, **overrides: str) -> dict[str, str]:
    return {
        "user_id": t.a_admin_id,
        "key_id": t.a_key_id,
        "self_id": t.b_owner.id,
        "token_id": t.a_owner.token_id,
        "key": "members.max",
        "plan_id": t.plan_id,
        **t.a_records,
    } | overrides


def by_resource(routes: list[Route]) -> list[Any]:
    """The routes in groups, one per resource under the tenant (its first path segment): a
    test case per group, each building its two tenants once for all of the group's routes."""
    groups: dict[str, list[Route]] = {}
    for route in routes:
        resource = _path(route[1]).removeprefix(TENANT).strip("/").split("/")[0] or "tenant"
        groups.setdefault(resource, []).append(route)
    return [pytest.param(group, id=name) for name, group in groups.items()]


@pytest.mark.parametrize("routes", by_resource(TENANT_ROUTES))
async def test_another_tenant_is_indistinguishable_from_an_unknown_one(
    tenants, all_rows, routes: list[Route]
):
    before = await all_rows()
    for route in routes:
        for who, intruder in intruders(tenants):
            unknown = random_id()

            foreign = await _attempt(intruder, route, **_values(tenants, tenant_id=tenants.a))
            missing = await _attempt(intruder, route, **_values(tenants, tenant_id=unknown))

            what = (_route_id(route), who)
            assert foreign.status == 404, (*what, foreign.body)
            assert missing.status == 404, (*what, missing.body)
            assert foreign.content_type == missing.content_type == PROBLEM_JSON, what
            assert comparable(foreign.body, tenant=tenants.a) == comparable(
                missing.body, tenant=unknown
            ), what
            assert await all_rows() == before, what


def _unknown_ids() -> dict[str, str]:
    """Ids (and a lead's number) no tenant has."""
    ids = {name.strip("{}"): random_id() for name in PATH_IDS}
    return ids | {"lead_national": "4155550777"}


async def _ids_are_unknown(tenants: Tenants, all_rows: Any, who: Api, routes: list[Route]) -> None:
    """`who`, of tenant B, names A's records in B's own tenant: 404, as for random ids."""
    before = await all_rows()
    foreign_ids = {"user_id": tenants.a_owner.id, "key_id": tenants.a_key_id} | tenants.a_records
    own = {"tenant_id": tenants.b}
    for route in routes:
        unknown_ids = _unknown_ids()

        foreign = await _attempt(who, route, **_values(tenants, **foreign_ids, **own))
        missing = await _attempt(who, route, **_values(tenants, **unknown_ids, **own))

        what = _route_id(route)
        assert foreign.status == 404, (what, foreign.body)
        assert missing.status == 404, (what, missing.body)
        assert comparable(foreign.body, **foreign_ids) == comparable(missing.body, **unknown_ids), (
            what
        )
        assert await all_rows() == before, what


@pytest.mark.parametrize("routes", by_resource(ID_ROUTES))
async def test_ids_of_another_tenant_are_unknown_under_ones_own_tenant(
    tenants, all_rows, routes: list[Route]
):
    """B's owner names A's member or A's key in B's own tenant: 404, as for a random id."""
    await _ids_are_unknown(tenants, all_rows, tenants.b_owner.api, routes)


@pytest.mark.parametrize(
    "routes", by_resource([r for r in ID_ROUTES if "{user_id}" not in str(r[2])])
)
async def test_ids_of_another_tenant_are_unknown_to_an_api_key(
    tenants, all_rows, routes: list[Route]
):
    await _ids_are_unknown(tenants, all_rows, tenants.b_key, routes)


@pytest.mark.parametrize("route", USER_ROUTES, ids=_route_id)
async def test_another_tenants_user_is_indistinguishable_from_an_unknown_one(
    tenants, all_rows, route
):
    before = await all_rows()
    for who, intruder in intruders(tenants):
        unknown, unknown_token = random_id(), random_id()

        foreign = await _attempt(intruder, route, **_values(tenants, user_id=tenants.a_owner.id))
        missing = await _attempt(
            intruder, route, **_values(tenants, user_id=unknown, token_id=unknown_token)
        )

        assert foreign.status == 404, (who, foreign.body)
        assert missing.status == 404, (who, missing.body)
        assert foreign.content_type == PROBLEM_JSON
        assert comparable(
            foreign.body, user=tenants.a_owner.id, token=tenants.a_owner.token_id
        ) == comparable(missing.body, user=unknown, token=unknown_token), who
        assert await all_rows() == before, who


async def test_every_attempt_in_a_row_leaves_tenant_a_untouched(tenants, admin, all_rows):
    before = await snapshot_of_a(tenants, admin)
    rows_before = await all_rows()
    # The row reading sees every tenant's rows (it is not itself fenced by row-level security).
    assert {r["tenant_id"] for r in rows_before["memberships"]} == {tenants.a, tenants.b}
    assert len(rows_before["api_keys"]) == 2
    not_404 = []
    for who, intruder in intruders(tenants):
        for routes, values in (
            (TENANT_ROUTES, _values(tenants, tenant_id=tenants.a)),
            (USER_ROUTES, _values(tenants, user_id=tenants.a_owner.id)),
        ):
            for route in routes:
                reply = await _attempt(intruder, route, **values)
                if reply.status != 404:
                    not_404.append((who, _route_id(route), reply.status))

    after = await snapshot_of_a(tenants, admin)
    assert after == before
    assert await all_rows() == rows_before
    assert [m["user"]["email"] for m in after["members"]] == ["owner@a.example", "admin@a.example"]
    assert [k["id"] for k in after["keys"]] == [tenants.a_key_id]
    assert after["keys"][0]["revoked_at"] is None
    assert after["tenant"]["name"] == "Tenant A"
    assert after["tenant"]["status"] == "active"
    assert not_404 == []


async def test_lists_show_only_ones_own_tenant(tenants):
    for _, who in intruders(tenants):
        listed = await all_items(who, "/v1/tenants")
        assert [t["id"] for t in listed] == [tenants.b]
    mine = await all_items(tenants.b_owner.api, "/v1/me/tenants")
    assert [(t["id"], t["role"]) for t in mine] == [(tenants.b, "owner")]
    members = await all_items(tenants.b_key, f"/v1/tenants/{tenants.b}/members")
    assert [m["user_id"] for m in members] == [tenants.b_owner.id]


# Writes in B's own tenant that link to one of A's records: the link reads as an unknown id
# (422 naming the field), never as "it exists elsewhere". {own_*}: B's own records.
LINK_ROUTES: list[tuple[str, str, Any, str]] = [
    ("POST", TENANT + "/agents", {"name": "Spy", "voice_id": "{voice_id}"}, "voice_id"),
    (
        "POST",
        TENANT + "/agents",
        {"name": "Spy", "default_number_id": "{number_id}"},
        "default_number_id",
    ),
    (
        "POST",
        TENANT + "/phone-numbers",
        twilio_body("+14155559999", inbound_agent_id="{agent_id}"),
        "inbound_agent_id",
    ),
    ("PATCH", TENANT + "/agents/{own_agent}", {"voice_id": "{voice_id}"}, "voice_id"),
    (
        "PATCH",
        TENANT + "/agents/{own_agent}",
        {"default_number_id": "{number_id}"},
        "default_number_id",
    ),
    (
        "PATCH",
        TENANT + "/phone-numbers/{own_number}",
        {"inbound_agent_id": "{agent_id}"},
        "inbound_agent_id",
    ),
    ("POST", TENANT + "/leads/{own_lead}/contacted", {"call_id": "{call_id}"}, "call_id"),
    ("POST", TENANT + "/calls", {"agent_id": "{agent_id}", "to": "+12125550197"}, "agent_id"),
    (
        "POST",
        TENANT + "/calls",
        {"agent_id": "{own_agent}", "from_number_id": "{number_id}", "to": "+12125550197"},
        "from_number_id",
    ),
    (
        "POST",
        TENANT + "/calls",
        {"agent_id": "{own_agent}", "from_number_id": "{own_number}", "lead_id": "{lead_id}"},
        "lead_id",
    ),
    (
        "POST",
        BATCHES,
        {
            "name": "Spy",
            "agent_id": "{agent_id}",
            "calling_window": WINDOW,
            "leads": {"ids": ["{own_lead}"]},
        },
        "agent_id",
    ),
    (
        "POST",
        BATCHES,
        {
            "name": "Spy",
            "agent_id": "{own_agent}",
            "from_number_id": "{number_id}",
            "calling_window": WINDOW,
            "leads": {"ids": ["{own_lead}"]},
        },
        "from_number_id",
    ),
    (
        "POST",
        BATCHES,
        {
            "name": "Spy",
            "agent_id": "{own_agent}",
            "from_number_id": "{own_number}",
            "calling_window": WINDOW,
            "leads": {"ids": ["{own_lead}", "{lead_id}"]},
        },
        "leads.ids",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    LINK_ROUTES,
    ids=[f"{m} {p.removeprefix(TENANT)} {f}" for m, p, _, f in LINK_ROUTES],
)
async def test_links_to_another_tenants_records_read_as_unknown_ids(
    tenants, add_call, all_rows, method, path, body, field
):
    b, b_api = f"/v1/tenants/{tenants.b}", tenants.b_owner.api
    own = {
        "tenant_id": tenants.b,
        "own_agent": expect(await b_api.post(f"{b}/agents", {"name": "Mine"}), 201)["id"],
        "own_number": expect(
            await b_api.post(f"{b}/phone-numbers", twilio_body("+12125550199")), 201
        )["id"],
        "own_lead": expect(await b_api.post(f"{b}/leads", {"phone": "+12125550198"}), 201)["id"],
    }
    a_call = await add_call(tenants.a, lead_id=tenants.a_records["lead_id"])
    foreign_ids = {**tenants.a_records, "call_id": a_call}
    unknown_ids = {**_unknown_ids(), "call_id": random_id()}
    before = await all_rows()

    foreign = await _attempt(b_api, (method, path, body), **_values(tenants, **foreign_ids, **own))
    missing = await _attempt(b_api, (method, path, body), **_values(tenants, **unknown_ids, **own))

    assert foreign.status == 422, foreign.body
    assert missing.status == 422, missing.body
    assert foreign.body["field"] == field
    assert comparable(foreign.body, **foreign_ids) == comparable(missing.body, **unknown_ids)
    assert await all_rows() == before


async def test_the_catalogue_and_lead_lists_show_only_ones_own_tenant(tenants):
    b = f"/v1/tenants/{tenants.b}"
    # B may hold the lead A holds: a number is one lead per tenant, not per platform.
    mine = expect(
        await tenants.b_owner.api.post(
            f"{b}/leads", {"phone": tenants.a_records["lead_national"], "country": "US"}
        ),
        201,
    )
    for _, who in intruders(tenants):
        for path in ("/voices", "/phone-numbers", "/agents", "/batches"):
            assert await all_items(who, b + path) == [], path
        assert [lead["id"] for lead in await all_items(who, f"{b}/leads")] == [mine["id"]]
        found = expect(await who.get(f"{b}/leads/lookup", params={"phone": mine["phone"]}), 200)
        assert found["id"] == mine["id"] != tenants.a_records["lead_id"]
    a_lead = expect(
        await tenants.a_owner.api.get(
            f"/v1/tenants/{tenants.a}/leads/{tenants.a_records['lead_id']}"
        ),
        200,
    )
    assert (a_lead["phone"], a_lead["name"]) == (mine["phone"], "Customer of A")


async def test_an_api_key_rewritten_to_name_another_tenant_is_refused(tenants, all_rows):
    """A key carries its tenant in the clear; editing that part does not move the key."""
    before = await all_rows()
    token = tenants.b_key.token
    assert token is not None
    forged = token.replace(tenants.b.replace("-", ""), tenants.a.replace("-", ""))
    assert forged != token

    reply = await send(tenants.b_key.as_(forged), "GET", f"/v1/tenants/{tenants.a}/members")

    assert reply.status == 401
    assert await all_rows() == before


def test_every_tenant_and_user_scoped_route_has_an_isolation_case():
    """A route added later under /v1/tenants/{tenant_id} or /v1/users/{user_id} must be
    added to the tables above, or this fails."""
    scoped = {
        (e.method, e.path)
        for e in ENDPOINTS
        if e.path.startswith(("/v1/tenants/{tenant_id}", "/v1/users/{user_id}"))
    }
    covered = {(method, _path(path)) for method, path, _ in TENANT_ROUTES + USER_ROUTES}
    assert covered == scoped
    assert len(covered) == len(TENANT_ROUTES) + len(USER_ROUTES), "a route is listed twice"
    # No other authenticated route takes an id in its path (it would need a table of its own),
    # except the global catalogue, which every signed-in caller may read, and the platform
    # admins' own routes, which no tenant role may call (tests/e2e/test_webhook_messages.py).
    assert {
        e.path
        for e in ENDPOINTS
        if "{" in e.path
        and not e.public
        and not e.path.startswith(("/v1/plans", "/v1/features", "/v1/admin/"))
    } == {p for _, p in scoped}
