"""A scrape answers while the database does not: the operator learns it is down, fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.faults.harness import Cluster, Service, free_port

pytestmark = pytest.mark.faults

# The scrape's statement bound (2 s) plus the grace before a silent server's connection is
# cut (1 s), and slack for a loaded machine.
SCRAPE_BOUND_SECONDS = 6.0


def _database_up(text: str) -> float:
    return next(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "voice_agent_database_up"
    )


def test_metrics_answer_with_database_down_while_postgresql_is_frozen(
    cluster: Cluster, tmp_path: Path, services: list[Service]
) -> None:
    env = {"DATABASE_URL": cluster.create_database("scrape"), "VOICE_AGENT_WORKER": "false"}
    service = Service.start(
        ["serve", "--port", str(free_port())], env=env, log_path=tmp_path / "serve.log"
    )
    services.append(service)
    status, _, text = service.http("GET", "/metrics")
    assert status == 200
    assert _database_up(text) == 1

    cluster.freeze()
    try:
        started = time.monotonic()
        status, _, text = service.http("GET", "/metrics", timeout=30)
        took = time.monotonic() - started
    finally:
        cluster.thaw()

    assert status == 200
    assert _database_up(text) == 0
    assert took < SCRAPE_BOUND_SECONDS, f"the scrape took {took:.1f} s"
