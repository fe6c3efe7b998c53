"""Credentials follow the standing of the people behind them; identities stay put."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.helpers import (
    Builder,
    Person,
    all_items,
    assert_problem,
    audit_log,
    expect,
    send,
    the_entry,
)
from tests.support import Api


async def keys_by_id(api: Api, tenant: str) -> dict[str, dict[str, Any]]:
    return {k["id"]: k for k in await all_items(api, f"/v1/tenants/{tenant}/api-keys")}


def the_revocation(log: list[dict[str, Any]], key_id: str) -> dict[str, Any]:
    return the_entry(log, "api_key.revoked", entity_id=key_id)


async def test_a_key_stops_working_when_its_creator_leaves_the_tenant(build):
    owner = await build.person()
    tenant = await build.tenant(owner)
    admin = await build.member(tenant, "admin")
    key = await build.key(tenant, "admin", by=admin.api)
    expect(await key.api.get(f"/v1/tenants/{tenant}/members"), 200)

    expect(await owner.api.delete(f"/v1/tenants/{tenant}/members/{admin.id}"), 204)

    assert_problem(await send(key.api, "GET", f"/v1/tenants/{tenant}/members"), 401)
    # Nor can it bring its creator back.
    body = {"user_id": admin.id, "role": "admin"}
    assert_problem(
        await send(key.api, "POST", f"/v1/tenants/{tenant}/members", json_body=body), 401
    )


async def test_a_key_stops_working_when_its_creator_is_deactivated(build, admin):
    owner = await build.person()
    tenant = await build.tenant(owner)
    key = await build.key(tenant, "owner", by=owner.api)
    expect(await admin.patch(f"/v1/users/{owner.id}", {"is_active": False}), 200)

    assert_problem(await send(key.api, "GET", f"/v1/tenants/{tenant}"), 401)

    expect(await admin.patch(f"/v1/users/{owner.id}", {"is_active": True}), 200)
    # Reactivating the creator brings the person back, not the key.
    assert_problem(await send(key.api, "GET", f"/v1/tenants/{tenant}"), 401)
    expect(await owner.api.get(f"/v1/tenants/{tenant}"), 200)


async def test_a_key_acts_with_no_more_than_its_creators_current_role(build):
    owner = await build.person()
    tenant = await build.tenant(owner)
    admin = await build.member(tenant, "admin")
    key = await build.key(tenant, "admin", by=admin.api)
    body = {"email": "new@example.com", "role": "viewer"}

    expect(
        await owner.api.patch(f"/v1/tenants/{tenant}/members/{admin.id}", {"role": "viewer"}), 200
    )

    reply = await send(key.api, "POST", f"/v1/tenants/{tenant}/members", json_body=body)
    assert_problem(reply, 403, code="forbidden")
    expect(await key.api.get(f"/v1/tenants/{tenant}/members"), 200)  # a viewer still reads


@pytest.mark.parametrize("how", ["removed", "left"])
async def test_a_key_is_revoked_with_its_creators_membership_and_stays_so_on_return(
    build: Builder, how: str
):
    owner = await build.person()
    tenant = await build.tenant(owner)
    creator = await build.member(tenant, "admin")
    key = await build.key(tenant, "admin", by=creator.api)
    second = await build.key(tenant, "member", by=creator.api)
    owners_key = await build.key(tenant, "admin", by=owner.api)
    members = f"/v1/tenants/{tenant}/members"
    expect(await key.api.get(members), 200)

    remover = owner if how == "removed" else creator
    expect(await remover.api.delete(f"{members}/{creator.id}"), 204)

    assert_problem(await send(key.api, "GET", members), 401)
    keys = await keys_by_id(owner.api, tenant)
    for revoked in (key, second):
        assert keys[revoked.id]["revoked_at"] is not None
        assert keys[revoked.id]["effective_role"] is None
    assert keys[owners_key.id]["revoked_at"] is None
    assert keys[owners_key.id]["effective_role"] == "admin"
    log = await audit_log(owner.api, tenant)
    for revoked in (key, second):
        entry = the_revocation(log, revoked.id)
        assert entry["changes"] == {"name": f"key-{revoked.role}", "reason": f"creator_{how}"}
        assert (entry["actor_type"], entry["actor_id"]) == ("user", remover.id)
    assert log[0]["action"] == "api_key.revoked"  # written with the removal, after it
    assert [e["action"] for e in log[:3]][-1] == f"member.{how}"

    await build.add(tenant, creator, "admin", by=owner.api)

    assert_problem(await send(key.api, "GET", members), 401)
    assert_problem(await send(second.api, "GET", members), 401)
    assert (await keys_by_id(owner.api, tenant))[key.id]["revoked_at"] == keys[key.id]["revoked_at"]
    fresh = await build.key(tenant, "admin", by=creator.api)
    expect(await fresh.api.get(members), 200)


async def test_deactivating_a_creator_revokes_their_keys_in_every_tenant_for_good(
    build: Builder, admin: Api, admin_id: str
):
    person = await build.person()
    own_tenant = await build.tenant(person)
    other_owner = await build.person()
    other_tenant = await build.tenant(other_owner)
    await build.add(other_tenant, person, "admin", by=other_owner.api)
    own_key = await build.key(own_tenant, "owner", by=person.api)
    other_key = await build.key(other_tenant, "member", by=person.api)
    bystander = await build.key(other_tenant, "member", by=other_owner.api)

    expect(await admin.patch(f"/v1/users/{person.id}", {"is_active": False}), 200)

    for key in (own_key, other_key):
        assert_problem(await send(key.api, "GET", f"/v1/tenants/{key.tenant_id}"), 401)
    listed = await keys_by_id(other_owner.api, other_tenant)
    assert listed[other_key.id]["revoked_at"] is not None
    assert listed[other_key.id]["effective_role"] is None
    assert listed[bystander.id]["revoked_at"] is None
    for tenant, key in ((own_tenant, own_key), (other_tenant, other_key)):
        entry = the_revocation(await audit_log(admin, tenant), key.id)
        assert entry["changes"]["reason"] == "creator_deactivated"
        assert (entry["actor_type"], entry["actor_id"]) == ("user", admin_id)

    expect(await admin.patch(f"/v1/users/{person.id}", {"is_active": True}), 200)

    for key in (own_key, other_key):
        assert_problem(await send(key.api, "GET", f"/v1/tenants/{key.tenant_id}"), 401)
    assert (await keys_by_id(person.api, own_tenant))[own_key.id]["revoked_at"] is not None
    expect(await bystander.api.get(f"/v1/tenants/{other_tenant}"), 200)


async def test_a_platform_admins_key_outside_their_tenants_dies_with_the_admin_role(
    build: Builder, admin: Api
):
    owner = await build.person()
    tenant = await build.tenant(owner)
    operator = await build.person(is_platform_admin=True)
    key = await build.key(tenant, "admin", by=operator.api)
    expect(await key.api.get(f"/v1/tenants/{tenant}/members"), 200)

    expect(await admin.patch(f"/v1/users/{operator.id}", {"is_platform_admin": False}), 200)

    assert_problem(await send(key.api, "GET", f"/v1/tenants/{tenant}/members"), 401)
    listed = (await keys_by_id(owner.api, tenant))[key.id]
    assert listed["revoked_at"] is not None
    entry = the_revocation(await audit_log(owner.api, tenant), key.id)
    assert entry["changes"]["reason"] == "creator_no_longer_platform_admin"

    expect(await admin.patch(f"/v1/users/{operator.id}", {"is_platform_admin": True}), 200)
    assert_problem(await send(key.api, "GET", f"/v1/tenants/{tenant}/members"), 401)


async def test_the_key_list_shows_the_role_a_key_acts_with_after_its_creator_is_demoted(
    build: Builder,
):
    owner = await build.person()
    tenant = await build.tenant(owner)
    creator: Person = await build.member(tenant, "admin")
    key = await build.key(tenant, "admin", by=creator.api)
    member_path = f"/v1/tenants/{tenant}/members/{creator.id}"
    created = (await keys_by_id(owner.api, tenant))[key.id]
    assert (created["role"], created["effective_role"]) == ("admin", "admin")

    expect(await owner.api.patch(member_path, {"role": "viewer"}), 200)

    listed = (await keys_by_id(owner.api, tenant))[key.id]
    assert (listed["role"], listed["effective_role"], listed["revoked_at"]) == (
        "admin",
        "viewer",
        None,
    )
    assert expect(await owner.api.get(f"/v1/tenants/{tenant}/api-keys/{key.id}"), 200) == listed
    me = expect(await key.api.get("/v1/me"), 200)
    assert me["role"] == "viewer"

    expect(await owner.api.patch(member_path, {"role": "member"}), 200)
    assert (await keys_by_id(owner.api, tenant))[key.id]["effective_role"] == "member"
    expect(await owner.api.patch(member_path, {"role": "owner"}), 200)
    assert (await keys_by_id(owner.api, tenant))[key.id]["effective_role"] == "admin"


async def test_users_cannot_change_their_own_email_but_platform_admins_can(build, admin):
    person = await build.person("me@example.com")
    reply = await send(
        person.api, "PATCH", f"/v1/users/{person.id}", json_body={"email": "ceo@example.com"}
    )
    assert_problem(reply, 403)
    assert expect(await person.api.get("/v1/me"), 200)["user"]["email"] == "me@example.com"
    expect(await person.api.patch(f"/v1/users/{person.id}", {"first_name": "Me"}), 200)

    changed = expect(await admin.patch(f"/v1/users/{person.id}", {"email": "new@example.com"}), 200)
    assert changed["email"] == "new@example.com"


async def test_expiry_dates_past_a_century_are_refused_before_they_reach_storage(build, admin):
    owner = await build.person()
    tenant = await build.tenant(owner)
    far = {"expires_at": "9999-12-31T23:59:59-14:00"}
    for path, body in (
        (f"/v1/tenants/{tenant}/api-keys", {"name": "k", **far}),
        (f"/v1/users/{owner.id}/tokens", {"name": "t", **far}),
    ):
        problem = assert_problem(await send(owner.api, "POST", path, json_body=body), 422)
        assert problem["field"] == "expires_at"
    expect(await owner.api.get(f"/v1/tenants/{tenant}/api-keys"), 200)


async def test_odd_bytes_in_a_path_or_body_are_client_errors(build, admin):
    for path in (
        "/v1/features/a%00b",
        "/v1/plans/00000000-0000-0000-0000-000000000000/features/a%00b",
    ):
        reply = await send(admin, "GET", path)
        assert reply.status in (404, 422), (path, reply.body)
    garbled = await send(
        admin,
        "POST",
        "/v1/tenants",
        data=b"not gzip at all",
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert_problem(garbled, 400)


async def test_a_non_ascii_address_is_found_exactly_as_it_was_written(build, admin):
    address = "ΟΔΟΣ@example.com"
    created = await build.user(address)
    found = expect(await admin.get("/v1/users", params={"email": address}), 200)
    assert [u["id"] for u in found["items"]] == [created["id"]]
    assert_problem(await send(admin, "POST", "/v1/users", json_body={"email": address}), 409)
