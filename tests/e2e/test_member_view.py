"""What members see of each other, and changes that change nothing."""

from __future__ import annotations

from tests.e2e.helpers import assert_problem, audit_log, expect, send


async def test_members_do_not_see_each_others_platform_flags(build, admin):
    owner = await build.person()
    tenant = await build.tenant(owner)
    await build.add(
        tenant, {"id": expect(await admin.get("/v1/me"), 200)["user"]["id"]}, "viewer", by=owner.api
    )
    page = expect(await owner.api.get(f"/v1/tenants/{tenant}/members"), 200)
    assert len(page["items"]) == 2
    for member in page["items"]:
        assert set(member["user"]) == {"id", "email", "first_name", "last_name", "is_active"}


async def test_transferring_ownership_to_an_owner_who_stays_changes_and_audits_nothing(build):
    owner = await build.person()
    tenant = await build.tenant(owner)
    before = await audit_log(owner.api, tenant)
    member = expect(
        await owner.api.post(f"/v1/tenants/{tenant}/transfer-ownership", {"user_id": owner.id}),
        200,
    )
    assert member["role"] == "owner"
    assert await audit_log(owner.api, tenant) == before


async def test_a_foreign_cursor_is_refused_naming_the_cursor(build):
    owner = await build.person()
    tenant = await build.tenant(owner)
    reply = await send(owner.api, "GET", f"/v1/tenants/{tenant}/members", params={"cursor": "x"})
    assert assert_problem(reply, 422)["field"] == "cursor"
