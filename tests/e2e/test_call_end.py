"""Hanging up a live call over HTTP (`POST …/calls/{id}/end`), through the real container on
PostgreSQL: on the sandbox, the call ends within seconds with Vapi's reason for a hang-up;
through a fake Vapi, `end-call` goes to the call's control URL and the call ends only when
Vapi's messages say so. A call that is not live is a 409, a viewer a 403, another tenant's
call a 404, and a provider that fails a 502 problem, with nothing written but the audit of
the attempt.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from dependency_injector import providers

from adapters.sandbox import ENDED_BY_REQUEST, SandboxScript
from tests.e2e.helpers import (
    PROBLEM_JSON,
    assert_problem,
    audit_log,
    entries,
    expect,
    send,
    the_entry,
)
from tests.e2e.test_calls import (
    Desk,
    api_fixture,  # noqa: F401 (the fixtures of the calls' tests, shared)
    arrange,
    call_policy_fixture,  # noqa: F401
    catalogue_fixture,  # noqa: F401
    deliver,
    get_call,
    oracle_fixture,  # noqa: F401
    place,
    placed,
    set_feature,
    vapi_call,
    vapi_fixture,  # noqa: F401
    vapi_telephony_fixture,  # noqa: F401
)
from tests.fakes.vapi import FakeVapi, Op

pytestmark = pytest.mark.postgres


@pytest.fixture
def sandbox_script() -> SandboxScript:
    """Calls that would talk for ten minutes unless hung up."""
    return SandboxScript(ring_seconds=0, talk_seconds=600)


@pytest.fixture
def telephony_provider(sandbox_script: SandboxScript) -> providers.Provider[Any]:
    from adapters.sandbox import SandboxTelephonyProvider

    return providers.Singleton(SandboxTelephonyProvider, sandbox_script)


async def end(desk: Desk, call_id: str, api: Any = None) -> Any:
    return await send(api or desk.api, "POST", desk.call(call_id) + "/end")


# --- on the sandbox ------------------------------------------------------------------------


async def test_a_sandbox_call_hung_up_through_the_api_ends_within_seconds_with_the_reason(
    build, catalogue, pg_container
):
    desk = await arrange(build)
    call = placed(await place(desk))
    assert call["vapi_call_id"]

    reply = await end(desk, call["id"])

    assert reply.status == 202, reply.body
    assert reply.body["object"] == "call"
    assert reply.body["id"] == call["id"]
    assert reply.body["status"] in ("queued", "ringing", "in-progress", "ended")
    await asyncio.wait_for(pg_container.telephony().idle(), timeout=5)  # not the 600 s
    ended = await get_call(desk, call["id"])
    assert (ended["status"], ended["ended_reason"]) == ("ended", ENDED_BY_REQUEST)
    assert ENDED_BY_REQUEST == "manually-canceled"
    entry = the_entry(await audit_log(desk.api, desk.tenant_id), "call.end_requested")
    assert (entry["entity"], entry["entity_id"]) == ("call", call["id"])
    assert (entry["actor_type"], entry["actor_id"]) == ("user", desk.owner.id)
    assert entry["changes"]["vapi_call_id"] == call["vapi_call_id"]

    # Once it has ended, there is nothing left to hang up.
    again = await end(desk, call["id"])
    problem = assert_problem(again, 409, code="call-not-live")
    assert call["id"] in problem["detail"]
    assert await get_call(desk, call["id"]) == ended
    assert len(entries(await audit_log(desk.api, desk.tenant_id), "call.end_requested")) == 1


async def test_viewers_may_not_hang_up_members_may_and_another_tenant_sees_no_call(
    build, admin, catalogue, pg_container, all_rows
):
    desk = await arrange(build)
    other = await arrange(build, "Globex")
    call = placed(await place(desk))
    await set_feature(admin, desk.tenant_id, "members.max", 10)
    viewer, member = await build.person(), await build.person()
    await build.add(desk.tenant_id, viewer, "viewer", by=desk.api)
    await build.add(desk.tenant_id, member, "member", by=desk.api)
    before = await all_rows()

    refused = await end(desk, call["id"], viewer.api)
    assert_problem(refused, 403, code="forbidden")
    for tenant in (desk.tenant_id, other.tenant_id):
        path = f"/v1/tenants/{tenant}/calls/{call['id']}/end"
        reply = await send(other.api, "POST", path)
        assert_problem(reply, 404, code="not-found")
    assert await all_rows() == before

    assert (await end(desk, call["id"], member.api)).status == 202
    await asyncio.wait_for(pg_container.telephony().idle(), timeout=5)
    assert (await get_call(desk, call["id"]))["ended_reason"] == ENDED_BY_REQUEST


# --- through (a fake) Vapi -----------------------------------------------------------------


class TestThroughVapi:
    @pytest.fixture
    def telephony_provider(self, vapi_telephony: providers.Provider[Any]) -> Any:
        return vapi_telephony

    async def test_end_call_goes_to_the_control_url_and_the_call_ends_when_vapi_says(
        self, build, catalogue, vapi: FakeVapi
    ):
        desk = await arrange(build)
        call = placed(await place(desk))

        first = await end(desk, call["id"])
        second = await end(desk, call["id"])  # Vapi has not said it ended: still live

        for reply in (first, second):
            assert reply.status == 202, reply.body
            assert (reply.body["id"], reply.body["status"]) == (call["id"], "queued")
        assert [(r.path, r.body) for r in vapi.control_requests] == [
            (f"/{call['vapi_call_id']}/control", {"type": "end-call"})
        ] * 2
        assert await get_call(desk, call["id"]) == call  # nothing faked here

        ours = vapi_call(desk, call, ended_reason="manually-canceled")
        ended = ours.status_update("ended", ended_reason="manually-canceled")
        assert (await deliver(desk.api, ended)).status == 200
        shown = await get_call(desk, call["id"])
        assert (shown["status"], shown["ended_reason"]) == ("ended", "manually-canceled")

        assert_problem(await end(desk, call["id"]), 409, code="call-not-live")
        assert len(vapi.control_requests) == 2

    async def test_a_call_vapi_refused_to_place_is_not_live(
        self, build, catalogue, vapi: FakeVapi, all_rows
    ):
        desk = await arrange(build)
        vapi.fail_next(400, "phoneNumberId must be a UUID")
        call = placed(await place(desk))
        assert call["status"] == "failed"
        before = await all_rows()

        problem = assert_problem(await end(desk, call["id"]), 409, code="call-not-live")

        assert "failed" in problem["detail"]
        assert await all_rows() == before
        assert vapi.control_requests == []

    @pytest.mark.parametrize(
        ("script", "code", "words"),
        [
            (lambda v: v.fail_next(500, "worker unavailable", op=Op.CONTROL), "provider-error",
             "worker unavailable"),
            (lambda v: v.fail_next(400, "call is not active", op=Op.CONTROL),
             "provider-rejected", "call is not active"),
            (lambda v: v.hang_next(op=Op.CONTROL), "provider-error", "no answer"),
        ],
        ids=["5xx", "4xx", "timeout"],
    )  # fmt: skip
    async def test_a_provider_failure_is_502_saying_what_happened_and_writes_only_the_audit(
        self, build, catalogue, vapi: FakeVapi, all_rows, script, code, words
    ):
        desk = await arrange(build)
        call = placed(await place(desk))
        before = await all_rows()
        script(vapi)

        reply = await end(desk, call["id"])

        assert reply.content_type == PROBLEM_JSON
        problem = assert_problem(reply, 502, code=code)
        assert words in problem["detail"]
        after = await all_rows()
        assert {k: v for k, v in after.items() if k != "audit_log"} == {
            k: v for k, v in before.items() if k != "audit_log"
        }
        [attempt] = [e for e in after["audit_log"] if e not in before["audit_log"]]
        assert (attempt["action"], attempt["entity_id"]) == ("call.end_requested", call["id"])
        assert expect(await desk.api.get(desk.call(call["id"])), 200) == call
