"""/v1/admin/webhook-messages end to end, through the real container on PostgreSQL: a Vapi
message that failed to apply (a fault injected into applying news) is listed for its
tenant, replayed once the fault is gone, and moves its call once; only platform admins list
or replay, tenants apart; bad input is a problem, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dependency_injector import providers

from adapters.postgres.unit_of_work import PostgresUnitOfWork
from application.webhook_messages import NO_CALL
from tests.e2e.helpers import all_items, assert_problem, audit_log, entries, expect, send
from tests.e2e.test_calls import (
    api_fixture,  # noqa: F401 (the fixtures of the calls' tests, shared)
    arrange,
    call_policy_fixture,  # noqa: F401
    catalogue_fixture,  # noqa: F401
    deliver,
    get_call,
    oracle_fixture,  # noqa: F401
    place,
    placed,
    vapi_call,
    vapi_fixture,  # noqa: F401
    vapi_telephony_fixture,  # noqa: F401
)
from tests.fakes.vapi_messages import VapiCall

pytestmark = pytest.mark.postgres

MESSAGES = "/v1/admin/webhook-messages"
REPLAY_ALL = MESSAGES + "/replay"
BUG = "a bug in applying news"


@pytest.fixture
def telephony_provider(vapi_telephony: providers.Provider[Any]) -> Any:
    """Calls are placed through the fake Vapi; what happens next comes by webhook."""
    return vapi_telephony


def broken(monkeypatch: pytest.MonkeyPatch) -> None:
    """Applying news to a call fails (live and replayed) until `monkeypatch.undo()`."""

    async def fails(*_: Any, **__: Any) -> bool:
        raise RuntimeError(BUG)

    monkeypatch.setattr("application.call_events.apply_news", fails)


def unroutable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding a message's call fails: the message is kept before its tenant is known."""

    async def fails(*_: Any, **__: Any) -> None:
        raise RuntimeError("the route failed")

    monkeypatch.setattr(PostgresUnitOfWork, "enter_routed_call", fails)


def replay_path(message_id: str) -> str:
    return f"{MESSAGES}/{message_id}/replay"


async def failed_of(admin: Any, tenant_id: str | None) -> list[dict[str, Any]]:
    params = {"failed": "true", **({"tenant_id": tenant_id} if tenant_id else {})}
    return await all_items(admin, MESSAGES, params=params)


async def test_a_failed_report_is_listed_then_replayed_once_and_ends_its_call(
    build, admin, vapi, all_rows, monkeypatch
):
    desk = await arrange(build)
    call = placed(await place(desk))
    report = vapi_call(desk, call).end_of_call_report()
    broken(monkeypatch)
    acknowledged = await deliver(desk.api, report)
    monkeypatch.undo()
    assert acknowledged.status == 200, acknowledged.body
    assert (await get_call(desk, call["id"]))["status"] == "queued", "not applied"

    [failed] = await failed_of(admin, desk.tenant_id)

    assert failed["object"] == "webhook_message"
    assert (failed["tenant_id"], failed["type"], failed["failed"]) == (
        desk.tenant_id,
        "end-of-call-report",
        True,
    )
    assert failed["provider_call_id"] == call["vapi_call_id"]
    assert failed["processed_at"] is None
    assert failed["error"] == f"RuntimeError: {BUG}"
    assert "payload" not in failed
    assert await failed_of(admin, None) == [], "not among the messages of no tenant"

    replayed = expect(
        await admin.post(replay_path(failed["id"]), params={"tenant_id": desk.tenant_id}), 200
    )

    assert replayed["object"] == "webhook_message_replay"
    assert (replayed["id"], replayed["outcome"], replayed["call_changed"]) == (
        failed["id"],
        "applied",
        True,
    )
    assert replayed["error"] is None
    assert replayed["processed_at"] is not None
    ended = await get_call(desk, call["id"])
    assert ended["status"] == "ended"
    assert ended["ended_reason"] == report["message"]["endedReason"]
    assert await failed_of(admin, desk.tenant_id) == []
    [kept] = await all_items(admin, MESSAGES, params={"tenant_id": desk.tenant_id})
    assert (kept["id"], kept["failed"], kept["error"]) == (failed["id"], False, None)
    rows = await all_rows()
    usage = [u for u in rows["ai_usage"] if u["call_id"] == call["id"]]
    assert usage, "the report's usage was written"

    # Again: nothing changes anywhere, and the answer says so.
    again = await send(
        admin, "POST", replay_path(failed["id"]), params={"tenant_id": desk.tenant_id}
    )

    assert again.status == 200, again.body
    assert again.body["outcome"] == "already_processed"
    assert again.body["processed_at"] == replayed["processed_at"]
    assert await all_rows() == rows
    [audited] = entries(await audit_log(admin, desk.tenant_id), "webhook_message.replayed")
    assert audited["entity_id"] == failed["id"]
    assert audited["changes"] == {
        "type": "end-of-call-report",
        "outcome": "applied",
        "call_changed": True,
    }
    transcript = report["message"]["artifact"]["transcript"]
    assert transcript not in json.dumps(audited)


async def test_failed_messages_since_a_time_are_replayed_and_counted(
    build, admin, vapi, monkeypatch
):
    acme, globex = await arrange(build, "Acme"), await arrange(build, "Globex")
    acme_call, globex_call = placed(await place(acme)), placed(await place(globex))
    stranger = VapiCall()
    broken(monkeypatch)
    globex_news = vapi_call(globex, globex_call).status_update("in-progress")
    assert (await deliver(globex.api, globex_news)).status == 200
    monkeypatch.undo()
    unroutable(monkeypatch)  # kept before their call is found: of no tenant
    acme_news = vapi_call(acme, acme_call).status_update("in-progress")
    assert (await deliver(acme.api, acme_news)).status == 200
    assert (await deliver(acme.api, stranger.status_update("ringing"))).status == 200
    monkeypatch.undo()
    [globex_failed] = await failed_of(admin, globex.tenant_id)
    nobodys = await failed_of(admin, None)
    assert sorted(m["provider_call_id"] for m in nobodys) == sorted(
        [acme_call["vapi_call_id"], stranger.id]
    )
    since = min(m["received_at"] for m in [globex_failed, *nobodys])

    only_globex = expect(
        await admin.post(REPLAY_ALL, {"since": since, "tenant_id": globex.tenant_id}), 200
    )
    everyone = expect(await admin.post(REPLAY_ALL, {"since": since}), 200)

    assert only_globex == {
        "object": "webhook_replay_summary",
        "replayed": 1,
        "applied": 1,
        "still_failing": 0,
    }
    assert (everyone["replayed"], everyone["applied"], everyone["still_failing"]) == (2, 1, 1)
    assert (await get_call(acme, acme_call["id"]))["status"] == "in-progress"
    assert (await get_call(globex, globex_call["id"]))["status"] == "in-progress"
    # Acme's message now lives in Acme's inbox, processed; the stranger's says why it is not.
    [moved] = await all_items(admin, MESSAGES, params={"tenant_id": acme.tenant_id})
    assert (moved["provider_call_id"], moved["failed"]) == (acme_call["vapi_call_id"], False)
    [left] = await failed_of(admin, None)
    assert left["provider_call_id"] == stranger.id
    assert left["error"] == NO_CALL
    again = expect(await admin.post(REPLAY_ALL, {"since": since}), 200)
    assert (again["replayed"], again["applied"], again["still_failing"]) == (1, 0, 1)


async def test_only_platform_admins_see_or_replay_messages(
    build, admin, vapi, all_rows, monkeypatch
):
    acme, globex = await arrange(build, "Acme"), await arrange(build, "Globex")
    call = placed(await place(acme))
    broken(monkeypatch)
    await deliver(acme.api, vapi_call(acme, call).status_update("ringing"))
    monkeypatch.undo()
    [failed] = await failed_of(admin, acme.tenant_id)
    callers = [acme.owner.api, (await build.key(acme.tenant_id, "owner", by=acme.owner.api)).api]
    for role in ("admin", "member", "viewer"):
        person = await build.person()
        await build.add(acme.tenant_id, person, role, by=acme.owner.api)
        callers += [person.api, (await build.key(acme.tenant_id, role, by=acme.owner.api)).api]
    globex_admin = await build.person()
    await build.add(globex.tenant_id, globex_admin, "admin", by=globex.owner.api)
    callers.append(globex_admin.api)
    before = await all_rows()

    for who in callers:
        for tenant in (acme.tenant_id, globex.tenant_id):
            query = {"tenant_id": tenant}
            attempts = [
                await send(who, "GET", MESSAGES, params=query),
                await send(who, "GET", MESSAGES, params={**query, "failed": "true"}),
                await send(who, "POST", replay_path(failed["id"]), params=query),
                await send(
                    who,
                    "POST",
                    REPLAY_ALL,
                    json_body={"since": failed["received_at"], "tenant_id": tenant},
                ),
            ]
            for reply in attempts:
                assert_problem(reply, 403, code="forbidden")
        assert_problem(await send(who, "GET", MESSAGES), 403, code="forbidden")

    assert await all_rows() == before
    assert (await get_call(acme, call["id"]))["status"] == "queued"
    # Ids are per tenant: another tenant's id for the message finds nothing.
    wrong = await send(
        admin, "POST", replay_path(failed["id"]), params={"tenant_id": globex.tenant_id}
    )
    assert_problem(wrong, 404, code="not-found")
    assert await failed_of(admin, globex.tenant_id) == []
    assert await all_rows() == before


async def test_bad_input_is_a_problem_and_changes_nothing(build, admin, all_rows):
    desk = await arrange(build)
    unknown = "0190f5a2-7c1e-7d3a-9b2f-4e5d6c7b8a90"
    before = await all_rows()

    cases = [
        (
            await send(admin, "POST", replay_path(unknown), params={"tenant_id": desk.tenant_id}),
            404,
        ),
        (await send(admin, "POST", replay_path(unknown)), 404),
        (await send(admin, "POST", replay_path("not-an-id")), 404),
        (await send(admin, "GET", MESSAGES, params={"tenant_id": unknown}), 404),
        (await send(admin, "GET", MESSAGES, params={"tenant_id": "acme"}), 422),
        (await send(admin, "GET", MESSAGES, params={"failed": "maybe"}), 422),
        (await send(admin, "POST", replay_path(unknown), params={"tenant_id": "x"}), 422),
        (await send(admin, "POST", REPLAY_ALL, json_body={}), 422),
        (await send(admin, "POST", REPLAY_ALL, json_body={"since": "yesterday"}), 422),
        (await send(admin, "POST", REPLAY_ALL, json_body={"since": "2026-01-01T00:00:00"}), 422),
        (
            await send(
                admin,
                "POST",
                REPLAY_ALL,
                json_body={"since": "2026-01-01T00:00:00Z", "tenant_id": "x"},
            ),
            422,
        ),
        (
            await send(
                admin, "POST", REPLAY_ALL, json_body={"since": "2026-01-01T00:00:00Z", "extra": 1}
            ),
            422,
        ),
        (
            await send(
                admin,
                "POST",
                REPLAY_ALL,
                json_body={"since": "2026-01-01T00:00:00Z", "tenant_id": unknown},
            ),
            404,
        ),
        (
            await send(
                admin, "POST", REPLAY_ALL, data=b"{", headers={"Content-Type": "application/json"}
            ),
            400,
        ),
    ]

    for reply, status in cases:
        assert_problem(reply, status)
    assert await all_rows() == before
