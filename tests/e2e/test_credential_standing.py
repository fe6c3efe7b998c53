"""Credentials follow the standing of the people behind them; identities stay put."""

from __future__ import annotations

from tests.e2e.helpers import assert_problem, expect, send


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
    expect(await key.api.get(f"/v1/tenants/{tenant}"), 200)


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
