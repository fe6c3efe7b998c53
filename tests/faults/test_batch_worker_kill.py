"""A worker killed (SIGKILL) while it dials a batch never dials a lead twice, and the batch
goes on and completes once a worker runs again.

A lead is claimed, and its call queued, in one transaction before Vapi is asked: whatever
moment the kill comes at, the next worker finds the lead taken, never due again for the
same try. The call the killed worker made ends on the line and settles its lead by Vapi's
messages; one it never got to make is failed by the reconciler (Vapi has no record of
it), as is the lead with it (one try each here).

Four workers are killed in turn, each started as the last one died: at a random moment
after it began to dial, the moment Vapi stores one of its calls (the answer never read),
while its claim of leads is being committed (claimed, never dialled), and at a random
moment again; a fifth runs the batch to its end.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from functools import partial
from pathlib import Path

import pytest

from tests.fakes.vapi_line import VapiLine
from tests.faults.campaign import (
    GONE_AT_PROVIDER,
    QUICK_RECONCILER,
    SERVE_KEY,
    SERVER_URL_SECRET,
    BatchRows,
    Campaign,
    ClaimBrake,
    dialled_by_log,
    environment,
    serve_api,
    start_worker,
    wait_until,
)
from tests.faults.harness import Cluster, Service, free_port

pytestmark = pytest.mark.faults

SEED = 20260306
LEADS = 30
CONCURRENCY = 5
KILLS = 4
KILL_DELAYS = (0.2, 2.0)  # after the worker's first dial, drawn from SEED
KILL_AT_A_CREATE = 1
"""This worker is killed by Vapi's fake the moment it makes a call, before the answer."""
KILL_IN_A_CLAIM = 2
"""This one is killed while the commit of its claim of leads is on its way: the leads are
claimed and it never dials them."""
# A process manager's pause before starting the worker again, longer than the reconciler's
# one second: the next worker's first sweep finds every call the killed one left.
RESTART_SECONDS = 1.5
DIAL_BOUND_SECONDS = 60  # a worker started dials within this (its start, the lines it frees)
COMPLETION_BOUND_SECONDS = 90
BRAKE_BOUND_SECONDS = 10  # a held commit goes through (ClaimBrake.SECONDS)


def test_a_worker_killed_at_any_moment_never_dials_a_lead_twice_and_the_batch_completes(
    cluster: Cluster, tmp_path: Path, services: list[Service]
) -> None:
    url = cluster.create_database("batch_worker_kill")
    keys = [f"vapi-key-of-worker-{n}" for n in range(KILLS + 1)]
    port = free_port()
    delays = random.Random(SEED)
    with VapiLine(
        [SERVE_KEY, *keys],
        server_url=f"http://127.0.0.1:{port}/v1/webhooks/vapi",
        server_secret=SERVER_URL_SECRET,
        seed=SEED,
    ) as vapi:
        env = environment(url, vapi.base_url, **QUICK_RECONCILER)
        serve, token = serve_api(env, port, tmp_path, services)
        brake = ClaimBrake(url)
        brake.install()
        campaign = Campaign.start(
            serve, token, leads=LEADS, concurrency=CONCURRENCY, max_attempts=1
        )

        def pending() -> int:
            return BatchRows.read(url, campaign.batch_id).recount["pending"]

        def dialled_or_done(key: str) -> bool:
            return any(c.key == key for c in vapi.creates()) or pending() == 0

        for n in range(KILLS):
            if n == KILL_IN_A_CLAIM:
                brake.arm()
            worker = start_worker(env, keys[n], tmp_path / f"worker-{n}.log", services)
            if n == KILL_IN_A_CLAIM:
                brake.wait_until_braking(DIAL_BOUND_SECONDS)
                worker.kill()
                brake.wait_until_released(BRAKE_BOUND_SECONDS)
            else:
                if n == KILL_AT_A_CREATE:
                    vapi.kill_at_next_create(keys[n], worker.process.pid)
                # Killed once it dials (or once no lead is left to dial).
                wait_until(
                    partial(dialled_or_done, keys[n]),
                    bool,
                    DIAL_BOUND_SECONDS,
                    f"worker {n} dialling",
                )
                if n != KILL_AT_A_CREATE or vapi.cancel_kill(keys[n]):
                    time.sleep(delays.uniform(*KILL_DELAYS))
                worker.kill()
            time.sleep(RESTART_SECONDS)

        last = start_worker(env, keys[KILLS], tmp_path / f"worker-{KILLS}.log", services)
        rows = wait_until(
            lambda: BatchRows.read(url, campaign.batch_id),
            lambda rows: rows.status != "running",
            COMPLETION_BOUND_SECONDS,
            "the batch completing",
        )
        creates = vapi.creates()
        problems = vapi.problems()

    # No lead was dialled twice: one try each, and no create at Vapi repeated.
    dialled = Counter(c.number for c in creates)
    assert max(dialled.values()) == 1, [n for n, times in dialled.items() if times > 1]
    assert len({c.name for c in creates}) == len(creates)
    assert set(rows.calls) == set(campaign.numbers)
    assert max(rows.calls.values()) == 1, rows.calls

    # The batch completed, its counts are its items', none left on the line.
    assert rows.status == "completed", rows
    assert rows.counts == rows.recount, rows
    assert rows.recount["dialling"] == rows.recount["live"] == 0, rows.recount
    assert rows.recount["completed"] + rows.recount["failed"] == LEADS, rows.recount

    # A lead Vapi called was completed by the call's end; one it never heard of failed.
    for number, item in rows.items.items():
        assert item.attempts == 1, item
        if number in dialled:
            assert (item.status, item.last_outcome, item.call_status) == (
                "completed",
                "completed",
                "ended",
            ), item
        else:
            assert (item.status, item.call_status, item.ended_reason) == (
                "failed",
                "failed",
                GONE_AT_PROVIDER,
            ), item

    # The kills hit workers at work: the first dialled; the call made at the moment of its
    # worker's death, whose answer was never read, completed its lead all the same; the
    # leads claimed by the worker killed in its commit were never dialled, and failed.
    by_worker = Counter(c.key for c in creates)
    assert by_worker[keys[0]] > 0, by_worker
    [made_at_the_kill, *_] = [c for c in creates if c.key == keys[KILL_AT_A_CREATE]]
    assert rows.items[made_at_the_kill.number].status == "completed"
    assert by_worker[keys[KILL_IN_A_CLAIM]] == 0, by_worker
    assert rows.recount["failed"] > 0, rows.recount
    # The last worker reports the dials it made (its dispatch stops once the batch is done).
    dials = by_worker[keys[KILLS]]
    wait_until(
        lambda: dialled_by_log(last),
        lambda count: count == dials,
        10,
        f"the last worker's report of its {dials} dials",
    )
    assert problems == [], problems
