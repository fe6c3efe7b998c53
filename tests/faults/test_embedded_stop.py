"""Ctrl-C stops the embedded PostgreSQL, even after an earlier `serve` was killed.

pgserver counts the processes using a data directory in a handle file and stops the server
when the last one lets go; a killed process never lets go, so its pid must be recognised as
gone, or no later Ctrl-C stops PostgreSQL again.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.faults.harness import Service, free_port, postmaster_of

pytestmark = pytest.mark.faults

STOP_BOUND_SECONDS = 15


def _serve(data_dir: Path, services: list[Service]) -> Service:
    service = Service.start(
        ["serve", "--port", str(free_port())],
        env={"VOICE_AGENT_DATA_DIR": str(data_dir)},
        log_path=data_dir / "serve.log",
        timeout=90,
    )
    services.append(service)
    return service


def test_ctrl_c_stops_embedded_postgres_after_a_killed_serve(
    data_dir: Path, services: list[Service]
) -> None:
    pg_data = data_dir / "pg"
    _serve(data_dir, services).kill()
    survivor = postmaster_of(pg_data)
    assert survivor is not None, "a killed serve leaves its PostgreSQL running"

    second = _serve(data_dir, services)
    assert postmaster_of(pg_data) is not None
    assert second.stop() == 0

    deadline = time.monotonic() + STOP_BOUND_SECONDS
    while time.monotonic() < deadline and (
        survivor.is_running() or (pg_data / "postmaster.pid").exists()
    ):
        time.sleep(0.1)
    assert not survivor.is_running(), "PostgreSQL still runs after Ctrl-C"
    assert not (pg_data / "postmaster.pid").exists()
