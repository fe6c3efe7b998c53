"""Batches end to end, over HTTP through the real container on PostgreSQL: created from lead ids
or a filter with their preflight, refused whole when invalid or over the plan, started,
paused, resumed and cancelled, their items listed and filtered, and dialled once by the app's
dispatcher through the sandbox. Every answer is held to the OpenAPI document.

The app's clock stands on a Wednesday at noon UTC: a 09:00-17:00 weekday window is open in
London then, and closed in Tokyo (21:00) and New York (07:00 or 08:00).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from entrypoints.http.app import openapi_document
from tests.e2e.helpers import (
    OffsetClock,
    Reply,
    all_items,
    assert_problem,
    audit_log,
    expect,
    random_id,
    send,
    the_entry,
)
from tests.e2e.test_calls import (
    Desk,
    api_fixture,  # noqa: F401 (the fixtures of the calls' tests, shared)
    arrange,
    call_policy_fixture,  # noqa: F401
    catalogue_fixture,  # noqa: F401
    sandbox_script,  # noqa: F401
    set_feature,
    telephony_provider,  # noqa: F401
)
from tests.support import Api

pytestmark = pytest.mark.postgres

BATCHES = "/v1/tenants/{tenant_id}/batches"
BATCH = BATCHES + "/{batch_id}"
WEEKDAYS = {"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "17:00"}
# Seconds the preflight assumes a call takes (application.batches.DEFAULT_CALL_SECONDS).
CALL_SECONDS = 90


@pytest.fixture
def server_clock() -> OffsetClock:
    """The app's clock on the next Wednesday, at noon UTC (it runs on from there)."""
    clock = OffsetClock()
    now = clock.now()
    days = (2 - now.weekday()) % 7 or 7
    noon = (now + timedelta(days=days)).replace(hour=12, minute=0, second=0, microsecond=0)
    clock.offset = noon - now
    return clock


# --- holding answers to the document -------------------------------------------------------


def _closed(schemas: dict[str, Any]) -> dict[str, Any]:
    """The document's schemas with no property left undeclared: every object that names its
    properties allows no other."""
    closed = copy.deepcopy(schemas)
    for schema in closed.values():
        if schema.get("type") == "object" and "properties" in schema:
            schema.setdefault("additionalProperties", False)
    return closed


DOCUMENT = openapi_document()
COMPONENTS = {"schemas": _closed(DOCUMENT["components"]["schemas"])}


def conforms(reply: Reply, method: str, template: str) -> None:
    """The answer is one the document gives for the operation: its status, and a body that is
    an instance of the status's schema with no undeclared field."""
    operation = DOCUMENT["paths"][template][method.lower()]
    assert str(reply.status) in operation["responses"], (method, template, reply.status)
    content = operation["responses"][str(reply.status)].get("content")
    if content is None:
        assert reply.body is None
        return
    assert reply.content_type in content, (reply.content_type, list(content))
    root = {**content[reply.content_type]["schema"], "components": COMPONENTS}
    validator = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(reply.body)] == []


async def call(
    api: Api,
    method: str,
    template: str,
    *,
    json_body: Any = None,
    params: dict[str, str] | None = None,
    **ids: str,
) -> Reply:
    """A request to a batch route, its answer held to the document."""
    reply = await send(api, method, template.format(**ids), json_body=json_body, params=params)
    conforms(reply, method, template)
    return reply


def ok(reply: Reply, status: int = 200) -> Any:
    assert reply.status == status, reply.body
    return reply.body


# --- arranging ------------------------------------------------------------------------------


async def lead(desk: Desk, phone: str, **fields: Any) -> str:
    body = {"phone": phone, **fields}
    return str(expect(await desk.api.post(f"{desk.path}/leads", body), 201)["id"])


async def the_book(desk: Desk) -> dict[str, str]:
    """Leads whose calling hours read differently at the app's noon UTC, by name."""
    return {
        # 12:00 or 13:00 in London: inside 09:00-17:00.
        "london": await lead(desk, "+442071234567", timezone="Europe/London"),
        # No zone of its own: its London number's.
        "london_number": await lead(desk, "+442071234568"),
        # 21:00 in Tokyo: outside.
        "tokyo": await lead(desk, "+81312345678", timezone="Asia/Tokyo"),
        # 07:00 or 08:00 in New York, by its number: outside.
        "new_york": await lead(desk, "+12125550142"),
        # An international freephone number: no zone anywhere.
        "freephone": await lead(desk, "+80012345678"),
        "dnc": await lead(desk, "+442071234569", timezone="Europe/London", do_not_call=True),
    }


def batch_body(desk: Desk, leads: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "name": "March renewals",
        "agent_id": desk.agent_id,
        "calling_window": WEEKDAYS,
        "leads": leads,
        **fields,
    }


async def create(desk: Desk, body: dict[str, Any]) -> Reply:
    return await call(desk.api, "POST", BATCHES, json_body=body, tenant_id=desk.tenant_id)


async def created(desk: Desk, body: dict[str, Any]) -> dict[str, Any]:
    reply = await create(desk, body)
    made: dict[str, Any] = ok(reply, 201)
    assert reply.headers["Location"] == f"{desk.path}/batches/{made['id']}"
    return made


async def act(desk: Desk, batch_id: str, action: str, who: Api | None = None) -> Reply:
    return await call(
        who or desk.api,
        "POST",
        BATCH + "/" + action,
        tenant_id=desk.tenant_id,
        batch_id=batch_id,
    )


async def items(desk: Desk, batch_id: str, **params: str) -> list[dict[str, Any]]:
    reply = await call(
        desk.api,
        "GET",
        BATCH + "/items",
        params=params,
        tenant_id=desk.tenant_id,
        batch_id=batch_id,
    )
    page: dict[str, Any] = ok(reply)
    assert page["next_cursor"] is None
    return list(page["items"])


async def get_batch(desk: Desk, batch_id: str) -> dict[str, Any]:
    reply = await call(desk.api, "GET", BATCH, tenant_id=desk.tenant_id, batch_id=batch_id)
    batch: dict[str, Any] = ok(reply)
    return batch


# --- creating -------------------------------------------------------------------------------


async def test_a_batch_of_lead_ids_answers_201_with_its_preflight_and_where_to_read_it(
    build, server_clock
):
    desk = await arrange(build)
    book = await the_book(desk)
    named = [*book.values(), book["london"]]  # one lead named twice

    made = await created(
        desk, batch_body(desk, {"ids": named}, concurrency=2, timezone=None, max_attempts=2)
    )

    now = server_clock.now()
    assert made["object"] == "batch"
    assert (made["tenant_id"], made["agent_id"], made["from_number_id"]) == (
        desk.tenant_id,
        desk.agent_id,
        desk.number_id,  # the agent's default number
    )
    assert (made["status"], made["pause_reason"], made["name"]) == (
        "draft",
        None,
        "March renewals",
    )
    assert (made["concurrency"], made["max_attempts"], made["timezone"]) == (2, 2, None)
    assert made["calling_window"] == WEEKDAYS
    assert made["retry_policy"] == {
        "busy": {"delay_seconds": 600, "factor": 1.0, "max_delay_seconds": 604800},
        "no_answer": {"delay_seconds": 3600, "factor": 1.0, "max_delay_seconds": 604800},
        "voicemail": {"delay_seconds": 14400, "factor": 1.0, "max_delay_seconds": 604800},
    }
    assert made["progress"] == {
        "total": 6,
        "pending": 6,
        "dialling": 0,
        "live": 0,
        "completed": 0,
        "failed": 0,
        "skipped": 0,
        "cancelled": 0,
        "ended_by_outcome": {},
        "skipped_by_reason": {},
        "cost": "0.000000",
    }
    assert made["created_by"] == desk.owner.id
    assert made["started_at"] is made["ended_at"] is None
    assert abs(datetime.fromisoformat(made["created_at"]) - now) < timedelta(minutes=5)
    assert made["preflight"] == {
        "leads": 6,
        "callable_now": 2,  # London, by its zone and by its number
        "do_not_call": 1,
        "unknown_time_zone": 1,  # the freephone number
        "outside_window_now": 2,  # Tokyo and New York
        "invalid_number": 0,
        "duplicate_leads": 1,
        "concurrency": 2,
        # The callable leads and those called later, two at a time.
        "estimated_seconds": 2 * CALL_SECONDS,
        "problems": [],
    }
    # What GET reads is the batch as created, its preflight aside; it is listed as it reads.
    read = await get_batch(desk, made["id"])
    assert read == {k: v for k, v in made.items() if k != "preflight"}
    listed = ok(await call(desk.api, "GET", BATCHES, tenant_id=desk.tenant_id))
    assert listed == {"items": [read], "next_cursor": None}
    # Each lead once, in the batch, waiting.
    in_batch = await items(desk, made["id"])
    assert sorted(i["lead_id"] for i in in_batch) == sorted(book.values())
    for item in in_batch:
        assert item["object"] == "batch_item"
        assert (item["batch_id"], item["status"], item["attempts"]) == (made["id"], "pending", 0)
        assert item["last_call_id"] is item["last_outcome"] is item["skip_reason"] is None
    audit = the_entry(await audit_log(desk.api, desk.tenant_id), "batch.created")
    assert audit["entity_id"] == made["id"]
    assert audit["changes"]["leads"] == 6


async def test_the_batch_zone_is_read_for_leads_that_have_none_and_the_retry_policy_kept(build):
    desk = await arrange(build)
    book = await the_book(desk)
    policy = {
        "busy": {"delay_seconds": 300, "factor": 2, "max_delay_seconds": 3600},
        "voicemail": {"delay_seconds": 7200},
    }

    made = await created(
        desk,
        batch_body(
            desk,
            {"ids": [book["freephone"], book["tokyo"]]},
            timezone="Europe/Paris",
            retry_policy=policy,
            from_number_id=desk.number_id,
        ),
    )

    # 13:00 or 14:00 in Paris: the freephone lead is callable on the batch's zone.
    assert (made["preflight"]["callable_now"], made["preflight"]["unknown_time_zone"]) == (1, 0)
    assert made["timezone"] == "Europe/Paris"
    assert made["retry_policy"] == {
        "busy": {"delay_seconds": 300, "factor": 2.0, "max_delay_seconds": 3600},
        "no_answer": {"delay_seconds": 3600, "factor": 1.0, "max_delay_seconds": 604800},
        "voicemail": {"delay_seconds": 7200, "factor": 1.0, "max_delay_seconds": 604800},
    }
    assert (await get_batch(desk, made["id"]))["retry_policy"] == made["retry_policy"]


async def test_a_batch_of_a_filter_takes_every_matching_lead(build):
    desk = await arrange(build)
    fair = [
        await lead(desk, "+442071230001", timezone="Europe/London", source="fair"),
        await lead(desk, "+442071230002", timezone="Europe/London", source="fair"),
    ]
    await lead(desk, "+442071230003", source="fair", status="qualified")
    await lead(desk, "+442071230004", source="web")

    made = await created(
        desk,
        batch_body(desk, {"filter": {"source": "fair", "status": "new", "never_contacted": True}}),
    )

    assert made["progress"]["total"] == made["preflight"]["leads"] == 2
    assert made["preflight"]["callable_now"] == 2
    assert sorted(i["lead_id"] for i in await items(desk, made["id"])) == sorted(fair)
    # Every lead of the tenant, the arranged desk's own included.
    everyone = await created(desk, batch_body(desk, {"filter": {}}, name="Everyone"))
    assert everyone["progress"]["total"] == 5
    # By when they were created: none before the first lead, four from the first fair one.
    first = expect(await desk.api.get(f"{desk.path}/leads/{desk.lead_id}"), 200)["created_at"]
    none = await create(desk, batch_body(desk, {"filter": {"created_before": first}}))
    assert assert_problem(none, 422)["field"] == "leads"
    fair_first = expect(await desk.api.get(f"{desk.path}/leads/{fair[0]}"), 200)["created_at"]
    since = await created(desk, batch_body(desk, {"filter": {"created_from": fair_first}}))
    assert since["progress"]["total"] == 4


BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("a weekday 0", {"calling_window": {**WEEKDAYS, "days": [0, 1]}}, "calling_window.days[0]"),
    ("no day", {"calling_window": {**WEEKDAYS, "days": []}}, "calling_window.days"),
    ("hour 25", {"calling_window": {**WEEKDAYS, "start": "25:00"}}, "calling_window.start"),
    ("seconds", {"calling_window": {**WEEKDAYS, "end": "17:00:00"}}, "calling_window.end"),
    (
        "an empty window",
        {"calling_window": {**WEEKDAYS, "start": "09:00", "end": "09:00"}},
        "calling_window.end",
    ),
    ("no window", {"calling_window": None}, "calling_window"),
    ("both ids and filter", {"leads": {"ids": ["{lead}"], "filter": {}}}, "leads"),
    ("neither ids nor filter", {"leads": {}}, "leads"),
    ("no id", {"leads": {"ids": []}}, "leads.ids"),
    ("an unknown lead", {"leads": {"ids": ["{lead}", "{unknown}"]}}, "leads.ids"),
    ("a filter of nothing", {"leads": {"filter": {"source": "nowhere"}}}, "leads"),
    ("a naive time", {"leads": {"filter": {"created_from": "2026-01-01T00:00"}}},
     "leads.filter.created_from"),
    ("concurrency 0", {"concurrency": 0}, "concurrency"),
    ("concurrency 1001", {"concurrency": 1001}, "concurrency"),
    ("11 attempts", {"max_attempts": 11}, "max_attempts"),
    ("a zone that is none", {"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ("a delay of 0", {"retry_policy": {"busy": {"delay_seconds": 0}}},
     "retry_policy.busy.delay_seconds"),
    ("a factor of 11", {"retry_policy": {"no_answer": {"delay_seconds": 60, "factor": 11}}},
     "retry_policy.no_answer.factor"),
    ("a cap below the delay",
     {"retry_policy": {"voicemail": {"delay_seconds": 3600, "max_delay_seconds": 60}}},
     "retry_policy.voicemail.max_delay_seconds"),
    ("an unknown outcome", {"retry_policy": {"hung_up": {"delay_seconds": 60}}},
     "retry_policy.hung_up"),
    ("an unknown agent", {"agent_id": "{unknown}"}, "agent_id"),
    ("an unknown number", {"from_number_id": "{unknown}"}, "from_number_id"),
    ("a blank name", {"name": "   "}, "name"),
    ("an unknown field", {"priority": "high"}, "priority"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "change", "field"), BAD_BODIES, ids=[c for c, _, _ in BAD_BODIES])
async def test_an_invalid_batch_is_422_naming_the_field_and_writes_nothing(
    build, all_rows, case, change, field
):
    desk = await arrange(build)
    values = {"lead": desk.lead_id, "unknown": random_id()}
    body = batch_body(desk, {"ids": [desk.lead_id]})
    for key, value in change.items():
        body[key] = _filled(value, values)
    before = await all_rows()

    reply = await create(desk, body)

    problem = assert_problem(reply, 422)
    assert problem["field"] == field, (case, problem)
    assert [e["field"] for e in problem["errors"]] == [f"body.{field}"], problem
    assert await all_rows() == before


def _filled(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return values[value[1:-1]]
    if isinstance(value, dict):
        return {k: _filled(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, values) for v in value]
    return value


async def test_every_invalid_field_is_named_at_once(build, all_rows):
    desk = await arrange(build)
    body = batch_body(
        desk,
        {"ids": ["not-a-uuid"]},
        concurrency=0,
        calling_window={"days": [8], "start": "9am", "end": "17:00"},
    )
    before = await all_rows()

    problem = assert_problem(await create(desk, body), 422)

    assert {e["field"] for e in problem["errors"]} == {
        "body.leads.ids[0]",
        "body.concurrency",
        "body.calling_window.days[0]",
        "body.calling_window.start",
    }
    assert await all_rows() == before


# --- the plan -------------------------------------------------------------------------------


async def test_the_plan_gates_batches_and_their_size(build, admin, catalogue, all_rows):
    desk = await arrange(build)  # on the free plan: no batch calls
    book = await the_book(desk)
    three = [book["london"], book["tokyo"], book["new_york"]]
    before = await all_rows()

    off = await create(desk, batch_body(desk, {"ids": three}))

    problem = assert_problem(off, 403, code="feature-disabled")
    assert problem["feature"] == "batch_calls"
    assert await all_rows() == before
    await set_feature(admin, desk.tenant_id, "batch_calls", True)
    await set_feature(admin, desk.tenant_id, "batch.size.max", 2)
    before = await all_rows()

    over = await create(desk, batch_body(desk, {"ids": three}))

    problem = assert_problem(over, 403, code="entitlement-exceeded")
    assert (problem["feature"], problem["limit"], problem["used"]) == ("batch.size.max", 2, 0)
    assert await all_rows() == before
    # A filter is counted the same way.
    over = await create(desk, batch_body(desk, {"filter": {}}))
    assert assert_problem(over, 403, code="entitlement-exceeded")["feature"] == "batch.size.max"
    assert await all_rows() == before
    made = await created(desk, batch_body(desk, {"ids": three[:2]}))
    assert made["preflight"]["problems"] == []
    # Taken away again: the preflight says the batch cannot start, and starting it is refused.
    expect(await admin.delete(f"{desk.path}/features/batch_calls"), 200)
    report = ok(
        await call(
            desk.api,
            "POST",
            BATCH + "/preflight",
            tenant_id=desk.tenant_id,
            batch_id=made["id"],
        )
    )
    assert report["object"] == "batch_preflight"
    assert report["problems"] == ["the plan does not include batch_calls: the batch cannot start"]
    before = await all_rows()
    refused = await act(desk, made["id"], "start")
    assert assert_problem(refused, 403, code="feature-disabled")["feature"] == "batch_calls"
    assert await all_rows() == before


async def test_a_viewer_reads_batches_and_changes_none(build, all_rows):
    desk = await arrange(build)
    made = await created(desk, batch_body(desk, {"ids": [desk.lead_id]}))
    viewer = await build.member(desk.tenant_id, "viewer")
    before = await all_rows()

    assert ok(await call(viewer.api, "GET", BATCH, tenant_id=desk.tenant_id, batch_id=made["id"]))
    listed = ok(await call(viewer.api, "GET", BATCHES, tenant_id=desk.tenant_id))
    assert [b["id"] for b in listed["items"]] == [made["id"]]
    refused = await send(
        viewer.api, "POST", f"{desk.path}/batches", json_body=batch_body(desk, {"filter": {}})
    )
    assert_problem(refused, 403, code="forbidden")
    for action in ("preflight", "start", "pause", "resume", "cancel"):
        assert_problem(await act(desk, made["id"], action, viewer.api), 403, code="forbidden")
    assert await all_rows() == before
    member = await build.member(desk.tenant_id, "member")
    assert ok(await act(desk, made["id"], "start", member.api))["status"] == "running"


# --- the lifecycle --------------------------------------------------------------------------


async def test_a_batch_runs_pauses_resumes_and_is_cancelled_and_wrong_moves_are_409(
    build, all_rows, server_clock
):
    desk = await arrange(build)
    book = await the_book(desk)
    made = await created(desk, batch_body(desk, {"ids": list(book.values())}))
    batch_id = made["id"]

    async def refused(action: str) -> None:
        before = await all_rows()
        problem = assert_problem(await act(desk, batch_id, action), 409, code="invalid-state")
        assert problem["field"] == "status"
        assert await all_rows() == before

    for action in ("pause", "resume"):
        await refused(action)
    started = ok(await act(desk, batch_id, "start"))
    assert (started["status"], started["version"]) == ("running", made["version"] + 1)
    assert started["started_at"] is not None
    await refused("start")
    await refused("resume")
    paused = ok(await act(desk, batch_id, "pause"))
    assert (paused["status"], paused["pause_reason"]) == ("paused", "requested")
    await refused("pause")
    await refused("start")
    resumed = ok(await act(desk, batch_id, "resume"))
    assert (resumed["status"], resumed["pause_reason"]) == ("running", None)
    server_clock.advance(minutes=1)

    cancelled = ok(await act(desk, batch_id, "cancel"))

    assert cancelled["status"] == "cancelled"
    assert cancelled["ended_at"] is not None
    assert cancelled["started_at"] == started["started_at"]
    assert cancelled["progress"] == {**made["progress"], "pending": 0, "cancelled": 6}
    assert {i["status"] for i in await items(desk, batch_id)} == {"cancelled"}
    for action in ("start", "pause", "resume", "cancel"):
        await refused(action)
    assert await get_batch(desk, batch_id) == cancelled
    log = await audit_log(desk.api, desk.tenant_id)
    assert [e["action"] for e in log if e["action"].startswith("batch.")] == [
        "batch.cancelled",
        "batch.resumed",
        "batch.paused",
        "batch.started",
        "batch.created",
    ]
    # A draft may be cancelled too.
    draft = await created(desk, batch_body(desk, {"ids": [desk.lead_id]}, name="Draft"))
    assert ok(await act(desk, draft["id"], "cancel"))["status"] == "cancelled"


async def test_batches_are_listed_newest_first_filtered_by_status_and_paged(build):
    desk = await arrange(build)
    made = [
        await created(desk, batch_body(desk, {"ids": [desk.lead_id]}, name=f"Batch {n}"))
        for n in range(3)
    ]
    ok(await act(desk, made[1]["id"], "start"))
    path = desk.path + "/batches"

    everything = await all_items(desk.api, path)
    running = await all_items(desk.api, path, params={"status": "running"})
    paged = await all_items(desk.api, path, limit=1)

    assert [b["id"] for b in everything] == [b["id"] for b in reversed(made)]
    assert [b["id"] for b in running] == [made[1]["id"]]
    assert paged == everything
    first = ok(
        await call(desk.api, "GET", BATCHES, params={"limit": "2"}, tenant_id=desk.tenant_id)
    )
    assert len(first["items"]) == 2
    assert isinstance(first["next_cursor"], str)
    for params, field in (
        ({"status": "sleeping"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"cursor": "nonsense"}, "cursor"),
        ({"owner": "me"}, "owner"),
    ):
        reply = await call(desk.api, "GET", BATCHES, params=params, tenant_id=desk.tenant_id)
        assert assert_problem(reply, 422)["field"] == field, params
    for params, field in (
        ({"status": "dialed"}, "status"),
        ({"outcome": "hung-up"}, "outcome"),
        ({"skip_reason": "shy"}, "skip_reason"),
    ):
        reply = await call(
            desk.api,
            "GET",
            BATCH + "/items",
            params=params,
            tenant_id=desk.tenant_id,
            batch_id=made[0]["id"],
        )
        assert assert_problem(reply, 422)["field"] == field, params


async def test_an_unknown_batch_is_404_on_every_route(build, all_rows):
    desk = await arrange(build)
    unknown = random_id()
    before = await all_rows()
    for method, template in (
        ("GET", BATCH),
        ("GET", BATCH + "/items"),
        ("POST", BATCH + "/preflight"),
        ("POST", BATCH + "/start"),
        ("POST", BATCH + "/pause"),
        ("POST", BATCH + "/resume"),
        ("POST", BATCH + "/cancel"),
    ):
        for batch_id in (unknown, "not-a-uuid"):
            reply = await call(
                desk.api, method, template, tenant_id=desk.tenant_id, batch_id=batch_id
            )
            assert_problem(reply, 404, code="not-found")
    assert await all_rows() == before


async def test_one_tenant_never_sees_anothers_batches(build, all_rows):
    a, b = await arrange(build, "A"), await arrange(build, "B")
    mine = await created(a, batch_body(a, {"ids": [a.lead_id]}))
    theirs = await created(b, batch_body(b, {"ids": [b.lead_id]}))
    before = await all_rows()

    assert [x["id"] for x in await all_items(b.api, f"{b.path}/batches")] == [theirs["id"]]
    for method, action in (("GET", ""), ("GET", "/items"), ("POST", "/preflight")):
        foreign = await send(b.api, method, f"{b.path}/batches/{mine['id']}{action}")
        missing = await send(b.api, method, f"{b.path}/batches/{random_id()}{action}")
        assert foreign.status == missing.status == 404
    # A's lead, named in B's batch, is as unknown as a lead nobody has.
    foreign = await create(b, batch_body(b, {"ids": [a.lead_id]}))
    assert assert_problem(foreign, 422)["field"] == "leads.ids"
    assert await all_rows() == before


# --- dialling -------------------------------------------------------------------------------


async def test_the_dispatcher_dials_a_started_batch_and_its_calls_carry_the_batch(
    build, pg_container, server_clock
):
    desk = await arrange(build)
    book = await the_book(desk)
    named = ["london", "london_number", "tokyo", "freephone", "dnc"]
    made = await created(desk, batch_body(desk, {"ids": [book[n] for n in named]}, concurrency=5))
    ok(await act(desk, made["id"], "start"))

    report = await pg_container.batch_dispatcher().tick()
    await pg_container.telephony().idle()  # the sandbox's calls have ended

    assert (report.dialled, report.skipped, report.rescheduled) == (2, 2, 1)
    by_lead = {i["lead_id"]: i for i in await items(desk, made["id"])}
    calls = await all_items(desk.api, f"{desk.path}/calls", params={"batch_id": made["id"]})
    assert sorted(c["lead_id"] for c in calls) == sorted([book["london"], book["london_number"]])
    for c in calls:
        assert (c["batch_id"], c["status"], c["agent_id"]) == (made["id"], "ended", desk.agent_id)
        dialled = by_lead[c["lead_id"]]
        assert (dialled["status"], dialled["attempts"], dialled["last_outcome"]) == (
            "completed",
            1,
            "completed",
        )
        assert dialled["last_call_id"] == c["id"]
    skipped = {n: by_lead[book[n]]["skip_reason"] for n in ("freephone", "dnc")}
    assert skipped == {"freephone": "unknown_time_zone", "dnc": "do_not_call"}
    tokyo = by_lead[book["tokyo"]]
    assert (tokyo["status"], tokyo["attempts"]) == ("pending", 0)
    # 09:00 on Thursday in Tokyo: midnight UTC.
    thursday = server_clock.now().astimezone(UTC).date() + timedelta(days=1)
    assert datetime.fromisoformat(tokyo["next_attempt_at"]) == datetime(
        thursday.year, thursday.month, thursday.day, tzinfo=UTC
    )
    # The filters.
    assert {i["lead_id"] for i in await items(desk, made["id"], status="completed")} == {
        book["london"],
        book["london_number"],
    }
    assert [i["lead_id"] for i in await items(desk, made["id"], outcome="completed")] == [
        i["lead_id"] for i in await items(desk, made["id"], status="completed")
    ]
    assert [i["lead_id"] for i in await items(desk, made["id"], skip_reason="do_not_call")] == [
        book["dnc"]
    ]
    assert [i["lead_id"] for i in await items(desk, made["id"], status="pending")] == [
        book["tokyo"]
    ]
    assert await items(desk, made["id"], outcome="busy") == []
    # Progress, counted item by item, and what the calls cost.
    batch = await get_batch(desk, made["id"])
    progress = batch["progress"]
    assert {k: v for k, v in progress.items() if k != "cost"} == {
        "total": 5,
        "pending": 1,
        "dialling": 0,
        "live": 0,
        "completed": 2,
        "failed": 0,
        "skipped": 2,
        "cancelled": 0,
        "ended_by_outcome": {"completed": 2},
        "skipped_by_reason": {"do_not_call": 1, "unknown_time_zone": 1},
    }
    costs = [Decimal(c["cost"]) for c in calls]
    # The batch's cost is its calls' to the last digit Vapi sent (8 decimals and more).
    assert Decimal(progress["cost"]) == sum(costs)
    assert sum(costs) > 0
    # The usage report by batch counts the batch's calls.
    usage = expect(
        await desk.api.get(f"{desk.path}/usage", params={"by": "batch", "period": "month"}), 200
    )
    rows = [r for r in usage["rows"] if r["batch_id"] == made["id"]]
    assert sum(r["calls"] for r in rows) == 2
    assert sum(Decimal(r["cost"]) for r in rows) > 0
