"""A user deletes their own account; a platform admin deletes someone's."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Rows
from tests.e2e.helpers import Builder, assert_problem, audit_log, expect, send, the_entry
from tests.support import Api

pytestmark = pytest.mark.postgres


async def test_the_last_owner_is_refused_until_ownership_moves_then_the_account_is_gone(
    build: Builder, admin: Api, all_rows: Rows
) -> None:
    ana = await build.person("ana@example.com")
    acme = await build.tenant(ana, "Acme")
    solo = await build.tenant(ana, "Solo")
    bob = await build.member(acme, "admin", by=ana.api)
    key = await build.key(acme, "admin", by=ana.api)

    before = await all_rows()
    refused = assert_problem(await send(ana.api, "DELETE", "/v1/me"), 409, code="last-owner")
    assert refused["tenant_ids"] == sorted([acme, solo])
    assert acme in refused["detail"]
    assert solo in refused["detail"]
    # Neither an API key, even the user's own, nor another user can delete them.
    assert_problem(await send(key.api, "DELETE", "/v1/me"), 403, code="forbidden")
    assert_problem(await send(key.api, "DELETE", f"/v1/users/{ana.id}"), 404)
    assert_problem(await send(bob.api, "DELETE", f"/v1/users/{ana.id}"), 404)
    assert await all_rows() == before

    expect(await ana.api.post(f"/v1/tenants/{acme}/transfer-ownership", {"user_id": bob.id}), 200)
    assert_problem(await send(ana.api, "DELETE", "/v1/me"), 409, code="last-owner")
    # Solo gets a second owner from the platform, then Ana may go.
    await build.add(solo, bob, "owner", by=admin)

    gone = await send(ana.api, "DELETE", "/v1/me")

    assert (gone.status, gone.body) == (204, None)
    assert_problem(await send(ana.api, "GET", "/v1/me"), 401, code="unauthenticated")
    assert_problem(await send(key.api, "GET", "/v1/me"), 401, code="unauthenticated")
    assert_problem(await send(admin, "GET", f"/v1/users/{ana.id}"), 404)
    for tenant in (acme, solo):
        members = expect(await bob.api.get(f"/v1/tenants/{tenant}/members"), 200)["items"]
        assert [m["user_id"] for m in members] == [bob.id]
        log = await audit_log(bob.api, tenant)
        left = the_entry(log, "member.left", user_id=ana.id)
        assert (left["actor_id"], left["changes"]["reason"]) == (ana.id, "account_deleted")
    keys = expect(await bob.api.get(f"/v1/tenants/{acme}/api-keys"), 200)["items"]
    assert [(k["id"], k["revoked_at"] is not None) for k in keys] == [(key.id, True)]
    revoked = the_entry(await audit_log(bob.api, acme), "api_key.revoked")
    assert revoked["changes"] == {"name": "key-admin", "reason": "creator_deleted"}
    rows = await all_rows()
    assert [t for t in rows["user_tokens"] if t["user_id"] == ana.id] == []
    [deleted] = [e for e in rows["audit_log"] if e["action"] == "user.deleted"]
    assert (deleted["tenant_id"], deleted["entity_id"], deleted["actor_id"]) == (
        None,
        ana.id,
        ana.id,
    )
    assert deleted["changes"] == {"by": "self", "tenant_ids": sorted([acme, solo])}
    assert "ana@example.com" not in str(deleted)


async def test_a_platform_admin_deletes_a_user_and_what_they_made_stays(
    build: Builder, admin: Api, all_rows: Rows
) -> None:
    owner = await build.person("olga@example.com")
    acme = await build.tenant(owner)
    dev = await build.member(acme, "admin", by=owner.api)
    voice = expect(
        await dev.api.post(
            f"/v1/tenants/{acme}/voices",
            {"name": "Ava", "provider": "11labs", "provider_voice_id": "v1"},
        ),
        201,
    )
    agent = expect(
        await dev.api.post(
            f"/v1/tenants/{acme}/agents", {"name": "Front desk", "voice_id": voice["id"]}
        ),
        201,
    )

    reply = await send(admin, "DELETE", f"/v1/users/{dev.id}")

    assert reply.status == 204
    assert_problem(await send(dev.api, "GET", "/v1/me"), 401)
    kept = expect(await owner.api.get(f"/v1/tenants/{acme}/agents/{agent['id']}"), 200)
    assert kept["name"] == "Front desk"
    removed = the_entry(await audit_log(owner.api, acme), "member.removed", user_id=dev.id)
    assert removed["changes"] == {"user_id": dev.id, "role": "admin", "reason": "account_deleted"}
    rows = await all_rows()
    assert [a["created_by"] for a in rows["voice_agents"]] == [None]
    [deleted] = [e for e in rows["audit_log"] if e["action"] == "user.deleted"]
    assert deleted["changes"]["by"] == "platform_admin"
    assert_problem(await send(admin, "DELETE", f"/v1/users/{dev.id}"), 404)
