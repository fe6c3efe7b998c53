"""The error contract: one 422 lists every invalid field and unknown query parameter, a body
of the wrong media type is a 415, and none of them writes anything."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest

from entrypoints.http.app import ENDPOINTS, create_app
from entrypoints.http.webhooks import WebhookVerifier
from tests.e2e.helpers import Builder, Person, assert_problem, expect, fill, send
from tests.fakes.vapi_messages import VapiCall
from tests.support import Api

pytestmark = pytest.mark.postgres

ROLES = ["owner", "admin", "member", "viewer"]


@dataclass(frozen=True)
class Site:
    tenant_id: str
    owner: Person
    agent_id: str

    def values(self) -> dict[str, str]:
        """A value for every path parameter of the route table."""
        other = "0190f5a2-7c1e-7d3a-9b2f-4e5d6c7b8a90"
        ids = {name: other for e in ENDPOINTS for name in re.findall(r"{(\w+)}", e.path)}
        return {**ids, "tenant_id": self.tenant_id, "user_id": self.owner.id, "name": "x.js"}


@pytest.fixture
async def site(build: Builder) -> Site:
    owner = await build.person("owner@example.com")
    tenant_id = await build.tenant(owner, "Acme")
    agent = expect(await owner.api.post(f"/v1/tenants/{tenant_id}/agents", {"name": "Ava"}), 201)
    return Site(tenant_id, owner, agent["id"])


def errors_of(problem: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The problem's errors by field (each field named once)."""
    fields = [e["field"] for e in problem["errors"]]
    assert len(fields) == len(set(fields)), fields
    return {e["field"]: {k: v for k, v in e.items() if k != "field"} for e in problem["errors"]}


async def test_every_invalid_field_of_a_body_is_named_in_one_422_and_nothing_is_written(
    site, all_rows
):
    before = await all_rows()
    body = {"role": "king", "email": "x" * 255, "nickname": "Ada"}

    reply = await send(
        site.owner.api, "POST", f"/v1/tenants/{site.tenant_id}/invitations", json_body=body
    )

    problem = assert_problem(reply, 422, code="validation-failed")
    assert errors_of(problem) == {
        "body.role": {"message": "must be one of: owner, admin, member, viewer", "allowed": ROLES},
        "body.email": {
            "message": "must be at most 254 characters",
            "min_length": 3,
            "max_length": 254,
        },
        "body.nickname": {"message": "is not a field of this request"},
    }
    assert problem["field"] == problem["errors"][0]["field"].removeprefix("body.")
    for e in problem["errors"]:
        assert f"{e['field']} {e['message']}" in problem["detail"]
    assert await all_rows() == before


async def test_a_missing_field_and_a_wrong_type_are_named_together(admin, all_rows):
    before = await all_rows()

    reply = await send(admin, "POST", "/v1/users", json_body={"first_name": 7})

    assert errors_of(assert_problem(reply, 422)) == {
        "body.email": {"message": "is required"},
        "body.first_name": {"message": "must be a string", "max_length": 100},
    }
    assert await all_rows() == before


async def test_a_rule_checked_after_decoding_answers_in_the_same_errors_list(admin):
    reply = await send(admin, "POST", "/v1/tenants", json_body={"name": "   "})

    problem = assert_problem(reply, 422)
    assert problem["field"] == "name"
    assert problem["errors"] == [{"field": "body.name", "message": problem["detail"]}]


async def test_a_bad_header_is_named_as_a_header(site, all_rows):
    before = await all_rows()

    reply = await send(
        site.owner.api,
        "POST",
        f"/v1/tenants/{site.tenant_id}/calls",
        json_body={"agent_id": site.agent_id, "to": "+14155550123"},
        headers={"Idempotency-Key": "k" * 256},
    )

    problem = assert_problem(reply, 422)
    assert [e["field"] for e in problem["errors"]] == ["header.Idempotency-Key"]
    assert await all_rows() == before


# --- query parameters ------------------------------------------------------------------------


async def test_unknown_query_parameters_and_bad_values_are_named_in_one_422(site):
    reply = await send(
        site.owner.api,
        "GET",
        f"/v1/tenants/{site.tenant_id}/calls",
        params={"limit": "0", "sort": "asc", "status": "bogus", "agent_id": "x", "page": "2"},
    )

    errors = errors_of(assert_problem(reply, 422, code="validation-failed"))
    assert set(errors) == {
        "query.limit",
        "query.sort",
        "query.status",
        "query.agent_id",
        "query.page",
    }
    assert errors["query.limit"] == {
        "message": "must be an integer from 1 to 200",
        "minimum": 1,
        "maximum": 200,
    }
    assert errors["query.agent_id"] == {"message": "must be a UUID"}
    assert errors["query.status"]["message"].startswith("must be one of: ")
    declared = next(
        e for e in ENDPOINTS if (e.method, e.path) == ("GET", "/v1/tenants/{tenant_id}/calls")
    )
    for unknown in ("query.sort", "query.page"):
        assert errors[unknown] == {
            "message": "is not a parameter of this request",
            "allowed": [q.name for q in declared.query],
        }


CHECKED = [e for e in ENDPOINTS if not e.open_query]


async def test_every_endpoint_refuses_an_unknown_query_parameter_and_writes_nothing(
    site, admin, all_rows
):
    """Every endpoint in turn, on one site (none writes anything, so none can disturb the
    next)."""
    before = await all_rows()
    for endpoint in CHECKED:
        reply = await send(
            admin,
            endpoint.method,
            fill(endpoint.path, **site.values()),
            params={"no_such_parameter": "1"},
            data=b"{}" if endpoint.accepts else None,
            headers={"Content-Type": endpoint.accepts[0]} if endpoint.accepts else None,
        )

        what = f"{endpoint.method} {endpoint.path}"
        problem = assert_problem(reply, 422)
        assert [e["field"] for e in problem["errors"]] == ["query.no_such_parameter"], what
        assert await all_rows() == before, what


# --- media types -----------------------------------------------------------------------------

JSON_BODIES = [e for e in ENDPOINTS if e.body is not None]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_json_body_sent_as_another_type_is_415_and_writes_nothing(
    site, admin, all_rows, content_type
):
    """Every endpoint that reads JSON in turn, on one site."""
    before = await all_rows()
    for endpoint in JSON_BODIES:
        reply = await send(
            admin,
            endpoint.method,
            fill(endpoint.path, **site.values()),
            data=json.dumps({"name": "x"}).encode(),
            headers={"Content-Type": content_type} if content_type else {},
        )

        what = f"{endpoint.method} {endpoint.path}"
        problem = assert_problem(reply, 415, code="unsupported-media-type")
        assert "application/json" in problem["detail"], what
        assert await all_rows() == before, what


async def test_a_csv_import_sent_as_json_is_415_naming_the_csv_types(site, all_rows):
    before = await all_rows()

    reply = await send(
        site.owner.api,
        "POST",
        f"/v1/tenants/{site.tenant_id}/leads/import",
        json_body={"phone": "+14155550123"},
    )

    problem = assert_problem(reply, 415, code="unsupported-media-type")
    assert "text/csv" in problem["detail"]
    assert "multipart/form-data" in problem["detail"]
    assert await all_rows() == before


async def test_json_with_a_charset_is_read(site):
    reply = await send(
        site.owner.api,
        "PATCH",
        f"/v1/tenants/{site.tenant_id}",
        data='{"name": "Acmé"}'.encode(),
        headers={"Content-Type": "application/json; charset=UTF-8"},
    )
    assert reply.status == 200, reply.body
    assert reply.body["name"] == "Acmé"


SECRET = "webhook-secret"


async def test_the_vapi_webhook_reads_json_as_vapi_sends_it_and_refuses_other_types(
    pg_container, aiohttp_client, all_rows
):
    app = create_app(
        pg_container.use_cases(), webhook_verifier=WebhookVerifier(mode="bearer", secret=SECRET)
    )
    vapi = Api(await aiohttp_client(app), None)
    bearer = {"Authorization": f"Bearer {SECRET}"}
    before = await all_rows()

    refused = await send(
        vapi,
        "POST",
        "/v1/webhooks/vapi",
        data=json.dumps(VapiCall().speech_update()).encode(),
        headers={**bearer, "Content-Type": "text/plain"},
    )
    assert_problem(refused, 415, code="unsupported-media-type")
    assert await all_rows() == before

    # The Server URL is the operator's to write: parameters of theirs are no error.
    for content_type in ("application/json", "application/json; charset=utf-8"):
        reply = await send(
            vapi,
            "POST",
            "/v1/webhooks/vapi?source=vapi",
            data=json.dumps(VapiCall().speech_update()).encode(),
            headers={**bearer, "Content-Type": content_type},
        )
        assert (reply.status, reply.body) == (200, {"received": True, "duplicate": False})
