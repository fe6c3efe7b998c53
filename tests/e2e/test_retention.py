"""Retention end to end on PostgreSQL: a tenant's periods and the purge that honours them,
calls of a tenant that stores no transcripts, and a data subject's erasure, after which no
table holds anything of the person."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.calls import PostgresCallRepository
from entrypoints.container import Container
from tests.e2e.helpers import assert_problem, expect, send
from tests.e2e.test_calls import (  # noqa: F401 (the fixtures of the calls' tests, shared)
    api_fixture,
    arrange,
    call_policy_fixture,
    catalogue_fixture,
    get_call,
    new_phone,
    place,
    placed,
    sandbox_script,
    set_feature,
    telephony_provider,
)

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("catalogue")]

# What a purge keeps of a call: its outcome, cost, duration and where it went.
KEPT = ("status", "ended_reason", "cost", "call_duration", "started_at", "ended_at",
        "to_number", "lead_id", "agent_id", "direction")  # fmt: skip


async def _usage_report(desk: Any) -> dict[str, Any]:
    report = expect(await desk.api.get(f"{desk.path}/usage"), 200)
    return {k: v for k, v in report.items() if k not in ("start", "end")}


async def _ended_call(desk: Any, container: Container, **fields: Any) -> dict[str, Any]:
    call = placed(await place(desk, **fields))
    await container.telephony().idle()
    return await get_call(desk, call["id"])


async def test_transcripts_kept_zero_days_go_at_the_next_purge_and_cost_and_usage_stay(
    build: Any, admin: Any, pg_container: Container
) -> None:
    desk = await arrange(build)
    await set_feature(admin, desk.tenant_id, "recordings", True)
    chosen = expect(await desk.api.patch(f"{desk.path}/retention", {"transcripts_days": 0}), 200)
    assert chosen["effective"]["transcripts_days"] == 0
    assert chosen["chosen"]["recordings_days"] is None  # as the plan: kept with no end
    ended = await _ended_call(desk, pg_container)
    assert ended["transcript"]["text"]
    usage = expect(await desk.api.get(desk.call(ended["id"]) + "/usage"), 200)
    report = await _usage_report(desk)

    purged = await pg_container.retention().purge_due()

    after = await get_call(desk, ended["id"])
    # The call's transcript, and the provider's messages that carried it.
    assert purged.keys() == {UUID(desk.tenant_id)}
    assert purged[UUID(desk.tenant_id)]["transcript"] == 1
    assert purged[UUID(desk.tenant_id)]["webhook_messages"] >= 1
    assert (after["transcript"], after["summary"], after["analysis"]) == (None, None, None)
    assert after["purged_content"] == ["transcript"]
    assert after["content_purged_at"] is not None
    assert after["recording"] == ended["recording"] is not None  # its own period: no end
    assert {k: after[k] for k in KEPT} == {k: ended[k] for k in KEPT}
    assert expect(await desk.api.get(desk.call(ended["id"]) + "/usage"), 200) == usage
    assert await _usage_report(desk) == report
    # Audited with the counts, once; a second pass finds nothing.
    audit = expect(await desk.api.get(f"{desk.path}/audit-log"), 200)["items"]
    assert [e["changes"]["removed"] for e in audit if e["action"] == "call_content.purged"] == [
        purged[UUID(desk.tenant_id)]
    ]
    assert await pg_container.retention().purge_due() == {}


async def test_more_than_the_plan_allows_is_refused_naming_the_setting(
    build: Any, admin: Any
) -> None:
    desk = await arrange(build)
    await set_feature(admin, desk.tenant_id, "retention.recordings.days", 30)
    await set_feature(admin, desk.tenant_id, "retention.store_transcripts", False)

    too_long = await send(
        desk.api, "PATCH", f"{desk.path}/retention", json_body={"recordings_days": 31}
    )
    storing = await send(
        desk.api, "PATCH", f"{desk.path}/retention", json_body={"store_transcripts": True}
    )
    bad = await send(desk.api, "PATCH", f"{desk.path}/retention", json_body={"recordings_days": -1})

    assert assert_problem(too_long, 422)["field"] == "recordings_days"
    assert assert_problem(storing, 422)["field"] == "store_transcripts"
    assert_problem(bad, 422)
    view = expect(await desk.api.get(f"{desk.path}/retention"), 200)
    assert view["plan"]["recordings_days"] == 30
    assert view["effective"] == {
        "transcripts_days": None,
        "recordings_days": 30,
        "provider_record_days": None,
        "store_transcripts": False,
    }


async def test_a_tenant_storing_no_transcripts_keeps_none_and_asks_the_provider_to_keep_none(
    build: Any, admin: Any, pg_container: Container
) -> None:
    desk = await arrange(build)
    await set_feature(admin, desk.tenant_id, "recordings", True)
    expect(await desk.api.patch(f"{desk.path}/retention", {"store_transcripts": False}), 200)

    ended = await _ended_call(desk, pg_container)

    record = (await pg_container.telephony().get_call(ended["vapi_call_id"])).data
    assert record["assistantOverrides"]["compliancePlan"] == {"hipaaEnabled": True}
    assert ended["status"] == "ended"
    assert ended["cost"] is not None
    assert ended["call_duration"] is not None
    assert (ended["transcript"], ended["recording"], ended["summary"]) == (None, None, None)
    assert (ended["content_stored"], ended["purged_content"]) == (
        False,
        ["transcript", "recording", "provider_record"],
    )
    provider = expect(await desk.api.get(desk.call(ended["id"]) + "/provider-record"), 200)
    assert provider["record"] is None
    usage = expect(await desk.api.get(desk.call(ended["id"]) + "/usage"), 200)
    assert usage["items"]


# --- a data subject's erasure --------------------------------------------------------------


async def _rows_holding(engine: AsyncEngine, needle: str) -> list[str]:
    """Every row of every table of ours whose text holds `needle`, as that text."""
    found: list[str] = []
    async with engine.connect() as conn:
        tables = (
            await conn.execute(
                sa.text(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                )
            )
        ).scalars()
        for table in tables:
            rows = await conn.execute(
                sa.text(f'SELECT r::text FROM "{table}" AS r WHERE strpos(r::text, :needle) > 0'),
                {"needle": needle},
            )
            found += [f"{table}: {text}" for text in rows.scalars()]
    return found


async def test_an_erased_lead_leaves_nothing_of_the_person_in_any_table(
    build: Any, admin: Any, pg_container: Container, engine: AsyncEngine
) -> None:
    desk = await arrange(build)
    other = await arrange(build, "Globex")
    await set_feature(admin, desk.tenant_id, "recordings", True)
    phone, email, name = new_phone(), "zebulon.quartz@patients.example", "Zebulon Quartz"
    lead = expect(
        await desk.api.post(
            f"{desk.path}/leads",
            {"phone": phone, "name": name, "email": email, "metadata": {"tooth": "molar"}},
        ),
        201,
    )
    expect(await desk.api.patch(f"{desk.path}/leads/{lead['id']}", {"source": "referral"}), 200)
    by_lead = await _ended_call(desk, pg_container, lead_id=lead["id"], metadata={"ref": "Z-1"})
    by_number = await _ended_call(desk, pg_container, lead_id=None, to=phone)
    # Another tenant knows the same person: its copy is not this tenant's to erase.
    theirs = expect(
        await other.api.post(f"{other.path}/leads", {"phone": phone, "name": name}), 201
    )
    their_call = await _ended_call(other, pg_container, lead_id=theirs["id"])
    expect(await desk.api.post(f"{desk.path}/exports"), 202)
    await pg_container.tenant_exports().run_due()
    said = by_lead["transcript"]["text"].splitlines()[0]  # JSON text escapes line breaks
    links = [u for u in (by_lead["recording"] or {}).values() if isinstance(u, str)]
    needles = [phone, phone.lstrip("+"), email, name, said, *links]
    for needle in (phone, email, name, said):
        assert await _rows_holding(engine, needle), needle
    # A call of theirs still on the line: erase once it has ended.
    live = placed(await place(desk, lead_id=lead["id"]))
    assert_problem(await send(desk.api, "POST", f"{desk.path}/leads/{lead['id']}/erase"), 409)
    await pg_container.telephony().idle()
    report = await _usage_report(desk)
    member = await build.member(desk.tenant_id, "member", by=desk.api)
    assert_problem(await send(member.api, "POST", f"{desk.path}/leads/{lead['id']}/erase"), 403)

    erased = expect(await desk.api.post(f"{desk.path}/leads/{lead['id']}/erase"), 200)

    assert erased["calls"] == 3
    assert erased["messages"] > 0
    assert erased["exports"] == 1
    other_tenant = other.tenant_id
    for needle in needles:
        left = await _rows_holding(engine, needle)
        assert all(other_tenant in row for row in left), (needle, left)
    assert (await desk.api.get(f"{desk.path}/leads/{lead['id']}"))[0] == 404
    for call_id in (by_lead["id"], by_number["id"], live["id"]):
        call = await get_call(desk, call_id)
        assert (call["lead_id"], call["to_number"], call["metadata"]) == (None, "erased", {})
        assert call["transcript"] is None
        assert call["cost"] is not None
    assert await _usage_report(desk) == report
    assert expect(await desk.api.get(f"{desk.path}/exports"), 200)["items"] == []
    audit = expect(await desk.api.get(f"{desk.path}/audit-log?limit=100"), 200)["items"]
    assert [e["changes"] for e in audit if e["action"] == "lead.erased"] == [
        {"calls": 3, "messages": erased["messages"], "audit_entries": erased["audit_entries"],
         "exports": 1}
    ]  # fmt: skip
    assert any(e["action"] == "lead.created" and e["changes"] == {} for e in audit)
    # The other tenant's lead and call are as they were.
    assert expect(await other.api.get(f"{other.path}/leads/{theirs['id']}"), 200)["name"] == name
    assert (await get_call(other, their_call["id"]))["transcript"] == their_call["transcript"]


# --- the purge at scale ------------------------------------------------------------------------

EXPIRED = 100_000


async def _forget_the_crowd(engine: AsyncEngine) -> None:
    """Truncated, not left for the next test's emptying: a row-by-row delete of 200,000
    calls runs each one's foreign key checks."""
    async with engine.begin() as conn:
        await conn.execute(sa.text("TRUNCATE voice_calls CASCADE"))


@pytest.mark.campaign
async def test_a_hundred_thousand_expired_calls_go_in_bounded_batches_while_the_api_answers(
    build: Any, pg_container: Container, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = await arrange(build)
    other = await arrange(build, "Globex")
    kept = await _ended_call(desk, pg_container)  # ended just now: within the period
    async with engine.begin() as conn:
        for tenant_id in (desk.tenant_id, other.tenant_id):
            await conn.execute(
                sa.text(
                    "INSERT INTO voice_calls (id, tenant_id, to_number, direction, status,"
                    " transcription, summary, cost, call_duration, ended_at, created_at,"
                    " updated_at)"
                    " SELECT gen_random_uuid(), CAST(:tenant AS uuid), '+14155550100',"
                    " 'outbound', 'ended', jsonb_build_object('text', 'AI: hello ' || n,"
                    " 'messages', '[]'::jsonb), 'summary ' || n, 0.05, 30,"
                    " now() - interval '40 days', now() - interval '40 days',"
                    " now() - interval '40 days' FROM generate_series(1, :count) AS n"
                ),
                {"tenant": tenant_id, "count": EXPIRED},
            )
    async with engine.connect() as conn:  # as autovacuum would have, in service
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text("ANALYZE voice_calls"))
    try:
        expect(await desk.api.patch(f"{desk.path}/retention", {"transcripts_days": 30}), 200)
        batches: list[int] = []
        purge_expired = PostgresCallRepository.purge_expired

        async def counted(self: PostgresCallRepository, *args: Any) -> int:
            count = await purge_expired(self, *args)
            batches.append(count)
            return count

        monkeypatch.setattr(PostgresCallRepository, "purge_expired", counted)
        purge = asyncio.ensure_future(pg_container.retention().purge_due())
        answers: list[int] = []
        while not purge.done():
            status, _ = await desk.api.get(desk.call(kept["id"]))
            answers.append(status)
            await asyncio.sleep(0.05)
        purged = await purge
        async with engine.connect() as conn:
            held = (
                await conn.execute(
                    sa.text(
                        "SELECT tenant_id::text, count(*) FILTER (WHERE transcription IS NOT NULL),"
                        " count(*) FILTER (WHERE cost IS NOT NULL) FROM voice_calls GROUP BY 1"
                    )
                )
            ).all()
    finally:
        await _forget_the_crowd(engine)

    assert purged == {UUID(desk.tenant_id): {"transcript": EXPIRED}}
    assert max(batches) <= 1_000
    assert sum(batches) == EXPIRED
    assert len(answers) >= 3
    assert set(answers) == {200}
    assert {row[0]: (row[1], row[2]) for row in held} == {
        desk.tenant_id: (1, EXPIRED + 1),
        other.tenant_id: (EXPIRED, EXPIRED),
    }
