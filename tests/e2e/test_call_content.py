"""Deleting what was said and recorded of a call (owners and admins): the transcript,
recording, summary, analysis and the provider's record go, in PostgreSQL too; the outcome,
cost, duration, AI usage and the usage report stay as they were."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.container import Container
from tests.e2e.helpers import assert_problem, audit_log, entries, expect, send
from tests.e2e.test_calls import (  # noqa: F401 (the fixtures of the calls' tests, shared)
    api_fixture,
    arrange,
    call_policy_fixture,
    catalogue_fixture,
    get_call,
    place,
    placed,
    sandbox_script,
    set_feature,
    telephony_provider,
)

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("catalogue")]

KEPT = ("status", "ended_reason", "cost", "cost_breakdown", "call_duration", "started_at",
        "ended_at", "to_number", "lead_id", "agent_id")  # fmt: skip


async def _stored(engine: AsyncEngine, call_id: str) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(sa.text("SELECT * FROM voice_calls WHERE id = :id"), {"id": call_id})
        ).one()
    return dict(row._mapping)


async def _usage_report(desk: Any) -> dict[str, Any]:
    """The tenant's usage report, without its window (which ends now)."""
    report = expect(await desk.api.get(f"{desk.path}/usage"), 200)
    return {k: v for k, v in report.items() if k not in ("start", "end")}


async def test_a_finished_calls_content_goes_and_its_cost_and_usage_stay(
    build: Any, admin: Any, pg_container: Container, engine: AsyncEngine
) -> None:
    desk = await arrange(build)
    await set_feature(admin, desk.tenant_id, "recordings", True)
    member = await build.member(desk.tenant_id, "member", by=desk.api)
    live = placed(await place(desk))
    # Still on the line: its content is yet to come.
    assert_problem(await send(desk.api, "DELETE", desk.call(live["id"]) + "/content"), 409)
    await pg_container.telephony().idle()
    ended = await get_call(desk, live["id"])
    usage = expect(await desk.api.get(desk.call(live["id"]) + "/usage"), 200)
    report = await _usage_report(desk)
    said = ended["transcript"]["text"]
    assert said
    assert ended["recording"] is not None
    refused = await send(member.api, "DELETE", desk.call(live["id"]) + "/content")
    assert_problem(refused, 403)

    purged = expect(await desk.api.delete(desk.call(live["id"]) + "/content"), 200)

    assert purged["content_purged_at"] is not None
    assert (purged["transcript"], purged["recording"], purged["summary"], purged["analysis"]) == (
        None,
        None,
        None,
        None,
    )
    assert {k: purged[k] for k in KEPT} == {k: ended[k] for k in KEPT}
    assert expect(await desk.api.get(desk.call(live["id"]) + "/usage"), 200) == usage
    assert await _usage_report(desk) == report
    transcript = expect(await desk.api.get(desk.call(live["id"]) + "/transcript"), 200)
    assert (transcript["available"], transcript["text"], transcript["recording"]) == (
        False,
        None,
        None,
    )
    provider = expect(await desk.api.get(desk.call(live["id"]) + "/provider-record"), 200)
    assert provider["record"] is None
    # Nothing of it is left in the call's row.
    row = await _stored(engine, live["id"])
    assert (row["transcription"], row["recording_url"], row["summary"], row["analysis"]) == (
        None,
        None,
        None,
        None,
    )
    assert (row["artifacts"], row["vapi_data"]) == (None, {})
    assert said not in json.dumps(row, default=str)
    [entry] = entries(await audit_log(desk.api, desk.tenant_id), "call.content_deleted")
    assert entry["entity_id"] == live["id"]
    assert "transcript" in entry["changes"]["deleted"]
    assert "recording" in entry["changes"]["deleted"]
    # Again: nothing more to delete, the same call.
    again = expect(await desk.api.delete(desk.call(live["id"]) + "/content"), 200)
    assert {k: again[k] for k in (*KEPT, "transcript")} == {
        k: purged[k] for k in (*KEPT, "transcript")
    }
