"""Builders and small assertions shared by the end-to-end tests (fixtures are in conftest)."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from entrypoints.http.app import ENDPOINTS
from tests.support import Api

PROBLEM_JSON = "application/problem+json"
REALM_CHALLENGE = 'Bearer realm="voice-agent"'
_PLACEHOLDER = re.compile(r"{(\w+)}")


class OffsetClock:
    """The system clock plus an offset a test moves forward: expiry without sleeping."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@dataclass(frozen=True)
class Reply:
    """One response, with what the (status, body) pairs of `Api` leave out."""

    status: int
    content_type: str
    headers: Any
    body: Any


async def send(
    api: Api,
    method: str,
    path: str,
    *,
    json_body: Any = None,
    data: Any = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> Reply:
    """A request through `api`'s client and token, keeping status, headers and body."""
    all_headers = dict(headers or {})
    if api.token is not None:
        all_headers.setdefault("Authorization", f"Bearer {api.token}")
    response = await api.client.request(
        method, path, json=json_body, data=data, headers=all_headers, params=params
    )
    text = await response.text()
    body = json.loads(text) if text and "json" in response.content_type else text or None
    return Reply(response.status, response.content_type, response.headers, body)


def expect(result: tuple[int, Any], status: int) -> Any:
    """The body of `result`, after checking its status (the body is shown when it differs)."""
    got, body = result
    assert got == status, f"expected {status}, got {got}: {body}"
    return body


def assert_problem(reply: Reply, status: int, *, code: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem with the given status (and code), as problem+json."""
    assert reply.status == status, reply.body
    assert reply.content_type == PROBLEM_JSON
    body = reply.body
    assert isinstance(body, dict)
    assert {"type", "title", "status", "detail"} <= body.keys(), body
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    if code is not None:
        assert body.get("code") == code, body
    return body


def random_id() -> str:
    return str(uuid.uuid4())


def fill(template: Any, **values: str) -> Any:
    """`template` (a path or a JSON body) with its {placeholders} replaced by `values`."""
    if isinstance(template, str):
        return _PLACEHOLDER.sub(lambda m: values[m[1]], template)
    if isinstance(template, dict):
        return {k: fill(v, **values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, **values) for v in template]
    return template


def comparable(problem: dict[str, Any], **ids: str) -> dict[str, Any]:
    """A problem without what is meant to differ (request id, instance), ids as names.

    Two problems that are equal after this tell the client nothing more than the ids it sent.
    """
    kept = {k: v for k, v in problem.items() if k not in ("request_id", "instance")}
    text = json.dumps(kept, sort_keys=True)
    for name, value in ids.items():
        text = text.replace(value, f"<{name}>")
    return json.loads(text)


def routes(*, public: bool = False) -> list[tuple[str, str]]:
    """(method, path) of every endpoint, public ones or authenticated ones."""
    return [(e.method, e.path) for e in ENDPOINTS if e.public == public]


async def all_items(
    api: Api, path: str, *, limit: int = 200, params: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every item of a paginated list (filtered by `params`), walking `next_cursor`."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**(params or {}), "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        page = expect(await api.get(path, params=query), 200)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def audit_log(api: Api, tenant_id: str) -> list[dict[str, Any]]:
    """The tenant's audit trail, newest first."""
    return await all_items(api, f"/v1/tenants/{tenant_id}/audit-log")


def entries(log: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [e for e in log if e["action"] == action]


def the_entry(log: list[dict[str, Any]], action: str, **match: Any) -> dict[str, Any]:
    """The one audit entry with `action` whose fields (or changes) match `match`."""
    found = [
        e
        for e in entries(log, action)
        if all(e.get(k, e["changes"].get(k)) == v for k, v in match.items())
    ]
    assert len(found) == 1, f"{action} {match}: {found} in {[e['action'] for e in log]}"
    return found[0]


@dataclass(frozen=True)
class Person:
    """A user with a personal token, and a client acting as them."""

    id: str
    email: str
    token: str
    token_id: str
    api: Api


@dataclass(frozen=True)
class Key:
    """A tenant API key and a client acting with it."""

    id: str
    tenant_id: str
    role: str
    token: str
    api: Api


INVITATION_TOKEN = re.compile(r"vin_[0-9a-f]{32}_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def invitation_token(body: str) -> str:
    """The invitation token an invitation email carries."""
    found = INVITATION_TOKEN.search(body)
    assert found, body
    return found[0]


class Builder:
    """Arranges users, tenants, members and keys through the API, as the platform admin.

    `inbox` gives the body of the last message sent to an address: with it, a member added
    `by` someone other than the platform admin joins as people do, by an invitation of theirs
    accepted with the token from the email."""

    _numbers = itertools.count(1)

    def __init__(self, admin: Api, inbox: Callable[[str], str] | None = None) -> None:
        self.admin = admin
        self.inbox = inbox

    async def user(self, email: str | None = None, **fields: Any) -> dict[str, Any]:
        """A user without a token."""
        email = email or f"user{next(self._numbers)}@example.com"
        return expect(await self.admin.post("/v1/users", {"email": email, **fields}), 201)

    async def person(self, email: str | None = None, **fields: Any) -> Person:
        """A user with a personal token."""
        user = await self.user(email, **fields)
        issued = expect(
            await self.admin.post(f"/v1/users/{user['id']}/tokens", {"name": "e2e"}), 201
        )
        return Person(
            user["id"],
            user["email"],
            issued["secret"],
            issued["id"],
            self.admin.as_(issued["secret"]),
        )

    async def tenant(self, owner: Person, name: str = "Acme") -> str:
        """A tenant created by `owner`, who becomes its owner."""
        created = expect(await owner.api.post("/v1/tenants", {"name": name}), 201)
        return str(created["id"])

    async def add(
        self, tenant_id: str, who: Person | dict[str, Any], role: str, *, by: Api
    ) -> dict[str, Any]:
        if by is not self.admin and isinstance(who, Person) and self.inbox is not None:
            return await self.invite_and_accept(tenant_id, who, role, by=by)
        user_id = who.id if isinstance(who, Person) else who["id"]
        body = {"user_id": user_id, "role": role}
        return expect(await self.admin.post(f"/v1/tenants/{tenant_id}/members", body), 201)

    async def invite_and_accept(
        self, tenant_id: str, who: Person, role: str, *, by: Api
    ) -> dict[str, Any]:
        """`by` invites the person's address; they accept, signed in. Their membership."""
        assert self.inbox is not None
        invite = {"email": who.email, "role": role}
        expect(await by.post(f"/v1/tenants/{tenant_id}/invitations", invite), 201)
        token = invitation_token(self.inbox(who.email))
        accepted = expect(await who.api.post("/v1/invitations/accept", {"token": token}), 200)
        return dict(accepted["member"])

    async def member(self, tenant_id: str, role: str, *, by: Api | None = None) -> Person:
        """A new person, added to the tenant with `role` (by the platform admin by default)."""
        who = await self.person()
        await self.add(tenant_id, who, role, by=by or self.admin)
        return who

    async def key(self, tenant_id: str, role: str, *, by: Api | None = None, **fields: Any) -> Key:
        body = {"name": f"key-{role}", "role": role, **fields}
        created = expect(
            await (by or self.admin).post(f"/v1/tenants/{tenant_id}/api-keys", body), 201
        )
        token = created["secret"]
        return Key(created["id"], tenant_id, role, token, self.admin.as_(token))
