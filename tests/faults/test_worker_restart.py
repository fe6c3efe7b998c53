"""PostgreSQL restarted under `serve`: its in-process job worker starts again and sweeps
within seconds of the database's return, says why it stopped, and reports it.

procrastinate's worker shuts itself down without raising when its connection goes away;
before the fix that ended the worker for good, silently, and the calls it should have
settled stayed open, holding their tenants' lines.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.faults.harness import Cluster, Service, free_port

pytestmark = pytest.mark.faults

OUTAGE_SECONDS = 5
SWEEP_BOUND_SECONDS = 10  # from PostgreSQL's return to the worker's next finished sweep


def _worker(service: Service) -> dict[str, Any] | None:
    """/readyz's worker field, or None while the service is not ready (the database)."""
    try:
        status, _, body = service.http("GET", "/readyz", timeout=2)
    except OSError:
        return None
    if status != 200:
        return None
    worker: dict[str, Any] = body["worker"]
    return worker


def _swept_after(service: Service, after: datetime | None, within: float) -> dict[str, Any]:
    """/readyz's worker field once it reports a sweep finished after `after`."""
    deadline = time.monotonic() + within
    worker = None
    while time.monotonic() < deadline:
        worker = _worker(service)
        if worker is not None and worker["last_sweep_at"] is not None:
            swept = datetime.fromisoformat(worker["last_sweep_at"])
            if after is None or swept > after:
                return worker
        time.sleep(0.2)
    raise AssertionError(
        f"no sweep after {after} within {within} s (last seen: {worker}):\n"
        f"{service.log_text()[-4000:]}"
    )


def _last_sweep_gauge(service: Service) -> float:
    status, _, text = service.http("GET", "/metrics", timeout=5)
    assert status == 200
    [value] = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "voice_agent_worker_last_sweep_timestamp"
    ]
    return value


def test_the_worker_sweeps_again_within_seconds_of_postgresql_coming_back(
    cluster: Cluster, tmp_path: Path, services: list[Service]
) -> None:
    service = Service.start(
        ["serve", "--port", str(free_port())],
        env={"DATABASE_URL": cluster.create_database("worker_restart")},
        log_path=tmp_path / "serve.log",
        ready_path="/readyz",
    )
    services.append(service)
    # A worker sweeps as soon as it starts, not at the next minute.
    before = _swept_after(service, None, within=15)
    assert (before["state"], before["restarts"]) == ("running", 0)
    swept_before = datetime.fromisoformat(before["last_sweep_at"])
    assert _last_sweep_gauge(service) >= swept_before.timestamp()

    cluster.stop()
    time.sleep(OUTAGE_SECONDS)  # the outage itself; nothing is asserted of its length
    # Nothing can be swept before this: the sweep awaited is one made after the return.
    returning = datetime.now(UTC)
    cluster.start()

    after = _swept_after(service, returning, within=SWEEP_BOUND_SECONDS)

    assert after["state"] == "running"
    assert after["restarts"] >= 1
    assert after["last_stopped_at"] is not None
    assert _last_sweep_gauge(service) >= returning.timestamp()
    stops = [
        line
        for line in service.log_lines()
        if line.get("event") == "worker stopped; starting again"
    ]
    assert stops, service.log_text()[-4000:]
    assert all(line["level"] == "warning" and line["reason"] for line in stops), stops
    # The first stop names what happened: the database connection went away.
    assert any(word in stops[0]["reason"] for word in ("connection", "database")), stops
    assert service.stop() == 0, service.log_text()[-4000:]
