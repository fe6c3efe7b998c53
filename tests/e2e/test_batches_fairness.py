"""Two tenants' batches share a small pool of lines on PostgreSQL: while both have leads to
call, each holds its half at every round, neither ever holds more than its ceiling, and a
tenant's own single calls count against its share. Run round by round with the app's
dispatcher and the sandbox's short calls."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from dependency_injector import providers

from adapters.sandbox import SandboxScript
from application.call_tracking import CallPolicy
from tests.e2e.helpers import expect
from tests.e2e.test_batches import act, batch_body, created, lead, ok
from tests.e2e.test_calls import (
    Desk,
    api_fixture,  # noqa: F401 (the fixtures of the calls' tests, shared)
    arrange,
    catalogue_fixture,  # noqa: F401
    sandbox_script,  # noqa: F401
    telephony_provider,  # noqa: F401
)

pytestmark = pytest.mark.postgres

POOL = 4
LEADS = 12
ALWAYS = {"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "23:59"}


@pytest.fixture(name="call_policy")
def small_pool() -> CallPolicy:
    return CallPolicy(provider_max_concurrent=POOL)


@pytest.fixture
def pg_container(pg_container: Any, call_policy: CallPolicy) -> Any:
    pg_container.call_policy.override(providers.Object(call_policy))
    return pg_container


async def a_campaign(desk: Desk, first: int) -> str:
    ids = [
        await lead(desk, f"+4420712{first + n:05d}", timezone="Europe/London") for n in range(LEADS)
    ]
    made = await created(
        desk, batch_body(desk, {"ids": ids}, concurrency=LEADS, calling_window=ALWAYS)
    )
    ok(await act(desk, made["id"], "start"))
    return str(made["id"])


async def lines_held(pg_container: Any) -> Counter[str]:
    async with pg_container.uows()() as tx:
        return Counter(str(live.tenant_id) for live in await tx.live_calls.in_flight(None, 1000))


async def progress(desk: Desk, batch_id: str) -> dict[str, Any]:
    body = expect(await desk.api.get(f"{desk.path}/batches/{batch_id}"), 200)
    return dict(body["progress"]) | {"status": body["status"]}


async def test_two_tenants_batches_hold_half_the_pool_each_while_both_have_leads(
    build, pg_container
):
    acme, globex = await arrange(build, "Acme"), await arrange(build, "Globex")
    batches = {
        acme.tenant_id: await a_campaign(acme, 0),
        globex.tenant_id: await a_campaign(globex, 100),
    }
    dispatcher, sandbox = pg_container.batch_dispatcher(), pg_container.telephony()
    rounds: list[Counter[str]] = []
    for _ in range(4 * LEADS):
        await dispatcher.tick()
        rounds.append(await lines_held(pg_container))
        await sandbox.idle()  # this round's calls end; their lines are free again
        states = [await progress(d, batches[d.tenant_id]) for d in (acme, globex)]
        if all(s["status"] == "completed" for s in states):
            break

    assert [s["status"] for s in states] == ["completed", "completed"]
    assert [s["completed"] for s in states] == [LEADS, LEADS]
    # Every round while both had leads waiting: two lines each, the pool full.
    both = rounds[: LEADS // (POOL // 2)]
    assert all(r == {acme.tenant_id: POOL // 2, globex.tenant_id: POOL // 2} for r in both), both
    assert max(max(r.values(), default=0) for r in rounds) <= POOL // 2


# Single calls long enough to be on the line still when the batches' round comes.
@pytest.mark.parametrize("sandbox_script", [SandboxScript(ring_seconds=0, talk_seconds=8)])
async def test_a_tenants_single_calls_count_against_its_share_of_the_pool(build, pg_container):
    acme, globex = await arrange(build, "Acme"), await arrange(build, "Globex")
    batches = [await a_campaign(acme, 0), await a_campaign(globex, 100)]
    await act(acme, batches[0], "pause")
    await act(globex, batches[1], "pause")
    for n in range(POOL // 2):  # Acme holds its whole share with single calls
        body = {"agent_id": acme.agent_id, "to": f"+44207199{n:04d}"}
        expect(await acme.api.post(f"{acme.path}/calls", body), 201)
    status, problem = await acme.api.post(
        f"{acme.path}/calls", {"agent_id": acme.agent_id, "to": "+442071999999"}
    )
    assert (status, problem["code"]) == (503, "provider-busy")
    await act(acme, batches[0], "resume")
    await act(globex, batches[1], "resume")

    await pg_container.batch_dispatcher().tick()

    held = await lines_held(pg_container)
    assert held == {acme.tenant_id: POOL // 2, globex.tenant_id: POOL // 2}
    batch_lines = {
        d.tenant_id: (await progress(d, b))["live"]
        for d, b in zip((acme, globex), batches, strict=True)
    }
    assert batch_lines == {acme.tenant_id: 0, globex.tenant_id: POOL // 2}
    await asyncio.wait_for(pg_container.telephony().idle(), timeout=30)
