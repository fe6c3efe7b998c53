"""Webhook endpoints over HTTP through the real container on PostgreSQL: gated by the plan,
within its limit, for owners and admins only; the signing secret shown when made and when
rotated and never on a read; the old secret signing on for the overlap asked; audited by host
(a URL's query may hold the receiver's token)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.e2e.helpers import Builder, Person, all_items, assert_problem, audit_log, expect, send
from tests.e2e.test_calls import (
    catalogue_fixture,  # noqa: F401 (the plans and features)
    set_feature,
)
from tests.support import Api

pytestmark = pytest.mark.postgres

HOOK = {"url": "https://crm.example.com/hooks/voice?token=s3cr3t", "event_types": ["call.ended"]}


class Desk:
    def __init__(self, tenant_id: str, people: dict[str, Person]) -> None:
        self.tenant_id = tenant_id
        self.people = people
        self.hooks = f"/v1/tenants/{tenant_id}/webhook-endpoints"

    def api(self, role: str) -> Api:
        return self.people[role].api


async def a_desk(build: Builder, name: str, *, endpoints: int | None = 2) -> Desk:
    """A tenant on the default (free) plan, with webhook endpoints allowed unless `endpoints`
    is None."""
    owner = await build.person()
    tenant_id = await build.tenant(owner, name)
    people = {"owner": owner}
    for role in ("admin", "member"):
        people[role] = await build.member(tenant_id, role, by=owner.api)
    if endpoints is not None:
        await set_feature(build.admin, tenant_id, "webhooks", True)
        await set_feature(build.admin, tenant_id, "webhooks.endpoints.max", endpoints)
    return Desk(tenant_id, people)


@pytest.fixture(autouse=True)
def _catalogue(catalogue: None) -> None:
    """Plans and features installed, as `serve` installs them."""


@pytest.fixture
async def desk(build: Builder) -> Desk:
    return await a_desk(build, "Hooks Co")


async def test_an_admin_adds_an_endpoint_and_sees_its_secret_only_then(desk: Desk):
    admin = desk.api("admin")

    made = expect(await admin.post(desk.hooks, HOOK | {"description": "CRM"}), 201)

    assert made["object"] == "webhook_endpoint"
    assert made["secret"].startswith("whsec_")
    assert (made["url"], made["event_types"], made["enabled"]) == (
        HOOK["url"],
        ["call.ended"],
        True,
    )
    read = expect(await admin.get(f"{desk.hooks}/{made['id']}"), 200)
    listed = await all_items(admin, desk.hooks)
    assert "secret" not in read
    assert [e["id"] for e in listed] == [made["id"]]
    assert all("secret" not in e for e in listed)
    assert read == {k: v for k, v in made.items() if k != "secret"}
    log = await audit_log(admin, desk.tenant_id)
    entry = next(e for e in log if e["action"] == "webhook_endpoint.created")
    assert "s3cr3t" not in str(entry)
    assert entry["changes"]["host"] == "crm.example.com"


async def test_the_plan_gates_endpoints_and_limits_how_many(build: Builder):
    free = await a_desk(build, "Free Co", endpoints=None)
    refused = await send(free.api("owner"), "POST", free.hooks, json_body=HOOK)
    assert_problem(refused, 403, code="feature-disabled")
    assert await all_items(free.api("owner"), free.hooks) == []

    one = await a_desk(build, "One Co", endpoints=1)
    expect(await one.api("owner").post(one.hooks, HOOK), 201)
    over = await send(one.api("owner"), "POST", one.hooks, json_body=HOOK)
    assert_problem(over, 403, code="entitlement-exceeded")
    assert len(await all_items(one.api("owner"), one.hooks)) == 1


async def test_members_neither_see_nor_manage_endpoints(desk: Desk):
    made = expect(await desk.api("admin").post(desk.hooks, HOOK), 201)
    member = desk.api("member")
    for method, path, body in (
        ("GET", desk.hooks, None),
        ("POST", desk.hooks, HOOK),
        ("GET", f"{desk.hooks}/{made['id']}", None),
        ("PATCH", f"{desk.hooks}/{made['id']}", {"enabled": False}),
        ("POST", f"{desk.hooks}/{made['id']}/rotate-secret", {}),
        ("DELETE", f"{desk.hooks}/{made['id']}", None),
    ):
        assert_problem(await send(member, method, path, json_body=body), 403)
    assert expect(await desk.api("owner").get(f"{desk.hooks}/{made['id']}"), 200)["enabled"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://crm.example.com/x", "event_types": ["call.ended"]}, "url"),
        ({"url": "https://user:pw@crm.example.com/x", "event_types": ["call.ended"]}, "url"),
        ({"url": "/relative", "event_types": ["call.ended"]}, "url"),
        ({"url": "https://crm.example.com/x#frag", "event_types": ["call.ended"]}, "url"),
        ({"url": "https://crm.example.com/x", "event_types": []}, "event_types"),
        ({"url": "https://crm.example.com/x", "event_types": ["call.exploded"]}, "event_types"),
        ({"event_types": ["call.ended"]}, "url"),
    ],
)
async def test_a_bad_endpoint_is_refused_naming_the_field(desk: Desk, all_rows, body, field):
    before = await all_rows()

    refused = await send(desk.api("admin"), "POST", desk.hooks, json_body=body)

    problem = assert_problem(refused, 422)
    assert field in str(problem.get("errors") or problem.get("field"))
    assert await all_rows() == before


async def test_an_endpoint_changes_and_is_deleted(desk: Desk):
    admin = desk.api("admin")
    made = expect(await admin.post(desk.hooks, HOOK), 201)
    path = f"{desk.hooks}/{made['id']}"

    changed = expect(
        await admin.patch(
            path,
            {
                "event_types": ["call.analyzed", "call.ended"],
                "enabled": False,
                "version": made["version"],
            },
        ),
        200,
    )
    stale = await send(admin, "PATCH", path, json_body={"enabled": True, "version": 0})

    assert (changed["event_types"], changed["enabled"]) == (["call.analyzed", "call.ended"], False)
    assert_problem(stale, 409)
    moved = {"url": "https://erp.example.org/in?key=t0k3n", "version": changed["version"]}
    assert expect(await admin.patch(path, moved), 200)["url"] == moved["url"]
    log = await audit_log(admin, desk.tenant_id)
    updates = [e["changes"] for e in log if e["action"] == "webhook_endpoint.updated"]
    assert {"from": "crm.example.com", "to": "erp.example.org"} in [u.get("url") for u in updates]
    assert "t0k3n" not in str(log)
    assert "s3cr3t" not in str(log)
    assert (await send(admin, "DELETE", path)).status == 204
    assert_problem(await send(admin, "GET", path), 404)
    assert await all_items(admin, desk.hooks) == []


async def test_a_rotation_shows_the_new_secret_and_keeps_the_old_one_for_the_overlap(
    desk: Desk,
):
    admin = desk.api("admin")
    made = expect(await admin.post(desk.hooks, HOOK), 201)
    path = f"{desk.hooks}/{made['id']}"

    rotated = expect(await admin.post(f"{path}/rotate-secret", {"overlap_seconds": 3600}), 200)
    at_once = expect(await admin.post(f"{path}/rotate-secret", {"overlap_seconds": 0}), 200)
    too_long = await send(
        admin, "POST", f"{path}/rotate-secret", json_body={"overlap_seconds": 8 * 86400}
    )

    assert rotated["secret"].startswith("whsec_")
    assert len({made["secret"], rotated["secret"], at_once["secret"]}) == 3
    until = datetime.fromisoformat(rotated["previous_secret_expires_at"])
    updated = datetime.fromisoformat(rotated["updated_at"])
    assert until - updated == timedelta(hours=1)
    assert at_once["previous_secret_expires_at"] is None
    assert_problem(too_long, 422)
    actions = [e["action"] for e in await audit_log(admin, desk.tenant_id)]
    assert actions.count("webhook_endpoint.secret_rotated") == 2


async def test_a_tenant_sees_only_its_own_endpoints(build: Builder, desk: Desk):
    other = await a_desk(build, "Other Co")
    theirs = expect(await other.api("owner").post(other.hooks, HOOK), 201)
    mine = expect(await desk.api("owner").post(desk.hooks, HOOK), 201)

    assert [e["id"] for e in await all_items(desk.api("owner"), desk.hooks)] == [mine["id"]]
    for method, body in (("GET", None), ("PATCH", {"enabled": False}), ("DELETE", None)):
        reply = await send(
            desk.api("owner"), method, f"{desk.hooks}/{theirs['id']}", json_body=body
        )
        assert_problem(reply, 404)
    assert expect(await other.api("owner").get(f"{other.hooks}/{theirs['id']}"), 200)["enabled"]
