"""The resource contract end to end: a resource is a flat object naming its `object`; a
create answers 201 with the new resource and its canonical path in Location; every list,
the catalogue's too, is `{"items", "next_cursor"}` paged by `limit` and `cursor`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.catalogue import sync_catalogue
from entrypoints.http.app import ENDPOINTS
from tests.e2e.helpers import Builder, Person, all_items, assert_problem, expect, fill, send
from tests.support import Api, twilio_body

pytestmark = pytest.mark.postgres

TENANT = "/v1/tenants/{tenant_id}"


@dataclass(frozen=True)
class Create:
    """A create route, a body it takes, and what it answers."""

    path: str
    body: dict[str, Any]
    object: str
    location: str
    """The canonical path, with placeholders for fields of the answer (and {tenant_id})."""
    by_admin: bool = False


CREATES = [
    Create("/v1/tenants", {"name": "Contract Co"}, "tenant", "/v1/tenants/{id}"),
    Create("/v1/users", {"email": "new@example.com"}, "user", "/v1/users/{id}", by_admin=True),
    Create(
        "/v1/users/{user_id}/tokens",
        {"name": "laptop"},
        "user_token",
        "/v1/users/{user_id}/tokens/{id}",
    ),
    Create(
        TENANT + "/members",
        {"user_id": "{new_user_id}", "role": "viewer"},
        "member",
        TENANT + "/members/{user_id}",
        by_admin=True,
    ),
    Create(
        TENANT + "/invitations",
        {"email": "joiner@example.com", "role": "viewer"},
        "invitation",
        TENANT + "/invitations/{id}",
    ),
    Create(
        TENANT + "/api-keys",
        {"name": "ci", "role": "member"},
        "api_key",
        TENANT + "/api-keys/{id}",
    ),
    Create("/v1/plans", {"name": "contract"}, "plan", "/v1/plans/{id}", by_admin=True),
    Create(
        "/v1/features",
        {"feature_key": "contract.flag", "name": "Contract flag", "feature_type": "boolean"},
        "feature",
        "/v1/features/{feature_key}",
        by_admin=True,
    ),
    Create(
        TENANT + "/voices",
        {"name": "Ava", "provider": "11labs", "provider_voice_id": "ava"},
        "voice",
        TENANT + "/voices/{id}",
    ),
    Create(
        TENANT + "/phone-numbers",
        twilio_body("+14155550100"),
        "phone_number",
        TENANT + "/phone-numbers/{id}",
    ),
    Create(TENANT + "/agents", {"name": "Sales"}, "voice_agent", TENANT + "/agents/{id}"),
    Create(TENANT + "/leads", {"phone": "+14155550123"}, "lead", TENANT + "/leads/{id}"),
    Create(
        TENANT + "/webhook-endpoints",
        {"url": "https://crm.example.com/hooks", "event_types": ["call.ended"]},
        "webhook_endpoint",
        TENANT + "/webhook-endpoints/{id}",
    ),
]
# A call's create has its own tests, with its provider and idempotency rules; a batch's too
# (tests/e2e/test_batches.py), as it needs an agent and leads and answers with its preflight.
CALLS = TENANT + "/calls"
BATCHES = TENANT + "/batches"


def test_every_create_route_is_in_the_table():
    created = {e.path for e in ENDPOINTS if e.method == "POST" and e.status == 201}
    assert created - {CALLS, BATCHES} == {c.path for c in CREATES}
    assert len(CREATES) == len({c.path for c in CREATES})


@pytest.fixture
async def owner(build: Builder) -> tuple[Person, str]:
    person = await build.person("owner@contract.example")
    return person, await build.tenant(person, "Contract")


@pytest.mark.parametrize("create", CREATES, ids=[f"POST {c.path}" for c in CREATES])
async def test_a_create_answers_201_with_the_flat_resource_and_where_to_read_it(
    owner, admin, create: Create
):
    person, tenant_id = owner
    who = admin if create.by_admin else person.api
    ids = {"tenant_id": tenant_id, "user_id": person.id}
    if "{new_user_id}" in create.body.values():
        joiner = await send(admin, "POST", "/v1/users", json_body={"email": "joiner@example.com"})
        ids["new_user_id"] = joiner.body["id"]
    reply = await send(who, "POST", fill(create.path, **ids), json_body=fill(create.body, **ids))

    assert reply.status == 201, reply.body
    made = reply.body
    assert made["object"] == create.object
    assert not any(isinstance(v, dict) and "object" in v for v in made.values()), made
    assert reply.headers["Location"] == fill(create.location, **(ids | made))
    read = expect(await who.get(reply.headers["Location"]), 200)
    secret = made.pop("secret", None)
    assert read == made
    assert "secret" not in read
    # The resource is listed as it reads, where it was created.
    assert read in await all_items(who, fill(create.path, **ids))
    if create.object in ("api_key", "user_token"):
        assert isinstance(secret, str)
        assert expect(await who.as_(secret).get("/v1/me"), 200)["object"] == "principal"
    elif create.object == "webhook_endpoint":  # a signing secret, shown here only
        assert isinstance(secret, str)
        assert secret.startswith("whsec_")
    else:
        assert secret is None


async def test_a_new_tenant_is_the_tenant_and_me_tenants_shows_the_creators_role(owner):
    person, tenant_id = owner

    mine = await all_items(person.api, "/v1/me/tenants")
    tenant = expect(await person.api.get(f"/v1/tenants/{tenant_id}"), 200)

    assert [(t["object"], t["id"], t["role"]) for t in mine] == [
        ("user_tenant", tenant_id, "owner")
    ]
    assert {k: v for k, v in mine[0].items() if k in tenant and k != "object"} == {
        k: v for k, v in tenant.items() if k != "object"
    }


# --- the catalogue's lists, paged ------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    owner: Api
    admin: Api
    lists: list[tuple[str, Api, str]]
    """(path, reader, the field naming an item) of each catalogue list."""
    feature_order: dict[str, tuple[datetime, UUID]]
    """Each feature's key in the catalogue's order: (created_at, id)."""


@pytest.fixture
async def catalogue(pg_container, build: Builder, admin: Api) -> Catalogue:
    assert await sync_catalogue(pg_container.deps()) > 0
    person = await build.person()
    tenant_id = await build.tenant(person)
    for name in ("team", "agency", "school"):
        expect(await admin.post("/v1/plans", {"name": name}), 201)
    free = next(p["id"] for p in await all_items(person.api, "/v1/plans") if p["name"] == "free")
    features = await all_items(person.api, "/v1/features")
    order = {
        f["feature_key"]: (datetime.fromisoformat(f["created_at"]), UUID(f["id"])) for f in features
    }
    return Catalogue(
        person.api,
        admin,
        [
            ("/v1/plans", admin, "id"),
            ("/v1/features", person.api, "id"),
            (f"/v1/plans/{free}/features", person.api, "feature_key"),
            (f"/v1/tenants/{tenant_id}/features", person.api, "feature_key"),
        ],
        order,
    )


async def test_a_catalogue_list_gives_limit_items_and_a_cursor(catalogue: Catalogue):
    for path, reader, _ in catalogue.lists:
        everything = expect(await reader.get(path, params={"limit": "200"}), 200)
        assert everything["next_cursor"] is None
        assert len(everything["items"]) > 2, path

        first = expect(await reader.get(path, params={"limit": "2"}), 200)

        assert first["items"] == everything["items"][:2], path
        assert isinstance(first["next_cursor"], str), path
        second = expect(
            await reader.get(path, params={"limit": "2", "cursor": first["next_cursor"]}), 200
        )
        assert second["items"] == everything["items"][2:4], path
        default = expect(await reader.get(path), 200)
        assert default == everything, path  # a catalogue is under the default 50


async def test_a_catalogue_list_refuses_a_bad_cursor_and_limit(catalogue: Catalogue):
    for path, reader, _ in catalogue.lists:
        for cursor in ("garbage", "WyIyMDI2Il0"):
            reply = await send(reader, "GET", path, params={"cursor": cursor})
            assert_problem(reply, 422, code="invalid-cursor")
        for limit in ("0", "201", "x"):
            reply = await send(reader, "GET", path, params={"limit": limit})
            assert assert_problem(reply, 422)["field"] == "limit"


class TestCataloguePages:
    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],  # read only
    )
    @given(which=st.integers(0, 3), limit=st.integers(1, 6))
    async def test_following_cursors_visits_every_item_once_in_catalogue_order(
        self, catalogue: Catalogue, which: int, limit: int
    ):
        path, reader, name = catalogue.lists[which]
        everything = expect(await reader.get(path, params={"limit": "200"}), 200)["items"]

        walked = await all_items(reader, path, limit=limit)

        assert walked == everything
        keys = [item[name] for item in walked]
        assert len(set(keys)) == len(keys)
        if name == "id":  # plans and features: oldest first
            order = [(datetime.fromisoformat(i["created_at"]), UUID(i["id"])) for i in walked]
        else:  # a plan's or a tenant's features: in the catalogue's order
            order = [catalogue.feature_order[key] for key in keys]
        assert order == sorted(order)


async def test_inactive_plans_are_left_out_of_every_page_but_a_platform_admins(
    catalogue: Catalogue,
):
    plans = await all_items(catalogue.admin, "/v1/plans")
    retired = plans[1]["id"]
    expect(await catalogue.admin.patch(f"/v1/plans/{retired}", {"is_active": False}), 200)

    seen = await all_items(catalogue.owner, "/v1/plans", limit=1)
    everyone = await all_items(catalogue.admin, "/v1/plans", limit=1)

    assert [p["id"] for p in seen] == [p["id"] for p in plans if p["id"] != retired]
    assert [p["id"] for p in everyone] == [p["id"] for p in plans]
