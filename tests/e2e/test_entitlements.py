"""Plans, features and tenant entitlements end to end: limits, overrides, expiry, errors."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest

from application.catalogue import FEATURES, PLANS, sync_catalogue
from tests.e2e.helpers import (
    Builder,
    OffsetClock,
    all_items,
    assert_problem,
    audit_log,
    expect,
    invitation_token,
    random_id,
    send,
    the_entry,
)
from tests.support import Api, twilio_body

pytestmark = pytest.mark.postgres

CATALOGUE_KEYS = sorted(f.key for f in FEATURES)
# The metered limits, each with the list that shows what it counts (and the query that keeps
# only what counts: released numbers and inactive agents free their place).
METERED = {
    "members.max": ("/members", {}),
    "voice_agents.max": ("/agents", {"active": "true"}),
    "phone_numbers.max": ("/phone-numbers", {"status": "active"}),
}
# Metered, with none made here: calls (on the line, talk minutes this month) and webhook
# endpoints.
UNUSED_METERS = ("calls.concurrent.max", "calls.minutes.monthly", "webhooks.endpoints.max")
UNMETERED = [k for k in CATALOGUE_KEYS if k not in METERED and k not in UNUSED_METERS]


@pytest.fixture
async def catalogue(pg_container) -> None:
    """The default features and the free/pro/enterprise plans, as `serve` installs them."""
    assert await sync_catalogue(pg_container.deps()) > 0


async def put(api: Api, path: str, body: Any) -> tuple[int, Any]:
    reply = await send(api, "PUT", path, json_body=body)
    return reply.status, reply.body


def members_path(tenant_id: str) -> str:
    return f"/v1/tenants/{tenant_id}/members"


def feature_path(tenant_id: str, key: str = "members.max") -> str:
    return f"/v1/tenants/{tenant_id}/features/{key}"


def plan_feature_path(plan_id: str, key: str = "members.max") -> str:
    return f"/v1/plans/{plan_id}/features/{key}"


async def plans_by_name(api: Api) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in expect(await api.get("/v1/plans"), 200)["items"]}


async def new_plan(admin: Api, name: str, **values: Any) -> dict[str, Any]:
    """A plan created by the platform admin, giving `values` (`__` in a key stands for `.`)."""
    plan = expect(await admin.post("/v1/plans", {"name": name}), 201)
    for key, value in values.items():
        key = key.replace("__", ".")
        set_ = expect(await put(admin, plan_feature_path(plan["id"], key), {"value": value}), 200)
        assert (set_["feature_key"], set_["value"]) == (key, value)
    return plan


async def move(admin: Api, tenant_id: str, plan_id: str) -> None:
    moved = expect(await put(admin, f"/v1/tenants/{tenant_id}/plan", {"plan_id": plan_id}), 200)
    assert moved["id"] == plan_id


async def add_by_email(build: Builder, who: Api, tenant_id: str, email: str) -> Any:
    """`who` invites the address (a pending invitation takes a place); when that is admitted,
    the invitee accepts at once, creating their account. The answer to the invitation."""
    path = f"/v1/tenants/{tenant_id}/invitations"
    reply = await send(who, "POST", path, json_body={"email": email, "role": "member"})
    if reply.status == 201:
        assert build.inbox is not None
        accept = {"token": invitation_token(build.inbox(email)), "password": "long enough secret"}
        expect(await build.admin.as_(None).post("/v1/invitations/accept", accept), 200)
    return reply


async def member_count(api: Api, tenant_id: str) -> int:
    return len(await all_items(api, members_path(tenant_id)))


def admitted(reply: Any) -> dict[str, Any]:
    assert reply.status == 201, reply.body
    return reply.body


def assert_exceeded(reply: Any, *, limit: int, used: int) -> None:
    problem = assert_problem(reply, 403, code="entitlement-exceeded")
    assert (problem["feature"], problem["limit"], problem["used"]) == ("members.max", limit, used)
    assert problem["type"].endswith("/entitlement-exceeded")


# --- 1. the scenario -------------------------------------------------------------


async def test_a_plan_limit_an_expiring_override_and_back_to_the_plan(
    build: Builder, admin: Api, all_rows, server_clock: OffsetClock, catalogue
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    team = await new_plan(admin, "team", members__max=2)
    assert (team["is_active"], team["is_default"]) == (True, False)
    await move(admin, tenant_id, team["id"])
    assert expect(await owner.api.get(f"/v1/tenants/{tenant_id}"), 200)["plan_id"] == team["id"]
    on_plan = expect(await owner.api.get(feature_path(tenant_id)), 200)
    assert (on_plan["value"], on_plan["source"], on_plan["used"]) == (2, "plan", 1)
    admitted(await add_by_email(build, owner.api, tenant_id, "second@example.com"))
    before = await all_rows()

    third = await add_by_email(build, owner.api, tenant_id, "third@example.com")

    assert_exceeded(third, limit=2, used=2)
    assert await all_rows() == before  # neither the member nor the new user
    expires_at = server_clock.now() + timedelta(days=7)
    granted = expect(
        await put(
            admin,
            feature_path(tenant_id),
            {"value": 3, "expires_at": expires_at.isoformat(), "reason": "trial"},
        ),
        200,
    )
    assert (granted["value"], granted["source"], granted["used"]) == (3, "override", 2)
    admitted(await add_by_email(build, owner.api, tenant_id, "third@example.com"))
    read = expect(await owner.api.get(feature_path(tenant_id)), 200)
    assert read["feature_key"] == "members.max"
    assert read["feature_type"] == "limit"
    assert (read["value"], read["enabled"], read["source"], read["used"]) == (
        3,
        True,
        "override",
        3,
    )
    assert datetime.fromisoformat(read["expires_at"]) == expires_at
    entry = the_entry(await audit_log(owner.api, tenant_id), "feature.override_set")
    assert entry["changes"]["value"] == 3
    assert entry["changes"]["reason"] == "trial"
    assert datetime.fromisoformat(entry["changes"]["expires_at"]) == expires_at

    server_clock.advance(days=7, seconds=1)

    expired = expect(await owner.api.get(feature_path(tenant_id)), 200)
    assert (expired["value"], expired["source"], expired["expires_at"], expired["used"]) == (
        2,
        "plan",
        None,
        3,
    )
    listed = expect(await owner.api.get(f"/v1/tenants/{tenant_id}/features"), 200)["items"]
    assert [(f["value"], f["source"]) for f in listed if f["feature_key"] == "members.max"] == [
        (2, "plan")
    ]
    before = await all_rows()
    fourth = await add_by_email(build, owner.api, tenant_id, "fourth@example.com")
    assert_exceeded(fourth, limit=2, used=3)
    assert await all_rows() == before
    assert await member_count(owner.api, tenant_id) == 3


async def test_an_unlimited_plan_lets_members_in_past_every_count(
    build: Builder, admin: Api, catalogue
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    await move(admin, tenant_id, (await plans_by_name(admin))["enterprise"]["id"])

    for n in range(4):  # past free's 3
        admitted(await add_by_email(build, owner.api, tenant_id, f"e{n}@example.com"))

    read = expect(await owner.api.get(feature_path(tenant_id)), 200)
    assert (read["value"], read["enabled"], read["source"], read["used"]) == (
        None,
        True,
        "plan",
        5,
    )


async def test_the_free_plan_limit_holds_for_a_new_tenant(build: Builder, all_rows, catalogue):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    for n in range(2):
        admitted(await add_by_email(build, owner.api, tenant_id, f"f{n}@example.com"))
    before = await all_rows()

    assert_exceeded(
        await add_by_email(build, owner.api, tenant_id, "f9@example.com"), limit=3, used=3
    )

    assert await all_rows() == before


# --- 2. the catalogue through the API ------------------------------------------------------


async def test_the_catalogue_lists_free_pro_and_enterprise_with_free_the_default(
    build: Builder, admin: Api, catalogue
):
    someone = await build.person()

    for who in (admin, someone.api):
        plans = await plans_by_name(who)
        assert list(plans) == ["free", "pro", "enterprise"]
        assert [p["is_default"] for p in plans.values()] == [True, False, False]
        assert all(p["is_active"] for p in plans.values())
        assert [p["price"] for p in plans.values()] == ["0.00", "99.00", "999.00"]
        assert {p["currency"] for p in plans.values()} == {"USD"}
        for plan in plans.values():
            assert expect(await who.get(f"/v1/plans/{plan['id']}"), 200) == plan


async def test_a_tenant_created_after_the_catalogue_is_on_free_with_every_feature(
    build: Builder, admin: Api, catalogue
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    viewer = await build.member(tenant_id, "viewer", by=owner.api)
    free = (await plans_by_name(owner.api))["free"]
    free_values = next(p.values for p in PLANS if p.name == "free")

    assert expect(await owner.api.get(f"/v1/tenants/{tenant_id}"), 200)["plan_id"] == free["id"]
    # Something in every metered limit: a number, and an agent answering it.
    number = await owner.api.post(
        f"/v1/tenants/{tenant_id}/phone-numbers", twilio_body("+14155550123")
    )
    agent = await owner.api.post(
        f"/v1/tenants/{tenant_id}/agents",
        {"name": "Ava", "default_number_id": expect(number, 201)["id"]},
    )
    expect(agent, 201)
    used = {}
    for key, (path, query) in METERED.items():
        used[key] = len(await all_items(owner.api, f"/v1/tenants/{tenant_id}{path}", params=query))
    assert used == {"members.max": 2, "voice_agents.max": 1, "phone_numbers.max": 1}
    for who in (owner.api, viewer.api, admin):  # every member may read them
        items = expect(await who.get(f"/v1/tenants/{tenant_id}/features"), 200)["items"]
        assert sorted(f["feature_key"] for f in items) == CATALOGUE_KEYS
        assert {(f["object"], f["tenant_id"]) for f in items} == {("tenant_feature", tenant_id)}
        by_key = {f["feature_key"]: f for f in items}
        for key, value in free_values.items():
            f = by_key[key]
            assert (f["value"], f["source"], f["expires_at"]) == (value, "plan", None), key
            kind = f["feature_type"]
            assert f["enabled"] is (bool(value) if kind == "boolean" else value != 0), key
        assert {k: by_key[k]["used"] for k in METERED} == used
        assert all(by_key[k]["used"] is None for k in UNMETERED)
        assert all(by_key[k]["used"] == 0 for k in UNUSED_METERS)
        assert by_key["calls.inbound"]["enabled"] is False
        assert by_key["batch.size.max"]["enabled"] is False  # a limit of 0 is off
        one = expect(await who.get(feature_path(tenant_id, "recordings")), 200)
        assert one == by_key["recordings"]
        assert expect(await who.get(feature_path(tenant_id)), 200) == by_key["members.max"]


async def test_features_are_listed_and_found_by_key_and_by_id(build: Builder, catalogue):
    someone = await build.person()

    items = expect(await someone.api.get("/v1/features"), 200)["items"]

    assert sorted(f["feature_key"] for f in items) == CATALOGUE_KEYS
    assert {f["object"] for f in items} == {"feature"}
    specs = {f.key: f for f in FEATURES}
    for f in items:
        spec = specs[f["feature_key"]]
        assert (f["name"], f["feature_type"], f["default_value"], f["description"]) == (
            spec.name,
            spec.type.value,
            spec.default,
            spec.description,
        )
        assert expect(await someone.api.get(f"/v1/features/{f['feature_key']}"), 200) == f
        assert expect(await someone.api.get(f"/v1/features/{f['id']}"), 200) == f
    for missing in ("nope.max", random_id()):
        assert_problem(await send(someone.api, "GET", f"/v1/features/{missing}"), 404)


async def test_a_plans_features_are_listed_and_read_one_by_one(build: Builder, catalogue):
    someone = await build.person()
    plans = await plans_by_name(someone.api)

    for spec in PLANS:
        plan_id = plans[spec.name]["id"]
        items = expect(await someone.api.get(f"/v1/plans/{plan_id}/features"), 200)["items"]
        assert {f["feature_key"]: f["value"] for f in items} == spec.values
        for f in items:
            read = expect(await someone.api.get(plan_feature_path(plan_id, f["feature_key"])), 200)
            assert read == f
    enterprise = plans["enterprise"]["id"]
    one = expect(await someone.api.get(plan_feature_path(enterprise)), 200)
    assert one == {
        "object": "plan_feature",
        "plan_id": enterprise,
        "feature_key": "members.max",
        "name": "Members",
        "feature_type": "limit",
        "value": None,
    }
    missing = await send(someone.api, "GET", plan_feature_path(enterprise, "nope.max"))
    assert_problem(missing, 404, code="not-found")
    assert_problem(await send(someone.api, "GET", f"/v1/plans/{random_id()}/features"), 404)
    assert_problem(await send(someone.api, "GET", f"/v1/plans/{random_id()}"), 404)


async def test_a_plan_without_a_value_leaves_the_feature_default(
    build: Builder, admin: Api, catalogue
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    bare = await new_plan(admin, "bare", members__max=5)
    assert expect(await admin.get(f"/v1/plans/{bare['id']}/features"), 200)["items"] == [
        {
            "object": "plan_feature",
            "plan_id": bare["id"],
            "feature_key": "members.max",
            "name": "Members",
            "feature_type": "limit",
            "value": 5,
        }
    ]
    await move(admin, tenant_id, bare["id"])

    items = expect(await owner.api.get(f"/v1/tenants/{tenant_id}/features"), 200)["items"]

    expected = {f.key: (f.default, "default") for f in FEATURES} | {"members.max": (5, "plan")}
    assert {f["feature_key"]: (f["value"], f["source"]) for f in items} == expected


# --- 3. errors -------------------------------------------------------------------------------


async def test_an_unknown_feature_key_is_404_everywhere(
    build: Builder, admin: Api, all_rows, catalogue
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    free_id = (await plans_by_name(admin))["free"]["id"]
    before = await all_rows()

    for who, method, path, body in (
        (owner.api, "GET", feature_path(tenant_id, "nope.max"), None),
        (admin, "GET", feature_path(tenant_id, "nope.max"), None),
        (admin, "PUT", feature_path(tenant_id, "nope.max"), {"value": 1}),
        (admin, "DELETE", feature_path(tenant_id, "nope.max"), None),
        (admin, "PUT", plan_feature_path(free_id, "nope.max"), {"value": 1}),
        (admin, "DELETE", plan_feature_path(free_id, "nope.max"), None),
        (admin, "PUT", plan_feature_path(random_id()), {"value": 1}),
        (admin, "PUT", feature_path(random_id()), {"value": 1}),
        (admin, "PUT", f"/v1/tenants/{tenant_id}/plan", {"plan_id": random_id()}),
    ):
        reply = await send(who, method, path, json_body=body)
        assert_problem(reply, 404, code="not-found")

    assert await all_rows() == before


BAD_VALUES = [
    ("members.max", True, "invalid-value"),
    ("members.max", False, "invalid-value"),
    ("members.max", -1, "invalid-value"),
    ("members.max", 1.5, "validation-failed"),
    ("members.max", "x", "validation-failed"),
    ("members.max", "3", "validation-failed"),
    ("recordings", 3, "invalid-value"),
    ("recordings", None, "invalid-value"),
    ("recordings", "true", "validation-failed"),
]


async def test_a_value_the_feature_type_does_not_take_is_422(
    build: Builder, admin: Api, all_rows, catalogue
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    free_id = (await plans_by_name(admin))["free"]["id"]
    before = await all_rows()

    for key, value, code in BAD_VALUES:
        for path in (plan_feature_path(free_id, key), feature_path(tenant_id, key)):
            reply = await send(admin, "PUT", path, json_body={"value": value})
            problem = assert_problem(reply, 422, code=code)
            assert problem["field"] == "value", (key, value, problem)

    assert await all_rows() == before


async def test_an_override_that_expires_before_it_starts_is_422(
    build: Builder, admin: Api, all_rows, server_clock: OffsetClock, catalogue
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    before = await all_rows()

    for expires_at in (
        (server_clock.now() - timedelta(minutes=1)).isoformat(),
        "2030-01-01T00:00:00",  # no time zone
    ):
        reply = await send(
            admin, "PUT", feature_path(tenant_id), json_body={"value": 9, "expires_at": expires_at}
        )
        assert assert_problem(reply, 422)["field"] == "expires_at"

    assert await all_rows() == before


async def test_only_platform_admins_override_and_other_tenants_see_404(
    build: Builder, admin: Api, all_rows, catalogue
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    stranger = await build.person()
    await build.tenant(stranger, "Other")
    expect(await put(admin, feature_path(tenant_id, "recordings"), {"value": True}), 200)
    before = await all_rows()

    for method, body in (("PUT", {"value": 50}), ("DELETE", None)):
        path = feature_path(tenant_id, "recordings" if method == "DELETE" else "members.max")
        mine = await send(owner.api, method, path, json_body=body)
        assert_problem(mine, 403, code="forbidden")
        theirs = await send(stranger.api, method, path, json_body=body)
        assert_problem(theirs, 404, code="not-found")
    assert_problem(await send(stranger.api, "GET", feature_path(tenant_id)), 404)
    assert_problem(await send(stranger.api, "GET", f"/v1/tenants/{tenant_id}/features"), 404)

    assert await all_rows() == before
    assert expect(await owner.api.get(feature_path(tenant_id)), 200)["source"] == "plan"


async def test_the_owner_changes_the_plan_an_admin_member_may_not(
    build: Builder, admin: Api, all_rows, catalogue
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    manager = await build.member(tenant_id, "admin", by=owner.api)
    stranger = await build.person()
    plans = await plans_by_name(owner.api)
    path = f"/v1/tenants/{tenant_id}/plan"
    before = await all_rows()

    for who, status in ((manager, 403), (stranger, 404)):
        reply = await send(who.api, "PUT", path, json_body={"plan_id": plans["pro"]["id"]})
        assert_problem(reply, status)
    assert await all_rows() == before

    moved = expect(await put(owner.api, path, {"plan_id": plans["pro"]["id"]}), 200)

    assert moved == plans["pro"]
    assert expect(await owner.api.get(f"/v1/tenants/{tenant_id}"), 200)["plan_id"] == moved["id"]
    members = expect(await manager.api.get(feature_path(tenant_id)), 200)
    assert (members["value"], members["source"]) == (25, "plan")
    entry = the_entry(await audit_log(owner.api, tenant_id), "tenant.plan_changed")
    assert (entry["actor_type"], entry["actor_id"]) == ("user", owner.id)
    assert (entry["entity"], entry["entity_id"]) == ("tenant", tenant_id)
    assert entry["changes"] == {"plan_id": {"from": plans["free"]["id"], "to": moved["id"]}}
    # Choosing the plan it is on changes nothing and logs nothing more.
    before = await all_rows()
    expect(await put(owner.api, path, {"plan_id": plans["pro"]["id"]}), 200)
    assert await all_rows() == before


async def test_a_deactivated_plan_is_hidden_and_cannot_be_chosen(
    build: Builder, admin: Api, all_rows, catalogue
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    kept = await build.tenant(owner, "Kept")
    retired = await new_plan(admin, "retired", members__max=7)
    await move(admin, kept, retired["id"])

    off = expect(await admin.patch(f"/v1/plans/{retired['id']}", {"is_active": False}), 200)

    assert (off["is_active"], off["version"]) == (False, retired["version"] + 1)
    assert "retired" in await plans_by_name(admin)
    assert "retired" not in await plans_by_name(owner.api)
    for path in (f"/v1/plans/{retired['id']}", f"/v1/plans/{retired['id']}/features"):
        assert_problem(await send(owner.api, "GET", path), 404, code="not-found")
        expect(await admin.get(path), 200)
    before = await all_rows()
    path = f"/v1/tenants/{tenant_id}/plan"
    body = {"plan_id": retired["id"]}
    assert_problem(await send(owner.api, "PUT", path, json_body=body), 404, code="not-found")
    problem = assert_problem(await send(admin, "PUT", path, json_body=body), 409)
    assert problem["field"] == "plan_id"
    assert await all_rows() == before
    # A tenant already on it keeps it, and its values.
    assert expect(await owner.api.get(f"/v1/tenants/{kept}"), 200)["plan_id"] == retired["id"]
    members = expect(await owner.api.get(feature_path(kept)), 200)
    assert (members["value"], members["source"]) == (7, "plan")


async def test_creating_plans_is_for_platform_admins_and_names_are_unique(
    build: Builder, admin: Api, all_rows
):
    owner = await build.person()
    await build.tenant(owner)
    created = expect(
        await admin.post(
            "/v1/plans",
            {"name": "team", "price": "19.50", "currency": "EUR", "billing_cycle": "yearly"},
        ),
        201,
    )
    assert (created["name"], created["currency"], created["billing_cycle"]) == (
        "team",
        "EUR",
        "yearly",
    )
    assert created["version"] == 0
    assert expect(await admin.get(f"/v1/plans/{created['id']}"), 200) == created
    other = expect(await admin.post("/v1/plans", {"name": "other"}), 201)
    before = await all_rows()

    refused = await send(owner.api, "POST", "/v1/plans", json_body={"name": "mine"})
    assert_problem(refused, 403, code="forbidden")
    duplicate = await send(admin, "POST", "/v1/plans", json_body={"name": "team"})
    assert_problem(duplicate, 409, code="already-exists")
    renamed = await send(admin, "PATCH", f"/v1/plans/{other['id']}", json_body={"name": "team"})
    assert_problem(renamed, 409, code="already-exists")
    mine = await send(owner.api, "PATCH", f"/v1/plans/{created['id']}", json_body={"name": "x"})
    assert_problem(mine, 403, code="forbidden")

    assert await all_rows() == before
    assert sorted(await plans_by_name(admin)) == ["other", "team"]


async def test_a_plan_reads_back_as_the_write_answered_it(admin: Api):
    """The answer to a write is the plan every later read returns, price included: a
    client that keeps it (or compares prices as strings) must not see it change."""
    for body in ({"name": "no-price"}, {"name": "whole", "price": "10"}):
        created = expect(await admin.post("/v1/plans", body), 201)
        assert expect(await admin.get(f"/v1/plans/{created['id']}"), 200) == created, body
        assert created["price"] == ("0.00" if "price" not in body else "10.00")
    updated = expect(await admin.patch(f"/v1/plans/{created['id']}", {"price": "12"}), 200)
    assert updated["price"] == "12.00"
    assert expect(await admin.get(f"/v1/plans/{created['id']}"), 200) == updated


async def test_a_stale_plan_version_is_409_and_the_plan_is_unchanged(admin: Api, all_rows):
    plan = expect(await admin.post("/v1/plans", {"name": "team", "price": "10.00"}), 201)
    path = f"/v1/plans/{plan['id']}"
    updated = expect(await admin.patch(path, {"price": "12.00", "version": 0}), 200)
    assert (updated["price"], updated["version"]) == ("12.00", 1)
    before = await all_rows()

    stale = await send(admin, "PATCH", path, json_body={"price": "8.00", "version": 0})

    assert_problem(stale, 409, code="conflict")
    assert await all_rows() == before
    assert expect(await admin.get(path), 200)["price"] == "12.00"
    later = expect(await admin.patch(path, {"price": "8.00", "version": 1}), 200)
    assert (later["price"], later["version"]) == ("8.00", 2)


async def test_removing_a_plan_value_falls_back_to_the_feature_default(
    build: Builder, admin: Api, catalogue
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    plan = await new_plan(admin, "team", members__max=10, recordings=True)
    await move(admin, tenant_id, plan["id"])
    read = expect(await owner.api.get(feature_path(tenant_id, "recordings")), 200)
    assert (read["value"], read["source"]) == (True, "plan")

    reply = await send(admin, "DELETE", plan_feature_path(plan["id"], "recordings"))

    assert (reply.status, reply.body) == (204, None)
    read = expect(await owner.api.get(feature_path(tenant_id, "recordings")), 200)
    assert (read["value"], read["enabled"], read["source"]) == (False, False, "default")
    keys = [
        f["feature_key"]
        for f in expect(await owner.api.get(f"/v1/plans/{plan['id']}/features"), 200)["items"]
    ]
    assert keys == ["members.max"]
    again = await send(admin, "DELETE", plan_feature_path(plan["id"], "recordings"))
    assert_problem(again, 404, code="not-found")
    mine = await send(owner.api, "DELETE", plan_feature_path(plan["id"]))
    assert_problem(mine, 403, code="forbidden")
    assert expect(await owner.api.get(feature_path(tenant_id)), 200)["value"] == 10


async def test_removing_an_override_goes_back_to_the_plan(
    build: Builder, admin: Api, all_rows, catalogue
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    set_ = expect(await put(admin, feature_path(tenant_id, "recordings"), {"value": True}), 200)
    assert (set_["value"], set_["source"], set_["expires_at"]) == (True, "override", None)

    removed = expect(await admin.delete(feature_path(tenant_id, "recordings")), 200)

    assert (removed["value"], removed["enabled"], removed["source"]) == (False, False, "plan")
    assert expect(await owner.api.get(feature_path(tenant_id, "recordings")), 200) == removed
    log = await audit_log(owner.api, tenant_id)
    assert the_entry(log, "feature.override_removed")["changes"] == {"feature": "recordings"}
    before = await all_rows()
    missing = await send(admin, "DELETE", feature_path(tenant_id, "recordings"))
    assert_problem(missing, 404, code="not-found")
    assert await all_rows() == before


# --- 4. api_keys -----------------------------------------------------------------------------


async def test_api_keys_turned_off_by_an_override_refuses_new_keys(
    build: Builder, admin: Api, all_rows, catalogue
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    path = f"/v1/tenants/{tenant_id}/api-keys"
    off = expect(await put(admin, feature_path(tenant_id, "api_keys"), {"value": False}), 200)
    assert (off["value"], off["enabled"], off["source"]) == (False, False, "override")
    before = await all_rows()

    for who in (owner.api, admin):
        reply = await send(who, "POST", path, json_body={"name": "ci", "role": "member"})
        problem = assert_problem(reply, 403, code="feature-disabled")
        assert problem["feature"] == "api_keys"
        assert problem.keys().isdisjoint({"limit", "used"}), problem

    assert await all_rows() == before
    expect(await admin.delete(feature_path(tenant_id, "api_keys")), 200)
    created = expect(await owner.api.post(path, {"name": "ci", "role": "member"}), 201)
    assert created["tenant_id"] == tenant_id
    listed = await all_items(owner.api, path)
    assert [k["id"] for k in listed] == [created["id"]]


# --- 5. concurrency ----------------------------------------------------------------------------


async def test_racing_adds_at_the_limit_let_exactly_one_in(build: Builder, admin: Api, catalogue):
    plan = await new_plan(admin, "four", members__max=4)
    for round_ in range(3):  # each from a fresh tenant one below the limit
        owner = await build.person()
        tenant_id = await build.tenant(owner)
        await move(admin, tenant_id, plan["id"])
        for n in range(2):
            admitted(
                await add_by_email(build, owner.api, tenant_id, f"pre{round_}.{n}@example.com")
            )
        assert await member_count(owner.api, tenant_id) == 3

        replies = await asyncio.gather(
            *(
                add_by_email(build, owner.api, tenant_id, f"race{round_}.{n}@example.com")
                for n in range(6)
            )
        )

        statuses = sorted(r.status for r in replies)
        assert statuses == [201] + [403] * 5, [r.body for r in replies]
        for reply in replies:
            if reply.status == 403:
                assert_exceeded(reply, limit=4, used=4)
        assert await member_count(owner.api, tenant_id) == 4
        read = expect(await owner.api.get(feature_path(tenant_id)), 200)
        assert (read["value"], read["used"]) == (4, 4)


# --- 6. OpenAPI ---------------------------------------------------------------------------------


async def test_the_openapi_document_lists_the_new_paths(api: Api):
    reply = await send(api, "GET", "/openapi.json")

    assert reply.status == 200
    # Valid OpenAPI: tests/unit/test_openapi_document.py validates the very document served.
    paths = reply.body["paths"]
    expected = {
        "/v1/plans": {"get", "post"},
        "/v1/plans/{plan_id}": {"get", "patch"},
        "/v1/plans/{plan_id}/features": {"get"},
        "/v1/plans/{plan_id}/features/{key}": {"get", "put", "delete"},
        "/v1/features": {"get", "post"},
        "/v1/features/{key}": {"get"},
        "/v1/tenants/{tenant_id}/features": {"get"},
        "/v1/tenants/{tenant_id}/features/{key}": {"get", "put", "delete"},
        "/v1/tenants/{tenant_id}/plan": {"put"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
    override = paths["/v1/tenants/{tenant_id}/features/{key}"]["put"]
    assert {"200", "403", "404", "422"} <= set(override["responses"])
    assert "201" in paths["/v1/plans"]["post"]["responses"]
    assert "204" in paths["/v1/plans/{plan_id}/features/{key}"]["delete"]["responses"]
