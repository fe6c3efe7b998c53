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
from tests.support import Api

pytestmark = pytest.mark.postgres

TENANT = "/v1/tenants/{tenant_id}"
MEMBER = TENANT + "/members/{user_id}"
USER = "/v1/users/{user_id}"

# Every tenant-scoped route, with a body that would do harm if it were accepted.
# {user_id}: one of the target tenant's members; {key_id}: one of its API keys;
# {self_id}: the intruder's own user id.
TENANT_ROUTES: list[tuple[str, str, Any]] = [
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
    ("DELETE", TENANT + "/api-keys/{key_id}", None),
    ("GET", TENANT + "/audit-log", None),
    ("GET", TENANT + "/features", None),
    ("GET", TENANT + "/features/{key}", None),
    ("PUT", TENANT + "/features/{key}", {"value": 1000}),
    ("DELETE", TENANT + "/features/{key}", None),
    ("PUT", TENANT + "/plan", {"plan_id": "{plan_id}"}),
]

# Every route about one user: only that user (and platform admins) may use it.
USER_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", USER, None),
    ("PATCH", USER, {"first_name": "Mallory"}),
    ("GET", USER + "/tenants", None),
    ("GET", USER + "/tokens", None),
    ("POST", USER + "/tokens", {"name": "stolen"}),
    ("DELETE", USER + "/tokens/{token_id}", None),
]

# Routes that name one of the tenant's members or keys in the path or the body.
ID_ROUTES = [r for r in TENANT_ROUTES if "{user_id}" in r[1] or "{key_id}" in r[1]] + [
    ("POST", TENANT + "/transfer-ownership", {"user_id": "{user_id}"}),
]


def _route_id(route: tuple[str, str, Any]) -> str:
    method, path, _ = route
    return f"{method} {path.removeprefix('/v1')}"


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


@pytest.fixture
async def tenants(build: Builder) -> Tenants:
    a_owner = await build.person("owner@a.example", first_name="Alice")
    b_owner = await build.person("owner@b.example", first_name="Bob")
    a = await build.tenant(a_owner, "Tenant A")
    b = await build.tenant(b_owner, "Tenant B")
    a_admin = await build.user("admin@a.example")
    await build.add(a, a_admin, "admin", by=a_owner.api)
    a_key = await build.key(a, "admin", by=a_owner.api)
    b_key = await build.key(b, "owner", by=b_owner.api)
    plan = expect(await build.admin.post("/v1/plans", {"name": "isolation"}), 201)
    return Tenants(a, a_owner, a_admin["id"], a_key.id, b, b_owner, b_key.api, b_key.id, plan["id"])


def intruders(t: Tenants) -> list[tuple[str, Api]]:
    """B's owner and B's owner-role API key: everything B can hand out."""
    return [("B's owner token", t.b_owner.api), ("B's API key", t.b_key)]


async def snapshot_of_a(t: Tenants, admin: Api) -> dict[str, Any]:
    """Everything about tenant A and its owner, read by A's owner and the platform admin."""
    owner = t.a_owner.api
    return {
        "tenant": expect(await owner.get(f"/v1/tenants/{t.a}"), 200),
        "members": await all_items(owner, f"/v1/tenants/{t.a}/members"),
        "keys": await all_items(owner, f"/v1/tenants/{t.a}/api-keys"),
        "audit": await audit_log(owner, t.a),
        "features": expect(await owner.get(f"/v1/tenants/{t.a}/features"), 200),
        "owner": expect(await admin.get(f"/v1/users/{t.a_owner.id}"), 200),
        "owner_tokens": await all_items(admin, f"/v1/users/{t.a_owner.id}/tokens"),
        "owner_tenants": await all_items(admin, f"/v1/users/{t.a_owner.id}/tenants"),
        "all_tenants": await all_items(admin, "/v1/tenants"),
    }


async def _attempt(who: Api, route: tuple[str, str, Any], **values: str) -> Any:
    method, template, body = route
    return await send(who, method, fill(template, **values), json_body=fill(body, **values))


def _values(t: Tenants, **overrides: str) -> dict[str, str]:
    return {
        "user_id": t.a_admin_id,
        "key_id": t.a_key_id,
        "self_id": t.b_owner.id,
        "token_id": t.a_owner.token_id,
        "key": "members.max",
        "plan_id": t.plan_id,
    } | overrides


@pytest.mark.parametrize("route", TENANT_ROUTES, ids=_route_id)
async def test_another_tenant_is_indistinguishable_from_an_unknown_one(tenants, all_rows, route):
    before = await all_rows()
    for who, intruder in intruders(tenants):
        unknown = random_id()

        foreign = await _attempt(intruder, route, **_values(tenants, tenant_id=tenants.a))
        missing = await _attempt(intruder, route, **_values(tenants, tenant_id=unknown))

        assert foreign.status == 404, (who, foreign.body)
        assert missing.status == 404, (who, missing.body)
        assert foreign.content_type == missing.content_type == PROBLEM_JSON
        assert comparable(foreign.body, tenant=tenants.a) == comparable(
            missing.body, tenant=unknown
        ), who
        assert await all_rows() == before, who


@pytest.mark.parametrize("route", ID_ROUTES, ids=_route_id)
async def test_ids_of_another_tenant_are_unknown_under_ones_own_tenant(tenants, all_rows, route):
    """B's owner names A's member or A's key in B's own tenant: 404, as for a random id."""
    before = await all_rows()
    foreign_ids = {"user_id": tenants.a_owner.id, "key_id": tenants.a_key_id}
    unknown_ids = {"user_id": random_id(), "key_id": random_id()}
    own = {"tenant_id": tenants.b}

    foreign = await _attempt(tenants.b_owner.api, route, **_values(tenants, **foreign_ids, **own))
    missing = await _attempt(tenants.b_owner.api, route, **_values(tenants, **unknown_ids, **own))

    assert foreign.status == 404, foreign.body
    assert missing.status == 404, missing.body
    assert comparable(foreign.body, **foreign_ids) == comparable(missing.body, **unknown_ids)
    assert await all_rows() == before


@pytest.mark.parametrize(
    "route", [r for r in ID_ROUTES if "{user_id}" not in str(r[2])], ids=_route_id
)
async def test_ids_of_another_tenant_are_unknown_to_an_api_key(tenants, all_rows, route):
    before = await all_rows()
    foreign_ids = {"user_id": tenants.a_owner.id, "key_id": tenants.a_key_id}
    unknown_ids = {"user_id": random_id(), "key_id": random_id()}
    own = {"tenant_id": tenants.b}

    foreign = await _attempt(tenants.b_key, route, **_values(tenants, **foreign_ids, **own))
    missing = await _attempt(tenants.b_key, route, **_values(tenants, **unknown_ids, **own))

    assert foreign.status == 404, foreign.body
    assert missing.status == 404, missing.body
    assert comparable(foreign.body, **foreign_ids) == comparable(missing.body, **unknown_ids)
    assert await all_rows() == before


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
    assert [(t["tenant"]["id"], t["role"]) for t in mine] == [(tenants.b, "owner")]
    members = await all_items(tenants.b_key, f"/v1/tenants/{tenants.b}/members")
    assert [m["user_id"] for m in members] == [tenants.b_owner.id]


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
    covered = {(method, path) for method, path, _ in TENANT_ROUTES + USER_ROUTES}
    assert covered == scoped
    assert len(covered) == len(TENANT_ROUTES) + len(USER_ROUTES), "a route is listed twice"
    # No other authenticated route takes an id in its path (it would need a table of its own),
    # except the global catalogue, which every signed-in caller may read.
    assert {
        e.path
        for e in ENDPOINTS
        if "{" in e.path and not e.public and not e.path.startswith(("/v1/plans", "/v1/features"))
    } == {p for _, p in scoped}
