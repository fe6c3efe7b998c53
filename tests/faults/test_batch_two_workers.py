"""Two workers on one database share a batch's dialling: no lead is dialled twice, the batch
completes, and its concurrency holds across both (never more of its calls on the line at
Vapi than it allows).

A worker's dispatch job runs rounds for most of a minute, so a worker started beside one
that dispatches sees its first job taken by the other. To have both dial at once, the
first is frozen (SIGSTOP) while the second starts and takes up the batch, then thawed: from
then on both claim leads of the same batch, each round under the line pool's lock.
"""

from __future__ import annotations

import contextlib
import random
import signal
import time
from collections import Counter
from pathlib import Path

import psutil
import psycopg
import pytest

from tests.fakes.vapi_line import VapiLine
from tests.faults.campaign import (
    SERVE_KEY,
    SERVER_URL_SECRET,
    BatchRows,
    Campaign,
    dialled_by_log,
    environment,
    serve_api,
    start_worker,
    wait_until,
)
from tests.faults.harness import Cluster, Service, free_port

pytestmark = pytest.mark.faults

SEED = 20260307
LEADS = 40
CONCURRENCY = 10
KEYS = ("vapi-key-of-worker-a", "vapi-key-of-worker-b")
# Nothing is lost here: the reconciler leaves alone the calls of the frozen worker (placed
# or about to be) for longer than the test lasts.
PATIENT_RECONCILER = {"VOICE_AGENT_RECONCILE_AFTER_SECONDS": "300"}
FREEZE_TRIES = 200
SETTLE_SECONDS = 0.1
DIAL_BOUND_SECONDS = 60
COMPLETION_BOUND_SECONDS = 90


def _backends(cluster: Cluster, worker: Service) -> list[str]:
    """The states of the worker's sessions at the database (pg_stat_activity)."""
    ports = [
        c.laddr.port
        for c in psutil.Process(worker.process.pid).net_connections("tcp")
        if c.raddr and c.raddr.port == cluster.port
    ]
    with psycopg.connect(cluster.admin_url, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT state FROM pg_stat_activity WHERE client_port = ANY(%s)", (ports,)
        ).fetchall()
    return [state for (state,) in rows]


def _freeze_between_rounds(cluster: Cluster, url: str, batch_id: str, worker: Service) -> None:
    """Stop the worker (SIGSTOP) at a moment it holds nothing the other needs: no session in
    a transaction (so no lock of the pool or of the batch), no lead claimed and not yet
    placed (which would keep its line from the other)."""
    pace = random.Random(SEED)
    process = psutil.Process(worker.process.pid)
    for _ in range(FREEZE_TRIES):
        worker.process.send_signal(signal.SIGSTOP)
        wait_until(process.status, lambda s: s == psutil.STATUS_STOPPED, 5, "the worker stopping")
        # What it sent before it stopped reaches the database.
        time.sleep(SETTLE_SECONDS)
        states = _backends(cluster, worker)
        idle = bool(states) and all(s == "idle" for s in states)
        if idle and BatchRows.read(url, batch_id).recount["dialling"] == 0:
            return
        worker.process.send_signal(signal.SIGCONT)
        time.sleep(pace.uniform(0.01, 0.1))
    raise AssertionError(f"the worker was never caught between rounds in {FREEZE_TRIES} tries")


def _wait_for_report(worker: Service, dials: int) -> None:
    """Until the worker's log reports `dials` dials (its dispatch stops once the batch is
    done)."""
    wait_until(
        lambda: dialled_by_log(worker),
        lambda count: count == dials,
        10,
        f"a report of {dials} dials in {worker.log_path.name}",
    )


def test_two_workers_share_a_batch_without_dialling_a_lead_twice(
    cluster: Cluster, tmp_path: Path, services: list[Service]
) -> None:
    url = cluster.create_database("batch_two_workers")
    port = free_port()
    with VapiLine(
        [SERVE_KEY, *KEYS],
        server_url=f"http://127.0.0.1:{port}/v1/webhooks/vapi",
        server_secret=SERVER_URL_SECRET,
        seed=SEED,
    ) as vapi:
        env = environment(url, vapi.base_url, **PATIENT_RECONCILER)
        serve, token = serve_api(env, port, tmp_path, services)
        campaign = Campaign.start(
            serve, token, leads=LEADS, concurrency=CONCURRENCY, max_attempts=1
        )

        def dialled_with(key: str) -> bool:
            return any(c.key == key for c in vapi.creates())

        a = start_worker(env, KEYS[0], tmp_path / "worker-a.log", services)
        wait_until(lambda: dialled_with(KEYS[0]), bool, DIAL_BOUND_SECONDS, "worker a dialling")
        _freeze_between_rounds(cluster, url, campaign.batch_id, a)
        try:
            b = start_worker(env, KEYS[1], tmp_path / "worker-b.log", services)
            wait_until(lambda: dialled_with(KEYS[1]), bool, DIAL_BOUND_SECONDS, "worker b dialling")
        finally:
            with contextlib.suppress(ProcessLookupError):
                a.process.send_signal(signal.SIGCONT)
        rows = wait_until(
            lambda: BatchRows.read(url, campaign.batch_id),
            lambda rows: rows.status != "running",
            COMPLETION_BOUND_SECONDS,
            "the batch completing",
        )
        creates = vapi.creates()
        max_open = vapi.max_open()
        problems = vapi.problems()

    # Every lead dialled exactly once, by one worker or the other.
    dialled = Counter(c.number for c in creates)
    assert sorted(dialled) == sorted(campaign.numbers)
    assert set(dialled.values()) == {1}, [n for n, times in dialled.items() if times > 1]
    assert set(rows.calls.values()) == {1}, rows.calls

    # The batch completed with every lead, its counts are its items'.
    assert rows.status == "completed", rows
    assert rows.counts == rows.recount, rows
    assert rows.recount["completed"] == LEADS, rows.recount
    assert all(item.attempts == 1 for item in rows.items.values()), rows.items

    # Its concurrency held across both workers, and was used.
    assert max_open <= CONCURRENCY, max_open
    assert max_open > 1, max_open

    # Both dialled, and each says so in its log: the dials it reports are the ones Vapi saw
    # with its key.
    by_worker = Counter(c.key for c in creates)
    assert by_worker[KEYS[0]] > 0, by_worker
    assert by_worker[KEYS[1]] > 0, by_worker
    for worker, key in ((a, KEYS[0]), (b, KEYS[1])):
        _wait_for_report(worker, by_worker[key])
    assert problems == [], problems
