"""`voice-agent worker` stops cleanly when a process manager asks (SIGTERM), as on Ctrl-C."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.faults.harness import Cluster, Service

pytestmark = pytest.mark.faults


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_worker_stops_cleanly_on_a_stop_signal(
    cluster: Cluster, tmp_path: Path, services: list[Service], stop: signal.Signals
) -> None:
    env = {
        "DATABASE_URL": cluster.create_database("jobs"),
        # A worker runs only with Vapi; this one is never asked anything (no call is due).
        "VOICE_AGENT_VAPI_API_KEY": "test-key",
        "VOICE_AGENT_VAPI_BASE_URL": "http://127.0.0.1:9",
    }
    worker = Service.start(["worker"], env=env, log_path=tmp_path / "worker.log", ready_path=None)
    services.append(worker)
    worker.wait_for_log(lambda line: line.get("event") == "worker started", timeout=60)

    worker.process.send_signal(stop)

    assert worker.process.wait(20) == 0
    assert any(line.get("event") == "worker stopped" for line in worker.log_lines())
