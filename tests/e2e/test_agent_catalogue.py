"""Voices, phone numbers and voice agents end to end: the tenant's catalogue of what calls.

Admins configure it, every member reads it. Links between its records stay inside the
tenant and point at records in service; numbers are E.164 and active in one tenant at a
time; the plan limits how many agents and numbers are in service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from application.catalogue import PLANS, sync_catalogue
from tests.e2e.helpers import (
    Builder,
    Person,
    all_items,
    assert_problem,
    audit_log,
    comparable,
    entries,
    expect,
    random_id,
    send,
    the_entry,
)
from tests.support import Api, twilio_body

pytestmark = pytest.mark.postgres

# What a write answers that a later read answers differently by design.
MOVING = ("version", "updated_at")

VOICE = {
    "name": "Ava",
    "provider": "11labs",
    "provider_voice_id": "21m00Tcm4TlvDq8ikWAM",
    "language": "en-US",
    "settings": {"stability": 0.5, "similarity_boost": 0.75},
}
SF, SF_NATIONAL = "+14155550123", "(415) 555-0123"  # one number, two ways of writing it
NYC = "+12125550100"


@dataclass(frozen=True)
class Shop:
    """A tenant with one person in each role."""

    tenant_id: str
    people: dict[str, Person]

    @property
    def path(self) -> str:
        return f"/v1/tenants/{self.tenant_id}"

    def api(self, role: str) -> Api:
        return self.people[role].api


@pytest.fixture
async def shop(build: Builder) -> Shop:
    owner = await build.person()
    tenant_id = await build.tenant(owner, "Catalogue Co")
    people = {"owner": owner}
    for role in ("admin", "member", "viewer"):
        people[role] = await build.member(tenant_id, role, by=owner.api)
    return Shop(tenant_id, people)


async def new_voice(api: Api, base: str, **fields: Any) -> dict[str, Any]:
    return expect(await api.post(f"{base}/voices", {**VOICE, **fields}), 201)


async def new_number(api: Api, base: str, number: str = SF, **fields: Any) -> dict[str, Any]:
    return expect(await api.post(f"{base}/phone-numbers", twilio_body(number, **fields)), 201)


async def new_agent(api: Api, base: str, name: str = "Sales", **fields: Any) -> dict[str, Any]:
    return expect(await api.post(f"{base}/agents", {"name": name, **fields}), 201)


async def pages(api: Api, path: str, limit: int, **params: str) -> list[list[dict[str, Any]]]:
    """Each page of a list, walking `next_cursor`."""
    found: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        page = expect(await api.get(path, params=query), 200)
        found.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def oldest_first(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in sorted(items, key=lambda i: (i["created_at"], i["id"]))]


def without(record: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in names}


def assert_actor(entry: dict[str, Any], who: Person) -> None:
    assert (entry["actor_type"], entry["actor_id"]) == ("user", who.id)


# --- voices -------------------------------------------------------------------------------


async def test_an_admin_adds_a_voice_and_every_member_reads_it(shop: Shop):
    admin = shop.people["admin"]

    created = await new_voice(admin.api, shop.path)

    assert {k: created[k] for k in VOICE} == VOICE
    assert (created["tenant_id"], created["is_active"], created["version"]) == (
        shop.tenant_id,
        True,
        0,
    )
    assert created["created_at"] == created["updated_at"]
    for role in shop.people:
        read = expect(await shop.api(role).get(f"{shop.path}/voices/{created['id']}"), 200)
        assert read == created, role
        assert await all_items(shop.api(role), f"{shop.path}/voices") == [created], role
    entry = the_entry(await audit_log(admin.api, shop.tenant_id), "voice.created")
    assert_actor(entry, admin)
    assert (entry["entity"], entry["entity_id"]) == ("voice", created["id"])
    assert entry["changes"] == {"name": VOICE["name"], "provider": VOICE["provider"]}


async def test_a_voice_patch_changes_only_the_given_fields(shop: Shop, all_rows):
    owner = shop.api("owner")
    created = await new_voice(owner, shop.path)
    path = f"{shop.path}/voices/{created['id']}"

    renamed = expect(await owner.patch(path, {"name": "Bella"}), 200)
    cleared = expect(await owner.patch(path, {"language": None}), 200)

    assert renamed["name"] == "Bella"
    assert without(renamed, "name", *MOVING) == without(created, "name", *MOVING)
    assert renamed["version"] == created["version"] + 1
    assert cleared["language"] is None
    assert without(cleared, "language", *MOVING) == without(renamed, "language", *MOVING)
    assert cleared["settings"] == VOICE["settings"]
    assert expect(await owner.get(path), 200) == cleared
    # A stale version is refused and changes nothing; a change to nothing is no change.
    before = await all_rows()
    stale = await send(owner, "PATCH", path, json_body={"name": "Old", "version": 0})
    assert_problem(stale, 409, code="conflict")
    same = expect(await owner.patch(path, {"name": "Bella", "version": cleared["version"]}), 200)
    assert same == cleared
    assert await all_rows() == before
    log = await audit_log(owner, shop.tenant_id)
    assert [e["changes"] for e in entries(log, "voice.updated")] == [
        {"language": {"from": VOICE["language"], "to": None}},
        {"name": {"from": VOICE["name"], "to": "Bella"}},
    ]


async def test_deleting_a_voice_deactivates_it_and_refuses_new_links(shop: Shop, all_rows):
    owner = shop.api("owner")
    voice = await new_voice(owner, shop.path)
    spare = await new_voice(owner, shop.path, name="Spare")
    speaking = await new_agent(owner, shop.path, voice_id=voice["id"])
    other = await new_agent(owner, shop.path, "Support", voice_id=spare["id"])
    path = f"{shop.path}/voices/{voice['id']}"

    off = expect(await owner.delete(path), 200)

    assert (off["is_active"], off["version"]) == (False, voice["version"] + 1)
    assert expect(await owner.get(path), 200) == off
    voices = f"{shop.path}/voices"
    assert [v["id"] for v in await all_items(owner, voices)] == [voice["id"], spare["id"]]
    active = await all_items(owner, voices, params={"active": "true"})
    inactive = await all_items(owner, voices, params={"active": "false"})
    assert ([v["id"] for v in active], [v["id"] for v in inactive]) == ([spare["id"]], [off["id"]])
    # The agent that speaks with it keeps it; no new link to it is accepted.
    still = expect(await owner.get(f"{shop.path}/agents/{speaking['id']}"), 200)
    assert still["voice_id"] == voice["id"]
    before = await all_rows()
    for method, where, body in (
        ("POST", "/agents", {"name": "Late", "voice_id": voice["id"]}),
        ("PATCH", f"/agents/{other['id']}", {"voice_id": voice["id"]}),
    ):
        reply = await send(owner, method, shop.path + where, json_body=body)
        assert assert_problem(reply, 422)["field"] == "voice_id"
    assert_problem(await send(owner, "DELETE", path), 409)
    assert await all_rows() == before
    entry = the_entry(await audit_log(owner, shop.tenant_id), "voice.deactivated")
    assert (entry["entity_id"], entry["actor_id"]) == (voice["id"], shop.people["owner"].id)
    # Reactivated, it may be linked again.
    assert expect(await owner.patch(path, {"is_active": True}), 200)["is_active"] is True
    moved = expect(
        await owner.patch(f"{shop.path}/agents/{other['id']}", {"voice_id": voice["id"]}), 200
    )
    assert moved["voice_id"] == voice["id"]


async def test_voices_are_listed_oldest_first_page_by_page(shop: Shop):
    owner = shop.api("owner")
    made = [await new_voice(owner, shop.path, name=f"Voice {n}") for n in range(5)]
    expect(await owner.delete(f"{shop.path}/voices/{made[1]['id']}"), 200)

    walked = await pages(owner, f"{shop.path}/voices", limit=2)
    active = await pages(owner, f"{shop.path}/voices", limit=2, active="true")

    assert [len(p) for p in walked] == [2, 2, 1]
    assert [v["id"] for p in walked for v in p] == oldest_first(made)
    expected_active = [i for i in oldest_first(made) if i != made[1]["id"]]
    assert [v["id"] for p in active for v in p] == expected_active
    reply = await send(owner, "GET", f"{shop.path}/voices", params={"active": "maybe"})
    assert assert_problem(reply, 422)["field"] == "active"


# --- phone numbers ------------------------------------------------------------------------


async def test_a_number_is_stored_in_e164_whatever_its_format(shop: Shop, all_rows):
    admin = shop.people["admin"]

    line = await new_number(admin.api, shop.path, SF_NATIONAL, country="US", label="Main")

    assert (line["number"], line["label"], line["status"]) == (SF, "Main", "active")
    assert (line["provider"], line["ownership"], line["inbound_agent_id"]) == (
        "twilio",
        "provisioned",
        None,
    )
    assert line["provider_number_id"]
    for role in shop.people:
        path = f"{shop.path}/phone-numbers/{line['id']}"
        assert expect(await shop.api(role).get(path), 200) == line, role
    entry = the_entry(await audit_log(admin.api, shop.tenant_id), "phone_number.provisioned")
    assert_actor(entry, admin)
    assert entry["entity_id"] == line["id"]
    assert entry["changes"] == {"number": SF, "provider_number_id": line["provider_number_id"]}
    before = await all_rows()
    # The same number in another format is the same number; without + it needs a country.
    again = await send(
        admin.api, "POST", f"{shop.path}/phone-numbers", json_body=twilio_body("+1 415-555-0123")
    )
    assert assert_problem(again, 409, code="already-exists")["field"] == "number"
    bare = await send(
        admin.api, "POST", f"{shop.path}/phone-numbers", json_body=twilio_body(SF_NATIONAL)
    )
    assert assert_problem(bare, 422)["field"] == "number"
    assert await all_rows() == before


async def test_a_number_held_by_another_tenant_is_409_and_names_no_one(build: Builder, all_rows):
    holder = await build.person("holder@example.com")
    holder_tenant = await build.tenant(holder, "Secret Holder Inc")
    held = await new_number(holder.api, f"/v1/tenants/{holder_tenant}", SF, label="Private line")
    rival = await build.person("rival@example.com")
    rival_tenant = await build.tenant(rival, "Rival")
    numbers = f"/v1/tenants/{rival_tenant}/phone-numbers"
    own = await new_number(rival.api, f"/v1/tenants/{rival_tenant}", NYC)
    before = await all_rows()

    taken = await send(rival.api, "POST", numbers, json_body=twilio_body(SF_NATIONAL, country="US"))
    twice = await send(rival.api, "POST", numbers, json_body=twilio_body(own["number"]))

    problem = assert_problem(taken, 409, code="already-exists")
    assert problem["field"] == "number"
    text = str(taken.body)
    for secret in (holder_tenant, "Secret Holder", held["id"], holder.id, holder.email, "Private"):
        assert secret not in text, secret
    # The same answer as for a number the tenant holds itself.
    assert comparable(problem) == comparable(assert_problem(twice, 409))
    assert await all_rows() == before

    # Released, it is free: another tenant registers it, and the holder keeps its history.
    released = expect(
        await holder.api.delete(f"/v1/tenants/{holder_tenant}/phone-numbers/{held['id']}"), 200
    )
    assert (released["status"], released["number"]) == ("released", SF)
    moved = expect(await rival.api.post(numbers, twilio_body(SF_NATIONAL, country="US")), 201)
    assert (moved["number"], moved["tenant_id"], moved["status"]) == (SF, rival_tenant, "active")
    history = await all_items(holder.api, f"/v1/tenants/{holder_tenant}/phone-numbers")
    assert history == [released]
    back = await send(
        holder.api,
        "POST",
        f"/v1/tenants/{holder_tenant}/phone-numbers",
        json_body=twilio_body(SF),
    )
    assert_problem(back, 409, code="already-exists")


async def test_a_number_routes_inbound_calls_to_an_agent_until_released(shop: Shop, all_rows):
    owner = shop.api("owner")
    line = await new_number(owner, shop.path, label="Main")
    agent = await new_agent(owner, shop.path)
    path = f"{shop.path}/phone-numbers/{line['id']}"

    routed = expect(await owner.patch(path, {"inbound_agent_id": agent["id"]}), 200)
    relabelled = expect(await owner.patch(path, {"label": "Front desk"}), 200)
    # The provider's id is the provider's: no request changes it.
    claimed = await send(owner, "PATCH", path, json_body={"provider_number_id": "PN-other"})
    assert assert_problem(claimed, 422)["field"] == "provider_number_id"
    no_provider_id = relabelled

    assert routed["inbound_agent_id"] == agent["id"]
    assert without(routed, "inbound_agent_id", *MOVING) == without(
        line, "inbound_agent_id", *MOVING
    )
    assert (relabelled["label"], relabelled["inbound_agent_id"]) == ("Front desk", agent["id"])
    assert (no_provider_id["provider_number_id"], no_provider_id["label"]) == (
        line["provider_number_id"],
        "Front desk",
    )
    assert no_provider_id["version"] == line["version"] + 2
    before = await all_rows()
    stale = await send(owner, "PATCH", path, json_body={"label": "x", "version": line["version"]})
    assert_problem(stale, 409, code="conflict")
    assert await all_rows() == before

    released = expect(await owner.delete(path), 200)

    assert (released["status"], released["inbound_agent_id"]) == ("released", None)
    assert without(released, "status", "in_service", "inbound_agent_id", *MOVING) == without(
        no_provider_id, "status", "in_service", "inbound_agent_id", *MOVING
    )
    before = await all_rows()
    assert_problem(await send(owner, "DELETE", path), 409)
    reroute = await send(owner, "PATCH", path, json_body={"inbound_agent_id": agent["id"]})
    assert assert_problem(reroute, 409)["field"] == "inbound_agent_id"
    assert await all_rows() == before
    numbers = f"{shop.path}/phone-numbers"
    other = await new_number(owner, shop.path, NYC)
    assert await all_items(owner, numbers, params={"status": "released"}) == [released]
    assert await all_items(owner, numbers, params={"status": "active"}) == [other]
    bad = await send(owner, "GET", numbers, params={"status": "lost"})
    assert assert_problem(bad, 422)["field"] == "status"
    log = await audit_log(owner, shop.tenant_id)
    assert [e["changes"] for e in entries(log, "phone_number.updated")] == [
        {"label": {"from": "Main", "to": "Front desk"}},
        {"inbound_agent_id": {"from": None, "to": agent["id"]}},
    ]
    assert the_entry(log, "phone_number.released")["changes"] == {
        "number": SF,
        "released_at_provider": True,
    }


# --- agents -------------------------------------------------------------------------------


async def test_an_agent_speaks_with_the_tenants_voice_from_its_number(shop: Shop, all_rows):
    admin = shop.people["admin"]
    voice = await new_voice(admin.api, shop.path)
    line = await new_number(admin.api, shop.path)
    body = {
        "name": "Closer",
        "voice_id": voice["id"],
        "default_number_id": line["id"],
        "agent_instructions": "Be brief.",
        "system_instructions": "You sell solar panels.",
        "outbound_prompt": "Call about the quote.",
        "inbound_prompt": "Answer questions.",
        "first_message": "Hi, this is Closer.",
        "language": "en-US",
        "provider_assistant_id": "asst_1",
        "config": {"temperature": 0.3},
    }

    agent = expect(await admin.api.post(f"{shop.path}/agents", body), 201)

    assert {k: agent[k] for k in body} == body
    assert (agent["created_by"], agent["is_active"], agent["version"]) == (admin.id, True, 0)
    path = f"{shop.path}/agents/{agent['id']}"
    for role in shop.people:
        assert expect(await shop.api(role).get(path), 200) == agent, role
    # PATCH: fields left out stay, null clears.
    greeted = expect(await admin.api.patch(path, {"first_message": "Hello!"}), 200)
    assert without(greeted, "first_message", *MOVING) == without(agent, "first_message", *MOVING)
    unlinked = expect(await admin.api.patch(path, {"voice_id": None, "outbound_prompt": None}), 200)
    assert (unlinked["voice_id"], unlinked["outbound_prompt"]) == (None, None)
    assert without(unlinked, "voice_id", "outbound_prompt", *MOVING) == without(
        greeted, "voice_id", "outbound_prompt", *MOVING
    )
    before = await all_rows()
    stale = await send(
        admin.api, "PATCH", path, json_body={"name": "x", "version": agent["version"]}
    )
    assert_problem(stale, 409, code="conflict")
    assert await all_rows() == before
    assert expect(await admin.api.get(path), 200) == unlinked
    log = await audit_log(admin.api, shop.tenant_id)
    created = the_entry(log, "agent.created")
    assert_actor(created, admin)
    assert (created["entity_id"], created["changes"]) == (agent["id"], {"name": "Closer"})
    assert [e["changes"] for e in entries(log, "agent.updated")] == [
        {
            "voice_id": {"from": voice["id"], "to": None},
            "outbound_prompt": {"from": body["outbound_prompt"], "to": None},
        },
        {"first_message": {"from": body["first_message"], "to": "Hello!"}},
    ]


async def test_agents_are_listed_oldest_first_and_by_activity(shop: Shop):
    owner = shop.api("owner")
    made = [await new_agent(owner, shop.path, f"Agent {n}") for n in range(5)]
    expect(await owner.patch(f"{shop.path}/agents/{made[2]['id']}", {"is_active": False}), 200)

    walked = await pages(owner, f"{shop.path}/agents", limit=2)
    inactive = await all_items(owner, f"{shop.path}/agents", params={"active": "false"})
    active = await all_items(owner, f"{shop.path}/agents", params={"active": "true"})

    assert [len(p) for p in walked] == [2, 2, 1]
    assert [a["id"] for p in walked for a in p] == oldest_first(made)
    assert [a["id"] for a in inactive] == [made[2]["id"]]
    assert [a["id"] for a in active] == [i for i in oldest_first(made) if i != made[2]["id"]]


async def test_an_agent_without_calls_is_deleted_and_its_number_unrouted(shop: Shop):
    owner = shop.api("owner")
    agent = await new_agent(owner, shop.path)
    line = await new_number(owner, shop.path, inbound_agent_id=agent["id"])
    assert line["inbound_agent_id"] == agent["id"]
    path = f"{shop.path}/agents/{agent['id']}"

    reply = await send(owner, "DELETE", path)

    assert (reply.status, reply.body) == (204, None)
    assert_problem(await send(owner, "GET", path), 404, code="not-found")
    assert_problem(await send(owner, "DELETE", path), 404, code="not-found")
    assert await all_items(owner, f"{shop.path}/agents") == []
    number = expect(await owner.get(f"{shop.path}/phone-numbers/{line['id']}"), 200)
    assert (number["inbound_agent_id"], number["status"]) == (None, "active")
    entry = the_entry(await audit_log(owner, shop.tenant_id), "agent.deleted")
    assert (entry["entity_id"], entry["changes"]) == (agent["id"], {"name": agent["name"]})


async def test_an_agent_with_calls_is_deactivated_not_deleted(shop: Shop, add_call, all_rows):
    owner = shop.api("owner")
    agent = await new_agent(owner, shop.path)
    line = await new_number(owner, shop.path, inbound_agent_id=agent["id"])
    call_id = await add_call(shop.tenant_id, agent_id=agent["id"])
    path = f"{shop.path}/agents/{agent['id']}"

    kept = expect(await owner.delete(path), 200)

    assert (kept["id"], kept["is_active"]) == (agent["id"], False)
    assert without(kept, "is_active", *MOVING) == without(agent, "is_active", *MOVING)
    assert expect(await owner.get(path), 200) == kept
    inactive = await all_items(owner, f"{shop.path}/agents", params={"active": "false"})
    assert inactive == [kept]
    calls = {c["id"]: c for c in (await all_rows())["voice_calls"]}
    assert calls[call_id]["agent_id"] == agent["id"]
    number = expect(await owner.get(f"{shop.path}/phone-numbers/{line['id']}"), 200)
    assert number["inbound_agent_id"] is None
    log = await audit_log(owner, shop.tenant_id)
    assert the_entry(log, "agent.deactivated")["entity_id"] == agent["id"]
    assert entries(log, "agent.deleted") == []
    # An inactive agent answers no number.
    reroute = await send(
        owner,
        "PATCH",
        f"{shop.path}/phone-numbers/{line['id']}",
        json_body={"inbound_agent_id": agent["id"]},
    )
    assert assert_problem(reroute, 422)["field"] == "inbound_agent_id"


async def test_links_to_another_tenants_records_are_422_and_write_nothing(
    shop: Shop, build: Builder, all_rows
):
    owner = shop.api("owner")
    stranger = await build.person()
    elsewhere = await build.tenant(stranger, "Elsewhere Ltd")
    base = f"/v1/tenants/{elsewhere}"
    their_voice = await new_voice(stranger.api, base)
    their_number = await new_number(stranger.api, base, NYC)
    their_agent = await new_agent(stranger.api, base, "Theirs")
    my_agent = await new_agent(owner, shop.path)
    my_number = await new_number(owner, shop.path)
    before = await all_rows()

    for method, where, body, field in (
        ("POST", "/agents", {"name": "X", "voice_id": their_voice["id"]}, "voice_id"),
        (
            "POST",
            "/agents",
            {"name": "X", "default_number_id": their_number["id"]},
            "default_number_id",
        ),
        ("PATCH", f"/agents/{my_agent['id']}", {"voice_id": their_voice["id"]}, "voice_id"),
        (
            "PATCH",
            f"/agents/{my_agent['id']}",
            {"default_number_id": their_number["id"]},
            "default_number_id",
        ),
        (
            "POST",
            "/phone-numbers",
            twilio_body("+14155550999", inbound_agent_id=their_agent["id"]),
            "inbound_agent_id",
        ),
        (
            "PATCH",
            f"/phone-numbers/{my_number['id']}",
            {"inbound_agent_id": their_agent["id"]},
            "inbound_agent_id",
        ),
    ):
        reply = await send(owner, method, shop.path + where, json_body=body)
        problem = assert_problem(reply, 422)
        assert problem["field"] == field, (method, where)
        assert "Elsewhere" not in str(reply.body)
        assert elsewhere not in str(reply.body)

    assert await all_rows() == before


async def test_links_to_records_out_of_service_are_422(shop: Shop, all_rows):
    owner = shop.api("owner")
    voice = await new_voice(owner, shop.path)
    line = await new_number(owner, shop.path)
    retired = await new_agent(owner, shop.path, "Retired")
    agent = await new_agent(owner, shop.path)
    expect(await owner.delete(f"{shop.path}/voices/{voice['id']}"), 200)
    expect(await owner.delete(f"{shop.path}/phone-numbers/{line['id']}"), 200)
    expect(await owner.patch(f"{shop.path}/agents/{retired['id']}", {"is_active": False}), 200)
    other_line = await new_number(owner, shop.path, NYC)
    before = await all_rows()

    for method, where, body, field in (
        ("POST", "/agents", {"name": "X", "voice_id": voice["id"]}, "voice_id"),
        ("POST", "/agents", {"name": "X", "default_number_id": line["id"]}, "default_number_id"),
        ("PATCH", f"/agents/{agent['id']}", {"default_number_id": line["id"]}, "default_number_id"),
        (
            "POST",
            "/phone-numbers",
            twilio_body("+14155550999", inbound_agent_id=retired["id"]),
            "inbound_agent_id",
        ),
        (
            "PATCH",
            f"/phone-numbers/{other_line['id']}",
            {"inbound_agent_id": retired["id"]},
            "inbound_agent_id",
        ),
        ("POST", "/agents", {"name": "X", "voice_id": random_id()}, "voice_id"),
    ):
        reply = await send(owner, method, shop.path + where, json_body=body)
        assert assert_problem(reply, 422)["field"] == field, (method, where, body)

    assert await all_rows() == before


# --- plan limits --------------------------------------------------------------------------


FREE = next(p.values for p in PLANS if p.name == "free")


def assert_exceeded(reply: Any, feature: str, limit: int) -> None:
    problem = assert_problem(reply, 403, code="entitlement-exceeded")
    assert (problem["feature"], problem["limit"], problem["used"]) == (feature, limit, limit)


async def used(api: Api, tenant_id: str, feature: str) -> int:
    return expect(await api.get(f"/v1/tenants/{tenant_id}/features/{feature}"), 200)["used"]


async def test_the_free_plan_limits_agents_in_service(pg_container, build: Builder, all_rows):
    assert await sync_catalogue(pg_container.deps()) > 0
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    base, limit = f"/v1/tenants/{tenant_id}", FREE["voice_agents.max"]
    assert isinstance(limit, int)
    assert limit > 0
    made = [await new_agent(owner.api, base, f"Agent {n}") for n in range(limit)]
    before = await all_rows()

    one_more = await send(owner.api, "POST", f"{base}/agents", json_body={"name": "One more"})

    assert_exceeded(one_more, "voice_agents.max", limit)
    assert await all_rows() == before
    assert await used(owner.api, tenant_id, "voice_agents.max") == limit
    # An agent taken out of service frees its place; bringing it back needs one again.
    first = f"{base}/agents/{made[0]['id']}"
    expect(await owner.api.patch(first, {"is_active": False}), 200)
    assert await used(owner.api, tenant_id, "voice_agents.max") == limit - 1
    await new_agent(owner.api, base, "Replacement")
    before = await all_rows()
    back = await send(owner.api, "PATCH", first, json_body={"is_active": True})
    assert_exceeded(back, "voice_agents.max", limit)
    assert await all_rows() == before


async def test_the_free_plan_limits_numbers_and_a_release_frees_one(
    pg_container, build: Builder, all_rows
):
    assert await sync_catalogue(pg_container.deps()) > 0
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    base, limit = f"/v1/tenants/{tenant_id}", FREE["phone_numbers.max"]
    assert isinstance(limit, int)
    assert limit > 0
    made = [await new_number(owner.api, base, f"+1212555{n:04d}") for n in range(limit)]
    before = await all_rows()

    one_more = await send(owner.api, "POST", f"{base}/phone-numbers", json_body=twilio_body(SF))

    assert_exceeded(one_more, "phone_numbers.max", limit)
    assert await all_rows() == before
    assert await used(owner.api, tenant_id, "phone_numbers.max") == limit
    expect(await owner.api.delete(f"{base}/phone-numbers/{made[0]['id']}"), 200)
    assert await used(owner.api, tenant_id, "phone_numbers.max") == limit - 1
    added = await new_number(owner.api, base, SF)
    assert added["status"] == "active"
    assert await used(owner.api, tenant_id, "phone_numbers.max") == limit


# --- who may do what ----------------------------------------------------------------------


async def test_viewers_and_members_read_the_catalogue_but_may_not_change_it(shop: Shop, all_rows):
    owner = shop.api("owner")
    voice = await new_voice(owner, shop.path)
    line = await new_number(owner, shop.path)
    agent = await new_agent(owner, shop.path, voice_id=voice["id"])
    records = {
        "voices": (voice, {"name": "Mine"}, {**VOICE, "name": "Mine"}),
        "phone-numbers": (line, {"label": "Mine"}, twilio_body(NYC)),
        "agents": (agent, {"name": "Mine"}, {"name": "Mine"}),
    }
    before = await all_rows()

    for role in ("viewer", "member"):
        who = shop.api(role)
        for kind, (record, change, new) in records.items():
            one = f"{shop.path}/{kind}/{record['id']}"
            assert expect(await who.get(one), 200) == record, (role, kind)
            assert await all_items(who, f"{shop.path}/{kind}") == [record], (role, kind)
            for method, path, body in (
                ("POST", f"{shop.path}/{kind}", new),
                ("PATCH", one, change),
                ("DELETE", one, None),
            ):
                reply = await send(who, method, path, json_body=body)
                assert_problem(reply, 403, code="forbidden")

    assert await all_rows() == before


# --- regressions --------------------------------------------------------------------------
