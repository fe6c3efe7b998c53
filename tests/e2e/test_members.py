"""Membership rules end to end: owners, who may add members, leaving, transfers, versions,
pages."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import pytest

from tests.e2e.helpers import (
    Builder,
    all_items,
    assert_problem,
    audit_log,
    expect,
    send,
    the_entry,
)

pytestmark = pytest.mark.postgres


def members_path(tenant_id: str) -> str:
    return f"/v1/tenants/{tenant_id}/members"


async def roles_of(api, tenant_id: str) -> dict[str, str]:
    return {m["user_id"]: m["role"] for m in await all_items(api, members_path(tenant_id))}


async def test_creating_a_tenant_makes_the_creator_its_only_owner(build: Builder):
    ann = await build.person("ann@example.com")

    reply = await send(ann.api, "POST", "/v1/tenants", json_body={"name": "  Acme  "})

    assert reply.status == 201, reply.body
    created = reply.body
    tenant_id = created["id"]
    assert (created["object"], created["status"]) == ("tenant", "active")
    assert reply.headers["Location"] == f"/v1/tenants/{tenant_id}"
    assert expect(await ann.api.get(reply.headers["Location"]), 200) == created
    mine = await all_items(ann.api, "/v1/me/tenants")
    assert [(t["object"], t["id"], t["role"]) for t in mine] == [
        ("user_tenant", tenant_id, "owner")
    ]
    assert {k: mine[0][k] for k in created if k != "object"} == {
        k: v for k, v in created.items() if k != "object"
    }
    assert await roles_of(ann.api, tenant_id) == {ann.id: "owner"}
    member = expect(await ann.api.get(f"{members_path(tenant_id)}/{ann.id}"), 200)
    assert mine[0]["membership_id"] == member["membership_id"]
    log = await audit_log(ann.api, tenant_id)
    assert [e["action"] for e in log] == ["member.added", "tenant.created"]  # newest first
    assert log[0]["changes"] == {"user_id": ann.id, "role": "owner"}
    assert all((e["actor_type"], e["actor_id"]) == ("user", ann.id) for e in log)
    assert log[1]["changes"] == {"name": created["name"]}


async def test_owners_and_admins_are_sent_to_invitations_and_nothing_is_made(
    build: Builder, admin, all_rows
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    manager = await build.member(tenant_id, "admin", by=owner.api)
    cy = await build.user("cy@example.com", first_name="Cy")
    before = await all_rows()

    for who in (owner.api, manager.api):
        for body in ({"email": "bo@example.com", "role": "viewer"}, {"user_id": cy["id"]}):
            reply = await send(who, "POST", members_path(tenant_id), json_body=body)
            problem = assert_problem(reply, 403, code="forbidden")
            assert f"/v1/tenants/{tenant_id}/invitations" in problem["detail"]
    by_email = await send(admin, "POST", members_path(tenant_id), json_body={"email": "c@x.io"})
    assert "invite" in assert_problem(by_email, 422)["detail"]

    assert await all_rows() == before


async def test_a_platform_admin_adds_an_existing_user_by_id(build: Builder, admin):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    cy = await build.user("cy@example.com", first_name="Cy")

    reply = await send(
        admin, "POST", members_path(tenant_id), json_body={"user_id": cy["id"], "role": "viewer"}
    )

    assert reply.status == 201, reply.body
    added = reply.body
    assert reply.headers["Location"] == f"{members_path(tenant_id)}/{cy['id']}"
    assert expect(await owner.api.get(reply.headers["Location"]), 200) == added
    assert (added["object"], added["role"], added["user"]["first_name"]) == (
        "member",
        "viewer",
        "Cy",
    )
    entry = the_entry(await audit_log(owner.api, tenant_id), "member.added", role="viewer")
    assert entry["changes"] == {"user_id": cy["id"], "role": "viewer"}


async def test_adding_the_same_user_twice_is_409_and_changes_nothing(
    build: Builder, admin, all_rows
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    dee = await build.user("dee@example.com")
    await build.add(tenant_id, dee, "member", by=owner.api)
    before = await all_rows()

    for body in ({"user_id": dee["id"], "role": "admin"}, {"user_id": owner.id}):
        reply = await send(admin, "POST", members_path(tenant_id), json_body=body)
        assert_problem(reply, 409, code="already-exists")

    assert await all_rows() == before
    assert await roles_of(owner.api, tenant_id) == {owner.id: "owner", dee["id"]: "member"}


async def test_adding_an_unknown_user_id_is_404(build: Builder, admin, all_rows):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    before = await all_rows()
    reply = await send(
        admin, "POST", members_path(tenant_id), json_body={"user_id": owner.token_id}
    )
    assert_problem(reply, 404, code="not-found")
    assert await all_rows() == before


async def test_the_last_owner_can_neither_leave_nor_be_demoted_nor_removed(
    build: Builder, admin, all_rows
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    await build.member(tenant_id, "admin", by=owner.api)
    mine = f"{members_path(tenant_id)}/{owner.id}"
    before = await all_rows()

    for who, method, body in (
        (owner.api, "DELETE", None),
        (owner.api, "PATCH", {"role": "admin"}),
        (owner.api, "PATCH", {"role": "viewer", "version": 0}),
        (admin, "DELETE", None),  # not even a platform admin
        (admin, "PATCH", {"role": "member"}),
    ):
        reply = await send(who, method, mine, json_body=body)
        assert_problem(reply, 409, code="last-owner")

    assert await all_rows() == before
    # Setting the role it already has is no change, and allowed.
    same = expect(await owner.api.patch(mine, {"role": "owner"}), 200)
    assert (same["role"], same["version"]) == ("owner", 0)


async def test_with_two_owners_one_may_leave(build: Builder):
    first = await build.person()
    tenant_id = await build.tenant(first)
    second = await build.member(tenant_id, "owner", by=first.api)

    expect(await second.api.delete(f"{members_path(tenant_id)}/{second.id}"), 204)

    assert await roles_of(first.api, tenant_id) == {first.id: "owner"}
    assert await all_items(second.api, "/v1/me/tenants") == []
    assert_problem(await send(second.api, "GET", f"/v1/tenants/{tenant_id}"), 404)
    entry = the_entry(await audit_log(first.api, tenant_id), "member.left")
    assert (entry["actor_type"], entry["actor_id"]) == ("user", second.id)
    assert entry["changes"] == {"user_id": second.id, "role": "owner"}
    # Now the other one is the last owner.
    reply = await send(first.api, "DELETE", f"{members_path(tenant_id)}/{first.id}")
    assert_problem(reply, 409, code="last-owner")


async def test_an_owner_may_demote_another_owner_then_the_rule_holds(build: Builder):
    first = await build.person()
    tenant_id = await build.tenant(first)
    second = await build.member(tenant_id, "owner", by=first.api)

    demoted = expect(
        await first.api.patch(f"{members_path(tenant_id)}/{second.id}", {"role": "viewer"}), 200
    )

    assert demoted["role"] == "viewer"
    reply = await send(
        first.api, "PATCH", f"{members_path(tenant_id)}/{first.id}", json_body={"role": "admin"}
    )
    assert_problem(reply, 409, code="last-owner")
    assert await roles_of(first.api, tenant_id) == {first.id: "owner", second.id: "viewer"}


async def test_transferring_ownership_makes_the_target_owner_and_the_caller_admin(
    build: Builder,
):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    heir = await build.member(tenant_id, "viewer", by=owner.api)

    result = expect(
        await owner.api.post(f"/v1/tenants/{tenant_id}/transfer-ownership", {"user_id": heir.id}),
        200,
    )

    assert (result["user_id"], result["role"]) == (heir.id, "owner")
    assert await roles_of(heir.api, tenant_id) == {owner.id: "admin", heir.id: "owner"}
    mine = await all_items(owner.api, "/v1/me/tenants")
    assert [t["role"] for t in mine] == ["admin"]
    # The former owner is an admin now: renaming is refused, transferring back too.
    reply = await send(owner.api, "PATCH", f"/v1/tenants/{tenant_id}", json_body={"name": "X"})
    assert_problem(reply, 403)
    reply = await send(
        owner.api,
        "POST",
        f"/v1/tenants/{tenant_id}/transfer-ownership",
        json_body={"user_id": owner.id},
    )
    assert_problem(reply, 403)
    log = await audit_log(heir.api, tenant_id)
    transferred = the_entry(log, "tenant.ownership_transferred")
    assert transferred["changes"] == {"to_user_id": heir.id}
    assert transferred["actor_id"] == owner.id
    the_entry(log, "member.role_changed", user_id=heir.id)
    assert the_entry(log, "member.role_changed", user_id=owner.id)["changes"]["role"] == {
        "from": "owner",
        "to": "admin",
    }


async def test_transferring_to_a_non_member_is_404_and_changes_nothing(build: Builder, all_rows):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    stranger = await build.user()
    before = await all_rows()

    reply = await send(
        owner.api,
        "POST",
        f"/v1/tenants/{tenant_id}/transfer-ownership",
        json_body={"user_id": stranger["id"]},
    )

    assert_problem(reply, 404, code="not-found")
    assert await all_rows() == before


async def test_a_stale_version_is_409_and_the_role_is_unchanged(build: Builder, all_rows):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    eve = await build.member(tenant_id, "member", by=owner.api)
    path = f"{members_path(tenant_id)}/{eve.id}"
    read = expect(await owner.api.get(path), 200)
    assert read["version"] == 0
    updated = expect(await owner.api.patch(path, {"role": "admin", "version": 0}), 200)
    assert (updated["role"], updated["version"]) == ("admin", 1)
    before = await all_rows()

    # A second writer still holding version 0 would undo the first change: refused.
    reply = await send(owner.api, "PATCH", path, json_body={"role": "viewer", "version": 0})

    assert_problem(reply, 409, code="conflict")
    assert await all_rows() == before
    assert expect(await owner.api.get(path), 200)["role"] == "admin"
    later = expect(await owner.api.patch(path, {"role": "viewer", "version": 1}), 200)
    assert (later["role"], later["version"]) == ("viewer", 2)


async def test_a_stale_tenant_version_is_409(build: Builder):
    owner = await build.person()
    tenant_id = await build.tenant(owner, "Old")
    path = f"/v1/tenants/{tenant_id}"
    renamed = expect(await owner.api.patch(path, {"name": "New", "version": 0}), 200)
    assert (renamed["name"], renamed["version"]) == ("New", 1)

    assert_problem(
        await send(owner.api, "PATCH", path, json_body={"name": "Lost", "version": 0}), 409
    )

    assert expect(await owner.api.get(path), 200)["name"] == "New"
    entry = the_entry(await audit_log(owner.api, tenant_id), "tenant.updated")
    assert entry["changes"] == {"name": {"from": "Old", "to": "New"}}


async def test_pages_of_two_walk_every_member_once_in_order(build: Builder):
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    for role in ("admin", "member", "viewer", "member", "viewer", "member"):
        await build.member(tenant_id, role, by=owner.api)
    everyone = expect(await owner.api.get(members_path(tenant_id), params={"limit": "200"}), 200)
    assert everyone["next_cursor"] is None
    assert len(everyone["items"]) == 7

    walked, cursor, pages = [], None, 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = expect(await owner.api.get(members_path(tenant_id), params=params), 200)
        assert 1 <= len(page["items"]) <= 2
        walked += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 4
    assert walked == everyone["items"]
    assert len({m["membership_id"] for m in walked}) == 7
    assert walked[0]["user_id"] == owner.id
    keys = [(datetime.fromisoformat(m["created_at"]), UUID(m["membership_id"])) for m in walked]
    assert keys == sorted(keys)


async def test_a_user_is_found_by_email_in_any_letter_case(build: Builder, admin):
    fay = await build.user("Fay.Smith@Example.com")
    assert fay["email"] == "Fay.Smith@example.com"  # the domain is normalised

    for query in ("fay.smith@example.com", "FAY.SMITH@EXAMPLE.COM", "Fay.Smith@example.com"):
        found = expect(await admin.get("/v1/users", params={"email": query}), 200)
        assert [u["id"] for u in found["items"]] == [fay["id"]], query
        assert found["next_cursor"] is None
    assert_problem(await send(admin, "GET", "/v1/users", params={"email": "fay@example.com"}), 404)


async def test_emails_are_unique_whatever_their_letter_case(build: Builder, admin, all_rows):
    gus = await build.user("gus@example.com")
    other = await build.user("other@example.com")
    before = await all_rows()

    for email in ("GUS@example.com", "Gus@EXAMPLE.COM"):
        reply = await send(admin, "POST", "/v1/users", json_body={"email": email})
        assert_problem(reply, 409, code="already-exists")
    # Taking someone's address by renaming one's own is refused the same way.
    reply = await send(
        admin, "PATCH", f"/v1/users/{other['id']}", json_body={"email": "GUS@example.com"}
    )
    assert_problem(reply, 409, code="already-exists")

    assert await all_rows() == before
    users = await all_items(admin, "/v1/users")
    assert [u["email"] for u in users if u["id"] in (gus["id"], other["id"])] == [
        "gus@example.com",
        "other@example.com",
    ]
