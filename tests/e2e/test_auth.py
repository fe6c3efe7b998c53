"""Authentication (who is calling) and authorization (what their role allows), over HTTP."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dependency_injector import providers

from adapters.sandbox import SandboxScript, SandboxTelephonyProvider
from entrypoints.container import Container, connect_sandbox
from tests.e2e.helpers import (
    REALM_CHALLENGE,
    Builder,
    OffsetClock,
    Person,
    all_items,
    assert_problem,
    audit_log,
    entries,
    expect,
    fill,
    random_id,
    routes,
    send,
    the_entry,
)
from tests.support import twilio_body

pytestmark = pytest.mark.postgres

INVALID_TOKEN = "the bearer token is invalid, expired or revoked"
ROLES = ("owner", "admin", "member", "viewer")


def _secret() -> str:
    return secrets.token_urlsafe(32)


def _catalogue_ids() -> dict[str, str]:
    """Ids for the voice, number, agent, lead, call, batch, endpoint, delivery and kept message
    placeholders of the route table."""
    names = (
        "voice_id",
        "number_id",
        "agent_id",
        "lead_id",
        "call_id",
        "batch_id",
        "endpoint_id",
        "delivery_id",
        "message_id",
    )
    return {name: random_id() for name in names}


def _later(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


@dataclass(frozen=True)
class Team:
    """A tenant with one person in each role; the owner created it and added the others."""

    tenant_id: str
    people: dict[str, Person]

    @property
    def path(self) -> str:
        return f"/v1/tenants/{self.tenant_id}"


@pytest.fixture
async def pg_container(pg_container: Container) -> AsyncIterator[Container]:
    """The calls the matrix places are answered by the sandbox and end at once: each frees
    its line before the next role tries."""
    pg_container.telephony.override(
        providers.Singleton(SandboxTelephonyProvider, SandboxScript(ring_seconds=0, talk_seconds=0))
    )
    connect_sandbox(pg_container)
    yield pg_container
    await pg_container.telephony().close()


@pytest.fixture
async def team(build: Builder) -> Team:
    owner = await build.person("owner@example.com")
    tenant_id = await build.tenant(owner)
    people = {"owner": owner}
    for role in ("admin", "member", "viewer"):
        people[role] = await build.member(tenant_id, role, by=owner.api)
    return Team(tenant_id, people)


# --- authentication ------------------------------------------------------------------


def _bad_headers(tenant_id: str, real_token: str) -> list[tuple[str, dict[str, str], str | None]]:
    """(case, headers, the detail every bad token shares or None)."""
    hex_tenant, random_hex = tenant_id.replace("-", ""), secrets.token_hex(16)
    return [
        ("no header", {}, None),
        ("empty header", {"Authorization": ""}, None),
        ("basic scheme", {"Authorization": "Basic dXNlcjpwYXNz"}, None),
        ("token scheme", {"Authorization": f"Token {real_token}"}, None),
        ("bearer without token", {"Authorization": "Bearer "}, None),
        ("garbage", {"Authorization": "Bearer garbage"}, INVALID_TOKEN),
        ("lowercase scheme, garbage", {"Authorization": "bearer x.y.z"}, INVALID_TOKEN),
        (
            "well-formed unknown user token",
            {"Authorization": f"Bearer vau_{secrets.token_hex(6)}_{_secret()}"},
            INVALID_TOKEN,
        ),
        (
            "well-formed key of an unknown tenant",
            {"Authorization": f"Bearer vak_{random_hex}_{secrets.token_hex(6)}_{_secret()}"},
            INVALID_TOKEN,
        ),
        (
            "well-formed unknown key of a real tenant",
            {"Authorization": f"Bearer vak_{hex_tenant}_{secrets.token_hex(6)}_{_secret()}"},
            INVALID_TOKEN,
        ),
        (
            "real prefix, wrong secret",
            {"Authorization": f"Bearer {real_token[:17]}{_secret()}"},
            INVALID_TOKEN,
        ),
        ("real token with a suffix", {"Authorization": f"Bearer {real_token}x"}, INVALID_TOKEN),
    ]


async def test_bad_credentials_get_401_with_a_challenge(team, all_rows):
    owner = team.people["owner"]
    assert expect(await owner.api.get("/v1/me"), 200)["user"]["id"] == owner.id
    before = await all_rows()
    for case, headers, detail in _bad_headers(team.tenant_id, owner.token):
        for method, path, body in (
            ("GET", "/v1/me", None),
            ("GET", f"{team.path}/members", None),
            ("POST", f"{team.path}/members", {"email": "x@example.com"}),
        ):
            reply = await send(owner.api.as_(None), method, path, json_body=body, headers=headers)
            problem = assert_problem(reply, 401, code="unauthenticated")
            assert reply.headers["WWW-Authenticate"] == REALM_CHALLENGE, case
            if detail is not None:
                # One answer for every bad token: nothing says which part was wrong.
                assert problem["detail"] == detail, case
    assert await all_rows() == before


async def test_every_authenticated_route_refuses_a_request_without_a_token(team, api):
    values = {"tenant_id": team.tenant_id, "user_id": team.people["owner"].id}
    values |= {"key_id": random_id(), "token_id": team.people["owner"].token_id}
    values |= {"invitation_id": random_id()}
    values |= {"export_id": random_id()}
    values |= {"plan_id": random_id(), "key": "members.max"} | _catalogue_ids()
    for method, path in routes(public=False):
        reply = await send(api, method, fill(path, **values), json_body={})
        assert_problem(reply, 401, code="unauthenticated")
        assert reply.headers["WWW-Authenticate"] == REALM_CHALLENGE, (method, path)


async def test_a_revoked_user_token_is_401_and_the_others_keep_working(build, admin):
    person = await build.person()
    second = expect(await person.api.post(f"/v1/users/{person.id}/tokens", {"name": "2nd"}), 201)
    second_api = person.api.as_(second["secret"])
    assert expect(await second_api.get("/v1/me"), 200)["user"]["id"] == person.id

    revoked = expect(
        await person.api.delete(f"/v1/users/{person.id}/tokens/{person.token_id}"), 200
    )

    assert revoked["revoked_at"] is not None
    reply = await send(person.api, "GET", "/v1/me")
    assert_problem(reply, 401, code="unauthenticated")
    assert reply.headers["WWW-Authenticate"] == REALM_CHALLENGE
    assert expect(await second_api.get("/v1/me"), 200)["user"]["id"] == person.id
    # Revoking twice is a conflict, and the listing shows which token is revoked.
    again = await send(second_api, "DELETE", f"/v1/users/{person.id}/tokens/{person.token_id}")
    assert_problem(again, 409)
    tokens = {t["id"]: t for t in await all_items(admin, f"/v1/users/{person.id}/tokens")}
    assert tokens[person.token_id]["revoked_at"] is not None
    assert tokens[second["id"]]["revoked_at"] is None


async def test_an_expired_user_token_is_401(build, server_clock: OffsetClock):
    person = await build.person()
    issued = expect(
        await person.api.post(
            f"/v1/users/{person.id}/tokens", {"name": "short", "expires_at": _later(1)}
        ),
        201,
    )
    short = person.api.as_(issued["secret"])
    assert expect(await short.get("/v1/me"), 200)["user"]["id"] == person.id

    server_clock.advance(hours=1, seconds=1)

    assert_problem(await send(short, "GET", "/v1/me"), 401, code="unauthenticated")
    assert expect(await person.api.get("/v1/me"), 200)["user"]["id"] == person.id


async def test_an_expired_api_key_is_401(team, build, server_clock: OffsetClock):
    owner = team.people["owner"]
    key = await build.key(team.tenant_id, "viewer", by=owner.api, expires_at=_later(1))
    assert expect(await key.api.get(team.path), 200)["id"] == team.tenant_id

    server_clock.advance(hours=1, seconds=1)

    reply = await send(key.api, "GET", team.path)
    problem = assert_problem(reply, 401, code="unauthenticated")
    assert problem["detail"] == INVALID_TOKEN
    assert reply.headers["WWW-Authenticate"] == REALM_CHALLENGE
    log = await audit_log(owner.api, team.tenant_id)
    created = the_entry(log, "api_key.created", entity_id=key.id)
    assert created["actor_type"] == "user"
    assert created["actor_id"] == owner.id
    assert created["changes"]["role"] == "viewer"
    assert created["changes"]["expires_at"] is not None


async def test_a_revoked_api_key_is_401_and_audited(team, build):
    owner = team.people["owner"]
    key = await build.key(team.tenant_id, "member", by=owner.api)
    assert expect(await key.api.get(team.path), 200)["id"] == team.tenant_id

    revoked = expect(await owner.api.delete(f"{team.path}/api-keys/{key.id}"), 200)

    assert revoked["revoked_at"] is not None
    assert_problem(await send(key.api, "GET", team.path), 401, code="unauthenticated")
    assert_problem(await send(owner.api, "DELETE", f"{team.path}/api-keys/{key.id}"), 409)
    log = await audit_log(owner.api, team.tenant_id)
    entry = the_entry(log, "api_key.revoked", entity_id=key.id)
    assert entry["actor_type"] == "user"
    assert entry["actor_id"] == owner.id
    assert entry["changes"] == {"name": "key-member"}
    assert len(entries(log, "api_key.revoked")) == 1


async def test_an_api_key_records_when_it_was_last_used(team, build):
    owner = team.people["owner"]
    key = await build.key(team.tenant_id, "viewer", by=owner.api)

    def listed(keys: list[dict[str, Any]]) -> dict[str, Any]:
        return next(k for k in keys if k["id"] == key.id)

    unused = listed(await all_items(owner.api, f"{team.path}/api-keys"))
    assert unused["last_used_at"] is None
    assert unused["created_by"] == owner.id

    me = expect(await key.api.get("/v1/me"), 200)

    assert me == {
        "object": "principal",
        "kind": "api_key",
        "user": None,
        "api_key_id": key.id,
        "tenant_id": team.tenant_id,
        "role": "viewer",
        "is_platform_admin": False,
    }
    used = listed(await all_items(owner.api, f"{team.path}/api-keys"))
    assert used["last_used_at"] is not None
    assert datetime.fromisoformat(used["last_used_at"]) >= datetime.fromisoformat(
        used["created_at"]
    )


async def test_a_deactivated_user_gets_403_on_every_call_until_reactivated(team, admin, all_rows):
    owner = team.people["owner"]
    deactivated = expect(await admin.patch(f"/v1/users/{owner.id}", {"is_active": False}), 200)
    assert deactivated["is_active"] is False
    before = await all_rows()
    values = {"tenant_id": team.tenant_id, "user_id": owner.id, "key_id": random_id()}
    values |= {"token_id": owner.token_id, "plan_id": random_id(), "key": "members.max"}
    values |= _catalogue_ids() | {"invitation_id": random_id()}
    values |= {"export_id": random_id()}

    for method, path in routes(public=False):
        reply = await send(owner.api, method, fill(path, **values), json_body={"name": "x"})
        problem = assert_problem(reply, 403, code="forbidden")
        assert problem["detail"] == "the user is deactivated", (method, path)

    assert await all_rows() == before
    expect(await admin.patch(f"/v1/users/{owner.id}", {"is_active": True}), 200)
    assert expect(await owner.api.get("/v1/me"), 200)["user"]["is_active"] is True
    expect(await owner.api.get(f"{team.path}/members"), 200)


async def test_a_suspended_tenant_shows_itself_and_refuses_everything_else(
    team, build, admin, admin_id, all_rows
):
    owner = team.people["owner"]
    key = await build.key(team.tenant_id, "admin", by=owner.api)

    suspended = expect(await admin.post(f"{team.path}/suspend"), 200)

    assert suspended["status"] == "suspended"
    assert suspended["is_active"] is False
    before = await all_rows()
    for who in (owner.api, team.people["viewer"].api, key.api):
        shown = expect(await who.get(team.path), 200)
        assert (shown["status"], shown["is_active"]) == ("suspended", False)
    for who in (owner.api, key.api):
        for method, path, body in (
            ("GET", "/members", None),
            ("GET", f"/members/{owner.id}", None),
            ("POST", "/members", {"email": "late@example.com"}),
            ("PATCH", f"/members/{team.people['viewer'].id}", {"role": "member"}),
            ("DELETE", f"/members/{team.people['viewer'].id}", None),
            ("PATCH", "", {"name": "Renamed"}),
            ("GET", "/api-keys", None),
            ("POST", "/api-keys", {"name": "k"}),
            ("DELETE", f"/api-keys/{key.id}", None),
            ("GET", "/audit-log", None),
            ("POST", "/transfer-ownership", {"user_id": team.people["admin"].id}),
            ("POST", "/reactivate", None),
        ):
            reply = await send(who, method, team.path + path, json_body=body)
            assert_problem(reply, 403)
    # Leaving is a write too.
    viewer = team.people["viewer"]
    assert_problem(await send(viewer.api, "DELETE", f"{team.path}/members/{viewer.id}"), 403)
    assert await all_rows() == before
    assert_problem(await send(admin, "POST", f"{team.path}/suspend"), 409)

    reactivated = expect(await admin.post(f"{team.path}/reactivate"), 200)

    assert (reactivated["status"], reactivated["is_active"]) == ("active", True)
    members = await all_items(owner.api, f"{team.path}/members")
    assert len(members) == 4
    expect(await key.api.post(f"{team.path}/invitations", {"email": "late@example.com"}), 201)
    log = await audit_log(owner.api, team.tenant_id)
    for action, change in (
        ("tenant.suspended", {"from": "active", "to": "suspended"}),
        ("tenant.reactivated", {"from": "suspended", "to": "active"}),
    ):
        entry = the_entry(log, action)
        assert (entry["actor_type"], entry["actor_id"]) == ("user", admin_id)
        assert entry["entity"] == "tenant"
        assert entry["entity_id"] == team.tenant_id
        assert entry["changes"] == {"status": change}
    invited = the_entry(log, "invitation.created", actor_type="api_key")
    assert invited["actor_id"] == key.id
    assert [e["action"] for e in log[:2]] == ["invitation.created", "tenant.reactivated"]


# --- the role matrix -----------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    name: str
    method: str
    # {tenant_id}; {role}: the acting role; {target}/{key}/{voice}/{number}/{agent}/{lead}/
    # {call}: one for the actor; {phone}: a number no one has yet; {lead_phone}: {lead}'s number
    path: str
    body: Any
    allowed: frozenset[str]
    audit: str | None  # the action written when allowed
    needs_user: bool = False  # refused to API keys whatever their role
    params: dict[str, str] | None = None  # the query string
    csv: str | None = None  # sent as text/csv instead of the JSON body
    succeeds: tuple[int, ...] = (200, 201, 204)  # the statuses of an allowed role
    # Paths under the tenant the owner POSTs before each attempt, and after it (whatever its
    # outcome), for actions that change the tenant's own state (close, reopen).
    before: str | None = None
    after: str | None = None
    # What an allowed attempt writes is the provider's doing, not audited (a sandbox call's
    # refusal is kept in the webhook inbox).
    writes_unaudited: bool = False

    def text(self) -> str:
        return f"{self.path}{self.body}{self.params}{self.csv}"


def _roles(*names: str) -> frozenset[str]:
    return frozenset(names)


ALL, MANAGERS, OWNERS = _roles(*ROLES), _roles("owner", "admin"), _roles("owner")
WRITERS = _roles("owner", "admin", "member")
T = "/v1/tenants/{tenant_id}"
VOICE = T + "/voices/{voice}"
NUMBER = T + "/phone-numbers/{number}"
AGENT = T + "/agents/{agent}"
LEAD = T + "/leads/{lead}"
CALL = T + "/calls/{call}"
BATCH = T + "/batches/{batch}"
HOOKS = T + "/webhook-endpoints"
HOOK = HOOKS + "/{endpoint}"
DELIVERY = HOOK + "/deliveries/{delivery}"
EXPORT = T + "/exports/{export}"
A_HOOK = {"url": "https://crm.example.com/{role}", "event_types": ["call.ended"]}
ALWAYS = {"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "23:59"}
A_BATCH = {
    "name": "By {role}",
    "agent_id": "{agent}",
    "from_number_id": "{number}",
    "leads": {"ids": ["{lead}"]},
    "calling_window": ALWAYS,
}

MATRIX = [
    Action("read tenant", "GET", T, None, ALL, None),
    Action("rename tenant", "PATCH", T, {"name": "By {role}"}, OWNERS, "tenant.updated"),
    Action("list members", "GET", T + "/members", None, ALL, None),
    Action("read a member", "GET", T + "/members/{target}", None, ALL, None),
    # No tenant role adds members directly: people join by accepting an invitation.
    Action(
        "add member",
        "POST",
        T + "/members",
        {"email": "new-{role}@example.com", "role": "member"},
        frozenset(),
        None,
    ),
    Action(
        "invite",
        "POST",
        T + "/invitations",
        {"email": "invited-{role}@example.com", "role": "member"},
        MANAGERS,
        "invitation.created",
    ),
    Action("list invitations", "GET", T + "/invitations", None, MANAGERS, None),
    Action("read an invitation", "GET", T + "/invitations/{invitation}", None, MANAGERS, None),
    Action(
        "revoke invitation",
        "DELETE",
        T + "/invitations/{invitation}",
        None,
        MANAGERS,
        "invitation.revoked",
    ),
    Action(
        "resend invitation",
        "POST",
        T + "/invitations/{invitation}/resend",
        None,
        MANAGERS,
        "invitation.resent",
    ),
    Action(
        "change a role",
        "PATCH",
        T + "/members/{target}",
        {"role": "viewer"},
        MANAGERS,
        "member.role_changed",
    ),
    Action("remove member", "DELETE", T + "/members/{target}", None, MANAGERS, "member.removed"),
    Action("list api keys", "GET", T + "/api-keys", None, MANAGERS, None),
    Action(
        "create api key",
        "POST",
        T + "/api-keys",
        {"name": "by-{role}", "role": "viewer"},
        MANAGERS,
        "api_key.created",
        needs_user=True,
    ),
    Action("read an api key", "GET", T + "/api-keys/{key}", None, MANAGERS, None),
    Action("revoke api key", "DELETE", T + "/api-keys/{key}", None, MANAGERS, "api_key.revoked"),
    Action("read audit log", "GET", T + "/audit-log", None, MANAGERS, None),
    Action(
        "transfer ownership",
        "POST",
        T + "/transfer-ownership",
        {"user_id": "{target}"},
        OWNERS,
        "tenant.ownership_transferred",
        needs_user=True,
    ),
    Action("suspend", "POST", T + "/suspend", None, frozenset(), None),
    Action("reactivate", "POST", T + "/reactivate", None, frozenset(), None),
    Action("read features", "GET", T + "/features", None, ALL, None),
    Action("check a feature", "GET", T + "/features/{feature}", None, ALL, None),
    # Overrides are the platform's to grant: no tenant role may set or remove one.
    Action(
        "override a feature", "PUT", T + "/features/{feature}", {"value": 50}, frozenset(), None
    ),
    Action("remove an override", "DELETE", T + "/features/{feature}", None, frozenset(), None),
    Action("change plan", "PUT", T + "/plan", {"plan_id": "{plan}"}, OWNERS, "tenant.plan_changed"),
    # The agent catalogue: admins configure it, every member reads it.
    Action("list voices", "GET", T + "/voices", None, ALL, None),
    Action(
        "add voice",
        "POST",
        T + "/voices",
        {"name": "By {role}", "provider": "11labs", "provider_voice_id": "v-{role}"},
        MANAGERS,
        "voice.created",
    ),
    Action("read a voice", "GET", VOICE, None, ALL, None),
    Action("change a voice", "PATCH", VOICE, {"name": "By {role}"}, MANAGERS, "voice.updated"),
    Action("deactivate a voice", "DELETE", VOICE, None, MANAGERS, "voice.deactivated"),
    Action("list numbers", "GET", T + "/phone-numbers", None, ALL, None),
    Action(
        "provision number",
        "POST",
        T + "/phone-numbers",
        twilio_body("{phone}", label="By {role}"),
        MANAGERS,
        "phone_number.provisioned",
    ),
    # Only platform admins confirm (and the target here was provisioned, not typed in).
    Action("confirm a number", "POST", NUMBER + "/confirm", None, frozenset(), None),
    Action(
        "ring a number on the sandbox",
        "POST",
        NUMBER + "/sandbox-calls",
        {"caller": "{phone}"},
        WRITERS,
        None,
        succeeds=(202,),
        writes_unaudited=True,
    ),
    Action("read a number", "GET", NUMBER, None, ALL, None),
    Action(
        "change a number", "PATCH", NUMBER, {"label": "By {role}"}, MANAGERS, "phone_number.updated"
    ),
    Action("release a number", "DELETE", NUMBER, None, MANAGERS, "phone_number.released"),
    Action("list agents", "GET", T + "/agents", None, ALL, None),
    Action("create agent", "POST", T + "/agents", {"name": "By {role}"}, MANAGERS, "agent.created"),
    Action("read an agent", "GET", AGENT, None, ALL, None),
    Action("change an agent", "PATCH", AGENT, {"name": "By {role}"}, MANAGERS, "agent.updated"),
    Action("delete an agent", "DELETE", AGENT, None, MANAGERS, "agent.deleted"),
    # Leads: members work them, viewers read them.
    Action("list leads", "GET", T + "/leads", None, ALL, None),
    Action("create lead", "POST", T + "/leads", {"phone": "{phone}"}, WRITERS, "lead.created"),
    Action(
        "look a lead up",
        "GET",
        T + "/leads/lookup",
        None,
        ALL,
        None,
        params={"phone": "{lead_phone}"},
    ),
    Action(
        "import leads",
        "POST",
        T + "/leads/import",
        None,
        WRITERS,
        "leads.imported",
        csv="phone,name\n{phone},By {role}\n",
    ),
    Action("read a lead", "GET", LEAD, None, ALL, None),
    Action("change a lead", "PATCH", LEAD, {"name": "By {role}"}, WRITERS, "lead.updated"),
    Action("delete a lead", "DELETE", LEAD, None, WRITERS, "lead.deleted"),
    Action("mark contacted", "POST", LEAD + "/contacted", {}, WRITERS, "lead.contacted"),
    # A data subject's erasure, and how long content is kept: owners and admins.
    Action("erase a lead", "POST", LEAD + "/erase", None, MANAGERS, "lead.erased"),
    Action("read the retention", "GET", T + "/retention", None, ALL, None),
    Action(
        "change the retention",
        "PATCH",
        T + "/retention",
        {"recordings_days": 30},
        MANAGERS,
        "tenant.retention_changed",
    ),
    Action("read a lead's calls", "GET", LEAD + "/calls", None, ALL, None),
    # Calls: members place them (this one fails at the provider, its number having no Vapi
    # id, but it is placed and audited all the same), viewers read them.
    Action(
        "place a call",
        "POST",
        T + "/calls",
        {"agent_id": "{agent}", "from_number_id": "{number}", "to": "{phone}"},
        WRITERS,
        "call.placed",
    ),
    Action("list calls", "GET", T + "/calls", None, ALL, None),
    Action("read a call", "GET", CALL, None, ALL, None),
    # {call} has ended: a role allowed to hang up gets past the permission to learn that the
    # call is not live, with nothing written (tests/e2e/test_call_end.py hangs up live ones).
    Action("hang up a call", "POST", CALL + "/end", None, WRITERS, None, succeeds=(409,)),
    Action("read a call's transcript", "GET", CALL + "/transcript", None, ALL, None),
    Action("read a call's cost", "GET", CALL + "/cost", None, ALL, None),
    Action("read a call's usage", "GET", CALL + "/usage", None, ALL, None),
    # The provider's own record of a call: owners and admins only.
    Action("read a call's provider record", "GET", CALL + "/provider-record", None, MANAGERS, None),
    Action(
        "delete a call's content",
        "DELETE",
        CALL + "/content",
        None,
        MANAGERS,
        "call.content_deleted",
    ),
    Action("read the usage report", "GET", T + "/usage", None, ALL, None),
    # Batches: members run them, viewers follow them. {batch} is a draft, or running for
    # pause, or paused for resume.
    Action("create a batch", "POST", T + "/batches", A_BATCH, WRITERS, "batch.created"),
    Action("list batches", "GET", T + "/batches", None, ALL, None),
    Action("read a batch", "GET", BATCH, None, ALL, None),
    Action("list a batch's items", "GET", BATCH + "/items", None, ALL, None),
    Action("preflight a batch", "POST", BATCH + "/preflight", None, WRITERS, None),
    Action("start a batch", "POST", BATCH + "/start", None, WRITERS, "batch.started"),
    Action("pause a batch", "POST", BATCH + "/pause", None, WRITERS, "batch.paused"),
    Action("resume a batch", "POST", BATCH + "/resume", None, WRITERS, "batch.resumed"),
    Action("cancel a batch", "POST", BATCH + "/cancel", None, WRITERS, "batch.cancelled"),
    # Webhook endpoints: owners and admins only (a receiver's URL is often its credential).
    Action("add a webhook endpoint", "POST", HOOKS, A_HOOK, MANAGERS, "webhook_endpoint.created"),
    Action("list webhook endpoints", "GET", HOOKS, None, MANAGERS, None),
    Action("read a webhook endpoint", "GET", HOOK, None, MANAGERS, None),
    Action(
        "change a webhook endpoint",
        "PATCH",
        HOOK,
        {"enabled": False},
        MANAGERS,
        "webhook_endpoint.updated",
    ),
    Action(
        "rotate a webhook secret",
        "POST",
        HOOK + "/rotate-secret",
        {},
        MANAGERS,
        "webhook_endpoint.secret_rotated",
    ),
    Action("delete a webhook endpoint", "DELETE", HOOK, None, MANAGERS, "webhook_endpoint.deleted"),
    Action("list webhook deliveries", "GET", HOOK + "/deliveries", None, MANAGERS, None),
    Action("read a webhook delivery", "GET", DELIVERY, None, MANAGERS, None),
    Action(
        "retry a webhook delivery",
        "POST",
        DELIVERY + "/retry",
        None,
        MANAGERS,
        "webhook_delivery.retried",
        succeeds=(202,),
    ),
    Action(
        "replay webhook events",
        "POST",
        HOOK + "/replay",
        {"since": "2026-01-01T00:00:00Z"},
        MANAGERS,
        "webhook_endpoint.replayed",
        succeeds=(202,),
    ),
    Action(
        "close the tenant", "POST", T + "/close", None, OWNERS, "tenant.closed", after="/reopen"
    ),
    Action(
        "reopen the tenant",
        "POST",
        T + "/reopen",
        None,
        OWNERS,
        "tenant.reopened",
        before="/close",
        after="/reopen",
    ),
    Action(
        "export the tenant's data",
        "POST",
        T + "/exports",
        None,
        OWNERS,
        "tenant.export_requested",
        succeeds=(202,),
    ),
    Action("list exports", "GET", T + "/exports", None, OWNERS, None),
    Action("read an export", "GET", EXPORT, None, OWNERS, None),
    # Pending (no worker here): an allowed role gets as far as the export's state.
    Action("download an export", "GET", EXPORT + "/download", None, OWNERS, None, succeeds=(409,)),
]

_PHONES = itertools.count(1000)


def _new_phone() -> str:
    """A valid number (San Francisco, 555 exchange) no earlier call in this run has used."""
    return f"+1415555{next(_PHONES):04d}"


async def _catalogue_targets(
    action: Action, tenant: str, by: Any, add_call: Any, add_event: Any
) -> dict[str, str]:
    """The voice, number, agent, lead, call or batch the action names, made by the owner
    (`by`)."""
    base, text, values = f"/v1/tenants/{tenant}", action.text(), {"phone": _new_phone()}
    if "{batch}" in text:
        text += "{number}{agent}{lead}"
    if "{voice}" in text:
        voice = {"name": "Target", "provider": "openai", "provider_voice_id": "alloy"}
        values["voice"] = expect(await by.post(f"{base}/voices", voice), 201)["id"]
    if "{number}" in text:
        number = twilio_body(_new_phone())
        values["number"] = expect(await by.post(f"{base}/phone-numbers", number), 201)["id"]
    if "{agent}" in text:
        values["agent"] = expect(await by.post(f"{base}/agents", {"name": "Target"}), 201)["id"]
    if "{lead" in text:
        lead = expect(await by.post(f"{base}/leads", {"phone": _new_phone()}), 201)
        values |= {"lead": lead["id"], "lead_phone": lead["phone"]}
    if "{call}" in text:
        values["call"] = await add_call(tenant)
    if "{batch}" in text:
        values["batch"] = await _a_batch(action, base, by, values)
    if "{endpoint}" in text:
        hook = fill(A_HOOK, role="target")
        values["endpoint"] = expect(await by.post(f"{base}/webhook-endpoints", hook), 201)["id"]
    if "{delivery}" in text:
        await add_event(tenant, "call.ended")
        deliveries = f"{base}/webhook-endpoints/{values['endpoint']}/deliveries"
        values["delivery"] = expect(await by.get(deliveries), 200)["items"][0]["id"]
    return values


async def _a_batch(action: Action, base: str, by: Any, values: dict[str, str]) -> str:
    """A draft batch of one lead; running for a pause, paused for a resume."""
    body = fill(A_BATCH, **values, role="target")
    batch = str(expect(await by.post(f"{base}/batches", body), 201)["id"])
    steps = {"pause": ["start"], "resume": ["start", "pause"]}
    for step in steps.get(action.path.rsplit("/", 1)[-1], []):
        expect(await by.post(f"{base}/batches/{batch}/{step}", None), 200)
    return batch


@pytest.mark.parametrize("action", MATRIX, ids=lambda a: a.name)
async def test_role_matrix(
    team, build, admin, all_rows, add_call, add_event, pg_container, action: Action
):
    """Each role, from the least to the most powerful, with an API key of that role then
    with a user token, tries the action on a target of its own."""
    sandbox = pg_container.telephony()
    owner = team.people["owner"]
    flag = {"feature_key": "matrix.flag", "name": "Matrix flag", "feature_type": "boolean"}
    feature = expect(await admin.post("/v1/features", flag), 201)["feature_key"]
    for kind, role in [(k, r) for k in ("api key", "user token") for r in reversed(ROLES)]:
        if kind == "user token":
            caller, actor = team.people[role].api, ("user", team.people[role].id)
        else:
            key = await build.key(team.tenant_id, role, by=owner.api)
            caller, actor = key.api, ("api_key", key.id)
        values = {"tenant_id": team.tenant_id, "role": f"{role}-{kind[0]}"}
        values |= await _catalogue_targets(action, team.tenant_id, owner.api, add_call, add_event)
        if "{target}" in action.text():
            target = await build.user()
            await build.add(team.tenant_id, target, "member", by=owner.api)
            values["target"] = target["id"]
        if "{key}" in action.path:
            values["key"] = (await build.key(team.tenant_id, "viewer", by=owner.api)).id
        if "{invitation}" in action.path:
            invite = {"email": f"target-{values['role']}@example.com"}
            made = await owner.api.post(f"/v1/tenants/{team.tenant_id}/invitations", invite)
            values["invitation"] = expect(made, 201)["id"]
        if "{export}" in action.path:
            made = await owner.api.post(f"/v1/tenants/{team.tenant_id}/exports")
            values["export"] = expect(made, 202)["id"]
        if action.before is not None:
            expect(await owner.api.post(team.path + action.before), 200)
        values["feature"] = feature
        if "{plan}" in action.text():
            created = await admin.post("/v1/plans", {"name": f"plan-{values['role']}"})
            values["plan"] = expect(created, 201)["id"]
        allowed = role in action.allowed and not (action.needs_user and kind == "api key")
        # A call placed by a role before this one ends in the background: the reading is
        # taken once it has, or its end would count as this request's write.
        await sandbox.idle()
        before = await all_rows()

        reply = await send(
            caller,
            action.method,
            fill(action.path, **values),
            json_body=None if action.csv else fill(action.body, **values),
            data=fill(action.csv, **values) if action.csv else None,
            headers={"Content-Type": "text/csv"} if action.csv else None,
            params=fill(action.params, **values),
        )

        if not allowed:
            assert_problem(reply, 403, code="forbidden")
            assert await all_rows() == before, f"{role} {kind} changed something"
        else:
            assert reply.status in action.succeeds, (role, kind, reply.body)
            if action.audit is not None:
                log = await audit_log(admin, team.tenant_id)
                newest = entries(log, action.audit)
                assert newest, f"no {action.audit} for {role} {kind}"
                assert (newest[0]["actor_type"], newest[0]["actor_id"]) == actor
            elif not action.writes_unaudited:
                assert await all_rows() == before, f"a read by {role} {kind} changed something"
        if action.after is not None:
            await owner.api.post(team.path + action.after)


async def test_an_admin_cannot_grant_or_touch_the_owner_role(team, build, admin, all_rows):
    owner, admin_person = team.people["owner"], team.people["admin"]
    member = team.people["member"]
    as_admin = admin_person.api
    before = await all_rows()

    attempts = [
        ("POST", "/invitations", {"email": "boss@example.com", "role": "owner"}),
        ("PATCH", f"/members/{member.id}", {"role": "owner"}),
        ("PATCH", f"/members/{owner.id}", {"role": "admin"}),
        ("DELETE", f"/members/{owner.id}", None),
        ("POST", "/api-keys", {"name": "master", "role": "owner"}),
    ]
    for method, path, body in attempts:
        reply = await send(as_admin, method, team.path + path, json_body=body)
        assert_problem(reply, 403, code="owner-role-reserved")

    assert await all_rows() == before
    # An API key creates no keys at all (a key must not outlive a person's standing), and
    # revoking an owner's key is held to the owner rule.
    admin_key = await build.key(team.tenant_id, "admin", by=owner.api)
    reply = await send(
        admin_key.api, "POST", f"{team.path}/api-keys", json_body={"name": "m", "role": "owner"}
    )
    assert assert_problem(reply, 403, code="forbidden")["detail"] == (
        "this action needs a user token, not a tenant API key"
    )
    owner_key = await build.key(team.tenant_id, "owner", by=owner.api)
    reply = await send(as_admin, "DELETE", f"{team.path}/api-keys/{owner_key.id}")
    assert_problem(reply, 403, code="owner-role-reserved")
    assert expect(await owner_key.api.get(team.path), 200)["id"] == team.tenant_id


async def test_an_admin_manages_members_below_owner_and_every_change_is_audited(team):
    owner, admin_person = team.people["owner"], team.people["admin"]
    member, viewer = team.people["member"], team.people["viewer"]
    as_admin = admin_person.api

    invited = expect(
        await as_admin.post(
            f"{team.path}/invitations", {"email": "dee@example.com", "role": "member"}
        ),
        201,
    )
    changed = expect(
        await as_admin.patch(f"{team.path}/members/{member.id}", {"role": "admin"}), 200
    )
    expect(await as_admin.delete(f"{team.path}/members/{viewer.id}"), 204)
    key = expect(await as_admin.post(f"{team.path}/api-keys", {"name": "ci", "role": "admin"}), 201)
    expect(await as_admin.delete(f"{team.path}/api-keys/{key['id']}"), 200)

    assert changed["role"] == "admin"
    assert changed["version"] == 1
    members = {m["user_id"]: m["role"] for m in await all_items(owner.api, f"{team.path}/members")}
    assert members == {
        owner.id: "owner",
        admin_person.id: "admin",
        member.id: "admin",
    }
    log = await audit_log(owner.api, team.tenant_id)
    by_admin = [e for e in log if e["actor_id"] == admin_person.id]
    assert [e["action"] for e in by_admin] == [
        "api_key.revoked",
        "api_key.created",
        "member.removed",
        "member.role_changed",
        "invitation.created",
        # The admin's own joining, when they accepted their invitation.
        "member.added",
        "invitation.accepted",
    ]
    assert all(e["actor_type"] == "user" and e["tenant_id"] == team.tenant_id for e in by_admin)
    changes = {e["action"]: e["changes"] for e in by_admin}
    assert changes["invitation.created"] == {
        "email": "dee@example.com",
        "role": "member",
        "expires_at": invited["expires_at"].replace("Z", "+00:00"),
    }
    assert changes["member.role_changed"] == {
        "user_id": member.id,
        "role": {"from": "member", "to": "admin"},
    }
    assert changes["member.removed"] == {"user_id": viewer.id, "role": "viewer"}
    assert changes["api_key.created"] == {"name": "ci", "role": "admin", "expires_at": None}
    assert changes["api_key.revoked"] == {"name": "ci"}


async def test_an_api_key_cannot_act_as_a_user(team, build):
    key = await build.key(team.tenant_id, "owner", by=team.people["owner"].api)
    for method, path, body in (
        ("POST", "/v1/tenants", {"name": "Side project"}),
        ("GET", "/v1/me/tenants", None),
        ("DELETE", "/v1/me", None),
        ("POST", f"{team.path}/transfer-ownership", {"user_id": team.people["admin"].id}),
    ):
        reply = await send(key.api, method, path, json_body=body)
        assert_problem(reply, 403, code="forbidden")
    assert [t["id"] for t in await all_items(key.api, "/v1/tenants")] == [team.tenant_id]


async def test_only_platform_admins_manage_users(team, admin):
    owner = team.people["owner"]
    for method, path, body in (
        ("GET", "/v1/users", None),
        ("POST", "/v1/users", {"email": "sneaky@example.com"}),
        ("PATCH", f"/v1/users/{owner.id}", {"is_platform_admin": True}),
        ("PATCH", f"/v1/users/{owner.id}", {"is_active": False}),
    ):
        assert_problem(await send(owner.api, method, path, json_body=body), 403, code="forbidden")
    me = expect(await admin.get(f"/v1/users/{owner.id}"), 200)
    assert (me["is_platform_admin"], me["is_active"]) == (False, True)
    # A user may change their own name, though.
    renamed = expect(await owner.api.patch(f"/v1/users/{owner.id}", {"first_name": "Olive"}), 200)
    assert renamed["first_name"] == "Olive"


def test_the_matrix_covers_every_tenant_route():
    tenant_routes = {(m, p) for m, p in routes() if p.startswith("/v1/tenants/{tenant_id}")}
    covered = {(a.method, a.path) for a in MATRIX}
    normalised = {
        (
            m,
            p.replace("{target}", "{user_id}")
            .replace("{key}", "{key_id}")
            .replace("{feature}", "{key}")
            .replace("{voice}", "{voice_id}")
            .replace("{number}", "{number_id}")
            .replace("{agent}", "{agent_id}")
            .replace("{lead}", "{lead_id}")
            .replace("{call}", "{call_id}")
            .replace("{batch}", "{batch_id}")
            .replace("{endpoint}", "{endpoint_id}")
            .replace("{delivery}", "{delivery_id}")
            .replace("{invitation}", "{invitation_id}")
            .replace("{export}", "{export_id}"),
        )
        for m, p in covered
    }
    assert normalised == tenant_routes
    assert len(normalised) == len(MATRIX), "a route is in the matrix twice"
