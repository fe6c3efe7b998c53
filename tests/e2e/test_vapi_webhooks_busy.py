"""Vapi sends an end-of-call report once and never again: when the rows it must change are
held by other work (a lead import writing the call's lead, say) past the lock bound, the
report is still kept in the inbox, with why it was not applied, and acknowledged — not
answered 503 and lost. The reconciler brings the call's final state from Vapi later."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from dependency_injector import providers

from adapters.postgres.engine import libpq_url
from adapters.postgres.timeouts import DatabaseTimeouts
from entrypoints.container import Container
from tests.e2e.test_calls import (
    api_fixture,  # noqa: F401 (the fixtures of the calls' tests, shared)
    arrange,
    call_policy_fixture,  # noqa: F401
    catalogue_fixture,  # noqa: F401
    deliver,
    oracle_fixture,  # noqa: F401
    place,
    placed,
    vapi_call,
    vapi_fixture,  # noqa: F401
    vapi_telephony_fixture,  # noqa: F401
)

pytestmark = pytest.mark.postgres

# A request gives up on a held row after 0.3 s (5 s in service).
BOUNDS = DatabaseTimeouts(pool_seconds=5, statement_seconds=5, lock_seconds=0.3, bulk_seconds=10)


@pytest.fixture
def pg_container(pg_container: Container) -> Container:
    pg_container.db_timeouts.override(providers.Object(BOUNDS))
    return pg_container


@pytest.fixture
def telephony_provider(vapi_telephony: providers.Provider[Any]) -> Any:
    return vapi_telephony


@contextlib.asynccontextmanager
async def held(pg_url: str, table: str, row_id: str) -> AsyncIterator[None]:
    """Another session holds one row until the block ends (as an import's bulk commit does)."""
    async with await psycopg.AsyncConnection.connect(libpq_url(pg_url)) as holder:
        await holder.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", (row_id,))
        try:
            yield
        finally:
            await holder.rollback()


@pytest.mark.parametrize("table", ["leads", "voice_calls"])
async def test_a_report_about_busy_rows_is_kept_with_why_and_acknowledged(
    build, pg_url, all_rows, table
):
    desk = await arrange(build)
    call = placed(await place(desk))
    report = vapi_call(desk, call).end_of_call_report()
    row_id = desk.lead_id if table == "leads" else call["id"]

    async with held(pg_url, table, row_id):
        reply = await deliver(desk.api, report)

    assert reply.status == 200, reply.body
    assert reply.body == {"received": True, "duplicate": False}
    rows = await all_rows()
    kept = [e for e in rows["webhook_events"] if e["type"] == "end-of-call-report"]
    assert len(kept) == 1
    assert kept[0]["vapi_call_id"] == call["vapi_call_id"]
    assert kept[0]["processed_at"] is None
    assert "lock timeout" in kept[0]["error"]
    # Not applied: the call is still the reconciler's to settle.
    assert [c["status"] for c in rows["voice_calls"] if c["id"] == call["id"]] == ["queued"]
    assert [live["call_id"] for live in rows["live_calls"]] == [call["id"]]
